import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { LtError, validateDocumentBody } from '@lt/contracts';
import {
  edxmlToString,
  hashingAttachmentSink,
  readEdxml,
  withOriginalId,
  writeEdxmlDocument,
  writeEdxmlStatus,
  type EdxmlDocumentPackage,
  type EdxmlStatusPackage,
} from './index';
import { ATTACHMENT_TEXT, REPLACEMENT_INFO, SIGNATURE_XML, UNKNOWN_IN_HEADER, UNKNOWN_IN_OTHER_INFO, fullDocumentXml } from './testing/fixtures';

async function readDocument(xml: string | Buffer, dir?: string): Promise<EdxmlDocumentPackage> {
  const pkg = await readEdxml(xml, dir ? { attachmentsDir: dir } : { sink: hashingAttachmentSink() });
  if (pkg.kind !== 'document') throw new Error('expected a document package');
  return pkg;
}

/** Writes a read package back, attachments from the files the default sink wrote. */
async function writeBack(pkg: EdxmlDocumentPackage): Promise<string> {
  const stream = writeEdxmlDocument({
    body: pkg.body,
    originalDocumentId: pkg.original?.documentId,
    attachments: pkg.attachments.map((a, i) => ({
      name: a.name,
      mediaType: a.mediaType,
      contentId: pkg.body.edxml?.attachments?.[i]?.contentId,
      description: pkg.body.edxml?.attachments?.[i]?.description,
      open: () => createReadStream(a.path!),
    })),
  });
  return edxmlToString(stream);
}

