import * as fc from 'fast-check';
import { LtError } from '../errors';
import { ENVELOPE_KINDS, LIMITS } from './envelope';
import {
  ATTACHMENT_MEDIA_TYPES,
  isAttachmentMediaType,
  registerBodyValidator,
  validateDocumentBody,
  validateEnvelope,
  validateRecallBody,
  validateReceiptBody,
  validateStatusBody,
} from './validate';
import { RECEIPT_MAX_ITEMS } from './status';
import { tryParseAgencyCode } from '../agency-code/agency-code';
import { checkAgencyCode, checkEmail, checkIsoDate, checkText, schemaError } from './validate-fields';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests mutate arbitrary JSON paths
type Json = Record<string, any>;

const DOC_ID = '019a8f5e-7c3b-7d2a-9f10-3c4d5e6f7a8b';
const OTHER_ID = '019a8f5e-7c3b-7d2a-9f10-3c4d5e6f7a8c';
const SHA = 'a'.repeat(64);

/** A document envelope using every field of DocumentBody. */
function documentEnvelope(): Json {
  return {
    id: DOC_ID,
    kind: 'document',
    from: '000.00.00.H41',
    to: ['000.00.05.H41', { childrenOf: '000.00.05.H41', tier: 'commune' }],
    issuedAt: '2026-11-22T08:00:00.000Z',
    attachments: [
      { name: 'Quyết định 123-QĐ-UBND.pdf', mediaType: 'application/pdf', size: 123456, sha256: SHA },
      { name: 'phu-luc.xlsx', mediaType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', size: 0, sha256: 'b'.repeat(64) },
    ],
    body: {
      from: {
        organId: '000.00.00.H41',
        organizationInCharge: 'UBND tỉnh Nghệ An',
        organName: 'Văn phòng UBND tỉnh',
        organAdd: '03 Trường Thi, Vinh',
        email: 'vanthu@nghean.gov.vn',
        telephone: '0238 3844 000',
        fax: '0238 3844 001',
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
      business: {
        businessDocType: 3,
        originalId: OTHER_ID,
        businessDocReason: 'Thay thế do sai sót',
        paper: 1,
        staffInfo: { department: 'Văn thư', staff: 'Trần Thị B', mobile: '0912345678', email: 'ttb@nghean.gov.vn' },
      },
    },
  };
}

function statusEnvelope(body: Json = {}): Json {
  return {
    id: OTHER_ID,
    kind: 'status',
    from: '000.00.05.H41',
    to: ['000.00.00.H41'],
    issuedAt: '2026-11-22T08:05:00.000Z',
    body: { responseFor: DOC_ID, statusCode: '03', description: 'Đã vào sổ', staffInfo: { staff: 'Lê C' }, timestamp: '2026-11-22T15:05:00+07:00', ...body },
  };
}

function recallEnvelope(body: Json = { responseFor: DOC_ID, reason: 'Gửi nhầm' }): Json {
  return { id: OTHER_ID, kind: 'recall', from: '000.00.00.H41', to: ['000.00.05.H41'], issuedAt: '2026-11-22T09:00:00.000Z', body };
}

const RECEIPT_ITEM = { messageId: DOC_ID, recipient: '000.00.05.H41', event: 'delivered', at: '2026-11-22T08:00:01.250Z', seq: 42, leafHash: 'c'.repeat(64) };

function receiptEnvelope(body: Json = {}): Json {
  return {
    id: OTHER_ID,
    kind: 'receipt',
    from: '000.00.00.G22',
    to: ['000.00.00.H41'],
    issuedAt: '2026-11-22T09:00:00.000Z',
    body: {
      checkpoint: 'lt-hub/1\n50\nabc=\n',
      items: [RECEIPT_ITEM, { ...RECEIPT_ITEM, recipient: '000.00.30.H41', event: 'arrived', seq: 43 }, { ...RECEIPT_ITEM, seq: 44 }, { ...RECEIPT_ITEM, seq: 45 }],
      ...body,
    },
  };
}

/** Sets (or with `undefined` deletes) the value at a path like `body.code.codeNumber` or `to[1].tier`. */
function withValue(env: Json, path: string, value: unknown): Json {
  const copy = structuredClone(env);
  const keys = path.match(/[^.[\]]+/g)!;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- walks an arbitrary JSON path
  let target: any = copy;
  for (const k of keys.slice(0, -1)) target = target[k];
  const last = keys[keys.length - 1]!;
  if (value === undefined) delete target[last];
  else target[last] = value;
  return copy;
}

function refusal(value: unknown): LtError {
  try {
    validateEnvelope(value);
  } catch (e) {
    expect(e).toBeInstanceOf(LtError);
    return e as LtError;
  }
  throw new Error('expected the envelope to be refused');
}

function expectRefused(value: unknown, field: string, code: 'SCHEMA_INVALID' | 'INVALID_AGENCY_CODE' = 'SCHEMA_INVALID'): LtError {
  const err = refusal(value);
  expect({ code: err.code, field: err.details?.field }).toEqual({ code, field });
  if (field !== '') expect(err.message.startsWith(field)).toBe(true);
  return err;
}

describe('validateEnvelope accepts valid envelopes', () => {
  it('a document using every field, returned as the same object', () => {
    const env = documentEnvelope();
    expect(validateEnvelope(env)).toBe(env);
  });

  it('a minimal document', () => {
    const env: Json = { ...documentEnvelope(), body: { code: { codeNumber: '1', codeNotation: 'CV' }, subject: 'x' } };
    delete env.attachments;
    expect(validateEnvelope(env)).toBe(env);
  });

  it('status, recall, receipt and (unvalidated) dossier envelopes', () => {
    expect(() => validateEnvelope(statusEnvelope())).not.toThrow();
    expect(() => validateEnvelope(statusEnvelope({ statusCode: '02', reasonCode: 'UNKNOWN_RECIPIENT' }))).not.toThrow();
    expect(() => validateEnvelope(recallEnvelope())).not.toThrow();
    expect(() => validateEnvelope(recallEnvelope({ responseFor: DOC_ID }))).not.toThrow();
    expect(() => validateEnvelope(receiptEnvelope())).not.toThrow();
    expect(() => validateEnvelope({ ...recallEnvelope(), kind: 'dossier', body: { anything: [1, 2] } })).not.toThrow();
  });

  it('counts characters as code points: 500 emoji (1,000 UTF-16 units) fit a 500-character subject', () => {
    const env = withValue(documentEnvelope(), 'body.subject', '📄'.repeat(500));
    expect(() => validateEnvelope(env)).not.toThrow();
    expectRefused(withValue(documentEnvelope(), 'body.subject', '📄'.repeat(501)), 'body.subject');
  });

  it('accepts every allowed media type', () => {
    for (const mediaType of ATTACHMENT_MEDIA_TYPES) {
      expect(() => validateEnvelope(withValue(documentEnvelope(), 'attachments[0].mediaType', mediaType))).not.toThrow();
    }
    expect(isAttachmentMediaType('application/pdf')).toBe(true);
    expect(isAttachmentMediaType('text/html')).toBe(false);
  });
});

describe('envelope fields', () => {
  it.each([null, [], 'envelope', 42, new Date()])('refuses a non-object envelope: %p', (value) => {
    expectRefused(value, '');
  });

  it('refuses unknown top-level fields', () => {
    const err = expectRefused({ ...documentEnvelope(), signature: 'x' }, 'signature');
    expect(err.details?.reason).toBe('unknown_field');
    expectRefused({ ...documentEnvelope(), __proto__x: 1 }, '__proto__x');
    expectRefused(JSON.parse(JSON.stringify(documentEnvelope()).replace('{', '{"__proto__":{},')), '__proto__');
  });

  it.each([
    ['missing', undefined],
    ['not a UUID', 'abc'],
    ['uppercase', DOC_ID.toUpperCase()],
    ['a number', 7],
  ])('id %s', (_label, id) => {
    expectRefused(withValue(documentEnvelope(), 'id', id), 'id');
  });

  it.each([undefined, 'letter', 'Document', 1])('kind %p', (kind) => {
    expectRefused(withValue(documentEnvelope(), 'kind', kind), 'kind');
  });

  it('from must be present and an agency code', () => {
    expectRefused(withValue(documentEnvelope(), 'from', undefined), 'from');
    const err = expectRefused(withValue(documentEnvelope(), 'from', '000.12.00.H41'), 'from', 'INVALID_AGENCY_CODE');
    expect(err.details).toMatchObject({ segment: 'level-3 unit (CC)', reason: 'missing_parent' });
    expectRefused(withValue(documentEnvelope(), 'from', 41), 'from', 'INVALID_AGENCY_CODE');
  });

  it('to goes through parseSelectors', () => {
    expectRefused(withValue(documentEnvelope(), 'to', undefined), 'to');
    expectRefused(withValue(documentEnvelope(), 'to', []), 'to');
    expectRefused(withValue(documentEnvelope(), 'to[1]', '000.00.00.h41'), 'to[1]', 'INVALID_AGENCY_CODE');
    expectRefused(withValue(documentEnvelope(), 'to[1].tier', 'village'), 'to[1].tier');
    expectRefused(withValue(documentEnvelope(), 'to', Array(LIMITS.maxRecipients + 1).fill('000.00.00.H41')), 'to');
  });

  it.each([
    ['missing', undefined],
    ['without milliseconds', '2026-11-22T08:00:00Z'],
    ['with an offset', '2026-11-22T15:00:00.000+07:00'],
    ['with microseconds', '2026-11-22T08:00:00.000000Z'],
    ['a date only', '2026-11-22'],
    ['30 February', '2026-02-30T08:00:00.000Z'],
    ['29 February of a common year', '2026-02-29T08:00:00.000Z'],
    ['hour 24', '2026-11-22T24:00:00.000Z'],
    ['second 60', '2026-11-22T08:00:60.000Z'],
    ['month 13', '2026-13-22T08:00:00.000Z'],
    ['lowercase z', '2026-11-22T08:00:00.000z'],
    ['epoch millis', 1795334400000],
  ])('issuedAt %s', (_label, issuedAt) => {
    expectRefused(withValue(documentEnvelope(), 'issuedAt', issuedAt), 'issuedAt');
  });

  it('issuedAt accepts a leap day', () => {
    expect(() => validateEnvelope(withValue(documentEnvelope(), 'issuedAt', '2028-02-29T23:59:59.999Z'))).not.toThrow();
  });

  it('body is required and must be an object', () => {
    expectRefused(withValue(documentEnvelope(), 'body', undefined), 'body');
    expectRefused(withValue(documentEnvelope(), 'body', []), 'body');
    expectRefused(withValue(recallEnvelope(), 'body', 'recall'), 'body');
    expectRefused({ ...recallEnvelope(), kind: 'dossier', body: null }, 'body');
  });
});

describe('attachments', () => {
  const doc = documentEnvelope;

  it('is an array of at most LIMITS.maxAttachments', () => {
    expectRefused(withValue(doc(), 'attachments', {}), 'attachments');
    const many = Array.from({ length: LIMITS.maxAttachments + 1 }, () => ({ name: 'a.pdf', mediaType: 'application/pdf', size: 1, sha256: SHA }));
    expectRefused(withValue(doc(), 'attachments', many), 'attachments');
    expect(() => validateEnvelope(withValue(doc(), 'attachments', many.slice(1)))).not.toThrow();
    expect(() => validateEnvelope(withValue(doc(), 'attachments', []))).not.toThrow();
  });

  it('refuses unknown fields and non-objects', () => {
    expectRefused(withValue(doc(), 'attachments[0].content', 'AAAA'), 'attachments[0].content');
    expectRefused(withValue(doc(), 'attachments[1]', 'a.pdf'), 'attachments[1]');
  });

  it.each([
    ['missing', undefined],
    ['blank', '   '],
    ['201 characters', `${'a'.repeat(197)}.pdf`],
    ['a POSIX path', '../../etc/passwd'],
    ['a Windows path', 'C:\\temp\\a.pdf'],
    ['a drive colon', 'C:a.pdf'],
    ['a dot-dot name', '..'],
    ['a newline', 'a\nb.pdf'],
    ['a tab', 'a\tb.pdf'],
    ['a NUL', 'a\u0000.pdf'],
    ['a right-to-left override', 'hoa-don\u202Efdp.exe'],
    ['a number', 12],
  ])('name %s', (_label, name) => {
    expectRefused(withValue(doc(), 'attachments[0].name', name), 'attachments[0].name');
  });

  it('name of exactly 200 Vietnamese characters is fine', () => {
    expect(() => validateEnvelope(withValue(doc(), 'attachments[0].name', `${'ệ'.repeat(196)}.pdf`))).not.toThrow();
  });

  it.each([undefined, 'text/html', 'application/x-msdownload', 'APPLICATION/PDF', 'application/pdf; charset=binary', 'image/svg+xml'])('mediaType %p', (mediaType) => {
    expectRefused(withValue(doc(), 'attachments[0].mediaType', mediaType), 'attachments[0].mediaType');
  });

  it.each([undefined, -1, 1.5, '12', Number.MAX_SAFE_INTEGER + 2, null])('size %p', (size) => {
    expectRefused(withValue(doc(), 'attachments[0].size', size), 'attachments[0].size');
  });

  it.each([undefined, 'A'.repeat(64), 'a'.repeat(63), 'a'.repeat(65), 'g'.repeat(64), 42])('sha256 %p', (sha256) => {
    expectRefused(withValue(doc(), 'attachments[0].sha256', sha256), 'attachments[0].sha256');
  });
});

describe('document body', () => {
  const doc = documentEnvelope;

  it('names the field, its length and the limit', () => {
    const err = expectRefused(withValue(doc(), 'body.code.codeNumber', '12345678901234'), 'body.code.codeNumber');
    expect(err.message).toBe('body.code.codeNumber is 14 characters; at most 11');
    expect(err.details).toEqual({ field: 'body.code.codeNumber', reason: 'too_long', max: 11, length: 14 });
  });

  it.each([
    ['body.subject', undefined],
    ['body.subject', ''],
    ['body.subject', ' \n\t '],
    ['body.subject', 'x'.repeat(501)],
    ['body.subject', 42],
    ['body.content', 'x'.repeat(501)],
    ['body.code', undefined],
    ['body.code', 'QĐ'],
    ['body.code.codeNumber', undefined],
    ['body.code.codeNumber', ''],
    ['body.code.codeNumber', 123],
    ['body.code.codeNotation', undefined],
    ['body.code.codeNotation', 'x'.repeat(31)],
    ['body.toPlaces', 'Như trên'],
    ['body.toPlaces[1]', 'x'.repeat(151)],
    ['body.toPlaces[1]', ''],
    ['body.otherInfo.priority', 5],
    ['body.otherInfo.priority', -1],
    ['body.otherInfo.priority', 1.5],
    ['body.otherInfo.priority', '1'],
    ['body.otherInfo.pageAmount', -3],
    ['body.otherInfo.appendixes', 'Phụ lục'],
    ['body.steeringType', 3],
    ['body.steeringType', true],
    ['body.documentType.type', 'công văn'],
    ['body.business.businessDocType', 4],
    ['body.business.businessDocType', undefined],
    ['body.business.originalId', undefined],
    ['body.business.originalId', 'not-a-uuid'],
    ['body.business.paper', 2],
    ['body.responseFor', {}],
    ['body.responseFor[0].organId', undefined],
    ['body.responseFor[0].documentId', undefined],
    ['body.responseFor[0].documentId', '  '],
    ['body.responseFor[0].promulgationDate', '01/11/2026'],
    ['body.dueDate', '2026-13-01'],
    ['body.dueDate', '2026-12-01T17:00:00'],
    ['body.dueDate', '2026-12-01T25:00:00Z'],
    ['body.promulgationInfo.promulgationDate', '2026-02-29'],
    ['body.from', 'UBND tỉnh Nghệ An'],
    ['body.from.organId', undefined],
    ['body.to', { organId: '000.00.05.H41' }],
    ['body.to[0].organId', undefined],
    ['body.from.email', 'not-an-email'],
    ['body.from.email', 'a@b'],
    ['body.from.email', 'a b@c.vn'],
    ['body.from.email', 'a@@c.vn'],
    ['body.from.email', 'a@c..vn'],
    ['body.from.email', ''],
    ['body.business.staffInfo.email', 'ttb@'],
    ['body.signerInfo.fullName', 7],
  ])('%s = %p is refused', (field, value) => {
    expectRefused(withValue(doc(), field, value), field);
  });

  it.each([
    ['body.from.organId', '000.00.00.Н41'],
    ['body.to[0].organId', 'H41'],
    ['body.responseFor[0].organId', '001.00.05.H41'],
  ])('%s = %p is INVALID_AGENCY_CODE', (field, value) => {
    const err = expectRefused(withValue(doc(), field, value), field, 'INVALID_AGENCY_CODE');
    expect(typeof err.details?.reason).toBe('string');
  });

  it.each(['body.extra', 'body.code.extra', 'body.otherInfo.urgent', 'body.business.staffInfo.phone', 'body.from.address', 'body.responseFor[0].note', 'body.signerInfo.title'])(
    'refuses the unknown field %s (the edXML field set is closed)',
    (field) => {
      expectRefused(withValue(doc(), field, 'x'), field);
    },
  );

  it('originalId is required only for an update (2) or a replacement (3)', () => {
    for (const docType of [0, 1]) {
      const env = withValue(withValue(doc(), 'body.business.businessDocType', docType), 'body.business.originalId', undefined);
      expect(() => validateEnvelope(env)).not.toThrow();
    }
    for (const docType of [2, 3]) {
      const env = withValue(withValue(doc(), 'body.business.businessDocType', docType), 'body.business.originalId', undefined);
      expect(refusal(env).message).toBe('body.business.originalId is required');
    }
  });

  it.each([
    ['a bell', 'a\u0007b'],
    ['a carriage return', 'line\r\nline'],
    ['a NUL', 'a\u0000'],
    ['DEL', 'a\u007f'],
    ['a C1 control', 'a\u0085'],
    ['a lone surrogate', 'a\ud800b'],
    ['U+FFFF', 'a\uffff'],
  ])('free text refuses %s', (_label, text) => {
    const err = expectRefused(withValue(doc(), 'body.signerInfo.position', text), 'body.signerInfo.position');
    expect(['control_char', 'surrogate']).toContain(err.details?.reason);
  });

  it('free text keeps \\n and \\t, Vietnamese, and emoji', () => {
    const env = withValue(doc(), 'body.content', 'Kính gửi:\n\t- Sở Nội vụ 🏛️');
    expect(() => validateEnvelope(env)).not.toThrow();
  });

  it('accepts ISO dates and date-times with a zone', () => {
    for (const date of ['2026-11-22', '2026-11-22T08:00Z', '2026-11-22T15:00:00+07:00', '2026-11-22T15:00:00.123456-05:30', '2028-02-29']) {
      expect(() => validateEnvelope(withValue(doc(), 'body.dueDate', date))).not.toThrow();
    }
  });

  it('validateDocumentBody works on its own with a custom path', () => {
    expect(() => validateDocumentBody({ subject: 'x' }, 'payload')).toThrow(expect.objectContaining({ message: 'payload.code is required' }));
  });
});

describe('status, recall and receipt bodies', () => {
  it.each([
    ['body.responseFor', undefined],
    ['body.responseFor', 'abc'],
    ['body.statusCode', undefined],
    ['body.statusCode', '07'],
    ['body.statusCode', 3],
    ['body.description', 'x'.repeat(501)],
    ['body.reasonCode', 'NOT_A_CODE'],
    ['body.timestamp', '22/11/2026'],
    ['body.staffInfo.staff', 1],
    ['body.extra', 1],
  ])('status %s = %p', (field, value) => {
    expectRefused(withValue(statusEnvelope(), field, value), field);
  });

  it('a refusal (02) needs a known reason code', () => {
    const err = expectRefused(statusEnvelope({ statusCode: '02' }), 'body.reasonCode');
    expect(err.message).toMatch(/required when statusCode is 02/);
    expectRefused(statusEnvelope({ statusCode: '02', reasonCode: 'because' }), 'body.reasonCode');
    expect(() => validateStatusBody({ responseFor: DOC_ID, statusCode: '02', reasonCode: 'AGENCY_CLOSED' })).not.toThrow();
  });

  it.each([
    ['body.responseFor', undefined],
    ['body.responseFor', DOC_ID.replace(/-/g, '')],
    ['body.reason', 'x'.repeat(501)],
    ['body.reason', ['a']],
    ['body.documentId', DOC_ID],
  ])('recall %s = %p', (field, value) => {
    expectRefused(withValue(recallEnvelope(), field, value), field);
  });

  it('validateRecallBody works on its own', () => {
    expect(validateRecallBody({ responseFor: DOC_ID })).toEqual({ responseFor: DOC_ID });
  });

  it.each([
    ['body.items[0].messageId', 'x'],
    ['body.items[3].event', 'read'],
    ['body.items[1].event', undefined],
    ['body.items[0].at', '2026-11-22T08:00:01Z'],
    ['body.items[3].seq', -1],
    ['body.items[3].seq', '42'],
    ['body.items[2].leafHash', undefined],
    ['body.items[2].extra', 1],
    ['body.items[1]', 'x'],
    ['body.items', undefined],
    ['body.items', []],
    ['body.items', {}],
    ['body.checkpoint', ''],
    ['body.checkpoint', undefined],
    ['body.messageId', DOC_ID],
    ['body.extra', true],
  ])('receipt %s = %p', (field, value) => {
    expectRefused(withValue(receiptEnvelope(), field, value), field);
  });

  it('a receipt lists at most RECEIPT_MAX_ITEMS items', () => {
    const items = Array.from({ length: RECEIPT_MAX_ITEMS }, (_, i) => ({ ...RECEIPT_ITEM, seq: i }));
    expect(() => validateEnvelope(receiptEnvelope({ items }))).not.toThrow();
    const err = expectRefused(receiptEnvelope({ items: [...items, { ...RECEIPT_ITEM, seq: RECEIPT_MAX_ITEMS }] }), 'body.items');
    expect(err.message).toMatch(/at most 1000/);
    expect(validateReceiptBody({ checkpoint: 'c', items: [RECEIPT_ITEM] })).toEqual({ checkpoint: 'c', items: [RECEIPT_ITEM] });
  });

  it('receipt item recipient must be an agency code', () => {
    expectRefused(withValue(receiptEnvelope(), 'body.items[2].recipient', '000.00.00.h41'), 'body.items[2].recipient', 'INVALID_AGENCY_CODE');
    expectRefused(withValue(receiptEnvelope(), 'body.items[0].recipient', undefined), 'body.items[0].recipient');
  });
});

describe('registerBodyValidator', () => {
  const dossier = () => ({ ...recallEnvelope(), kind: 'dossier', body: { dossierCode: '000.00.00.H41-250701-0001' } });

  it('plugs in a dossier validator that sees the body and the envelope, and can be removed', () => {
    const seen: unknown[] = [];
    const unregister = registerBodyValidator('dossier', (body, env) => {
      seen.push(env.from);
      if (typeof body.dossierCode !== 'string') throw schemaError('body.dossierCode', 'is required');
    });
    try {
      expect(() => validateEnvelope(dossier())).not.toThrow();
      expect(seen).toEqual(['000.00.00.H41']);
      expectRefused({ ...dossier(), body: {} }, 'body.dossierCode');
    } finally {
      unregister();
    }
    expect(() => validateEnvelope({ ...dossier(), body: {} })).not.toThrow();
  });

  it('turns a bug in a plugged-in validator into an LtError', () => {
    const unregister = registerBodyValidator('dossier', (body) => {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- deliberately bad access
      (body as any).missing.field = 1;
    });
    try {
      expect(refusal(dossier()).code).toBe('INTERNAL');
    } finally {
      unregister();
    }
  });

  it('adds to the built-in checks of other kinds and never replaces them', () => {
    const unregister = registerBodyValidator('document', (body) => {
      if (body.subject === 'forbidden') throw schemaError('body.subject', 'is forbidden');
    });
    try {
      expectRefused(withValue(documentEnvelope(), 'body.subject', 'forbidden'), 'body.subject');
      expectRefused(withValue(documentEnvelope(), 'body.subject', ''), 'body.subject');
    } finally {
      unregister();
    }
  });

  it('refuses an unknown kind', () => {
    expect(() => registerBodyValidator('letter' as never, () => undefined)).toThrow(LtError);
  });
});

describe('field helpers', () => {
  it('checkText, checkIsoDate and checkEmail return the value or undefined', () => {
    expect(checkText(undefined, 'x')).toBeUndefined();
    expect(checkText('ok', 'x', { required: true, max: 2 })).toBe('ok');
    expect(checkIsoDate('2026-11-22', 'd')).toBe('2026-11-22');
    expect(checkEmail('a.b+c@so-noivu.nghean.gov.vn', 'e')).toBe('a.b+c@so-noivu.nghean.gov.vn');
    expect(() => checkText('x'.repeat(3), 'x', { max: 2 })).toThrow('x is 3 characters; at most 2');
  });
});

describe('checkAgencyCode fast path', () => {
  const codeLike = fc.oneof(
    fc.string({ unit: fc.constantFrom(...'0123456789.'), minLength: 9, maxLength: 9 }).map((s) => `${s.slice(0, 3)}.${s.slice(4, 6)}.${s.slice(7, 9)}.H41`),
    fc.tuple(fc.constantFrom('000', '001', '999'), fc.constantFrom('00', '12'), fc.constantFrom('00', '05'), fc.constantFrom('H41', 'K57', 'L01', 'h41', 'A00')).map((p) => p.join('.')),
    fc.string({ unit: 'binary', maxLength: 14 }),
  );

  it('accepts exactly what parseAgencyCode accepts', () => {
    fc.assert(
      fc.property(codeLike, (input) => {
        const viaParser = tryParseAgencyCode(input).ok;
        let viaCheck = true;
        try {
          checkAgencyCode(input, 'x');
        } catch (e) {
          expect((e as LtError).code).toBe('INVALID_AGENCY_CODE');
          viaCheck = false;
        }
        expect(viaCheck).toBe(viaParser);
      }),
      { numRuns: 3000 },
    );
  });
});

// ---------------------------------------------------------------- fuzzing

const ALLOWED_CODES = ['SCHEMA_INVALID', 'INVALID_AGENCY_CODE'];

function outcome(value: unknown): LtError | null {
  try {
    validateEnvelope(value);
    return null;
  } catch (e) {
    if (!(e instanceof LtError)) throw e;
    return e;
  }
}

/** Every path of a JSON value: `a`, `a.b`, `a[0]`, ... (the root excluded). */
function pathsOf(value: unknown, prefix = ''): string[] {
  if (value === null || typeof value !== 'object') return [];
  const out: string[] = [];
  const entries = Array.isArray(value) ? value.map((v, i) => [`${prefix}[${i}]`, v] as const) : Object.entries(value).map(([k, v]) => [prefix ? `${prefix}.${k}` : k, v] as const);
  for (const [path, v] of entries) out.push(path, ...pathsOf(v, path));
  return out;
}

const relatesTo = (field: string, path: string) => field === path || field.startsWith(`${path}.`) || field.startsWith(`${path}[`);

describe('fuzzing validateEnvelope', () => {
  it('arbitrary JSON values only ever produce SCHEMA_INVALID or INVALID_AGENCY_CODE', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const err = outcome(value);
        expect(err).not.toBeNull();
        expect(ALLOWED_CODES).toContain(err!.code);
      }),
      { numRuns: 500 },
    );
  });

  it('arbitrary JS values (fc.anything) never throw anything but LtError', () => {
    fc.assert(
      fc.property(fc.anything({ withNullPrototype: true, withBoxedValues: true, withMap: true, withSet: true, withDate: true, withTypedArray: true, withSparseArray: true }), (value) => {
        const err = outcome(value);
        expect(err).not.toBeNull();
      }),
      { numRuns: 500 },
    );
  });

  const kinds = fc.constantFrom(...ENVELOPE_KINDS);
  const codeish = fc.oneof(fc.constantFrom('000.00.00.H41', '000.00.05.H41', '000.12.00.H41', 'H41'), fc.string());
  const envelopeShaped = fc.record(
    {
      id: fc.oneof(fc.uuid({ version: 7 }), fc.jsonValue()),
      kind: fc.oneof(kinds, fc.string()),
      from: codeish,
      to: fc.oneof(fc.array(fc.oneof(codeish, fc.record({ childrenOf: codeish, tier: fc.string(), depth: fc.integer() }, { requiredKeys: ['childrenOf'] }))), fc.jsonValue()),
      issuedAt: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.string()),
      body: fc.oneof(
        fc.jsonValue(),
        fc.record({ responseFor: fc.oneof(fc.uuid({ version: 7 }), fc.string()), statusCode: fc.constantFrom('01', '02', '13', '99', 2), reason: fc.jsonValue() }, { requiredKeys: [] }),
        fc.record({ code: fc.record({ codeNumber: fc.string(), codeNotation: fc.string() }), subject: fc.string() }, { requiredKeys: [] }),
      ),
      attachments: fc.oneof(fc.array(fc.record({ name: fc.string(), mediaType: fc.constantFrom(...ATTACHMENT_MEDIA_TYPES, 'text/html'), size: fc.integer(), sha256: fc.constantFrom(SHA, 'x') })), fc.jsonValue()),
    },
    { requiredKeys: [] },
  );

  it('envelope-shaped values either pass or fail with a field path in the message', () => {
    fc.assert(
      fc.property(envelopeShaped, (value) => {
        const err = outcome(value);
        if (err === null) return;
        expect(ALLOWED_CODES).toContain(err.code);
        expect(typeof err.details?.field).toBe('string');
        expect(err.message.startsWith(String(err.details!.field))).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  const valid = documentEnvelope();
  const allPaths = pathsOf(valid);
  const required = ['id', 'kind', 'from', 'to', 'issuedAt', 'body', 'body.code', 'body.code.codeNumber', 'body.code.codeNotation', 'body.subject', 'body.from.organId', 'body.business.businessDocType', 'body.business.originalId', 'body.responseFor[0].organId', 'body.responseFor[0].documentId', 'body.to[0].organId', 'to[1].childrenOf'];
  const isRequired = (path: string) => required.includes(path) || /^attachments\[\d+\]\.\w+$/.test(path);

  it('deleting a field is refused at exactly that field when it is required, and accepted otherwise', () => {
    for (const path of allPaths.filter((p) => !p.endsWith(']'))) {
      const err = outcome(withValue(valid, path, undefined));
      if (isRequired(path)) expect({ path, field: err?.details?.field }).toEqual({ path, field: path });
      else expect({ path, err }).toEqual({ path, err: null });
    }
  });

  it('replacing any value by an unexpected object is refused at that field or inside it', () => {
    for (const path of allPaths) {
      const err = outcome(withValue(valid, path, { unexpected: true }));
      expect(err).not.toBeNull();
      expect({ path, related: relatesTo(String(err!.details?.field), path) }).toEqual({ path, related: true });
    }
  });

  it('replacing a random value by arbitrary JSON passes or fails at that field or inside it', () => {
    const mutable = allPaths.filter((p) => p !== 'kind');
    fc.assert(
      fc.property(fc.constantFrom(...mutable), fc.jsonValue({ maxDepth: 3 }), (path, replacement) => {
        const err = outcome(withValue(valid, path, replacement));
        if (err === null) return;
        expect(ALLOWED_CODES).toContain(err.code);
        expect({ path, field: err.details?.field, related: relatesTo(String(err.details?.field), path) }).toMatchObject({ related: true });
      }),
      { numRuns: 2000 },
    );
  });
});
