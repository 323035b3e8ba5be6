import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { DOCUMENT_LIMITS, type DocumentBody, type EdxmlExtension } from '@lt/contracts';
import { edxmlToString, hashingAttachmentSink, readEdxml, writeEdxmlDocument, type EdxmlDocumentPackage } from './index';

const MH = 'edXML/edXMLEnvelope/edXMLHeader/MessageHeader';
const TL = 'edXML/edXMLEnvelope/edXMLHeader/TraceHeaderList';

// Vietnamese letters with their diacritics, ASCII, XML's special characters, tab, newline, an emoji
const CHARS = [...'aăâbcdđeêghiklmnoôơpqrstuưvxyAĂÂĐÊÔƠƯáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ0123456789 .,;:/-()&<>"\'\t\n', '🇻🇳', '€'];
const SAFE = [...'abcdefghijklmnopqrstuvwxyzđươ0123456789 -'];

const text = (max: number) => fc.string({ unit: fc.constantFrom(...CHARS), minLength: 1, maxLength: max }).filter((s) => s.trim() !== '');
const safeText = (max: number) => fc.string({ unit: fc.constantFrom(...SAFE), minLength: 1, maxLength: max }).filter((s) => s.trim() !== '');
const agencyCode = fc
  .tuple(fc.integer({ min: 1, max: 99 }), fc.constantFrom('H41', 'G22', 'A01', 'K99'))
  .map(([bb, axx]) => `000.00.${String(bb).padStart(2, '0')}.${axx}`);
const email = fc.tuple(safeText(10), safeText(8)).map(([u, d]) => `${u.replace(/[^a-z0-9]/g, '') || 'x'}@${d.replace(/[^a-z0-9]/g, '') || 'y'}.gov.vn`);
const day = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true });
// dates as edXML can carry them: a day, or Vietnam wall time to the second
const isoDate = fc.oneof(
  day.map((d) => d.toISOString().slice(0, 10)),
  day.map((d) => `${new Date(d.getTime() + 7 * 3600_000).toISOString().slice(0, 19)}+07:00`),
);
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });

const organ = fc.record(
  {
    organId: agencyCode,
    organizationInCharge: text(60),
    organName: text(60),
    organAdd: text(60),
    email,
    telephone: safeText(15),
    fax: safeText(15),
    website: safeText(30),
  },
  { requiredKeys: ['organId'] },
);
const staffInfo = fc.record({ department: text(40), staff: text(40), mobile: safeText(12), email }, { requiredKeys: [] });

const body: fc.Arbitrary<DocumentBody> = fc
  .record(
    {
      from: organ,
      to: fc.array(organ, { minLength: 1, maxLength: 3 }),
      documentId: text(60),
      code: fc.record({ codeNumber: safeText(DOCUMENT_LIMITS.codeNumber), codeNotation: text(DOCUMENT_LIMITS.codeNotation) }),
      promulgationInfo: fc.record({ place: text(40), promulgationDate: isoDate }, { requiredKeys: [] }),
      documentType: fc.record({ type: fc.nat(100), typeDetail: fc.nat(100), typeName: text(30) }, { requiredKeys: [] }),
      subject: text(DOCUMENT_LIMITS.subject),
      content: text(DOCUMENT_LIMITS.content),
      signerInfo: fc.record({ competence: text(30), position: text(30), fullName: text(40) }, { requiredKeys: [] }),
      dueDate: isoDate,
      toPlaces: fc.array(text(DOCUMENT_LIMITS.toPlace), { minLength: 1, maxLength: 3 }),
      otherInfo: fc.record(
        {
          priority: fc.constantFrom(0 as const, 1 as const, 2 as const, 3 as const, 4 as const),
          sphereOfPromulgation: text(30),
          typerNotation: text(10),
          promulgationAmount: fc.nat(10_000),
          pageAmount: fc.nat(10_000),
          appendixes: fc.array(text(40), { minLength: 1, maxLength: 3 }),
        },
        { requiredKeys: [] },
      ),
      steeringType: fc.constantFrom(0 as const, 1 as const, 2 as const),
      responseFor: fc.array(fc.record({ organId: agencyCode, code: opt(text(20)), promulgationDate: opt(isoDate), documentId: text(40) }), {
        minLength: 1,
        maxLength: 3,
      }),
      business: fc.record(
        {
          businessDocType: fc.constantFrom(0 as const, 1 as const, 2 as const, 3 as const),
          businessDocReason: text(40),
          paper: fc.constantFrom(0 as const, 1 as const),
          staffInfo,
        },
        { requiredKeys: ['businessDocType'] },
      ),
      traceHeaders: fc.array(fc.record({ organId: agencyCode, timestamp: isoDate }), { minLength: 1, maxLength: 3 }),
    },
    { requiredKeys: ['from', 'code', 'subject'] },
  )
  .map((b) => withoutEmptyObjects(b));

