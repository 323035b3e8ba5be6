import { LIMITS, LtError, isUuid, type DocumentBody, type Envelope } from '@lt/contracts';
import { decodeJws, verifyDecoded } from '@lt/crypto';
import { amendmentBody, buildEnvelope, recallBody, replyBody, sealEnvelope, statusBody } from './envelope-builder';
import { makeTestAgency, SAMPLE_BODY } from './testing/fixtures';

const A = '000.00.00.H41';
const B = '000.00.05.H41';
const NOW = new Date('2026-11-22T08:00:00.123Z');

function caught(fn: () => unknown): LtError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(LtError);
    return e as LtError;
  }
  throw new Error('expected an LtError');
}

describe('buildEnvelope', () => {
  it('fills id (UUIDv7), from and issuedAt (UTC with ms) and keeps the draft', () => {
    const env = buildEnvelope(A, { kind: 'document', to: [B, { childrenOf: B, tier: 'commune' }], body: SAMPLE_BODY }, NOW);
    expect(isUuid(env.id)).toBe(true);
    expect(env.id[14]).toBe('7');
    expect(env).toMatchObject({ kind: 'document', from: A, issuedAt: '2026-11-22T08:00:00.123Z', to: [B, { childrenOf: B, tier: 'commune' }] });
    expect(env.attachments).toBeUndefined();
  });

  it('keeps a caller-chosen id (re-send after a crash is deduplicated by it)', () => {
    const first = buildEnvelope(A, { kind: 'document', to: [B], body: SAMPLE_BODY }, NOW);
    const again = buildEnvelope(A, { kind: 'document', to: [B], body: SAMPLE_BODY, id: first.id }, NOW);
    expect(again.id).toBe(first.id);
  });

  it('fails fast with the router codes, naming the field', () => {
    const long = caught(() => buildEnvelope(A, { kind: 'document', to: [B], body: { ...SAMPLE_BODY, subject: 'x'.repeat(501) } }, NOW));
    expect(long.code).toBe('SCHEMA_INVALID');
    expect(long.details?.field).toBe('body.subject');

    const badTo = caught(() => buildEnvelope(A, { kind: 'document', to: ['000.00.05.h41'], body: SAMPLE_BODY }, NOW));
    expect(badTo.code).toBe('INVALID_AGENCY_CODE');

    const noTo = caught(() => buildEnvelope(A, { kind: 'document', to: [], body: SAMPLE_BODY }, NOW));
    expect(noTo.code).toBe('SCHEMA_INVALID');

    const badAttachment = caught(() =>
      buildEnvelope(
        A,
        { kind: 'document', to: [B], body: SAMPLE_BODY, attachments: [{ name: '../x.pdf', mediaType: 'application/pdf', size: 1, sha256: 'a'.repeat(64) }] },
        NOW,
      ),
    );
    expect(badAttachment.details?.field).toBe('attachments[0].name');

    const badId = caught(() => buildEnvelope(A, { kind: 'document', to: [B], body: SAMPLE_BODY, id: 'not-a-uuid' }, NOW));
    expect(badId.details?.field).toBe('id');
  });

  it('drops undefined members before validating, as JSON signing would', () => {
    const body = { ...SAMPLE_BODY, content: undefined } as DocumentBody;
    expect(() => buildEnvelope(A, { kind: 'document', to: [B], body }, NOW)).not.toThrow();
  });
});