describe('edXML document package', () => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'edxml-rw-'))));
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('maps every MessageHeader field to the model', async () => {
    const pkg = await readDocument(fullDocumentXml(), dir);
    const b = pkg.body;
    expect(pkg.from).toEqual(b.from);
    expect(pkg.from.organizationInCharge).toBe('Ủy ban nhân dân tỉnh Nghệ An');
    expect(pkg.from.website).toBe('https://nghean.gov.vn');
    expect(pkg.to.map((o) => o.organId)).toEqual(['000.00.02.H41', '000.00.03.H41']);
    expect(b.to?.[0]).toEqual({
      organId: '000.00.02.H41',
      organizationInCharge: 'Sở Tài chính',
      organName: 'Sở Tài chính tỉnh Nghệ An',
      organAdd: 'Số 2, Lê Hồng Phong',
      email: 'stc@nghean.gov.vn',
      telephone: '0238 3844 111',
      fax: '0238 3844 112',
      website: 'https://stc.nghean.gov.vn',
    });
    expect(b.documentId).toBe('000.00.01.H41,2026/11/22,125/QĐ-UBND');
    expect(b.code).toEqual({ codeNumber: '125', codeNotation: 'QĐ-UBND' });
    expect(b.promulgationInfo).toEqual({ place: 'Nghệ An', promulgationDate: '2026-11-22' });
    expect(b.documentType).toEqual({ type: 1, typeDetail: 2, typeName: 'Quyết định' });
    expect(b.subject).toBe('Về việc phê duyệt kế hoạch đầu tư công trung hạn giai đoạn 2026–2030 & điều chỉnh <dự toán>');
    expect(b.content).toMatch(/^Giao Sở Tài chính/);
    expect(b.signerInfo).toEqual({ competence: 'KT. CHỦ TỊCH', position: 'PHÓ CHỦ TỊCH', fullName: 'Nguyễn Văn Đệ' });
    expect(b.dueDate).toBe('2026-12-15T17:00:00+07:00');
    expect(b.toPlaces).toEqual(['Như Điều 3', 'Lưu: VT, TH.']);
    expect(b.otherInfo).toEqual({
      priority: 2,
      sphereOfPromulgation: 'Lưu hành nội bộ',
      typerNotation: 'TVC',
      promulgationAmount: 10,
      pageAmount: 3,
      appendixes: ['Phụ lục I: Danh mục dự án', 'Phụ lục II: Nguồn vốn'],
    });
    expect(b.steeringType).toBe(1);
    expect(b.responseFor).toEqual([
      { organId: '000.00.02.H41', code: '45/STC-NS', promulgationDate: '2026-11-10', documentId: '000.00.02.H41,2026/11/10,45/STC-NS' },
      { organId: '000.00.03.H41', documentId: '000.00.03.H41,2026/11/12,78/SXD' },
    ]);
    expect(b.business).toEqual({
      businessDocType: 3,
      businessDocReason: 'Thay thế do sai sót số liệu',
      paper: 1,
      staffInfo: { department: 'Phòng Tổng hợp', staff: 'Trần Thị Hằng', mobile: '0912 345 678', email: 'hang.tt@nghean.gov.vn' },
    });
    expect(b.traceHeaders).toEqual([
      { organId: '000.00.01.H41', timestamp: '2026-11-22T08:30:15+07:00' },
      { organId: '000.00.00.G22', timestamp: '2026-11-22T08:30:17+07:00' },
    ]);
    expect(pkg.attachments).toHaveLength(1);
    const [a] = pkg.attachments;
    expect(a).toMatchObject({
      name: 'Quyết định 125-QĐ-UBND.pdf',
      mediaType: 'application/pdf',
      size: Buffer.byteLength(ATTACHMENT_TEXT),
      contentId: 'cid:2f1c0c4e-quyet-dinh',
      description: 'Bản scan có chữ ký',
    });
    expect(await readFile(a.path!, 'utf8')).toBe(ATTACHMENT_TEXT);
  });

  it('keeps the Signature and unknown elements byte for byte, each under its parent', async () => {
    const pkg = await readDocument(fullDocumentXml(), dir);
    expect(pkg.body.edxml?.signature).toBe(SIGNATURE_XML);
    expect(pkg.body.edxml?.extensions).toEqual([
      { parent: 'edXML/edXMLEnvelope/edXMLHeader/MessageHeader/OtherInfo', xml: UNKNOWN_IN_OTHER_INFO },
      { parent: 'edXML/edXMLEnvelope/edXMLHeader/MessageHeader', xml: UNKNOWN_IN_HEADER },
      { parent: 'edXML/edXMLEnvelope/edXMLHeader/TraceHeaderList/Bussiness', xml: REPLACEMENT_INFO },
    ]);
    const xml = await writeBack(pkg);
    // CR LF inside the signature survive: the exact source text is written back
    expect(xml).toContain(SIGNATURE_XML);
    expect(xml).toContain(UNKNOWN_IN_HEADER);
    expect(xml.indexOf(UNKNOWN_IN_OTHER_INFO)).toBeGreaterThan(xml.indexOf('<edXML:OtherInfo>'));
    expect(xml.indexOf(UNKNOWN_IN_OTHER_INFO)).toBeLessThan(xml.indexOf('</edXML:OtherInfo>'));
    // the replacement list is kept once, not written a second time from original.documentId
    expect(xml.split('ReplacementInfoList>').length - 1).toBe(2);
  });

  it('round-trips read → write → read with every value equal', async () => {
    const first = await readDocument(fullDocumentXml(), dir);
    const again = await readDocument(await writeBack(first), dir);
    expect(again.body).toEqual(first.body);
    expect(again.from).toEqual(first.from);
    expect(again.to).toEqual(first.to);
    expect(again.original).toEqual(first.original);
    expect(again.attachments.map(({ path: _path, ...a }) => a)).toEqual(first.attachments.map(({ path: _path, ...a }) => a));
  });

  it('writes Bussiness back where the package had it: TraceHeaderList (the samples) or MessageHeader (the field list)', async () => {
    const inTrace = fullDocumentXml();
    const bizStart = inTrace.indexOf('<edXML:Bussiness>');
    const bizEnd = inTrace.indexOf('</edXML:Bussiness>') + '</edXML:Bussiness>'.length;
    const biz = inTrace.slice(bizStart, bizEnd);
    // last of the known fields, as in the national field list (unknown elements are written after them)
    const inHeader = (inTrace.slice(0, bizStart) + inTrace.slice(bizEnd)).replace(UNKNOWN_IN_HEADER, `${biz}${UNKNOWN_IN_HEADER}`);
    expect(inHeader.indexOf('<edXML:Bussiness>')).toBeLessThan(inHeader.indexOf('</edXML:MessageHeader>'));
    const fromHeader = await readDocument(inHeader, dir);
    const fromTrace = await readDocument(inTrace, dir);
    expect(fromHeader.body.edxml?.businessIn).toBe('MessageHeader');
    expect(fromTrace.body.edxml?.businessIn).toBeUndefined();
    expect(fromHeader.body.business).toEqual(fromTrace.body.business);
    const outHeader = await writeBack(fromHeader);
    const outTrace = await writeBack(fromTrace);
    const within = (xml: string, parent: string) => xml.slice(xml.indexOf(`<edXML:${parent}>`), xml.indexOf(`</edXML:${parent}>`)).includes('<edXML:Bussiness>');
    expect([within(outHeader, 'MessageHeader'), within(outHeader, 'TraceHeaderList')]).toEqual([true, false]);
    expect([within(outTrace, 'MessageHeader'), within(outTrace, 'TraceHeaderList')]).toEqual([false, true]);
    expect((await readDocument(outHeader, dir)).body).toEqual(fromHeader.body);
  });

  it('exposes the edXML DocumentId a revoke, update or replacement acts on; the caller sets originalId', async () => {
    const replace = await readDocument(fullDocumentXml({ docType: 3 }));
    expect(replace.original).toEqual({ businessDocType: 3, documentId: '000.00.01.H41,2026/11/01,12/QĐ-UBND' });
    expect(replace.body.business?.originalId).toBeUndefined();
    const envelopeId = '01937a4e-0000-7000-8000-00000000abcd';
    expect(validateDocumentBody(withOriginalId(replace.body, envelopeId)).business?.originalId).toBe(envelopeId);
    for (const docType of [1, 2]) {
      const pkg = await readDocument(fullDocumentXml({ docType }).replace(REPLACEMENT_INFO, ''));
      expect(pkg.original).toEqual({ businessDocType: docType, documentId: '000.00.01.H41,2026/11/22,125/QĐ-UBND' });
    }
    const fresh = await readDocument(fullDocumentXml({ docType: 0 }));
    expect(fresh.original).toBeUndefined();
    expect(validateDocumentBody(fresh.body)).toBe(fresh.body);
  });

  it('writes a ReplacementInfoList from originalDocumentId when none was kept', async () => {
    const pkg = await readDocument(fullDocumentXml({ docType: 3 }).replace(REPLACEMENT_INFO, ''));
    const xml = await edxmlToString(writeEdxmlDocument({ body: pkg.body, originalDocumentId: 'A,2026/01/01,1/X' }));
    const again = await readDocument(xml);
    expect(again.original).toEqual({ businessDocType: 3, documentId: 'A,2026/01/01,1/X' });
  });

  it('writes a document made in the hub (ISO dates in any zone become Vietnam time)', async () => {
    const body = validateDocumentBody({
      from: { organId: '000.00.01.H41' },
      to: [{ organId: '000.00.02.H41' }],
      code: { codeNumber: '7', codeNotation: 'UBND-VP' },
      subject: 'Họp giao ban',
      dueDate: '2026-11-30T10:00:00Z',
      promulgationInfo: { promulgationDate: '2026-11-22' },
    });
    const xml = await edxmlToString(
      writeEdxmlDocument({ body, attachments: [{ name: 'giay-moi.txt', mediaType: 'text/plain', open: () => Readable.from([Buffer.from('Kính mời')]) }] }),
    );
    expect(xml).toContain('<edXML:DueDate>2026/11/30 17:00:00</edXML:DueDate>');
    expect(xml).toContain('<edXML:PromulgationDate>2026/11/22</edXML:PromulgationDate>');
    const pkg = await readDocument(xml);
    expect(pkg.body.dueDate).toBe('2026-11-30T17:00:00+07:00');
    expect(Date.parse(pkg.body.dueDate!)).toBe(Date.parse(body.dueDate!));
    expect(pkg.attachments[0]).toMatchObject({ name: 'giay-moi.txt', mediaType: 'text/plain', size: Buffer.byteLength('Kính mời') });
  });

  it('refuses to write a body the hub would refuse, and an extension with no parent', () => {
    const body = { from: { organId: '000.00.01.H41' }, code: { codeNumber: '1', codeNotation: 'X' }, subject: 'x'.repeat(501) } as never;
    expect(() => writeEdxmlDocument({ body })).toThrow(expect.objectContaining({ code: 'SCHEMA_INVALID' }));
    expect(() => writeEdxmlDocument({ body: { code: { codeNumber: '1', codeNotation: 'X' }, subject: 's' } })).toThrow(
      expect.objectContaining({ code: 'EDXML_INVALID', details: expect.objectContaining({ field: 'from' }) }),
    );
    const lost = {
      from: { organId: '000.00.01.H41' },
      code: { codeNumber: '1', codeNotation: 'X' },
      subject: 's',
      edxml: { extensions: [{ parent: 'edXML/Nowhere', xml: '<a/>' }] },
    };
    let err: unknown;
    try {
      writeEdxmlDocument({ body: lost });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LtError);
    expect((err as LtError).code).toBe('EDXML_INVALID');
    expect((err as LtError).details?.field).toBe('body.edxml.extensions[0].parent');
  });
});

