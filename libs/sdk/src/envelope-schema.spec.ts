import Ajv2020 from 'ajv/dist/2020';
import * as fc from 'fast-check';
import {
  DOCUMENT_LIMITS,
  envelopeJsonSchema,
  flattenedJwsJsonSchema,
  LtError,
  uuidv7,
  validateDossierBody,
  validateEnvelope,
  type DocumentBody,
  type Envelope,
} from '@lt/contracts';
import { decodeJws, generateSigningKey, importPrivateKey } from '@lt/crypto';
import { amendmentBody, buildEnvelope, recallBody, replyBody, sealEnvelope, statusBody } from './envelope-builder';
import { makeHubKey, hubSign, SAMPLE_BODY } from './testing/fixtures';

/**
 * The published envelope JSON Schema (GET /v1/schemas/envelope.json) against the hub's own
 * validator: what the SDK builds passes both, and what validateEnvelope refuses the schema
 * refuses too. The validator stays the authority; the schema is what other languages get.
 */

type Json = Record<string, unknown>;

const ajv = new Ajv2020({ allErrors: true, strict: true });
const checkEnvelope = ajv.compile(envelopeJsonSchema());
const checkJws = ajv.compile(flattenedJwsJsonSchema());

function schemaAccepts(value: unknown): boolean {
  return checkEnvelope(value) as boolean;
}

function validatorAccepts(value: unknown): boolean {
  try {
    validateEnvelope(value);
    return true;
  } catch (e) {
    if (!(e instanceof LtError)) throw e;
    return false;
  }
}

const NOW = new Date('2026-11-22T08:00:00.000Z');
const FROM = '000.00.00.H41';
const DOC_ID = '019a8f5e-7c3b-7d2a-9f10-3c4d5e6f7a8b';
const SHA = 'a'.repeat(64);

/** A document body using every DocumentBody field. */
const FULL_BODY: DocumentBody = {
  from: {
    organId: FROM,
    organizationInCharge: 'UBND tỉnh Nghệ An',
    organName: 'Văn phòng',
    organAdd: '03 Trường Thi',
    email: 'vanthu@nghean.gov.vn',
    telephone: '0238',
    fax: '0239',
    website: 'https://nghean.gov.vn',
  },
  to: [{ organId: '000.00.05.H41', organName: 'UBND huyện' }],
  documentId: '000.00.00.H41,2026/11/22,123/QĐ-UBND',
  code: { codeNumber: '123', codeNotation: 'QĐ-UBND' },
  promulgationInfo: { place: 'Nghệ An', promulgationDate: '2026-11-22' },
  documentType: { type: 1, typeDetail: 2, typeName: 'Quyết định' },
  subject: 'Về việc triển khai Đề án 06',
  content: 'Dòng một\nDòng hai\tcó tab',
  signerInfo: { competence: 'KT. CHỦ TỊCH', position: 'Phó Chủ tịch', fullName: 'Nguyễn Văn A' },
  dueDate: '2026-12-01T17:00:00+07:00',
  toPlaces: ['Như trên', 'Lưu: VT'],
  otherInfo: { priority: 1, sphereOfPromulgation: 'Toàn tỉnh', typerNotation: 'NVA', promulgationAmount: 10, pageAmount: 3, appendixes: ['Phụ lục I'] },
  steeringType: 1,
  responseFor: [{ organId: '000.00.00.G22', code: '45/VPCP', promulgationDate: '2026-11-01', documentId: '000.00.00.G22,2026/11/01,45/VPCP' }],
  business: { businessDocType: 0, paper: 1, staffInfo: { department: 'Văn thư', staff: 'Trần Thị B', mobile: '0912', email: 'ttb@nghean.gov.vn' } },
};