/** `{}` carries nothing and has no edXML form (an empty SignerInfo reads back as absent). */
function withoutEmptyObjects(b: DocumentBody): DocumentBody {
  const out = JSON.parse(JSON.stringify(b)) as Record<string, unknown>;
  for (const [k, v] of Object.entries(out)) if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0) delete out[k];
  const biz = out.business as { staffInfo?: object } | undefined;
  if (biz?.staffInfo && Object.keys(biz.staffInfo).length === 0) delete biz.staffInfo;
  return out as unknown as DocumentBody;
}

// unknown elements at parents the writer always has (or makes for them)
const extension: fc.Arbitrary<EdxmlExtension> = fc
  .tuple(
    fc.constantFrom(
      'edXML',
      'edXML/edXMLEnvelope',
      'edXML/edXMLEnvelope/edXMLHeader',
      MH,
      `${MH}/Code`,
      `${MH}/OtherInfo`,
      `${MH}/SignerInfo`,
      TL,
      'edXML/edXMLEnvelope/edXMLBody',
      'edXML/AttachmentEncoded',
    ),
    fc.constantFrom('Extra', 'edXML:Direction', 'v:Flag'),
    safeText(30),
    fc.boolean(),
  )
  .map(([parent, name, value, withAttr]) => ({
    parent,
    xml: `<${name}${name.startsWith('v:') ? ' xmlns:v="urn:vendor"' : ''}${withAttr ? ' kind="x"' : ''}>${value}</${name}>`,
  }));

const attachment = fc.record({
  name: safeText(40).map((n) => `${n.trim() || 'tep'}.pdf`),
  bytes: fc.uint8Array({ minLength: 0, maxLength: 3000 }),
  description: opt(text(60)),
});

const signature = fc.option(
  safeText(20).map((v) => `<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignatureValue>${v}</ds:SignatureValue></ds:Signature>`),
  { nil: undefined },
);

const sortByParent = (x: EdxmlExtension[] | undefined) => [...(x ?? [])].sort((a, b) => (a.parent < b.parent ? -1 : a.parent > b.parent ? 1 : 0));

async function exportAndRead(b: DocumentBody, files: Array<{ name: string; bytes: Uint8Array; description?: string }>): Promise<EdxmlDocumentPackage> {
  const xml = await edxmlToString(
    writeEdxmlDocument({
      body: b,
      attachments: files.map((f, i) => ({
        name: f.name,
        mediaType: 'application/pdf',
        contentId: `cid:${i}`,
        description: f.description,
        open: () => Readable.from([Buffer.from(f.bytes)]),
      })),
    }),
  );
  const pkg = await readEdxml(xml, { sink: hashingAttachmentSink() });
  if (pkg.kind !== 'document') throw new Error('expected a document');
  return pkg;
}

describe('edXML round trip (property)', () => {
  it('any document body, with unknown elements, a signature and attachments, comes back equal', async () => {
    await fc.assert(
      fc.asyncProperty(body, fc.array(extension, { maxLength: 6 }), signature, fc.array(attachment, { maxLength: 2 }), async (b, extensions, sig, files) => {
        const edxml = {
          ...(sig ? { signature: sig } : {}),
          ...(extensions.length ? { extensions } : {}),
          ...(files.length ? { attachments: files.map((f, i) => ({ contentId: `cid:${i}`, ...(f.description ? { description: f.description } : {}) })) } : {}),
        };
        const input: DocumentBody = { ...b, ...(Object.keys(edxml).length ? { edxml } : {}) };
        const pkg = await exportAndRead(input, files);
        const { edxml: gotEdxml, ...got } = pkg.body;
        const { edxml: _wanted, ...wanted } = input;
        expect(got).toEqual(wanted);
        expect(gotEdxml?.signature).toBe(sig);
        expect(sortByParent(gotEdxml?.extensions)).toEqual(sortByParent(extensions));
        expect(gotEdxml?.attachments).toEqual(edxml.attachments);
        expect(pkg.attachments.map((a) => [a.name, a.size, a.sha256])).toEqual(
          files.map((f) => [f.name, f.bytes.length, createHash('sha256').update(f.bytes).digest('hex')]),
        );
        expect(pkg.to).toEqual(b.to ?? []);
        // and once more: what was read writes and reads back the same
        const again = await exportAndRead(pkg.body, files);
        expect(again.body).toEqual(pkg.body);
      }),
      { numRuns: 80 },
    );
  });
});
