import { isoToNational, nationalToIso } from './dates';
import { toHubMediaType } from './media-types';
import { elementPathOf } from './names';

describe('edXML dates', () => {
  it('national dates become ISO dates, date-times Vietnam time (+07:00)', () => {
    expect(nationalToIso('2026/11/22', 'X')).toBe('2026-11-22');
    expect(nationalToIso('2026/11/22 23:59:59', 'X')).toBe('2026-11-22T23:59:59+07:00');
    expect(nationalToIso('2028/02/29', 'X')).toBe('2028-02-29');
  });

  it('refuses other formats and impossible days, naming the element', () => {
    for (const bad of ['22/11/2026', '2026-11-22', '2026/11/22T10:00:00', '2026/02/29', '2026/11/22 24:00:00', '2026/1/2', '']) {
      expect(() => nationalToIso(bad, 'MessageHeader/DueDate')).toThrow(
        expect.objectContaining({ code: 'EDXML_INVALID', details: { field: 'MessageHeader/DueDate', reason: 'date' } }),
      );
    }
  });

  it('ISO dates in any zone go out as Vietnam wall time', () => {
    expect(isoToNational('2026-11-22', 'X')).toBe('2026/11/22');
    expect(isoToNational('2026-11-22T08:30:15+07:00', 'X')).toBe('2026/11/22 08:30:15');
    expect(isoToNational('2026-11-22T20:00:00Z', 'X')).toBe('2026/11/23 03:00:00');
    expect(isoToNational('2026-11-22T08:30:15.999-05:00', 'X')).toBe('2026/11/22 20:30:15');
    expect(() => isoToNational('22/11/2026', 'X')).toThrow(expect.objectContaining({ code: 'EDXML_INVALID' }));
  });
});

describe('attachment types and element paths', () => {
  it('maps edXML ContentType values to the allow-list', () => {
    expect(toHubMediaType('application/pdf', 'f')).toBe('application/pdf');
    expect(toHubMediaType('Application/PDF; name=a.pdf', 'f')).toBe('application/pdf');
    expect(toHubMediaType('image/jpg', 'f')).toBe('image/jpeg');
    expect(toHubMediaType(undefined, 'f')).toBe('application/octet-stream');
    expect(() => toHubMediaType('text/html', 'edXML/AttachmentEncoded/Attachment[2]/ContentType')).toThrow(
      expect.objectContaining({ code: 'EDXML_INVALID', details: expect.objectContaining({ field: 'edXML/AttachmentEncoded/Attachment[2]/ContentType' }) }),
    );
  });

  it('translates model paths to element paths', () => {
    const mh = 'edXML/edXMLEnvelope/edXMLHeader/MessageHeader';
    expect(elementPathOf('body.code.codeNumber')).toBe(`${mh}/Code/CodeNumber`);
    expect(elementPathOf('body.to[1].organId')).toBe(`${mh}/To[1]/OrganId`);
    expect(elementPathOf('body.toPlaces[2]')).toBe(`${mh}/ToPlaces/Place[2]`);
    expect(elementPathOf('body.otherInfo.appendixes[0]')).toBe(`${mh}/OtherInfo/Appendixes/Appendix[0]`);
    expect(elementPathOf('body.business.businessDocType')).toBe('edXML/edXMLEnvelope/edXMLHeader/TraceHeaderList/Bussiness/BussinessDocType');
    expect(elementPathOf('body.traceHeaders[1].timestamp')).toBe('edXML/edXMLEnvelope/edXMLHeader/TraceHeaderList/TraceHeader[1]/Timestamp');
    expect(elementPathOf('attachments[0].mediaType')).toBe('edXML/AttachmentEncoded/Attachment[0]/ContentType');
  });
});
