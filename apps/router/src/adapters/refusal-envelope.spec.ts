import { HUB_KID_PREFIX, uuidv7, validateEnvelope } from '@lt/contracts';
import { base64urlDecode, HubSigner, importPublicKey } from '@lt/crypto';
import { newEd25519KeyFile } from '@lt/platform';
import { submissionDerivedId } from '../domain/derived-id';
import { refusalEnvelope } from './refusal-envelope';

describe('refusal envelopes signed by the hub', () => {
  const signer = new HubSigner(newEd25519KeyFile('hub-20260101'));

  it('signs a status 02 that passes envelope validation and verifies with the published hub key', () => {
    const responseFor = uuidv7();
    const env = refusalEnvelope({
      id: uuidv7(),
      hubAgency: '000.00.00.G22',
      sender: '000.00.00.H41',
      responseFor,
      reasonCode: 'UNKNOWN_RECIPIENT',
      reason: 'x'.repeat(900),
      at: new Date('2026-11-22T08:00:00.000Z'),
    });
    expect(() => validateEnvelope(JSON.parse(JSON.stringify(env)))).not.toThrow();
    expect(env.body).toMatchObject({ responseFor, statusCode: '02', reasonCode: 'UNKNOWN_RECIPIENT' });
    expect([...env.body.description!]).toHaveLength(500);

    const { jws, bytes } = signer.sign(env);
    expect(JSON.parse(bytes.toString())).toEqual(jws);
    const header = JSON.parse(base64urlDecode(jws.protected, 'protected').toString());
    expect(header).toEqual({ alg: 'EdDSA', kid: `${HUB_KID_PREFIX}hub-20260101`, typ: 'lt-envelope+jws' });
    const pub = importPublicKey(signer.publicKey.publicJwk, 'EdDSA');
    expect(pub.verify(Buffer.from(`${jws.protected}.${jws.payload}`), base64urlDecode(jws.signature, 'signature'))).toBe(true);
  });

  it('escapes control characters quoted from hostile input, so the 02 stays a valid status', () => {
    const env = refusalEnvelope({
      id: uuidv7(),
      hubAgency: '000.00.00.G22',
      sender: '000.00.00.H41',
      responseFor: uuidv7(),
      reasonCode: 'INVALID_AGENCY_CODE',
      reason: 'to[0]: invalid agency code "000.00.05.H41\r\nLt-From: x\u0000"',
      at: new Date('2026-11-22T08:00:00.000Z'),
    });
    expect(env.body.description).toBe('to[0]: invalid agency code "000.00.05.H41\\u000d\nLt-From: x\\u0000"');
    expect(() => validateEnvelope(JSON.parse(JSON.stringify(env)))).not.toThrow();
  });

  it('derives the same ids for the same submission, other ids for another', () => {
    const facts = { seq: 7, digest: 'a'.repeat(64), receivedAtMs: Date.parse('2026-11-22T08:00:00.000Z') };
    const id = submissionDerivedId('refusal', facts);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(submissionDerivedId('refusal', facts)).toBe(id);
    expect(submissionDerivedId('refusal', { ...facts, seq: 8 })).not.toBe(id);
    expect(submissionDerivedId('msg.rejected', facts)).not.toBe(id);
    // time-ordered like any UUIDv7: the first 48 bits are the receive time
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(facts.receivedAtMs);
  });
});
