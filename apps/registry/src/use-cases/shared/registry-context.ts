import { uuidv7, type Actor } from '@lt/contracts';
import type { Agency, AgencyKey } from '@lt/contracts';
import type { AgencyWithKeys, RegistryChange, RegistryChangeType } from '../../domain/agency';
import type { AgencyRepository, Clock } from '../../ports';

/** Publishes committed changes (the outbox relay); failures are retried in the background. */
export interface AfterCommit {
  flushQuietly(): Promise<boolean>;
}

/** What every use case needs: the repository, the clock, and the outbox to kick after commit. */
export const REGISTRY_CONTEXT = Symbol('REGISTRY_CONTEXT');
export interface RegistryContext {
  repo: AgencyRepository;
  clock: Clock;
  outbox: AfterCommit;
  newEventId?: () => string;
}

export function makeChange(
  ctx: RegistryContext,
  type: RegistryChangeType,
  actor: Actor,
  agency: Agency,
  keys: AgencyKey[],
  at: string,
  keyId: string | null = null,
): RegistryChange {
  const snapshot: AgencyWithKeys = { ...agency, keys };
  return { eventId: (ctx.newEventId ?? uuidv7)(), type, at, agencyCode: agency.code, keyId, actor, snapshot };
}
