import { Readable } from 'node:stream';
import { LtError } from '@lt/contracts';
import { hashingAttachmentSink, readEdxml } from './index';
import { fullDocumentXml } from './testing/fixtures';

async function refusal(input: string | Buffer | Readable, opts: { maxBytes?: number } = {}): Promise<LtError> {
  try {
    await readEdxml(input, { sink: hashingAttachmentSink(), ...opts });
  } catch (e) {
    expect(e).toBeInstanceOf(LtError);
    return e as LtError;
  }
  throw new Error('expected the package to be refused');
}

const MH = 'edXML/edXMLEnvelope/edXMLHeader/MessageHeader';

describe('bad edXML input', () => {
  it('malformed XML: EDXML_MALFORMED with line and column', async () => {
    const xml = '<edXML>\n  <edXML:edXMLEnvelope>\n</edXML>';
    const e = await refusal(xml);
    expect(e.code).toBe('EDXML_MALFORMED');
    const bad = await refusal('<edXML>\n<a>\n</b></edXML>');
    expect(bad.code).toBe('EDXML_MALFORMED');
    expect(bad.details).toMatchObject({ line: 3, column: expect.any(Number) });
    expect(bad.message).toMatch(/line 3, column \d+/);
    expect((await refusal('')).code).toBe('EDXML_MALFORMED');
    expect((await refusal('<edXML>unterminated')).code).toBe('EDXML_MALFORMED');
  });

  it('a DOCTYPE, an entity declaration, billion laughs, an external entity: refused quickly', async () => {
    const laughs =
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">' +
      Array.from({ length: 8 }, (_, i) => `<!ENTITY lol${i + 3} "${`&lol${i + 2};`.repeat(10)}">`).join('') +
      ']><edXML>&lol9;</edXML>';
    const external = '<?xml version="1.0"?><!DOCTYPE edXML [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><edXML>&xxe;</edXML>';
    const plainDoctype = '<!DOCTYPE edXML SYSTEM "http://example.invalid/edxml.dtd"><edXML/>';
    for (const xml of [laughs, external, plainDoctype]) {
      const started = Date.now();
      const e = await refusal(xml);
      expect(e.code).toBe('EDXML_FORBIDDEN_CONSTRUCT');
      expect(Date.now() - started).toBeLessThan(500);
    }
    // a reference to an entity never declared (no DTD) is refused the same way
    expect((await refusal('<edXML>&xxe;</edXML>')).code).toBe('EDXML_FORBIDDEN_CONSTRUCT');
  });

  it('a DOCTYPE whose internal subset never ends is refused before it grows', async () => {
    let sent = 0;
    const endless = new Readable({
      read() {
        sent += 64 * 1024;
        this.push(sent === 64 * 1024 ? `<!DOCTYPE x [${' '.repeat(64 * 1024 - 13)}` : `<!ENTITY a "${'a'.repeat(64 * 1024 - 20)}">`);
        if (sent > 64 * 1024 * 1024) this.push(null);
      },
    });
    const e = await refusal(endless);
    expect(e.code).toBe('EDXML_FORBIDDEN_CONSTRUCT');
    expect(sent).toBeLessThan(1024 * 1024);
  });

  it('a package over the size limit: PAYLOAD_TOO_LARGE', async () => {
    const e = await refusal(fullDocumentXml(), { maxBytes: 1000 });
    expect(e.code).toBe('PAYLOAD_TOO_LARGE');
    expect(e.details).toMatchObject({ max: 1000 });
  });

  it.each([
    ['Subject', 'x'.repeat(501), `${MH}/Subject`],
    ['Content', 'ê'.repeat(501), `${MH}/Content`],
    ['CodeNumber', '123456789012', `${MH}/Code/CodeNumber`],
    ['CodeNotation', 'Đ'.repeat(31), `${MH}/Code/CodeNotation`],
  ])('%s over its national length limit: EDXML_INVALID naming the element', async (element, value, field) => {
    const xml = fullDocumentXml().replace(new RegExp(`<edXML:${element}>[^<]*</edXML:${element}>`), `<edXML:${element}>${value}</edXML:${element}>`);
    const e = await refusal(xml);
    expect(e.code).toBe('EDXML_INVALID');
    expect(e.details?.field).toBe(field);
    expect(e.message.startsWith(field)).toBe(true);
    expect(e.details).toMatchObject({ reason: 'too_long' });
  });

  it('a Place over 150 characters and an attachment name over 200', async () => {
    const place = await refusal(fullDocumentXml().replace('<edXML:Place>Như Điều 3</edXML:Place>', `<edXML:Place>${'n'.repeat(151)}</edXML:Place>`));
    expect(place.code).toBe('EDXML_INVALID');
    expect(place.details?.field).toBe(`${MH}/ToPlaces/Place[0]`);
    const name = `${'t'.repeat(201)}.pdf`;
    const att = await refusal(fullDocumentXml().replace(/Quyết định 125-QĐ-UBND\.pdf/g, name));
    expect(att.code).toBe('EDXML_INVALID');
    expect(att.details?.field).toBe('edXML/AttachmentEncoded/Attachment[0]/AttachmentName');
  });

  it('a missing Subject or Code names the element', async () => {
    const e = await refusal(fullDocumentXml().replace(/<edXML:Subject>[^<]*<\/edXML:Subject>/, ''));
    expect(e).toMatchObject({ code: 'EDXML_INVALID', details: { field: `${MH}/Subject`, reason: 'required' } });
    const c = await refusal(fullDocumentXml().replace(/<edXML:Code>[\s\S]*?<\/edXML:Code>/, ''));
    expect(c).toMatchObject({ code: 'EDXML_INVALID', details: { field: `${MH}/Code` } });
  });

  it('an agency code in an unknown format: INVALID_AGENCY_CODE naming the element', async () => {
    const e = await refusal(
      fullDocumentXml().replace(
        '<edXML:OrganId>000.00.03.H41</edXML:OrganId>\n          <edXML:OrganName>',
        '<edXML:OrganId>vxp.saas.02</edXML:OrganId>\n          <edXML:OrganName>',
      ),
    );
    expect(e.code).toBe('INVALID_AGENCY_CODE');
    expect(e.details?.field).toBe(`${MH}/To[1]/OrganId`);
  });

  it('a date in the wrong format: EDXML_INVALID naming the element', async () => {
    for (const [from, to, field] of [
      [
        '<edXML:PromulgationDate>2026/11/22</edXML:PromulgationDate>',
        '<edXML:PromulgationDate>22/11/2026</edXML:PromulgationDate>',
        `${MH}/PromulgationInfo/PromulgationDate`,
      ],
      ['<edXML:DueDate>2026/12/15 17:00:00</edXML:DueDate>', '<edXML:DueDate>2026-12-15T17:00:00</edXML:DueDate>', `${MH}/DueDate`],
      [
        '<edXML:Timestamp>2026/11/22 08:30:15</edXML:Timestamp>',
        '<edXML:Timestamp>2026/02/30 08:30:15</edXML:Timestamp>',
        'edXML/edXMLEnvelope/edXMLHeader/TraceHeaderList/TraceHeader[0]/Timestamp',
      ],
    ]) {
      const e = await refusal(fullDocumentXml().replace(from, to));
      expect(e).toMatchObject({ code: 'EDXML_INVALID', details: { field, reason: 'date' } });
    }
  });

  it('a number that is not one, an attachment type off the allow-list, bad base64', async () => {
    const n = await refusal(fullDocumentXml().replace('<edXML:Priority>2</edXML:Priority>', '<edXML:Priority>khẩn</edXML:Priority>'));
    expect(n).toMatchObject({ code: 'EDXML_INVALID', details: { field: `${MH}/OtherInfo/Priority` } });
    const t = await refusal(fullDocumentXml().replace(/application\/pdf/g, 'application/x-msdownload'));
    expect(t).toMatchObject({ code: 'EDXML_INVALID', details: { field: 'edXML/AttachmentEncoded/Attachment[0]/ContentType', reason: 'media_type' } });
    const b = await refusal(fullDocumentXml({ attachmentBase64: 'not*base64' }));
    expect(b).toMatchObject({ code: 'EDXML_INVALID', details: { field: 'edXML/AttachmentEncoded/Attachment[0]/ContentTransferEncoded' } });
    const cut = await refusal(fullDocumentXml({ attachmentBase64: 'QUJD' + 'RA' }));
    expect(cut.code).toBe('EDXML_INVALID');
  });

  it('a root that is no edXML package, a non-UTF-8 declaration, an element that repeats', async () => {
    expect((await refusal('<html><body/></html>')).code).toBe('EDXML_INVALID');
    expect((await refusal('<?xml version="1.0" encoding="ISO-8859-1"?><edXML/>')).code).toBe('EDXML_INVALID');
    const dup = await refusal(
      fullDocumentXml().replace(
        '<edXML:SteeringType>1</edXML:SteeringType>',
        '<edXML:SteeringType>1</edXML:SteeringType><edXML:SteeringType>2</edXML:SteeringType>',
      ),
    );
    expect(dup).toMatchObject({ code: 'EDXML_INVALID', details: { field: `${MH}/SteeringType` } });
  });

  it('more unknown elements than are kept, and one over 64 KiB', async () => {
    const many = Array.from({ length: 65 }, (_, i) => `<X${i}/>`).join('');
    const e = await refusal(fullDocumentXml().replace('<edXML:SteeringType>', `${many}<edXML:SteeringType>`));
    expect(e).toMatchObject({ code: 'EDXML_INVALID', details: { reason: 'too_many' } });
    const big = await refusal(fullDocumentXml().replace('<edXML:SteeringType>', `<Big>${'b'.repeat(70_000)}</Big><edXML:SteeringType>`));
    expect(big).toMatchObject({ code: 'EDXML_INVALID', details: { field: `${MH}/Big`, reason: 'too_long' } });
  });

  it('more than 100 TraceHeaders, and a Signature over 64 KiB', async () => {
    const trace = '<edXML:TraceHeader><edXML:OrganId>000.00.01.H41</edXML:OrganId><edXML:Timestamp>2026/11/22</edXML:Timestamp></edXML:TraceHeader>';
    const many = await refusal(fullDocumentXml().replace('<edXML:TraceHeaderList>', `<edXML:TraceHeaderList>${trace.repeat(101)}`));
    expect(many).toMatchObject({
      code: 'EDXML_INVALID',
      details: { field: 'edXML/edXMLEnvelope/edXMLHeader/TraceHeaderList/TraceHeader', reason: 'too_many' },
    });
    const sig = await refusal(fullDocumentXml().replace('<SignatureValue>', `<SignatureValue>${'A'.repeat(70_000)}`));
    expect(sig).toMatchObject({ code: 'EDXML_INVALID', details: { field: 'edXML/edXMLEnvelope/edXMLHeader/Signature', reason: 'too_long' } });
  });
});
