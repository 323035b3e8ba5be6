/**
 * Test fixtures for the router: agencies with real Ed25519 keys, their KV entries, signed
 * submissions. Used by the unit and integration specs and by bench/router.bench.ts.
 */
import { generateKeyPairSync } from 'node:crypto';
import { topology, uuidv7, type AgencyKvEntry, type AgencyStatus, type Envelope, type Tier } from '@lt/contracts';
import { importPrivateKey, signEnvelope, type SigningKey } from '@lt/crypto';
import type { Submission } from '../route-submission/decision';

export interface TestAgency {
  code: string;
  kid: string;
  signingKey: SigningKey;
  entry: AgencyKvEntry;
}

export interface AgencySpec {
  code: string;
  tier?: Tier;
  parentCode?: string | null;
  status?: AgencyStatus;
  successorCode?: string | null;
  keyId?: string;
  notBefore?: string;
  notAfter?: string | null;
  revokedAt?: string | null;
  version?: number;
}

export function testAgency(spec: AgencySpec): TestAgency {
  const { privateKey } = generateKeyPairSync('ed25519');
  const signingKey = importPrivateKey(privateKey.export({ format: 'jwk' }), 'EdDSA');
  const keyId = spec.keyId ?? 'k1';
  const kid = `${spec.code}#${keyId}`;
  const entry: AgencyKvEntry = {
    agency: {
      code: spec.code,
      name: `Agency ${spec.code}`,
      tier: spec.tier ?? 'province',
      parentCode: spec.parentCode ?? null,
      status: spec.status ?? 'active',
      successorCode: spec.successorCode ?? null,
      validFrom: '2020-01-01T00:00:00.000Z',
      validTo: null,
      version: spec.version ?? 1,
    },
    keys: [
      {
        kid,
        keyId,
        alg: 'EdDSA',
        publicJwk: signingKey.publicKey.jwk as Record<string, unknown>,
        notBefore: spec.notBefore ?? '2020-01-01T00:00:00.000Z',
        notAfter: spec.notAfter ?? null,
        revokedAt: spec.revokedAt ?? null,
      },
    ],
  };
  return { code: spec.code, kid, signingKey, entry };
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
