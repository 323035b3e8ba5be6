import { LIMITS, uuidv7, type Envelope } from '@lt/contracts';
import { signEnvelope } from '@lt/crypto';
import { AgencyDirectory } from '@lt/directory';
import { DenyRulesPolicy } from '../../policy/deny-rules';
import { allOf, defaultRoutingPolicy } from '../../policy/routing-policy';
import { documentEnvelope, rawSubmission, signedSubmission, testAgency, type AgencySpec, type TestAgency } from '../../testing/fixtures';
import type { Deliver, Refuse, RoutingDecision } from '../../domain/decision';
import { routeSubmission, type RoutingContext } from './route-submission';

// a small directory: province H41 with a department, a district and its communes, a closed district
// forwarded to its successor, and a few edge cases
const NOW = Date.parse('2026-11-22T08:00:00.000Z');
const specs: AgencySpec[] = [
  { code: '000.00.00.H41', tier: 'province' },
  { code: '000.00.05.H41', tier: 'province', parentCode: '000.00.00.H41' }, // a department
  { code: '000.00.30.H41', tier: 'district', parentCode: '000.00.00.H41' },
  { code: '000.01.30.H41', tier: 'commune', parentCode: '000.00.30.H41' },
  { code: '000.02.30.H41', tier: 'commune', parentCode: '000.00.30.H41' },
  { code: '000.03.30.H41', tier: 'commune', parentCode: '000.00.30.H41', status: 'suspended' },
  { code: '000.00.31.H41', tier: 'district', parentCode: '000.00.00.H41', status: 'closed', successorCode: '000.00.30.H41' },
  { code: '000.00.32.H41', tier: 'district', parentCode: '000.00.00.H41', status: 'closed', successorCode: '000.00.31.H41' }, // chain 32 -> 31 -> 30
  { code: '000.00.33.H41', tier: 'district', parentCode: '000.00.00.H41', status: 'closed' }, // no successor
  { code: '000.00.34.H41', tier: 'district', parentCode: '000.00.00.H41', status: 'closed', successorCode: '000.00.35.H41' },
  { code: '000.00.35.H41', tier: 'district', parentCode: '000.00.00.H41', status: 'closed', successorCode: '000.00.34.H41' }, // cycle
  { code: '000.00.00.G12', tier: 'central' },
  { code: '000.00.18.G12', tier: 'central', parentCode: '000.00.00.G12' },
  { code: '000.00.00.H49', tier: 'province', status: 'suspended' },
  { code: '000.00.00.H14', tier: 'province', status: 'closed' },
  { code: '000.00.00.K57', tier: 'province', revokedAt: '2026-11-22T07:00:00.000Z' },
  { code: '000.00.00.H22', tier: 'province', notBefore: '2026-11-22T09:00:00.000Z' },
];
const agencies = new Map<string, TestAgency>(specs.map((s) => [s.code, testAgency(s)]));
const directory = new AgencyDirectory();
for (const a of agencies.values()) expect(directory.apply(a.entry)).toEqual({ applied: true });
const ctx: RoutingContext = { ns: 'lt', directory, policy: defaultRoutingPolicy };

const H41 = agencies.get('000.00.00.H41')!;
const at = (offsetMs = 0) => new Date(NOW + offsetMs).toISOString();

function route(agency: TestAgency, envelope: object, opts: Parameters<typeof signedSubmission>[2] = {}, c: RoutingContext = ctx): RoutingDecision {
  return routeSubmission(signedSubmission(agency, envelope, { receivedAtMs: NOW, ...opts }), c);
}
function doc(to: Envelope['to'], overrides: Partial<Envelope> = {}, from = H41.code): Envelope {
  return documentEnvelope(from, to, { issuedAt: at(), ...overrides });
}
function refused(d: RoutingDecision): Refuse {
  if (d.type !== 'refuse') throw new Error(`expected a refusal, got ${d.type}`);
  return d;
}
function delivered(d: RoutingDecision): Deliver {
  if (d.type !== 'deliver') throw new Error(`expected a delivery, got ${(d as Refuse).reasonCode}: ${(d as Refuse).reason}`);
  return d;
}

