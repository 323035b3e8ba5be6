/**
 * Test support: agencies' KV entries as the registry mirrors them, for the specs of this library,
 * the router, the SDK and the dossier service, and for the benchmarks. Never used in production.
 */
import type { AgencyKvEntry, AgencyStatus, Tier } from '@lt/contracts';
import { importPrivateKey, type SigningKey } from '@lt/crypto';
import { newEd25519KeyFile, type KeyFile } from '@lt/platform';

const LONG_AGO = '2020-01-01T00:00:00.000Z';

/** What a test says about an agency; everything else is an active province agency, version 1. */
export interface TestEntrySpec {
  /** default `Agency <code>` */
  name?: string;
  tier?: Tier;
  parentCode?: string | null;
  status?: AgencyStatus;
  successorCode?: string | null;
  version?: number;
  /** the key: kid `<code>#<keyId>`, default keyId `k1` */
  keyId?: string;
  /** the key's public JWK; without it the entry has no keys */
  publicJwk?: Record<string, unknown>;
  notBefore?: string;
  notAfter?: string | null;
  revokedAt?: string | null;
}

/** An agency's KV entry: with `spec.publicJwk`, one EdDSA key; without, none. */
export function testAgencyEntry(code: string, spec: TestEntrySpec = {}): AgencyKvEntry {
  const keyId = spec.keyId ?? 'k1';
  return {
    agency: {
      code,
      name: spec.name ?? `Agency ${code}`,
      tier: spec.tier ?? 'province',
      parentCode: spec.parentCode ?? null,
      status: spec.status ?? 'active',
      successorCode: spec.successorCode ?? null,
      validFrom: LONG_AGO,
      validTo: null,
      version: spec.version ?? 1,
    },
    keys: spec.publicJwk
      ? [
          {
            kid: `${code}#${keyId}`,
            keyId,
            alg: 'EdDSA',
            publicJwk: spec.publicJwk,
            notBefore: spec.notBefore ?? LONG_AGO,
            notAfter: spec.notAfter ?? null,
            revokedAt: spec.revokedAt ?? null,
          },
        ]
      : [],
  };
}

/** A test agency holding a real Ed25519 key: the key file, the key ready to sign, and its KV entry. */
export interface TestAgency {
  code: string;
  /** `<code>#<keyId>` */
  kid: string;
  key: KeyFile;
  signingKey: SigningKey;
  entry: AgencyKvEntry;
}

/** A fresh Ed25519 key for `code` and the KV entry that publishes it. */
export function testAgency(code: string, spec: Omit<TestEntrySpec, 'publicJwk'> = {}): TestAgency {
  const key = newEd25519KeyFile(spec.keyId ?? 'k1');
  return {
    code,
    kid: `${code}#${key.keyId}`,
    key,
    signingKey: importPrivateKey(key.privateJwk, key.alg),
    entry: testAgencyEntry(code, { ...spec, publicJwk: key.publicJwk }),
  };
}

/** A fresh Ed25519 public JWK (a rotated key, a hub key). */
export function testPublicJwk(): Record<string, unknown> {
  return newEd25519KeyFile('k').publicJwk;
}

/** The entry with agency fields replaced. */
export function withAgency(entry: AgencyKvEntry, agency: Partial<AgencyKvEntry['agency']>): AgencyKvEntry {
  return { ...entry, agency: { ...entry.agency, ...agency } };
}
