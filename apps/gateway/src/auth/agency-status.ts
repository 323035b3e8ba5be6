import { subjectTokensToCode, type AgencyStatus, type Topology } from '@lt/contracts';
import { openAgencyKv, type NatsConnection } from '@lt/messaging';
import type { Logger } from '@lt/platform';
import { KvFollower, type KvFollowerOptions } from './kv-follower';

/**
 * The status of every agency as the registry mirrors it into the `<ns>-agencies` bucket, followed
 * by a watch (no registry round trip per request): a closure reaches every gateway replica as
 * soon as the registry's outbox relay writes it. Only code, status and version are kept; the
 * keys in the entries are not the gateway's business.
 */
export class AgencyStatuses extends KvFollower {
  private readonly statuses = new Map<string, { status: AgencyStatus; version: number }>();

  constructor(nc: NatsConnection, topo: Topology, log: Logger, opts: KvFollowerOptions = {}) {
    super('agency directory', () => openAgencyKv(nc, topo), log, opts);
  }

  /** The agency's status, undefined when the registry does not list it; UNAVAILABLE until loaded (fails closed). */
  statusOf(code: string): AgencyStatus | undefined {
    this.assertReady();
    return this.statuses.get(code)?.status;
  }

  protected apply(key: string, value: unknown): void {
    // hub-internal keys (the hub's public keys) are not agencies
    if (key.startsWith('_')) return;
    let code: string;
    try {
      code = subjectTokensToCode(key);
    } catch {
      return;
    }
    if (value === null) {
      this.statuses.delete(code);
      return;
    }
    const agency = (value as { agency?: { code?: unknown; status?: unknown; version?: unknown } }).agency;
    if (agency?.code !== code || typeof agency.status !== 'string' || !Number.isSafeInteger(agency.version)) {
      this.log.warn({ key }, 'agency directory: KV entry without code/status/version; skipped');
      return;
    }
    const held = this.statuses.get(code);
    if (held && held.version > (agency.version as number)) return;
    this.statuses.set(code, { status: agency.status as AgencyStatus, version: agency.version as number });
  }
}
