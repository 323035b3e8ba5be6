/** A realistic document package with every MessageHeader field, for tests. */
export const SIGNATURE_XML =
  '<Signature xmlns="http://www.w3.org/2000/09/xmldsig#">\r\n  <SignedInfo><CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/>' +
  '<SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/><Reference URI=""><Transforms><Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/></Transforms>' +
  '<DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><DigestValue>q1w2e3r4t5y6u7i8o9p0=</DigestValue></Reference></SignedInfo>\r\n' +
  '  <SignatureValue>AbCdEf  GhIj==</SignatureValue><KeyInfo><X509Data><X509Certificate>MIIBszCCAVmgAwIBAgIU</X509Certificate></X509Data></KeyInfo></Signature>';

export const UNKNOWN_IN_HEADER = '<edXML:LegacyFlag code="x&amp;y">giữ nguyên <b xmlns="urn:other">đậm</b></edXML:LegacyFlag>';
export const UNKNOWN_IN_OTHER_INFO = '<edXML:Direction>false</edXML:Direction>';
export const REPLACEMENT_INFO =
  '<edXML:ReplacementInfoList><edXML:ReplacementInfo><edXML:DocumentId>000.00.01.H41,2026/11/01,12/QĐ-UBND</edXML:DocumentId></edXML:ReplacementInfo></edXML:ReplacementInfoList>';

export const ATTACHMENT_TEXT = 'Nội dung tệp đính kèm: Quyết định số 125/QĐ-UBND\n';

