/** KV entries with real Ed25519 keys, as the registry mirrors them (for this library's specs). */
import { generateKeyPairSync } from 'node:crypto';
import type { AgencyKvEntry, AgencyStatus, Tier } from '@lt/contracts';

export interface TestEntry {
  code: string;
  kid: string;
  entry: AgencyKvEntry;
}

export interface EntrySpec {
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

export function publicJwk(): Record<string, unknown> {
  return generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }) as Record<string, unknown>;
}

export function testEntry(code: string, spec: EntrySpec = {}): TestEntry {
  const keyId = spec.keyId ?? 'k1';
  const kid = `${code}#${keyId}`;
  const entry: AgencyKvEntry = {
    agency: {
      code,
      name: `Agency ${code}`,
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
        publicJwk: publicJwk(),
        notBefore: spec.notBefore ?? '2020-01-01T00:00:00.000Z',
        notAfter: spec.notAfter ?? null,
        revokedAt: spec.revokedAt ?? null,
      },
    ],
  };
  return { code, kid, entry };
}

/** The entry with agency fields replaced. */
export function withAgency(e: AgencyKvEntry, agency: Partial<AgencyKvEntry['agency']>): AgencyKvEntry {
  return { ...e, agency: { ...e.agency, ...agency } };
}
