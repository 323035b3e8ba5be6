import type { AgencyStatus, Tier } from '../tiers';
import type { SigningAlg } from '../envelope/envelope';

/** An agency as the registry serves it (HTTP, RPC, KV). */
export interface Agency {
  code: string;
  name: string;
  tier: Tier;
  parentCode: string | null;
  status: AgencyStatus;
  successorCode: string | null;
  closedReason: string | null;
  validFrom: string;
  validTo: string | null;
  contact: AgencyContact;
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** edXML "From" fields carried for every agency. */
export interface AgencyContact {
  organizationInCharge?: string | null;
  address?: string | null;
  email?: string | null;
  telephone?: string | null;
  fax?: string | null;
  website?: string | null;
}

export interface AgencyKey {
  agencyCode: string;
  keyId: string;
  /** `<agency code>#<key id>` as used in JWS headers */
  kid: string;
  alg: SigningAlg;
  publicJwk: Record<string, unknown>;
  notBefore: string;
  notAfter: string | null;
  revokedAt: string | null;
  revokedReason: string | null;
}

export interface CreateAgencyInput {
  code: string;
  name: string;
  tier: Tier;
  parentCode?: string | null;
  validFrom?: string;
  contact?: AgencyContact;
}

export interface UpdateAgencyInput {
  name?: string;
  tier?: Tier;
  parentCode?: string | null;
  status?: 'active' | 'suspended';
  contact?: AgencyContact;
}

export interface CloseAgencyInput {
  successorCode?: string | null;
  reason: string;
}

export interface AddKeyInput {
  keyId: string;
  alg: SigningAlg;
  publicJwk: Record<string, unknown>;
  notBefore?: string;
  notAfter?: string | null;
}

export interface ListAgenciesQuery {
  parent?: string;
  tier?: Tier;
  status?: AgencyStatus;
  /** case-insensitive search in code and name */
  q?: string;
  /** opaque cursor from a previous page */
  cursor?: string;
  limit?: number;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface ImportLineError {
  line: number;
  code: string;
  message: string;
  agencyCode?: string;
}

export interface ImportResult {
  mode: 'partial' | 'all-or-nothing';
  total: number;
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
  errors: ImportLineError[];
  /** true when all-or-nothing refused the whole file */
  rolledBack: boolean;
  durationMs: number;
}

export interface AgencyTreeNode {
  code: string;
  name: string;
  tier: Tier;
  status: AgencyStatus;
  children: AgencyTreeNode[];
}

/**
 * What the registry mirrors into the KV bucket under key = subject tokens of the code. Keys include
 * revoked ones (with revokedAt) so a router can refuse them with KEY_REVOKED rather than BAD_SIGNATURE.
 */
export interface AgencyKvEntry {
  agency: Pick<Agency, 'code' | 'name' | 'tier' | 'parentCode' | 'status' | 'successorCode' | 'validFrom' | 'validTo' | 'version'>;
  keys: Array<Pick<AgencyKey, 'kid' | 'keyId' | 'alg' | 'publicJwk' | 'notBefore' | 'notAfter' | 'revokedAt'>>;
}

/** Registry request-reply methods: subject = topology.rpcSubject('registry', method). */
export const REGISTRY_RPC = {
  create: 'agency.create',
  get: 'agency.get',
  list: 'agency.list',
  children: 'agency.children',
  update: 'agency.update',
  close: 'agency.close',
  importCsv: 'agency.import',
  history: 'agency.history',
  addKey: 'key.add',
  revokeKey: 'key.revoke',
  listKeys: 'key.list',
} as const;

/** Who performs a registry change (recorded in the history). */
export interface Actor {
  sub: string;
  role: string;
}