/** Valid envelopes, every one made by the SDK's builders (which run validateEnvelope). */
function validEnvelopes(): Array<[string, Envelope]> {
  const doc = buildEnvelope(FROM, { kind: 'document', to: ['000.00.05.H41'], body: SAMPLE_BODY }, NOW);
  return [
    ['SDK sample document', doc],
    [
      'every DocumentBody field',
      buildEnvelope(FROM, { kind: 'document', to: ['000.00.05.H41', { childrenOf: '000.00.05.H41', tier: 'commune', depth: 2 }], body: FULL_BODY }, NOW),
    ],
    [
      'document with attachments',
      buildEnvelope(
        FROM,
        {
          kind: 'document',
          to: [{ childrenOf: FROM }],
          body: SAMPLE_BODY,
          attachments: [
            { id: uuidv7(), name: 'Quyết định 123.pdf', mediaType: 'application/pdf', size: 123456, sha256: SHA },
            { name: 'phu-luc.xlsx', mediaType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', size: 0, sha256: 'b'.repeat(64) },
          ],
        },
        NOW,
      ),
    ],
    [
      'replacement (amendmentBody)',
      buildEnvelope(FROM, { kind: 'document', to: ['000.00.05.H41'], body: amendmentBody(SAMPLE_BODY, doc.id, 3, 'Thay thế') }, NOW),
    ],
    [
      'reply (replyBody)',
      buildEnvelope('000.00.05.H41', { kind: 'document', to: [FROM], body: replyBody({ id: doc.id, from: FROM, envelope: doc }, SAMPLE_BODY) }, NOW),
    ],
    ['status 01', buildEnvelope('000.00.05.H41', { kind: 'status', to: [FROM], body: statusBody(doc.id, '01', {}, NOW) }, NOW)],
    [
      'status 02 with reasonCode',
      buildEnvelope(
        '000.00.05.H41',
        {
          kind: 'status',
          to: [FROM],
          body: statusBody(doc.id, '02', { reasonCode: 'SCHEMA_INVALID', description: 'thiếu trích yếu', staffInfo: { staff: 'Lê C' } }, NOW),
        },
        NOW,
      ),
    ],
    ['recall', buildEnvelope(FROM, { kind: 'recall', to: ['000.00.05.H41'], body: recallBody(doc.id, 'Gửi nhầm') }, NOW)],
    [
      'receipt',
      buildEnvelope(
        '000.00.00.G22',
        {
          kind: 'receipt',
          to: [FROM],
          body: {
            checkpoint: 'lt-hub/1\n50\nabc=\n',
            items: [{ messageId: doc.id, recipient: '000.00.05.H41', event: 'delivered', at: '2026-11-22T08:00:01.250Z', seq: 42, leafHash: 'c'.repeat(64) }],
          },
        },
        NOW,
      ),
    ],
    [
      'dossier submit (validateDossierBody)',
      buildEnvelope(
        '000.00.05.H41',
        {
          kind: 'dossier',
          to: ['000.00.05.H41'],
          body: validateDossierBody({
            action: 'submit',
            procedureCode: 'DEMO-HT-KHAISINH',
            receivedAt: '2026-11-22T08:00:00+07:00',
            applicant: { hoTen: 'Nguyễn Văn A' },
          }),
        },
        NOW,
      ),
    ],
    [
      'edXML trace headers and preserved parts',
      buildEnvelope(
        FROM,
        {
          kind: 'document',
          to: ['000.00.05.H41'],
          body: {
            ...SAMPLE_BODY,
            traceHeaders: [
              { organId: '000.00.00.G22', timestamp: '2026-11-22' },
              { organId: FROM, timestamp: '2026-11-22T15:00:00+07:00' },
            ],
            edxml: {
              signature: '<Signature xmlns="http://www.w3.org/2000/09/xmldsig#">\r\n<SignedInfo/>\r\n</Signature>',
              extensions: [{ parent: 'edXMLEnvelope/edXMLHeader/MessageHeader', xml: '<Extra a="1">x</Extra>' }],
              attachments: [{ contentId: 'att-1', description: 'Phụ lục' }],
            },
          },
        },
        NOW,
      ),
    ],
    ['level-4 sender, level-3 recipient', buildEnvelope('001.12.05.H41', { kind: 'document', to: ['000.12.05.H41'], body: SAMPLE_BODY }, NOW)],
  ];
}

/** Copy of `env` with the value at a dotted path (`body.code.codeNumber`, `to.0`) set, or deleted with `undefined`. */
function withValue(env: unknown, path: string, value: unknown): Json {
  const copy = structuredClone(env) as Json;
  const keys = path.split('.');
  let at: Record<string, unknown> = copy;
  for (const k of keys.slice(0, -1)) at = at[k] as Record<string, unknown>;
  const last = keys[keys.length - 1]!;
  if (value === undefined) delete at[last];
  else at[last] = value;
  return copy;
}

describe('envelope JSON Schema', () => {
  it('compiles as draft 2020-12 in strict mode', () => {
    expect(envelopeJsonSchema().$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(typeof checkEnvelope).toBe('function');
  });

  it.each(validEnvelopes())('accepts an envelope the SDK builds: %s', (_, env) => {
    expect(validatorAccepts(env)).toBe(true);
    const ok = schemaAccepts(JSON.parse(JSON.stringify(env)));
    expect(checkEnvelope.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  const doc = () => buildEnvelope(FROM, { kind: 'document', to: ['000.00.05.H41'], body: FULL_BODY }, NOW);
  const status = () => buildEnvelope('000.00.05.H41', { kind: 'status', to: [FROM], body: statusBody(DOC_ID, '03', {}, NOW) }, NOW);
  const invalid: Array<[string, () => unknown]> = [
    ['not an object', () => ['x']],
    ['unknown envelope field', () => withValue(doc(), 'extra', 1)],
    ['unknown body field', () => withValue(doc(), 'body.traceHeadersTypo', {})],
    ['unknown nested field', () => withValue(doc(), 'body.code.year', 2026)],
    ['unknown organ field', () => withValue(doc(), 'body.from.phone', '1')],
    ['missing id', () => withValue(doc(), 'id', undefined)],
    ['uppercase uuid', () => withValue(doc(), 'id', DOC_ID.toUpperCase())],
    ['wrong kind', () => withValue(doc(), 'kind', 'letter')],
    ['kind and body disagree', () => withValue(doc(), 'kind', 'status')],
    ['status body under document kind', () => withValue(status(), 'kind', 'document')],
    ['bad from code (group letter)', () => withValue(doc(), 'from', '000.00.00.L41')],
    ['bad from code (missing parent)', () => withValue(doc(), 'from', '000.12.00.H41')],
    ['bad from code (level 4 under zero level 3)', () => withValue(doc(), 'from', '001.00.05.H41')],
    ['bad from code (lowercase)', () => withValue(doc(), 'from', '000.00.00.h41')],
    ['bad from code (space)', () => withValue(doc(), 'from', ' 000.00.00.H41')],
    ['empty to', () => withValue(doc(), 'to', [])],
    ['bad recipient code', () => withValue(doc(), 'to', ['000.00.5.H41'])],
    ['selector depth 5', () => withValue(doc(), 'to', [{ childrenOf: FROM, depth: 5 }])],
    ['selector unknown tier', () => withValue(doc(), 'to', [{ childrenOf: FROM, tier: 'village' }])],
    ['selector unknown field', () => withValue(doc(), 'to', [{ childrenOf: FROM, all: true }])],
    ['issuedAt without milliseconds', () => withValue(doc(), 'issuedAt', '2026-11-22T08:00:00Z')],
    ['issuedAt with offset', () => withValue(doc(), 'issuedAt', '2026-11-22T08:00:00.000+07:00')],
    ['issuedAt month 13', () => withValue(doc(), 'issuedAt', '2026-13-22T08:00:00.000Z')],
    ['missing body', () => withValue(doc(), 'body', undefined)],
    ['missing subject', () => withValue(doc(), 'body.subject', undefined)],
    ['blank subject', () => withValue(doc(), 'body.subject', '   ')],
    ['too-long subject', () => withValue(doc(), 'body.subject', 'ệ'.repeat(DOCUMENT_LIMITS.subject + 1))],
    ['control character in subject', () => withValue(doc(), 'body.subject', 'a\u0001b')],
    ['too-long codeNumber', () => withValue(doc(), 'body.code.codeNumber', '1'.repeat(DOCUMENT_LIMITS.codeNumber + 1))],
    ['missing codeNotation', () => withValue(doc(), 'body.code', { codeNumber: '1' })],
    ['missing code', () => withValue(doc(), 'body.code', undefined)],
    ['priority 5', () => withValue(doc(), 'body.otherInfo.priority', 5)],
    ['priority as string', () => withValue(doc(), 'body.otherInfo.priority', '1')],
    ['fractional pageAmount', () => withValue(doc(), 'body.otherInfo.pageAmount', 1.5)],
    ['steeringType 3', () => withValue(doc(), 'body.steeringType', 3)],
    ['bad promulgationDate', () => withValue(doc(), 'body.promulgationInfo.promulgationDate', '22/11/2026')],
    ['bad organ email', () => withValue(doc(), 'body.from.email', 'not an email')],
    ['organ without organId', () => withValue(doc(), 'body.to', [{ organName: 'x' }])],
    ['responseFor without documentId', () => withValue(doc(), 'body.responseFor', [{ organId: FROM }])],
    ['replacement without originalId', () => withValue(doc(), 'body.business', { businessDocType: 3 })],
    ['too many toPlaces characters', () => withValue(doc(), 'body.toPlaces', ['x'.repeat(DOCUMENT_LIMITS.toPlace + 1)])],
    ['trace header without timestamp', () => withValue(doc(), 'body.traceHeaders', [{ organId: FROM }])],
    ['trace header bad organId', () => withValue(doc(), 'body.traceHeaders', [{ organId: 'G22', timestamp: '2026-11-22' }])],
    ['edxml unknown field', () => withValue(doc(), 'body.edxml', { signatures: '<S/>' })],
    ['edxml blank signature', () => withValue(doc(), 'body.edxml', { signature: '  ' })],
    ['edxml control character in xml', () => withValue(doc(), 'body.edxml', { extensions: [{ parent: 'a', xml: '<a>\u0001</a>' }] })],
    ['edxml extension without xml', () => withValue(doc(), 'body.edxml', { extensions: [{ parent: 'a' }] })],
    ['attachment path in name', () => withValue(doc(), 'attachments', [{ name: '../etc/passwd', mediaType: 'application/pdf', size: 1, sha256: SHA }])],
    ['attachment named ..', () => withValue(doc(), 'attachments', [{ name: '..', mediaType: 'application/pdf', size: 1, sha256: SHA }])],
    ['attachment bidi override', () => withValue(doc(), 'attachments', [{ name: 'fdp.\u202Eexe', mediaType: 'application/pdf', size: 1, sha256: SHA }])],
    ['attachment media type', () => withValue(doc(), 'attachments', [{ name: 'a.exe', mediaType: 'application/x-msdownload', size: 1, sha256: SHA }])],
    [
      'attachment uppercase sha256',
      () => withValue(doc(), 'attachments', [{ name: 'a.pdf', mediaType: 'application/pdf', size: 1, sha256: SHA.toUpperCase() }]),
    ],
    ['attachment negative size', () => withValue(doc(), 'attachments', [{ name: 'a.pdf', mediaType: 'application/pdf', size: -1, sha256: SHA }])],
    ['attachment unknown field', () => withValue(doc(), 'attachments', [{ name: 'a.pdf', mediaType: 'application/pdf', size: 1, sha256: SHA, url: 'x' }])],
    ['status 02 without reasonCode', () => withValue(status(), 'body.statusCode', '02')],
    ['status unknown code', () => withValue(status(), 'body.statusCode', '07')],
    ['status unknown reasonCode', () => withValue(status(), 'body.reasonCode', 'NOPE')],
    ['status timestamp without zone', () => withValue(status(), 'body.timestamp', '2026-11-22T15:05:00')],
    ['recall without responseFor', () => ({ ...withValue(status(), 'kind', 'recall'), body: { reason: 'x' } })],
    ['receipt with no items', () => ({ ...withValue(status(), 'kind', 'receipt'), body: { checkpoint: 'c', items: [] } })],
    ['dossier body not an object', () => ({ ...withValue(status(), 'kind', 'dossier'), body: 'submit' })],
  ];

  it.each(invalid)('refuses what validateEnvelope refuses: %s', (_, make) => {
    const value = make();
    expect(validatorAccepts(value)).toBe(false);
    expect(schemaAccepts(value)).toBe(false);
  });

  it('agrees with validateEnvelope on generated document envelopes', () => {
    // mostly valid values with a few bad ones mixed in, so both answers are reached often
    const mostly = <T, U>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<U>) => fc.oneof({ weight: 12, arbitrary: good }, { weight: 1, arbitrary: bad });
    const code = mostly(
      fc.oneof(
        fc.constantFrom('000.00.00.H41', '000.00.05.H41', '000.12.05.H41', '001.12.05.H41', '000.00.00.A01', '000.00.00.K99'),
        fc
          .tuple(fc.stringMatching(/^[0-9]{3}$/), fc.stringMatching(/^[0-9]{2}$/), fc.stringMatching(/^[0-9]{2}$/), fc.stringMatching(/^[A-M][0-9]{2}$/))
          .map((p) => p.join('.')),
      ),
      fc.constantFrom('000.12.00.H41', '001.00.05.H41', '000.00.00.L41', '000.00.00.h41', '00.00.00.H41', '000.00.00.H4', '', 41),
    );
    const goodText = fc.oneof(
      fc.string({ minLength: 1, maxLength: 10 }).map((t) => `x${t}`),
      fc.string({ unit: 'grapheme', maxLength: 10 }).map((t) => `ệ${t}`),
      fc.constantFrom('x\ny\tz', 'ệ'.repeat(DOCUMENT_LIMITS.content)),
    );
    const text = mostly(goodText, fc.constantFrom('', '  ', 'a\u0000', 'b\u0085', 'ệ'.repeat(DOCUMENT_LIMITS.subject + 1), 7));
    const shortText = (max: number) =>
      mostly(
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: max }).filter((t) => t.trim() !== '' && !/[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/.test(t)),
        fc.constantFrom('1'.repeat(max + 1), ' '),
      );
    const day = fc.date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true });
    const date = mostly(
      fc.oneof(
        day.map((d) => d.toISOString().slice(0, 10)),
        fc.constant('2026-11-22T15:00:00+07:00'),
      ),
      fc.constantFrom('2026-13-01', '22/11/2026', '2026-11-22T15:00:00'),
    );
    const smallInt = (min: number, max: number) => mostly(fc.integer({ min, max }), fc.constantFrom(min - 1, max + 1, 1.5, '1'));
    const envelope = fc
      .record(
        {
          id: mostly(fc.uuid({ version: 7 }), fc.constantFrom('', 'x', DOC_ID.toUpperCase())),
          kind: mostly(fc.constant('document'), fc.constantFrom('status', 'letter')),
          from: code,
          to: mostly(
            fc.array(
              fc.oneof(
                code,
                fc.record(
                  { childrenOf: code, tier: mostly(fc.constantFrom('central', 'commune'), fc.constant('village')), depth: smallInt(1, 4) },
                  { requiredKeys: ['childrenOf'] },
                ),
              ),
              { minLength: 1, maxLength: 3 },
            ),
            fc.constant([]),
          ),
          issuedAt: mostly(
            day.map((d) => d.toISOString()),
            fc.constantFrom('2026-11-22T08:00:00Z', '2026-11-22'),
          ),
          body: fc.record(
            {
              code: mostly(
                fc.record({ codeNumber: shortText(DOCUMENT_LIMITS.codeNumber), codeNotation: shortText(DOCUMENT_LIMITS.codeNotation) }),
                fc.record({ codeNumber: shortText(DOCUMENT_LIMITS.codeNumber), year: fc.constant(2026) }, { requiredKeys: [] }),
              ),
              subject: text,
              content: text,
              toPlaces: fc.array(text, { maxLength: 2 }),
              dueDate: date,
              steeringType: smallInt(0, 2),
              otherInfo: fc.record({ priority: smallInt(0, 4), pageAmount: smallInt(0, 9) }, { requiredKeys: [] }),
              business: fc.record({ businessDocType: smallInt(0, 3), originalId: fc.constant(DOC_ID) }, { requiredKeys: ['businessDocType'] }),
              unknownField: fc.constant(1),
            },
            // code and subject are left out, and an unknown field put in, by the `bodyFlaws` draw
            { requiredKeys: ['code', 'subject', 'unknownField'] },
          ),
          bodyFlaws: fc.constantFrom(...([[], [], [], [], [], [], [], [], [], ['code'], ['subject'], ['keepUnknown']] as const)),
          attachments: fc.array(
            fc.record({
              name: mostly(
                goodText.map((t) => `${t}.pdf`),
                fc.constantFrom('a/b.pdf', '..', 'c:d.pdf'),
              ),
              mediaType: mostly(fc.constant('application/pdf'), fc.constant('image/gif')),
              size: smallInt(0, 9),
              sha256: mostly(fc.constant(SHA), fc.constant('abc')),
            }),
            { maxLength: 2 },
          ),
        },
        { requiredKeys: ['id', 'kind', 'from', 'to', 'issuedAt', 'body', 'bodyFlaws'] },
      )
      .map(({ bodyFlaws, body, ...env }) => {
        const flawed: Record<string, unknown> = { ...body };
        if (!(bodyFlaws as readonly string[]).includes('keepUnknown')) delete flawed.unknownField;
        for (const field of bodyFlaws) delete flawed[field];
        return { ...env, body: flawed };
      });
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(envelope, (env) => {
        const byValidator = validatorAccepts(env);
        if (byValidator) accepted++;
        else refused++;
        expect(schemaAccepts(env)).toBe(byValidator);
      }),
      { numRuns: 3000 },
    );
    // the generator must reach both answers often, or the agreement says little
    expect(accepted).toBeGreaterThan(100);
    expect(refused).toBeGreaterThan(100);
  });
});

