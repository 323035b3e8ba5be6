import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import type { DocumentBody, Topology } from '@lt/contracts';
import type { NatsConnection } from '@lt/messaging';
import type { LienThongClient } from '@lt/sdk';
import { say, sleep } from './progress';

/** One single-recipient document, signed by its sender's SDK client (prepare: validate + sign, no publish). */
export interface PreparedDoc {
  id: string;
  from: string;
  to: string;
  bytes: Buffer;
}

export function faultDocBody(n: number, subject: string): DocumentBody {
  return { code: { codeNumber: String(n), codeNotation: 'UBND-VP' }, subject, otherInfo: { priority: 0 } };
}

/**
 * Signs `count` documents, sender i % senders, recipient picked by `pick`. Numbers are unique
 * per run (Decree 30 numbers never repeat, so nothing is flagged); `firstNumber` keeps two loads
 * of one run apart.
 */
export async function prepareDocs(
  senders: readonly LienThongClient[],
  count: number,
  pick: (i: number) => string,
  opts: { firstNumber?: number; subject?: string } = {},
): Promise<PreparedDoc[]> {
  const docs: PreparedDoc[] = new Array(count);
  const first = opts.firstNumber ?? 1;
  const t0 = Date.now();
  for (let i = 0; i < count; i++) {
    const sender = senders[i % senders.length]!;
    const to = pick(i);
    const p = sender.prepare<DocumentBody>({
      kind: 'document',
      to: [to],
      body: faultDocBody(first + i, `${opts.subject ?? 'Văn bản kiểm thử sự cố'} số ${first + i}`),
    });
    docs[i] = { id: p.envelope.id, from: sender.agencyCode, to, bytes: p.bytes };
    // let timers and I/O run now and then (the chaos loop and consumers share this thread)
    if (i % 2000 === 1999) await new Promise((r) => setImmediate(r));
    if (i % 20000 === 19999) say(`signed ${i + 1} of ${count} documents`);
  }
  say(`signed ${count} documents in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return docs;
}

export interface PublishStats {
  published: number;
  /** PubAcks flagged duplicate: a retry after a lost PubAck, absorbed by JetStream's dedup */
  duplicateAcks: number;
  /** failed publish attempts that were retried with the same msgID */
  retries: number;
  /** first and last error message seen, for the report */
  errors: string[];
  durationMs: number;
  /** submit stream sequence per envelope id (the one in the PubAck that finally succeeded) */
  seqOf: Map<string, number>;
}

/**
 * Publishes raw on the submit subjects with JetStream async publishes (msgID = envelope id),
 * paced at `ratePerSec`, at most `window` in flight. A publish that fails (NATS restarting, a
 * PubAck timeout) is retried with the SAME msgID until it is acknowledged: JetStream's dedup and
 * the router's envelope register make that safe, and nothing is given up on.
 */
export async function publishPaced(
  nc: NatsConnection,
  topo: Topology,
  docs: readonly PreparedDoc[],
  opts: { ratePerSec: number; window?: number; timeoutMs?: number; onProgress?: (done: number) => void; aborted?: () => boolean },
): Promise<PublishStats> {
  const js: JetStreamClient = jetstream(nc, { timeout: opts.timeoutMs ?? 5_000 });
  const window = opts.window ?? 512;
  const stats: PublishStats = { published: 0, duplicateAcks: 0, retries: 0, errors: [], durationMs: 0, seqOf: new Map() };
  const inFlight = new Set<Promise<void>>();
  const t0 = Date.now();
  let lastReport = t0;

  const publishOne = async (d: PreparedDoc): Promise<void> => {
    let backoff = 200;
    for (;;) {
      try {
        const ack = await js.publish(topo.submitSubject(d.from), d.bytes, { msgID: d.id });
        if (ack.duplicate) stats.duplicateAcks++;
        stats.seqOf.set(d.id, ack.seq);
        stats.published++;
        return;
      } catch (err) {
        if (opts.aborted?.()) throw err;
        stats.retries++;
        const msg = `${(err as Error).name}: ${(err as Error).message}`;
        if (stats.errors.length < 3) stats.errors.push(msg);
        else stats.errors[3] = msg;
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 2_000);
      }
    }
  };

  for (let i = 0; i < docs.length; i++) {
    if (opts.aborted?.()) throw new Error(`publishing aborted after ${stats.published} of ${docs.length}`);
    const due = t0 + (i * 1000) / opts.ratePerSec;
    const wait = due - Date.now();
    if (wait > 2) await sleep(wait);
    while (inFlight.size >= window) await Promise.race(inFlight);
    const p = publishOne(docs[i]!).finally(() => inFlight.delete(p));
    inFlight.add(p);
    if (Date.now() - lastReport > 10_000) {
      lastReport = Date.now();
      opts.onProgress?.(stats.published);
    }
  }
  await Promise.all(inFlight);
  stats.durationMs = Date.now() - t0;
  return stats;
}