describe('bodies', () => {
  it('status: 02 needs a reason code; others carry a timestamp', () => {
    const docId = buildEnvelope(A, { kind: 'document', to: [B], body: SAMPLE_BODY }, NOW).id;
    const refusal = caught(() => buildEnvelope(B, { kind: 'status', to: [A], body: statusBody(docId, '02', {}, NOW) }, NOW));
    expect(refusal.details?.field).toBe('body.reasonCode');
    const ok = buildEnvelope(B, { kind: 'status', to: [A], body: statusBody(docId, '03', { description: 'registered' }, NOW) }, NOW);
    expect(ok.body).toEqual({ responseFor: docId, statusCode: '03', description: 'registered', timestamp: NOW.toISOString() });
    const unknownReason = caught(() => buildEnvelope(B, { kind: 'status', to: [A], body: statusBody(docId, '02', { reasonCode: 'NOPE' }, NOW) }, NOW));
    expect(unknownReason.details?.field).toBe('body.reasonCode');
  });

  it('recall references the document', () => {
    const env = buildEnvelope(A, { kind: 'recall', to: [B], body: recallBody('0190f0e2-7c4b-7d2a-8a3e-5f6a7b8c9d0e', 'sai sót') }, NOW);
    expect(env.body).toEqual({ responseFor: '0190f0e2-7c4b-7d2a-8a3e-5f6a7b8c9d0e', reason: 'sai sót' });
    expect(caught(() => buildEnvelope(A, { kind: 'recall', to: [B], body: recallBody('nope') }, NOW)).details?.field).toBe('body.responseFor');
  });

  it('update/replace carry businessDocType 2/3 and the original id, keeping other business fields', () => {
    const original = buildEnvelope(A, { kind: 'document', to: [B], body: SAMPLE_BODY }, NOW);
    const body = amendmentBody({ ...SAMPLE_BODY, business: { businessDocType: 0, paper: 1 } }, original.id, 3, 'thay thế');
    expect(body.business).toEqual({ businessDocType: 3, originalId: original.id, paper: 1, businessDocReason: 'thay thế' });
    expect(() => buildEnvelope(A, { kind: 'document', to: [B], body }, NOW)).not.toThrow();
    const bad = caught(() => buildEnvelope(A, { kind: 'document', to: [B], body: amendmentBody(SAMPLE_BODY, 'x', 2) }, NOW));
    expect(bad.details?.field).toBe('body.business.originalId');
  });

  it('reply links the answered document once, with its số/ký hiệu and date', () => {
    const original = buildEnvelope(A, { kind: 'document', to: [B], body: SAMPLE_BODY }, NOW) as Envelope;
    const answer = replyBody({ id: original.id, from: A, envelope: original }, { code: { codeNumber: '9', codeNotation: 'SYT' }, subject: 'Trả lời' });
    expect(answer.responseFor).toEqual([{ organId: A, documentId: original.id, code: '123/UBND-VP', promulgationDate: '2026-11-20' }]);
    expect(replyBody({ id: original.id, from: A }, answer).responseFor).toHaveLength(1);
    expect(() => buildEnvelope(B, { kind: 'document', to: [A], body: answer }, NOW)).not.toThrow();
  });
});

describe('sealEnvelope', () => {
  it('produces a JWS that verifies with the public key and carries the envelope byte for byte', async () => {
    const a = await makeTestAgency(A);
    const env = buildEnvelope(A, { kind: 'document', to: [B], body: SAMPLE_BODY }, NOW);
    const sealed = sealEnvelope(env, a.signer, a.kid);
    const decoded = decodeJws(JSON.parse(sealed.bytes.toString('utf8')));
    expect(decoded.header).toEqual({ alg: 'EdDSA', kid: a.kid, typ: 'lt-envelope+jws' });
    expect(verifyDecoded(decoded, a.signer.publicKey)).toBe(true);
    expect(JSON.parse(decoded.payloadBytes.toString('utf8'))).toEqual(env);
  });

  it('refuses a signed envelope above the hub limit with PAYLOAD_TOO_LARGE', async () => {
    const a = await makeTestAgency(A);
    const env = { ...buildEnvelope(A, { kind: 'document', to: [B], body: SAMPLE_BODY }, NOW), body: { blob: 'x'.repeat(LIMITS.maxMessageBytes) } };
    const err = caught(() => sealEnvelope(env, a.signer, a.kid));
    expect(err.code).toBe('PAYLOAD_TOO_LARGE');
  });
});
