import { HEADERS, HUB_KEYS_KV_KEY, HUB_KID_PREFIX, LtError, codeToSubjectTokens, inboxCopyHeaderRecord, uuidv7, type Envelope } from '@lt/contracts';
import { sha256Hex } from '@lt/crypto';
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

  it('refuses signed JSON with a repeated key: in the payload, in the protected header, in the JWS itself', () => {
    const env = doc();
    const good = sealEnvelope(env, a.signer, a.kid).jws;
    const signed = (protectedB64: string, payloadB64: string) => ({
      protected: protectedB64,
      payload: payloadB64,
      signature: a.signer.sign(Buffer.from(`${protectedB64}.${payloadB64}`, 'latin1')).toString('base64url'),
    });
    // the sender signs a payload that says `from` twice: readers keeping the first or the last would disagree
    const payloadB64 = Buffer.from(JSON.stringify(env).replace('"from":', `"from":"${B}","from":`)).toString('base64url');
    let err = caught(() => verifyInbound(bytesOf(signed(good.protected, payloadB64)), dir));
    expect([err.code, err.details?.reason, err.details?.field]).toEqual(['SCHEMA_INVALID', 'duplicate_key', 'from']);

    const header = Buffer.from(good.protected, 'base64url').toString('utf8');
    const headerTwice = Buffer.from(header.replace('{', `{"kid":"${b.kid}",`)).toString('base64url');
    err = caught(() => verifyInbound(bytesOf(signed(headerTwice, good.payload)), dir));
    expect([err.code, err.details?.reason]).toEqual(['SCHEMA_INVALID', 'duplicate_key']);

    const jwsTwice = `{"protected":"${good.protected}","payload":"${good.payload}","signature":"${good.signature}","payload":"${good.payload}"}`;
    err = caught(() => verifyInbound(Buffer.from(jwsTwice), dir));
    expect([err.code, err.details?.reason, err.details?.field]).toEqual(['SCHEMA_INVALID', 'duplicate_key', 'payload']);
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

  /**
   * The routing headers are not signed: each case changes exactly one header of an otherwise
   * faithful copy and expects the copy refused with the code and field the SDK reports today.
   */
  describe('routing headers against the signed copy', () => {
    /** The headers the router writes on the copy of `env` for its first recipient. */
    const routerHeaders = (env: Envelope, bytes: Uint8Array, kid: string, hubSigned = false): Record<string, string> =>
      inboxCopyHeaderRecord({
        envelopeId: env.id,
        from: env.from,
        to: env.to[0] as string,
        kind: env.kind,
        kid,
        issuedAt: env.issuedAt,
        digest: sha256Hex(bytes),
        routedAt: env.issuedAt,
        copies: env.to.length,
        hubSigned,
      });

    /** The faithful headers with `name` set to `value`, checked to differ from them in that one header. */
    const withOne = (good: Record<string, string>, name: string, value: string): Record<string, string> => {
      const headers = { ...good, [name]: value };
      expect(Object.keys(headers).filter((k) => headers[k] !== good[k])).toEqual([name]);
      return headers;
    };

    it('accepts a copy whose headers all agree with the signed envelope', () => {
      const env = doc();
      const { bytes } = sealEnvelope(env, a.signer, a.kid);
      const v = verifyInbound(bytes, dir, routerHeaders(env, bytes, a.kid));
      expect(v).toMatchObject({ signer: A, kid: a.kid, hubSigned: false });
      expect(v.envelope).toEqual(env);
    });

    // [case, header changed, its value, code, details]: values are thunks, the agencies' keys are made per test
    const cases: Array<[string, string, () => string, string, () => Record<string, unknown>]> = [
      ['Lt-Envelope-Id names another envelope', HEADERS.envelopeId, () => uuidv7(), 'SCHEMA_INVALID', () => ({ field: HEADERS.envelopeId })],
      ['Lt-Envelope-Id is present but empty', HEADERS.envelopeId, () => '', 'SCHEMA_INVALID', () => ({ field: HEADERS.envelopeId })],
      ['Lt-From names another registered agency', HEADERS.from, () => B, 'SENDER_MISMATCH', () => ({ field: HEADERS.from, signer: A })],
      ['Lt-From is present but empty', HEADERS.from, () => '', 'SENDER_MISMATCH', () => ({ field: HEADERS.from, signer: A })],
      ['Lt-Kid names the key of another agency', HEADERS.kid, () => b.kid, 'SENDER_MISMATCH', () => ({ field: HEADERS.kid, signer: a.kid })],
      ['Lt-Kid names another key of the sender', HEADERS.kid, () => `${A}#k-other`, 'SENDER_MISMATCH', () => ({ field: HEADERS.kid, signer: a.kid })],
      ['Lt-Kid claims a hub key', HEADERS.kid, () => `${HUB_KID_PREFIX}hub-test`, 'SENDER_MISMATCH', () => ({ field: HEADERS.kid, signer: a.kid })],
    ];

    it.each(cases)('refuses an agency-signed copy when %s', (_case, header, value, code, details) => {
      const env = doc();
      const { bytes } = sealEnvelope(env, a.signer, a.kid);
      const err = caught(() => verifyInbound(bytes, dir, withOne(routerHeaders(env, bytes, a.kid), header, value())));
      expect(err.code).toBe(code);
      expect(err.details).toEqual(details());
    });

    // routing facts the audit records: each must agree with the signed copy (SCHEMA_INVALID naming the header)
    const factCases: Array<[string, string, () => string]> = [
      ['Lt-Kind names another kind', HEADERS.kind, () => 'status'],
      ['Lt-Issued-At differs from the signed issuedAt', HEADERS.issuedAt, () => '2026-11-22T08:00:01.000Z'],
      ['Lt-Digest is not the hash of the delivered bytes', HEADERS.digest, () => sha256Hex(Buffer.from('other bytes'))],
      ['Lt-Forwarded-From names an agency the envelope is not addressed to', HEADERS.forwardedFrom, () => '000.00.77.H41'],
      ['Lt-To names another agency than the reader', HEADERS.to, () => A],
    ];

    it.each(factCases)('refuses an agency-signed copy when %s', (_case, header, value) => {
      const env = doc();
      const { bytes } = sealEnvelope(env, a.signer, a.kid);
      const good = routerHeaders(env, bytes, a.kid);
      expect(verifyInbound(bytes, dir, good, { recipient: B })).toMatchObject({ signer: A });
      const err = caught(() => verifyInbound(bytes, dir, { ...good, [header]: value() }, { recipient: B }));
      expect([err.code, err.details?.field]).toEqual(['SCHEMA_INVALID', header]);
    });

    it('compares Lt-Kind, Lt-Digest and Lt-From on hub-signed copies too', async () => {
      const hub = await makeHubKey();
      dir.apply(HUB_KEYS_KV_KEY, hubKeysValue(hub));
      const refusal = refusalOf(doc());
      const bytes = bytesOf(hubSign(refusal, hub));
      const good = routerHeaders(refusal, bytes, hub.kid, true);
      expect(verifyInbound(bytes, dir, good, { recipient: A })).toMatchObject({ hubSigned: true });
      for (const [header, value, code] of [
        [HEADERS.kind, 'document', 'SCHEMA_INVALID'],
        [HEADERS.digest, sha256Hex(Buffer.from('x')), 'SCHEMA_INVALID'],
        [HEADERS.forwardedFrom, A, 'SCHEMA_INVALID'],
        [HEADERS.from, B, 'SENDER_MISMATCH'],
      ] as const) {
        const err = caught(() => verifyInbound(bytes, dir, { ...good, [header]: value }, { recipient: A }));
        expect([header, err.code, err.details?.field]).toEqual([header, code, header]);
      }
      // addressed to A only: put into B's inbox with headers that say B, B refuses it
      const err = caught(() => verifyInbound(bytes, dir, { ...good, [HEADERS.to]: B }, { recipient: B }));
      expect([err.code, err.details?.reason]).toEqual(['FORBIDDEN', 'not_addressed']);
    });

    it('checks the issuedAt window when given the reader clock', () => {
      const env = doc();
      const { bytes } = sealEnvelope(env, a.signer, a.kid);
      expect(verifyInbound(bytes, dir, undefined, { nowMs: NOW.getTime() })).toMatchObject({ signer: A });
      const later = NOW.getTime() + 40 * 24 * 3_600_000;
      expect(caught(() => verifyInbound(bytes, dir, undefined, { nowMs: later })).details?.reason).toBe('too_old');
      expect(verifyInbound(bytes, dir, undefined, { nowMs: later, issuedAtWindow: { maxFutureMs: 0, maxAgeMs: 41 * 24 * 3_600_000 } })).toMatchObject({
        signer: A,
      });
    });

    it('decides hub-signed from the signature, never from Lt-Hub-Signed', async () => {
      const env = doc();
      const { bytes } = sealEnvelope(env, a.signer, a.kid);
      const good = routerHeaders(env, bytes, a.kid);
      // the flag alone changes nothing: the copy is still the agency's
      const flagged = withOne(good, HEADERS.hubSigned, '1');
      expect(verifyInbound(bytes, dir, flagged)).toMatchObject({ hubSigned: false, signer: A });
      // and it does not exempt Lt-From from the comparison a hub-signed copy is spared
      const err = caught(() => verifyInbound(bytes, dir, { ...flagged, [HEADERS.from]: B }));
      expect([err.code, err.details?.field]).toEqual(['SENDER_MISMATCH', HEADERS.from]);

      // a hub-signed copy whose headers lack the flag is still the hub's
      const hub = await makeHubKey();
      dir.apply(HUB_KEYS_KV_KEY, hubKeysValue(hub));
      const refusal = refusalOf(env);
      const hubBytes = bytesOf(hubSign(refusal, hub));
      expect(verifyInbound(hubBytes, dir, routerHeaders(refusal, hubBytes, hub.kid))).toMatchObject({ hubSigned: true, signer: 'hub' });
    });

    it('compares Lt-Envelope-Id on hub-signed copies too', async () => {
      const hub = await makeHubKey();
      dir.apply(HUB_KEYS_KV_KEY, hubKeysValue(hub));
      const refusal = refusalOf(doc());
      const bytes = bytesOf(hubSign(refusal, hub));
      const good = routerHeaders(refusal, bytes, hub.kid, true);
      expect(verifyInbound(bytes, dir, good)).toMatchObject({ hubSigned: true, kid: hub.kid });
      const err = caught(() => verifyInbound(bytes, dir, withOne(good, HEADERS.envelopeId, uuidv7())));
      expect([err.code, err.details?.field]).toEqual(['SCHEMA_INVALID', HEADERS.envelopeId]);
    });
  });
});

/** The hub's refusal (status 02) of `env`, addressed to its sender. */
function refusalOf(env: Envelope): Envelope {
  return {
    id: uuidv7(),
    kind: 'status',
    from: 'hub',
    to: [env.from],
    issuedAt: NOW.toISOString(),
    body: { responseFor: env.id, statusCode: '02', reasonCode: 'UNKNOWN_RECIPIENT', description: 'to[0] is not registered' },
  };
}