export function fullDocumentXml(opts: { docType?: number; attachmentBase64?: string } = {}): string {
  const b64 = opts.attachmentBase64 ?? Buffer.from(ATTACHMENT_TEXT, 'utf8').toString('base64');
  const docType = opts.docType ?? 3;
  return `<?xml version="1.0" encoding="UTF-8"?>
<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">
  <edXML:edXMLEnvelope xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016">
    <edXML:edXMLHeader>
      <edXML:MessageHeader>
        <edXML:From>
          <edXML:OrganId>000.00.01.H41</edXML:OrganId>
          <edXML:OrganizationInCharge>Ủy ban nhân dân tỉnh Nghệ An</edXML:OrganizationInCharge>
          <edXML:OrganName>Văn phòng UBND tỉnh Nghệ An</edXML:OrganName>
          <edXML:OrganAdd>Số 16, đường Trường Thi, TP. Vinh</edXML:OrganAdd>
          <edXML:Email>vanthu@nghean.gov.vn</edXML:Email>
          <edXML:Telephone>0238 3842 512</edXML:Telephone>
          <edXML:Fax>0238 3843 049</edXML:Fax>
          <edXML:Website>https://nghean.gov.vn</edXML:Website>
        </edXML:From>
        <edXML:To>
          <edXML:OrganId>000.00.02.H41</edXML:OrganId>
          <edXML:OrganizationInCharge>Sở Tài chính</edXML:OrganizationInCharge>
          <edXML:OrganName>Sở Tài chính tỉnh Nghệ An</edXML:OrganName>
          <edXML:OrganAdd>Số 2, Lê Hồng Phong</edXML:OrganAdd>
          <edXML:Email>stc@nghean.gov.vn</edXML:Email>
          <edXML:Telephone>0238 3844 111</edXML:Telephone>
          <edXML:Fax>0238 3844 112</edXML:Fax>
          <edXML:Website>https://stc.nghean.gov.vn</edXML:Website>
        </edXML:To>
        <edXML:To>
          <edXML:OrganId>000.00.03.H41</edXML:OrganId>
          <edXML:OrganName>Sở Xây dựng</edXML:OrganName>
        </edXML:To>
        <edXML:DocumentId>000.00.01.H41,2026/11/22,125/QĐ-UBND</edXML:DocumentId>
        <edXML:Code>
          <edXML:CodeNumber>125</edXML:CodeNumber>
          <edXML:CodeNotation>QĐ-UBND</edXML:CodeNotation>
        </edXML:Code>
        <edXML:PromulgationInfo>
          <edXML:Place>Nghệ An</edXML:Place>
          <edXML:PromulgationDate>2026/11/22</edXML:PromulgationDate>
        </edXML:PromulgationInfo>
        <edXML:DocumentType>
          <edXML:Type>1</edXML:Type>
          <edXML:TypeDetail>2</edXML:TypeDetail>
          <edXML:TypeName>Quyết định</edXML:TypeName>
        </edXML:DocumentType>
        <edXML:Subject>Về việc phê duyệt kế hoạch đầu tư công trung hạn giai đoạn 2026–2030 &amp; điều chỉnh &lt;dự toán&gt;</edXML:Subject>
        <edXML:Content>Giao Sở Tài chính chủ trì, phối hợp các sở, ngành liên quan triển khai.</edXML:Content>
        <edXML:SignerInfo>
          <edXML:Competence>KT. CHỦ TỊCH</edXML:Competence>
          <edXML:Position>PHÓ CHỦ TỊCH</edXML:Position>
          <edXML:FullName>Nguyễn Văn Đệ</edXML:FullName>
        </edXML:SignerInfo>
        <edXML:DueDate>2026/12/15 17:00:00</edXML:DueDate>
        <edXML:ToPlaces>
          <edXML:Place>Như Điều 3</edXML:Place>
          <edXML:Place>Lưu: VT, TH.</edXML:Place>
        </edXML:ToPlaces>
        <edXML:OtherInfo>
          <edXML:Priority>2</edXML:Priority>
          <edXML:SphereOfPromulgation>Lưu hành nội bộ</edXML:SphereOfPromulgation>
          <edXML:TyperNotation>TVC</edXML:TyperNotation>
          <edXML:PromulgationAmount>10</edXML:PromulgationAmount>
          <edXML:PageAmount>3</edXML:PageAmount>
          <edXML:Appendixes>
            <edXML:Appendix>Phụ lục I: Danh mục dự án</edXML:Appendix>
            <edXML:Appendix>Phụ lục II: Nguồn vốn</edXML:Appendix>
          </edXML:Appendixes>
          ${UNKNOWN_IN_OTHER_INFO}
        </edXML:OtherInfo>
        <edXML:SteeringType>1</edXML:SteeringType>
        <edXML:ResponseFor>
          <edXML:OrganId>000.00.02.H41</edXML:OrganId>
          <edXML:Code>45/STC-NS</edXML:Code>
          <edXML:PromulgationDate>2026/11/10</edXML:PromulgationDate>
          <edXML:DocumentId>000.00.02.H41,2026/11/10,45/STC-NS</edXML:DocumentId>
        </edXML:ResponseFor>
        <edXML:ResponseFor>
          <edXML:OrganId>000.00.03.H41</edXML:OrganId>
          <edXML:DocumentId>000.00.03.H41,2026/11/12,78/SXD</edXML:DocumentId>
        </edXML:ResponseFor>
        ${UNKNOWN_IN_HEADER}
      </edXML:MessageHeader>
      <edXML:TraceHeaderList>
        <edXML:Bussiness>
          <edXML:BussinessDocType>${docType}</edXML:BussinessDocType>
          <edXML:BussinessDocReason>Thay thế do sai sót số liệu</edXML:BussinessDocReason>
          <edXML:Paper>1</edXML:Paper>
          <edXML:StaffInfo>
            <edXML:Department>Phòng Tổng hợp</edXML:Department>
            <edXML:Staff>Trần Thị Hằng</edXML:Staff>
            <edXML:Mobile>0912 345 678</edXML:Mobile>
            <edXML:Email>hang.tt@nghean.gov.vn</edXML:Email>
          </edXML:StaffInfo>
          ${REPLACEMENT_INFO}
        </edXML:Bussiness>
        <edXML:TraceHeader>
          <edXML:OrganId>000.00.01.H41</edXML:OrganId>
          <edXML:Timestamp>2026/11/22 08:30:15</edXML:Timestamp>
        </edXML:TraceHeader>
        <edXML:TraceHeader>
          <edXML:OrganId>000.00.00.G22</edXML:OrganId>
          <edXML:Timestamp>2026/11/22 08:30:17</edXML:Timestamp>
        </edXML:TraceHeader>
      </edXML:TraceHeaderList>
      ${SIGNATURE_XML}
    </edXML:edXMLHeader>
    <edXML:edXMLBody>
      <edXML:edXMLManifest version="1.0">
        <edXML:Reference>
          <edXML:ContentId>cid:2f1c0c4e-quyet-dinh</edXML:ContentId>
          <edXML:ContentType>application/pdf</edXML:ContentType>
          <edXML:AttachmentName>Quyết định 125-QĐ-UBND.pdf</edXML:AttachmentName>
          <edXML:Description>Bản scan có chữ ký</edXML:Description>
        </edXML:Reference>
      </edXML:edXMLManifest>
    </edXML:edXMLBody>
  </edXML:edXMLEnvelope>
  <AttachmentEncoded>
    <Attachment>
      <ContentId>cid:2f1c0c4e-quyet-dinh</ContentId>
      <AttachmentName>Quyết định 125-QĐ-UBND.pdf</AttachmentName>
      <ContentType>application/pdf</ContentType>
      <Description>Bản scan có chữ ký</Description>
      <edXML:ContentTransferEncoded xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016">${b64}</edXML:ContentTransferEncoded>
    </Attachment>
  </AttachmentEncoded>
</edXML>
`;
}
