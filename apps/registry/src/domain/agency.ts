import type { Actor, Agency, AgencyContact, AgencyKey, AgencyKvEntry, HubEvent } from '@lt/contracts';

export type { RegistryEventData } from '@lt/contracts';

/** An agency with all its keys (revoked ones included): what `get` returns and what history snapshots hold. */
export interface AgencyWithKeys extends Agency {
  keys: AgencyKey[];
}

export const CONTACT_FIELDS = ['organizationInCharge', 'address', 'email', 'telephone', 'fax', 'website'] as const;
export type ContactField = (typeof CONTACT_FIELDS)[number];

/** Every contact field present, null when unknown: the stored and served shape. */
export type FullContact = { [K in ContactField]: string | null };

export function fullContact(c: AgencyContact | undefined | null): FullContact {
  const out = {} as FullContact;
  for (const f of CONTACT_FIELDS) out[f] = c?.[f] ?? null;
  return out;
}

export const REGISTRY_CHANGE_TYPES = [
  'registry.agency.created',
  'registry.agency.updated',
  'registry.agency.closed',
  'registry.key.added',
  'registry.key.revoked',
] as const;
export type RegistryChangeType = (typeof REGISTRY_CHANGE_TYPES)[number];

/** One row of the append-only history, before Postgres gives it a sequence number. */
export interface RegistryChange {
  /** UUIDv7; the event id and Nats-Msg-Id, so a re-publish is deduplicated */
  eventId: string;
  type: RegistryChangeType;
  at: string;
  agencyCode: string;
  keyId: string | null;
  actor: Actor;
  /** the agency with all its keys after the change */
  snapshot: AgencyWithKeys;
}

export interface RecordedChange extends RegistryChange {
  seq: number;
}

export function isKeyActive(key: Pick<AgencyKey, 'revokedAt'>): boolean {
  return key.revokedAt === null;
}

/** What the routers read from KV: the agency and its unrevoked keys (they check validity windows themselves). */
export function toKvEntry(a: AgencyWithKeys): AgencyKvEntry {
  return {
    agency: {
      code: a.code,
      name: a.name,
      tier: a.tier,
      parentCode: a.parentCode,
      status: a.status,
      successorCode: a.successorCode,
      validFrom: a.validFrom,
      validTo: a.validTo,
      version: a.version,
    },
    // revoked keys stay in the mirror (with revokedAt) so routers answer KEY_REVOKED, not BAD_SIGNATURE
    keys: a.keys.map((k) => ({
      kid: k.kid,
      keyId: k.keyId,
      alg: k.alg,
      publicJwk: k.publicJwk,
      notBefore: k.notBefore,
      notAfter: k.notAfter,
      revokedAt: k.revokedAt,
    })),
  };
}

export function toHubEvent(c: RecordedChange): HubEvent<RegistryChangeType> {
  return {
    id: c.eventId,
    type: c.type,
    at: c.at,
    source: 'registry',
    agencies: [c.agencyCode],
    data: { seq: c.seq, actor: c.actor, keyId: c.keyId, agency: c.snapshot },
  };
}

/** Agency fields only (drops `keys`), e.g. for list pages. */
export function withoutKeys(a: AgencyWithKeys): Agency {
  const { keys: _keys, ...agency } = a;
  void _keys;
  return agency;
}
