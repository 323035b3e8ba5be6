import { LtError, parseAgencyCode, type AgencyCode } from '@lt/contracts';

/** Key ids are short tokens: the default is 16 base64url characters of the JWK thumbprint. */
const KEY_ID = /^[A-Za-z0-9._~-]{1,64}$/;

export function isValidKeyId(keyId: unknown): keyId is string {
  return typeof keyId === 'string' && KEY_ID.test(keyId);
}

/** Throws VALIDATION_FAILED when a key id is not 1-64 characters of [A-Za-z0-9._~-]. */
export function assertKeyId(keyId: unknown, field = 'keyId'): string {
  if (!isValidKeyId(keyId)) {
    throw new LtError('VALIDATION_FAILED', `${field} ${JSON.stringify(keyId)} must be 1-64 characters of A-Z a-z 0-9 . _ ~ -`, { field });
  }
  return keyId;
}

/** `"000.00.00.H41" + "k1"` -> `"000.00.00.H41#k1"`, the JWS `kid` of an agency key. */
export function formatKid(agencyCode: string, keyId: string): string {
  return `${parseAgencyCode(agencyCode)}#${assertKeyId(keyId)}`;
}

/** Splits a JWS `kid`; anything malformed is a BAD_SIGNATURE (the header cannot name a key). */
export function parseKid(kid: unknown): { agencyCode: AgencyCode; keyId: string } {
  if (typeof kid !== 'string') {
    throw new LtError('BAD_SIGNATURE', `kid must be a string "<agency code>#<key id>", got ${kid === null ? 'null' : typeof kid}`, { field: 'kid' });
  }
  const hash = kid.indexOf('#');
  if (hash < 0 || hash !== kid.lastIndexOf('#')) {
    throw new LtError('BAD_SIGNATURE', `kid ${JSON.stringify(kid)} must be "<agency code>#<key id>" with exactly one "#"`, { field: 'kid', kid });
  }
  const code = kid.slice(0, hash);
  const keyId = kid.slice(hash + 1);
  let agencyCode: AgencyCode;
  try {
    agencyCode = parseAgencyCode(code);
  } catch (e) {
    const reason = e instanceof LtError ? e.message : String(e);
    throw new LtError('BAD_SIGNATURE', `kid ${JSON.stringify(kid)} has an invalid agency code part: ${reason}`, { field: 'kid', kid, ...(e instanceof LtError ? { cause: e.toJSON() } : {}) });
  }
  if (!isValidKeyId(keyId)) {
    throw new LtError('BAD_SIGNATURE', `kid ${JSON.stringify(kid)} has an invalid key id part ${JSON.stringify(keyId)}: must be 1-64 characters of A-Z a-z 0-9 . _ ~ -`, { field: 'kid', kid });
  }
  return { agencyCode, keyId };
}
