import { AgencyDirectory } from '@lt/directory';
import { SubmissionRateLimiter } from '../../domain/rate-limiter';
import type { Refuse, RoutingDecision } from '../../domain/decision';
import { defaultRoutingPolicy } from '../../policy/routing-policy';
import { documentEnvelope, rawSubmission, signedSubmission, testAgency, type TestAgency } from '../../testing/fixtures';
import { checkSubmissionRate, routeSubmission, type RoutingContext } from './route-submission';

const NOW = Date.parse('2026-11-22T08:00:00.000Z');
const province = testAgency({ code: '000.00.00.H41', tier: 'province' });
const district = testAgency({ code: '000.00.30.H41', tier: 'district', parentCode: province.code });
const communes: TestAgency[] = Array.from({ length: 6 }, (_, i) => testAgency({ code: `000.${String(i + 1).padStart(2, '0')}.30.H41`, tier: 'commune', parentCode: district.code }));
const directory = new AgencyDirectory();
for (const a of [province, district, ...communes]) directory.apply(a.entry);
const base: RoutingContext = { ns: 'lt', directory, policy: defaultRoutingPolicy };
const caps = { central: 100, province: 6, district: 3, commune: 1 };

function refusal(d: RoutingDecision | null): Refuse {
  if (!d || d.type !== 'refuse') throw new Error(`expected a refusal, got ${d?.type}`);
  return d;
}
function send(from: TestAgency, to: Parameters<typeof documentEnvelope>[1], ctx: RoutingContext): RoutingDecision {
  return routeSubmission(signedSubmission(from, documentEnvelope(from.code, to, { issuedAt: new Date(NOW).toISOString() }), { receivedAtMs: NOW }), ctx);
}

describe('broadcast cap by sender tier', () => {
  const ctx: RoutingContext = { ...base, broadcastCaps: caps };

  it('delivers up to the cap of the sender tier', () => {
    expect(send(province, [{ childrenOf: district.code }], ctx)).toMatchObject({ type: 'deliver', copies: expect.arrayContaining([{ recipient: communes[0]!.code }]) });
  });

  it('refuses a district reaching more than its cap, naming the count and the cap, to the authenticated sender', () => {
    const r = refusal(send(district, [{ childrenOf: district.code }], ctx));
    expect(r).toMatchObject({ reasonCode: 'BROADCAST_TOO_LARGE', bounceTo: district.code, authenticated: true, details: { recipients: 6, cap: 3, tier: 'district' } });
    expect(r.reason).toMatch(/6 recipients.*at most 3/);
  });

  it('counts explicit lists too, and applies only when configured', () => {
    expect(refusal(send(communes[0]!, [communes[1]!.code, communes[2]!.code], ctx))).toMatchObject({ reasonCode: 'BROADCAST_TOO_LARGE', details: { cap: 1 } });
    expect(send(communes[0]!, [communes[1]!.code, communes[2]!.code], base).type).toBe('deliver');
  });
});

describe('checkSubmissionRate', () => {
  const sub = (seq: number, atMs = NOW, from = district) =>
    signedSubmission(from, documentEnvelope(from.code, [province.code], { issuedAt: new Date(NOW).toISOString() }), { seq, receivedAtMs: atMs });

  it('lets the burst through, then refuses the subject agency with RATE_LIMITED, naming the claimed id, recording nothing', () => {
    const ctx: RoutingContext = { ...base, rateLimiter: new SubmissionRateLimiter({ ratePerSecond: 1, burst: 2 }) };
    expect(checkSubmissionRate(sub(1), ctx)).toBeNull();
    expect(checkSubmissionRate(sub(2), ctx)).toBeNull();
    const third = sub(3);
    const r = refusal(checkSubmissionRate(third, ctx));
    const claimedId = JSON.parse(Buffer.from(JSON.parse(Buffer.from(third.data).toString()).payload, 'base64url').toString()).id;
    expect(r).toMatchObject({
      reasonCode: 'RATE_LIMITED',
      bounceTo: district.code,
      // not authenticated: the id is not recorded, so the document can come again as a new envelope
      authenticated: false,
      envelopeId: claimedId,
      from: district.code,
      details: { ratePerSecond: 1, burst: 2 },
      facts: { seq: 3, subjectAgency: district.code },
    });
    // another agency has its own bucket; a second later the first has a token again
    expect(checkSubmissionRate(sub(4, NOW, province), ctx)).toBeNull();
    expect(checkSubmissionRate(sub(5, NOW + 1000), ctx)).toBeNull();
  });

  it('takes the agency from the subject, not from the body', () => {
    const ctx: RoutingContext = { ...base, rateLimiter: new SubmissionRateLimiter({ ratePerSecond: 1, burst: 1 }) };
    // published on the district's subject with a body claiming the province: counted for the district
    const forged = signedSubmission(province, documentEnvelope(province.code, [district.code]), { receivedAtMs: NOW, subjectAgency: district.code });
    expect(checkSubmissionRate(forged, ctx)).toBeNull();
    expect(refusal(checkSubmissionRate(sub(2), ctx))).toMatchObject({ bounceTo: district.code, facts: { subjectAgency: district.code } });
    expect(checkSubmissionRate(sub(3, NOW, province), ctx)).toBeNull();
  });

  it('refuses unreadable bytes too, without a bounce when the subject names no known agency', () => {
    const ctx: RoutingContext = { ...base, rateLimiter: new SubmissionRateLimiter({ ratePerSecond: 1, burst: 1 }) };
    const junk = (seq: number) => ({ ...rawSubmission(Buffer.from('not json'), '000.00.99.H41', { seq, receivedAtMs: NOW }) });
    expect(checkSubmissionRate(junk(1), ctx)).toBeNull();
    const r = refusal(checkSubmissionRate(junk(2), ctx));
    expect(r).toMatchObject({ reasonCode: 'RATE_LIMITED', bounceTo: null, facts: { subjectAgency: '000.00.99.H41' } });
    expect(r.envelopeId).toBeUndefined();
  });

  it('without a limiter never refuses', () => {
    for (let i = 0; i < 50; i++) expect(checkSubmissionRate(sub(i), base)).toBeNull();
  });
});
