import { HUB_KEYS_KV_KEY, LtError, codeToSubjectTokens, uuidv7, type Envelope } from '@lt/contracts';
import { AgencyDirectory } from './directory';
import { buildEnvelope, sealEnvelope, statusBody } from './envelope-builder';
import { hubKeysValue, hubSign, makeHubKey, makeTestAgency, SAMPLE_BODY, type TestAgency } from './testing/fixtures';
import { verifyInbound } from './verify-inbound';

const A = '000.00.00.H41';
const B = '000.00.05.H41';
const NOW = new Date('2026-11-22T08:00:00.000Z');

function caught(fn: () => unknown): LtError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(LtError);
    return e as LtError;
  }
  throw new Error('expected an LtError');
}

function bytesOf(jws: object): Buffer {
  return Buffer.from(JSON.stringify(jws));
}

describe('verifyInbound', () => {
  let a: TestAgency;
  let b: TestAgency;
  let dir: AgencyDirectory;

  beforeEach(async () => {
    a = await makeTestAgency(A);
    b = await makeTestAgency(B, { parentCode: A, tier: 'district' });
    dir = new AgencyDirectory();
    dir.apply(codeToSubjectTokens(A), a.entry);
    dir.apply(codeToSubjectTokens(B), b.entry);
  });

  const doc = (): Envelope => buildEnvelope(A, { kind: 'document', to: [B], body: SAMPLE_BODY }, NOW);

  it('accepts a copy signed by the sender with its registered key', () => {
    const env = doc();
    const v = verifyInbound(sealEnvelope(env, a.signer, a.kid).bytes, dir);
    expect(v).toMatchObject({ signer: A, kid: a.kid, hubSigned: false });
    expect(v.envelope).toEqual(env);
  });

  it('refuses a copy whose payload was altered after signing (BAD_SIGNATURE)', () => {
    const sealed = sealEnvelope(doc(), a.signer, a.kid);
    const altered = { ...doc(), body: { ...SAMPLE_BODY, subject: 'altered' } };
    const tampered = { ...sealed.jws, payload: Buffer.from(JSON.stringify(altered)).toString('base64url') };
    expect(caught(() => verifyInbound(bytesOf(tampered), dir)).code).toBe('BAD_SIGNATURE');
  });

  it('refuses an unknown key, a key of another agency, a revoked or not-yet-valid key', () => {
    const stranger = sealEnvelope(doc(), a.signer, `${A}#other`);
    expect(caught(() => verifyInbound(stranger.bytes, dir)).code).toBe('UNKNOWN_KEY');

    // B signs an envelope that claims to come from A
    const forged = sealEnvelope(doc(), b.signer, b.kid);
    expect(caught(() => verifyInbound(forged.bytes, dir)).code).toBe('SENDER_MISMATCH');

    dir.apply(codeToSubjectTokens(A), { ...a.entry, keys: [{ ...a.entry.keys[0]!, revokedAt: '2026-11-01T00:00:00.000Z' }] });
    expect(caught(() => verifyInbound(sealEnvelope(doc(), a.signer, a.kid).bytes, dir)).code).toBe('KEY_REVOKED');

    dir.apply(codeToSubjectTokens(A), { ...a.entry, keys: [{ ...a.entry.keys[0]!, notBefore: '2027-01-01T00:00:00.000Z' }] });
    const early = caught(() => verifyInbound(sealEnvelope(doc(), a.signer, a.kid).bytes, dir));
    expect([early.code, early.details?.reason]).toEqual(['UNKNOWN_KEY', 'not_yet_valid']);
  });

  it('forgets an agency and its keys when its KV entry is deleted', () => {
    dir.apply(codeToSubjectTokens(A), null);
    expect(dir.has(A)).toBe(false);
    expect(caught(() => verifyInbound(sealEnvelope(doc(), a.signer, a.kid).bytes, dir)).code).toBe('UNKNOWN_KEY');
  });

  it('ignores a key listed under another agency (an entry cannot vouch for a foreign kid)', () => {
    dir.apply(codeToSubjectTokens(B), { ...b.entry, keys: [...b.entry.keys, { ...a.entry.keys[0]!, kid: `${A}#planted` }] });
    expect(dir.kidsOf(B)).toEqual([b.kid]);
    expect(dir.keyEntry(`${A}#planted`)).toBeUndefined();
  });

  it('refuses bytes that are not JSON', () => {
    expect(caught(() => verifyInbound(Buffer.from('{"protected":'), dir)).code).toBe('MALFORMED_JSON');
  });

  describe('hub-signed envelopes', () => {
    const refusal = (): Envelope => ({
      id: uuidv7(),
      kind: 'status',
      from: 'hub',
      to: [A],
      issuedAt: NOW.toISOString(),
      body: { responseFor: uuidv7(), statusCode: '02', reasonCode: 'UNKNOWN_RECIPIENT', description: 'to[0] is not registered' },
    });

    it('verifies against the hub keys in KV', async () => {
      const hub = await makeHubKey();
      dir.apply(HUB_KEYS_KV_KEY, hubKeysValue(hub));
      const env = refusal();
      const v = verifyInbound(bytesOf(hubSign(env, hub)), dir);
      expect(v).toMatchObject({ hubSigned: true, signer: 'hub', kid: hub.kid });
      expect(v.envelope).toEqual(env);
    });

    it('refuses a forged or unlisted hub key and an invalid status body', async () => {
      const hub = await makeHubKey('h1');
      const impostor = await makeHubKey('h1');
      dir.apply(HUB_KEYS_KV_KEY, hubKeysValue(hub));
      expect(caught(() => verifyInbound(bytesOf(hubSign(refusal(), impostor)), dir)).code).toBe('BAD_SIGNATURE');
      const unlisted = await makeHubKey('h2');
      expect(caught(() => verifyInbound(bytesOf(hubSign(refusal(), unlisted)), dir)).code).toBe('UNKNOWN_KEY');
      const noReason = { ...refusal(), body: statusBody(uuidv7(), '02', {}, NOW) };
      expect(caught(() => verifyInbound(bytesOf(hubSign(noReason, hub)), dir)).details?.field).toBe('body.reasonCode');
    });
  });
});