describe('flattened JWS JSON Schema', () => {
  it('accepts what sealEnvelope and a hub signer produce, and what decodeJws decodes', async () => {
    const g = await generateSigningKey('EdDSA', 'k1');
    const env = buildEnvelope(FROM, { kind: 'document', to: ['000.00.05.H41'], body: SAMPLE_BODY }, NOW);
    const { jws } = sealEnvelope(env, importPrivateKey(g.privateJwk, 'EdDSA'), `${FROM}#k1`);
    expect(() => decodeJws(jws)).not.toThrow();
    expect(checkJws(jws)).toBe(true);
    expect(checkJws(hubSign(env, await makeHubKey()))).toBe(true);
    // the payload decodes to an envelope the envelope schema accepts
    expect(schemaAccepts(JSON.parse(Buffer.from(jws.payload, 'base64url').toString('utf8')))).toBe(true);
  });

  it.each<[string, unknown]>([
    ['general serialization member', { protected: 'eyJ9', payload: 'eyJ9', signature: 'AA', header: {} }],
    ['missing signature', { protected: 'eyJ9', payload: 'eyJ9' }],
    ['padding', { protected: 'eyJ9', payload: 'eyJ9', signature: 'AA==' }],
    ['standard base64 alphabet', { protected: 'eyJ9', payload: 'ab+/', signature: 'AA' }],
    ['empty protected header', { protected: '', payload: 'eyJ9', signature: 'AA' }],
  ])('refuses a JWS decodeJws refuses: %s', (_, jws) => {
    expect(() => decodeJws(jws)).toThrow(LtError);
    expect(checkJws(jws)).toBe(false);
  });
});
