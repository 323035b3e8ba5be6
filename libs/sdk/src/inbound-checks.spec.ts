import { LtError, codeToSubjectTokens, uuidv7, type Envelope, type RecipientSelector } from '@lt/contracts';
import { testAgencyEntry, type TestEntrySpec } from '@lt/directory';
import { AgencyDirectory } from './directory';
import { DEFAULT_ISSUED_AT_WINDOW, checkAddressedTo, checkIssuedAtWindow } from './inbound-checks';

const P = '000.00.00.H41'; // province
const D1 = '000.00.05.H41'; // district under P
const D2 = '000.00.07.H41'; // district under P, closed, successor D1
const D3 = '000.00.09.H41'; // district under P, closed, successor D2 (chain D3 -> D2 -> D1)
const X = '000.01.05.H41'; // commune under D1
const OTHER = '000.00.00.G01'; // another province

const NOW = Date.parse('2026-11-22T08:00:00.000Z');

function caught(fn: () => unknown): LtError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(LtError);
    return e as LtError;
  }
  throw new Error('expected an LtError');
}

function envelope(to: RecipientSelector[], from = OTHER, issuedAt = new Date(NOW).toISOString()): Envelope {
  return { id: uuidv7(), kind: 'document', from, to, issuedAt, body: {} };
}

describe('checkAddressedTo', () => {
  const dir = new AgencyDirectory();
  const put = (code: string, spec: TestEntrySpec) => dir.apply(codeToSubjectTokens(code), testAgencyEntry(code, spec));
  put(P, { tier: 'province' });
  put(D1, { tier: 'district', parentCode: P });
  put(D2, { tier: 'district', parentCode: P, status: 'closed', successorCode: D1 });
  put(D3, { tier: 'district', parentCode: P, status: 'closed', successorCode: D2 });
  put(X, { tier: 'commune', parentCode: D1 });
  put(OTHER, { tier: 'province' });

  const ok = (to: RecipientSelector[], recipient: string, opts: { from?: string; forwardedFrom?: string; hubSigned?: boolean } = {}) =>
    checkAddressedTo({ envelope: envelope(to, opts.from), hubSigned: opts.hubSigned ?? false }, recipient, dir, opts.forwardedFrom);
  const refused = (...args: Parameters<typeof ok>): LtError => {
    const err = caught(() => ok(...args));
    expect(err.code).toBe('FORBIDDEN');
    expect(err.details).toMatchObject({ reason: 'not_addressed', recipient: args[1] });
    return err;
  };

  it('accepts a copy whose envelope names the reader', () => {
    expect(() => ok([P, D1], D1)).not.toThrow();
    expect(() => ok([D1], D1, { hubSigned: true })).not.toThrow();
  });

  it('refuses a copy addressed to another agency (a copy replayed into the wrong inbox)', () => {
    const err = refused([P], D1);
    expect(err.message).toContain(`not addressed to ${D1}`);
    expect(err.details?.directoryDependent).toBe(false);
    refused([P], D1, { hubSigned: true });
  });

  it('accepts a childrenOf selector that reaches the reader as the router expands it', () => {
    expect(() => ok([{ childrenOf: P }], X)).not.toThrow();
    expect(() => ok([{ childrenOf: P, depth: 2 }], X)).not.toThrow();
    expect(() => ok([{ childrenOf: P, tier: 'commune' }], X)).not.toThrow();
    expect(() => ok([{ childrenOf: D1, depth: 1 }], X)).not.toThrow();
  });

  it('refuses a childrenOf selector that does not reach the reader: other root, too shallow, other tier, the sender itself', () => {
    expect(refused([{ childrenOf: OTHER }], X).details?.directoryDependent).toBe(true);
    refused([{ childrenOf: P, depth: 1 }], X);
    refused([{ childrenOf: P, tier: 'district' }], X);
    refused([{ childrenOf: D1 }], X, { from: X });
    // hub-signed copies are addressed by code only
    refused([{ childrenOf: P }], X, { hubSigned: true });
  });

  it('accepts a copy forwarded from an agency the reader succeeds, down a chain of successors', () => {
    expect(() => ok([D2], D1, { forwardedFrom: D2 })).not.toThrow();
    expect(() => ok([D3], D1, { forwardedFrom: D3 })).not.toThrow();
  });

  it('refuses a forwarded copy when the reader is not the successor, or the envelope does not name the agency it was forwarded from', () => {
    // D2's successor is D1, not X
    expect(refused([D2], X, { forwardedFrom: D2 }).details?.directoryDependent).toBe(true);
    // the header names an agency the signed envelope is not addressed to
    expect(refused([P], D1, { forwardedFrom: D2 }).details?.directoryDependent).toBe(false);
    // a direct address does not excuse a forwarding claim that is false
    refused([D1, P], D1, { forwardedFrom: P });
    // the hub never forwards what it signs
    refused([D2], D1, { forwardedFrom: D2, hubSigned: true });
  });
});

describe('checkIssuedAtWindow', () => {
  const window = { maxFutureMs: 60_000, maxAgeMs: 3_600_000 };
  const at = (ms: number) => ({ id: uuidv7(), issuedAt: new Date(ms).toISOString() });

  it('accepts issuedAt within the window, edges included', () => {
    expect(() => checkIssuedAtWindow(at(NOW), NOW, window)).not.toThrow();
    expect(() => checkIssuedAtWindow(at(NOW + 60_000), NOW, window)).not.toThrow();
    expect(() => checkIssuedAtWindow(at(NOW - 3_600_000), NOW, window)).not.toThrow();
  });

  it('refuses issuedAt too far ahead of the reader clock (CLOCK_SKEW, issued_in_future)', () => {
    const err = caught(() => checkIssuedAtWindow(at(NOW + 60_001), NOW, window));
    expect([err.code, err.details?.reason, err.details?.field]).toEqual(['CLOCK_SKEW', 'issued_in_future', 'issuedAt']);
  });

  it('refuses issuedAt older than maxAgeMs (CLOCK_SKEW, too_old): an old copy replayed', () => {
    const err = caught(() => checkIssuedAtWindow(at(NOW - 3_600_001), NOW, window));
    expect([err.code, err.details?.reason]).toEqual(['CLOCK_SKEW', 'too_old']);
  });

  it('defaults to 10 minutes ahead and 31 days back', () => {
    expect(DEFAULT_ISSUED_AT_WINDOW).toEqual({ maxFutureMs: 10 * 60_000, maxAgeMs: 31 * 24 * 3_600_000 });
    expect(() => checkIssuedAtWindow(at(NOW - 30 * 24 * 3_600_000), NOW)).not.toThrow();
    expect(caught(() => checkIssuedAtWindow(at(NOW - 32 * 24 * 3_600_000), NOW)).details?.reason).toBe('too_old');
    expect(caught(() => checkIssuedAtWindow(at(NOW + 11 * 60_000), NOW)).details?.reason).toBe('issued_in_future');
  });
});