describe('routeSubmission: deliveries', () => {
  it('delivers a valid document to an explicit recipient', () => {
    const env = doc(['000.00.00.G12']);
    const d = delivered(route(H41, env));
    expect(d.envelopeId).toBe(env.id);
    expect(d.sender).toBe(H41.code);
    expect(d.kid).toBe(H41.kid);
    expect(d.copies).toEqual([{ recipient: '000.00.00.G12' }]);
    expect(d.facts.subjectAgency).toBe(H41.code);
    expect(d.facts.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(d.documentNumber).toEqual({ sender: H41.code, year: 2026, codeNumber: '12', codeNotation: 'UBND-VP' });
  });

  it('routes a status envelope back to the original sender like any other envelope', () => {
    const g12 = agencies.get('000.00.00.G12')!;
    const env = documentEnvelope(g12.code, [H41.code], { kind: 'status', issuedAt: at(), body: { responseFor: uuidv7(), statusCode: '03' } });
    const d = delivered(route(g12, env));
    expect(d.copies).toEqual([{ recipient: H41.code }]);
    expect(d.documentNumber).toBeUndefined();
  });

  it('expands childrenOf with a tier, skipping inactive agencies and never the sender itself', () => {
    const d = delivered(route(H41, doc([{ childrenOf: H41.code, tier: 'commune' }])));
    expect(d.copies.map((c) => c.recipient).sort()).toEqual(['000.01.30.H41', '000.02.30.H41']);
    // a commune writing to every commune of its district does not get its own copy
    const commune = agencies.get('000.01.30.H41')!;
    const d2 = delivered(route(commune, doc([{ childrenOf: '000.00.30.H41', tier: 'commune' }], {}, commune.code)));
    expect(d2.copies).toEqual([{ recipient: '000.02.30.H41' }]);
  });

  it('limits childrenOf to depth levels', () => {
    const d = delivered(route(H41, doc([{ childrenOf: H41.code, depth: 1 }])));
    expect(d.copies.map((c) => c.recipient).sort()).toEqual(['000.00.05.H41', '000.00.30.H41']);
    const all = delivered(route(H41, doc([{ childrenOf: H41.code }])));
    expect(all.copies).toHaveLength(4);
  });

  it('forwards a copy addressed to a closed agency to its successor, following chains', () => {
    const d = delivered(route(H41, doc(['000.00.31.H41', '000.00.32.H41'])));
    // both end at 000.00.30.H41: one copy, forwarded from the first address
    expect(d.copies).toEqual([{ recipient: '000.00.30.H41', forwardedFrom: '000.00.31.H41' }]);
  });

  it('de-duplicates recipients, a direct address winning over a forwarded one', () => {
    const d = delivered(route(H41, doc(['000.00.31.H41', '000.00.30.H41', { childrenOf: '000.00.30.H41' }, '000.01.30.H41'])));
    expect(d.copies).toEqual([{ recipient: '000.00.30.H41' }, { recipient: '000.01.30.H41' }, { recipient: '000.02.30.H41' }]);
  });

  it('lets an agency address itself explicitly', () => {
    const d = delivered(route(H41, doc([H41.code])));
    expect(d.copies).toEqual([{ recipient: H41.code }]);
  });
});

describe('routeSubmission: unauthenticated refusals are recorded, never bounced', () => {
  it('PAYLOAD_TOO_LARGE above the message limit', () => {
    const sub = rawSubmission(Buffer.alloc(LIMITS.maxMessageBytes + 1, 0x20), H41.code, { receivedAtMs: NOW });
    const r = refused(routeSubmission(sub, ctx));
    expect(r).toMatchObject({ reasonCode: 'PAYLOAD_TOO_LARGE', authenticated: false, bounceTo: null });
  });

  it('MALFORMED_JSON for bytes that are not JSON', () => {
    const r = refused(routeSubmission(rawSubmission(Buffer.from('{"protected":'), H41.code), ctx));
    expect(r).toMatchObject({ reasonCode: 'MALFORMED_JSON', bounceTo: null });
  });

  it('SCHEMA_INVALID for JSON that is not a flattened JWS', () => {
    const r = refused(routeSubmission(rawSubmission(Buffer.from('{"payload":"e30"}'), H41.code), ctx));
    expect(r).toMatchObject({ reasonCode: 'SCHEMA_INVALID', bounceTo: null });
  });

  it('BAD_SIGNATURE for a kid the directory does not know', () => {
    const stranger = testAgency({ code: '000.00.00.H41', keyId: 'stolen' });
    const r = refused(route(stranger, doc(['000.00.00.G12'])));
    expect(r).toMatchObject({ reasonCode: 'BAD_SIGNATURE', authenticated: false, bounceTo: null, kid: '000.00.00.H41#stolen' });
  });

  it('BAD_SIGNATURE for a forgery under a registered kid', () => {
    const forger = testAgency({ code: '000.00.00.H41' }); // same kid, another private key
    const r = refused(route(forger, doc(['000.00.00.G12'])));
    expect(r).toMatchObject({ reasonCode: 'BAD_SIGNATURE', bounceTo: null });
  });

  it('BAD_SIGNATURE when the payload was altered after signing', () => {
    const jws = signEnvelope(doc(['000.00.00.G12']), H41.signingKey, H41.kid);
    const altered = doc(['000.00.18.G12']);
    const tampered = { ...jws, payload: Buffer.from(JSON.stringify(altered)).toString('base64url') };
    const r = refused(routeSubmission(rawSubmission(Buffer.from(JSON.stringify(tampered)), H41.code, { receivedAtMs: NOW }), ctx));
    expect(r).toMatchObject({ reasonCode: 'BAD_SIGNATURE', bounceTo: null });
  });

  it('SENDER_MISMATCH when a signed envelope is submitted on another agency subject', () => {
    const r = refused(route(H41, doc(['000.00.00.G12']), { subjectAgency: '000.00.00.G12' }));
    expect(r).toMatchObject({ reasonCode: 'SENDER_MISMATCH', authenticated: false, bounceTo: null });
  });
});

describe('routeSubmission: authenticated refusals bounce to the signer', () => {
  it('KEY_REVOKED for a key revoked before the submission arrived', () => {
    const k57 = agencies.get('000.00.00.K57')!;
    const r = refused(route(k57, doc(['000.00.00.G12'], {}, k57.code)));
    expect(r).toMatchObject({ reasonCode: 'KEY_REVOKED', authenticated: true, bounceTo: k57.code });
  });

  it('KEY_REVOKED for a key not yet valid at issuedAt', () => {
    const h22 = agencies.get('000.00.00.H22')!;
    const r = refused(route(h22, doc(['000.00.00.G12'], {}, h22.code)));
    expect(r).toMatchObject({ reasonCode: 'KEY_REVOKED', bounceTo: h22.code });
    expect(r.reason).toMatch(/not valid at issuedAt/);
  });

  it('MALFORMED_JSON for a signed payload that is not JSON', () => {
    const protectedB64 = Buffer.from(JSON.stringify({ alg: 'EdDSA', kid: H41.kid, typ: 'lt-envelope+jws' })).toString('base64url');
    const payloadB64 = Buffer.from('{"id": nope').toString('base64url');
    const signature = H41.signingKey.sign(Buffer.from(`${protectedB64}.${payloadB64}`)).toString('base64url');
    const data = Buffer.from(JSON.stringify({ protected: protectedB64, payload: payloadB64, signature }));
    const r = refused(routeSubmission(rawSubmission(data, H41.code, { receivedAtMs: NOW }), ctx));
    expect(r).toMatchObject({ reasonCode: 'MALFORMED_JSON', authenticated: true, bounceTo: H41.code });
    expect(r.envelopeId).toBeUndefined();
  });

  it('SCHEMA_INVALID for signed JSON with a repeated key: in the signed payload, the protected header, the JWS', () => {
    const env = doc(['000.00.00.G12']);
    const sign = (p: string, pl: string) => H41.signingKey.sign(Buffer.from(`${p}.${pl}`)).toString('base64url');
    const good = signEnvelope(env, H41.signingKey, H41.kid);
    // a payload naming two recipients lists under one key: which one the hub routes must not depend on the parser
    const payloadB64 = Buffer.from(JSON.stringify(env).replace('"to":', '"to":["000.00.18.G12"],"to":')).toString('base64url');
    const data = Buffer.from(JSON.stringify({ protected: good.protected, payload: payloadB64, signature: sign(good.protected, payloadB64) }));
    const r = refused(routeSubmission(rawSubmission(data, H41.code, { receivedAtMs: NOW }), ctx));
    expect(r).toMatchObject({ reasonCode: 'SCHEMA_INVALID', authenticated: true, bounceTo: H41.code });
    expect(r.reason).toMatch(/"to" appears twice/);

    const header = Buffer.from(good.protected, 'base64url').toString('utf8').replace('{', '{"alg":"ES256",');
    const p2 = Buffer.from(header).toString('base64url');
    const twiceInHeader = Buffer.from(JSON.stringify({ protected: p2, payload: good.payload, signature: sign(p2, good.payload) }));
    expect(refused(routeSubmission(rawSubmission(twiceInHeader, H41.code, { receivedAtMs: NOW }), ctx))).toMatchObject({
      reasonCode: 'SCHEMA_INVALID',
      bounceTo: null,
    });

    const twiceInJws = Buffer.from(`{"protected":"${good.protected}","payload":"${good.payload}","signature":"${good.signature}","signature":"${good.signature}"}`);
    expect(refused(routeSubmission(rawSubmission(twiceInJws, H41.code, { receivedAtMs: NOW }), ctx))).toMatchObject({ reasonCode: 'SCHEMA_INVALID', bounceTo: null });
    // the same bytes without the repetition are delivered
    expect(routeSubmission(rawSubmission(Buffer.from(JSON.stringify(good)), H41.code, { receivedAtMs: NOW }), ctx).type).not.toBe('refuse');
  });

  it('SCHEMA_INVALID for an edXML field over its limit, naming the field and the envelope', () => {
    const env = doc(['000.00.00.G12'], { body: { code: { codeNumber: '12', codeNotation: 'UBND-VP' }, subject: 'x'.repeat(501) } });
    const r = refused(route(H41, env));
    expect(r).toMatchObject({ reasonCode: 'SCHEMA_INVALID', bounceTo: H41.code, envelopeId: env.id, from: H41.code, kind: 'document' });
    expect(r.reason).toMatch(/body\.subject/);
  });

  it('SCHEMA_INVALID for a code number longer than 11 characters', () => {
    const env = doc(['000.00.00.G12'], { body: { code: { codeNumber: '123456789012', codeNotation: 'UBND-VP' }, subject: 's' } });
    expect(refused(route(H41, env))).toMatchObject({ reasonCode: 'SCHEMA_INVALID', bounceTo: H41.code });
  });

  it('SENDER_MISMATCH when from is not the signer agency', () => {
    const r = refused(route(H41, doc(['000.00.00.G12'], {}, '000.00.00.G12')));
    expect(r).toMatchObject({ reasonCode: 'SENDER_MISMATCH', authenticated: true, bounceTo: H41.code });
  });

  it('AGENCY_SUSPENDED / AGENCY_CLOSED for an inactive sender', () => {
    const h49 = agencies.get('000.00.00.H49')!;
    const h14 = agencies.get('000.00.00.H14')!;
    expect(refused(route(h49, doc(['000.00.00.G12'], {}, h49.code)))).toMatchObject({ reasonCode: 'AGENCY_SUSPENDED', bounceTo: h49.code });
    expect(refused(route(h14, doc(['000.00.00.G12'], {}, h14.code)))).toMatchObject({ reasonCode: 'AGENCY_CLOSED', bounceTo: h14.code });
  });

  it('CLOCK_SKEW beyond the limit either way, measured against the hub receive time', () => {
    const max = LIMITS.maxClockSkewMs;
    expect(refused(route(H41, doc(['000.00.00.G12'], { issuedAt: at(max + 1000) })))).toMatchObject({ reasonCode: 'CLOCK_SKEW', bounceTo: H41.code });
    const behind = refused(route(H41, doc(['000.00.00.G12'], { issuedAt: at(-max - 1000) })));
    expect(behind.reasonCode).toBe('CLOCK_SKEW');
    expect(behind.reason).toMatch(/behind/);
    expect(route(H41, doc(['000.00.00.G12'], { issuedAt: at(max - 1000) })).type).toBe('deliver');
  });

  it('UNKNOWN_RECIPIENT for a code not in the directory, refusing the whole envelope', () => {
    const r = refused(route(H41, doc(['000.00.00.G12', '000.00.00.H99'])));
    expect(r).toMatchObject({ reasonCode: 'UNKNOWN_RECIPIENT', bounceTo: H41.code });
    expect(r.reason).toContain('000.00.00.H99');
  });

  it('UNKNOWN_RECIPIENT for a selector matching no active agency', () => {
    const r = refused(route(H41, doc([{ childrenOf: '000.00.00.G12', tier: 'commune' }])));
    expect(r.reasonCode).toBe('UNKNOWN_RECIPIENT');
    expect(r.reason).toMatch(/selector matched no active agency/);
  });

  it('AGENCY_CLOSED for a closed recipient without successor, or with a successor cycle', () => {
    expect(refused(route(H41, doc(['000.00.33.H41']))).reasonCode).toBe('AGENCY_CLOSED');
    const cyc = refused(route(H41, doc(['000.00.34.H41'])));
    expect(cyc.reasonCode).toBe('AGENCY_CLOSED');
    expect(cyc.reason).toMatch(/cycle/);
  });

  it('AGENCY_SUSPENDED for a suspended explicit recipient', () => {
    expect(refused(route(H41, doc(['000.03.30.H41']))).reasonCode).toBe('AGENCY_SUSPENDED');
  });

  it('SCHEMA_INVALID when selectors expand beyond maxRecipients', () => {
    const r = refused(route(H41, doc([{ childrenOf: H41.code }]), {}, { ...ctx, limits: { maxRecipients: 3 } }));
    expect(r).toMatchObject({ reasonCode: 'SCHEMA_INVALID', details: { field: 'to', recipients: 4, limit: 3 } });
  });

  it('FORBIDDEN when a deny rule matches, naming the recipients', () => {
    const deny = new DenyRulesPolicy([{ from: 'H41.>', to: 'G12.>', kinds: ['document'], reason: 'provinces write to the ministry through G22' }]);
    const c = { ...ctx, policy: allOf(defaultRoutingPolicy, deny) };
    const r = refused(route(H41, doc(['000.00.05.H41', '000.00.18.G12']), {}, c));
    expect(r).toMatchObject({ reasonCode: 'FORBIDDEN', bounceTo: H41.code, details: { recipients: ['000.00.18.G12'] } });
    expect(r.reason).toContain('provinces write to the ministry through G22');
    // another kind, or another province, is not concerned
    expect(
      route(H41, documentEnvelope(H41.code, ['000.00.18.G12'], { kind: 'status', issuedAt: at(), body: { responseFor: uuidv7(), statusCode: '01' } }), {}, c)
        .type,
    ).toBe('deliver');
    expect(route(H41, doc(['000.00.05.H41']), {}, c).type).toBe('deliver');
  });

  it('FORBIDDEN for a receipt sent by an agency (the default policy)', () => {
    const env = documentEnvelope(H41.code, ['000.00.00.G12'], {
      kind: 'receipt',
      issuedAt: at(),
      body: { checkpoint: 'c', items: [{ messageId: uuidv7(), recipient: '000.00.00.G12', event: 'delivered', at: at(), seq: 1, leafHash: 'a'.repeat(64) }] },
    });
    const r = refused(route(H41, env));
    expect(r).toMatchObject({ reasonCode: 'FORBIDDEN', bounceTo: H41.code });
    expect(r.reason).toMatch(/issued by the hub only/);
  });
});

describe('routeSubmission: Decree 30 document numbers', () => {
  it('takes the year from the promulgation date, else from issuedAt in Vietnam time', () => {
    const withDate = doc(['000.00.00.G12'], {
      body: { code: { codeNumber: ' 12 ', codeNotation: 'ubnd-vp' }, subject: 's', promulgationInfo: { promulgationDate: '2025-12-30' } },
    });
    expect(delivered(route(H41, withDate)).documentNumber).toEqual({ sender: H41.code, year: 2025, codeNumber: '12', codeNotation: 'UBND-VP' });
    // 18:00 UTC on 31 December is already 1 January in Hanoi
    const newYear = Date.parse('2026-12-31T18:00:00.000Z');
    const late = documentEnvelope(H41.code, ['000.00.00.G12'], { issuedAt: new Date(newYear).toISOString() });
    expect(delivered(route(H41, late, { receivedAtMs: newYear })).documentNumber?.year).toBe(2027);
  });

  it('does not register numbers of revocations, updates or replacements', () => {
    const env = doc(['000.00.00.G12'], {
      body: { code: { codeNumber: '12', codeNotation: 'UBND-VP' }, subject: 's', business: { businessDocType: 2, originalId: uuidv7() } },
    });
    expect(delivered(route(H41, env)).documentNumber).toBeUndefined();
  });
});