describe('edXML status package', () => {
  const base: EdxmlStatusPackage = {
    kind: 'status',
    from: { organId: '000.00.02.H41', organName: 'Sở Tài chính', email: 'stc@nghean.gov.vn' },
    responseFor: { organId: '000.00.01.H41', code: '125/QĐ-UBND', promulgationDate: '2026-11-22', documentId: '000.00.01.H41,2026/11/22,125/QĐ-UBND' },
    status: {
      statusCode: '01',
      description: 'Đã đến: hệ thống đã nhận',
      timestamp: '2026-11-22T09:15:00+07:00',
      staffInfo: { department: 'Văn thư', staff: 'Lê Văn Út', mobile: '0987 000 111', email: 'ut.lv@nghean.gov.vn' },
    },
  };

  it.each(['01', '02', '03', '04', '05', '06', '13', '15', '16'] as const)('round-trips status %s', async (statusCode) => {
    const pkg: EdxmlStatusPackage = { ...base, status: { ...base.status, statusCode } };
    const xml = writeEdxmlStatus(pkg);
    expect(xml).toContain(`<edXML:StatusCode>${statusCode}</edXML:StatusCode>`);
    expect(xml).toContain('<edXML:Timestamp>2026/11/22 09:15:00</edXML:Timestamp>');
    expect(await readEdxml(xml)).toEqual(pkg);
  });

  it('reads a bare Status element and keeps unknown elements', async () => {
    const xml = `<edXML:Status xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016">
  <edXML:ResponseFor><edXML:OrganId>000.00.01.H41</edXML:OrganId><edXML:DocumentId>D-1</edXML:DocumentId></edXML:ResponseFor>
  <edXML:From><edXML:OrganId>000.00.02.H41</edXML:OrganId><edXML:OrganAdd/></edXML:From>
  <edXML:StatusCode>06</edXML:StatusCode>
  <edXML:Timestamp>2026/11/23</edXML:Timestamp>
  <edXML:Note lang="vi">Hoàn thành</edXML:Note>
</edXML:Status>`;
    const pkg = await readEdxml(xml);
    expect(pkg).toEqual({
      kind: 'status',
      from: { organId: '000.00.02.H41' },
      responseFor: { organId: '000.00.01.H41', documentId: 'D-1' },
      status: { statusCode: '06', timestamp: '2026-11-23T00:00:00+07:00' },
      extensions: [{ parent: 'Status', xml: '<edXML:Note lang="vi">Hoàn thành</edXML:Note>' }],
    });
    expect(await readEdxml(writeEdxmlStatus(pkg as EdxmlStatusPackage))).toEqual(pkg);
  });

  it('refuses an unknown status code, in and out', async () => {
    const xml = writeEdxmlStatus(base).replace('<edXML:StatusCode>01</edXML:StatusCode>', '<edXML:StatusCode>07</edXML:StatusCode>');
    await expect(readEdxml(xml)).rejects.toMatchObject({ code: 'EDXML_INVALID', details: { field: 'Status/StatusCode' } });
    expect(() => writeEdxmlStatus({ ...base, status: { ...base.status, statusCode: '09' as never } })).toThrow(
      expect.objectContaining({ code: 'EDXML_INVALID' }),
    );
  });
});
