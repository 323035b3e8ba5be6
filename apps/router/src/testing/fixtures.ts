/**
 * Test fixtures for the router: agencies with real Ed25519 keys, their KV entries, signed
 * submissions. Used by the unit and integration specs.
 */
import { topology, uuidv7, type Envelope } from '@lt/contracts';
import { signEnvelope } from '@lt/crypto';
import { testAgency as directoryTestAgency, type TestAgency, type TestEntrySpec } from '@lt/directory';
import type { Submission } from '../domain/decision';

export type { TestAgency };

export interface AgencySpec extends Omit<TestEntrySpec, 'publicJwk'> {
  code: string;
}

/** An agency with a fresh Ed25519 key and its KV entry (the directory library's test agency). */
export function testAgency(spec: AgencySpec): TestAgency {
  return directoryTestAgency(spec.code, spec);
}

export function documentEnvelope(from: string, to: Envelope['to'], overrides: Partial<Envelope> & { body?: unknown } = {}): Envelope {
  return {
    id: uuidv7(),
    kind: 'document',
    from,
    to,
    issuedAt: new Date().toISOString(),
    body: { code: { codeNumber: '12', codeNotation: 'UBND-VP' }, subject: 'Về việc thử nghiệm trục liên thông' },
    ...overrides,
  };
}

/** Signs `envelope` with the agency's key and wraps it as it would arrive from the submit stream. */
export function signedSubmission(
  agency: Pick<TestAgency, 'code' | 'kid' | 'signingKey'>,
  envelope: object,
  opts: { ns?: string; seq?: number; receivedAtMs?: number; subjectAgency?: string; kid?: string } = {},
): Submission {
  const jws = signEnvelope(envelope, agency.signingKey, opts.kid ?? agency.kid);
  return rawSubmission(Buffer.from(JSON.stringify(jws)), opts.subjectAgency ?? agency.code, opts);
}

export function rawSubmission(data: Uint8Array, subjectAgency: string, opts: { ns?: string; seq?: number; receivedAtMs?: number } = {}): Submission {
  return {
    subject: topology(opts.ns ?? 'lt').submitSubject(subjectAgency),
    data,
    seq: opts.seq ?? 1,
    receivedAtMs: opts.receivedAtMs ?? Date.now(),
  };
}
