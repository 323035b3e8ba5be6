/**
 * Readiness checks of this process: each part that must work for the service to do its job (its
 * NATS connection, its consumers, its database) adds one while it runs and removes it when it
 * stops. A check returns false or throws when not ready; the throw's message is the reason.
 */
export type ReadinessCheck = () => boolean | Promise<boolean>;

export interface ReadinessResult {
  ready: boolean;
  checks: Record<string, { ok: boolean; reason?: string }>;
}

const checks = new Map<string, ReadinessCheck>();

/** Adds (or replaces) a named check; returns its removal. */
export function addReadinessCheck(name: string, check: ReadinessCheck): () => void {
  checks.set(name, check);
  return () => {
    if (checks.get(name) === check) checks.delete(name);
  };
}

/** Runs every check, each bounded by timeoutMs (a hung database is "not ready", not a hung probe). */
export async function checkReadiness(extra: Record<string, ReadinessCheck> = {}, timeoutMs = 2_000): Promise<ReadinessResult> {
  const all = [...checks.entries(), ...Object.entries(extra)];
  const results = await Promise.all(all.map(async ([name, check]) => [name, await runCheck(check, timeoutMs)] as const));
  return { ready: results.every(([, r]) => r.ok), checks: Object.fromEntries(results) };
}

async function runCheck(check: ReadinessCheck, timeoutMs: number): Promise<{ ok: boolean; reason?: string }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    const ok = await Promise.race([Promise.resolve().then(check), timeout]);
    return ok ? { ok: true } : { ok: false, reason: 'not ready' };
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
}

/** Ready while the NATS connection is not closed (a reconnecting one counts as closed by nats.js only once it gives up). */
export function natsConnectionCheck(nc: { isClosed(): boolean }): ReadinessCheck {
  return () => {
    if (nc.isClosed()) throw new Error('NATS connection closed');
    return true;
  };
}

/** Ready while the database answers `select 1`. */
export function databaseCheck(ds: { query(sql: string): Promise<unknown> }): ReadinessCheck {
  return async () => {
    await ds.query('select 1');
    return true;
  };
}
