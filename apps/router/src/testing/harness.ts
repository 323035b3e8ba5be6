/**
 * Integration-test harness: a random namespace on the real NATS server (memory streams), a
 * throwaway migrated database, helpers to seed the KV directory and read streams back.
 */
import { randomBytes } from 'node:crypto';
import { jetstream, jetstreamManager, type JsMsg } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import pino from 'pino';
import { codeToSubjectTokens, topology, type AgencyKvEntry, type HubEvent, type Topology } from '@lt/contracts';
import { createTestDatabase, type TestDatabase } from '@lt/database';
import { connectNats, destroyTopology, ensureTopology, openAgencyKv, type NatsConnection } from '@lt/messaging';
import { newEd25519KeyFile, type KeyFile, type Logger, type StreamLimits } from '@lt/platform';
import { createRouterService, type RouterService, type RouterServiceDeps } from '../index';

export const NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

export interface Harness {
  nc: NatsConnection;
  topo: Topology;
  db: TestDatabase;
  kv: KV;
  log: Logger;
  hubKey: KeyFile;
  putAgencies(entries: readonly AgencyKvEntry[]): Promise<void>;
  startRouter(extra?: Partial<RouterServiceDeps>): Promise<RouterService>;
  /** publishes raw submission bytes as an agency SDK would */
  submit(fromCode: string, data: Uint8Array, msgId: string): Promise<number>;
  readStream(stream: string, filter?: string): Promise<JsMsg[]>;
  readEvents(type?: string): Promise<HubEvent[]>;
  waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** streamLimits: the limits ensureTopology gives the namespace's streams (default: its small dev limits) */
export async function createHarness(opts: { streamLimits?: StreamLimits } = {}): Promise<Harness> {
  const topo = topology(`t${randomBytes(5).toString('hex')}`);
  const nc = await connectNats(NATS_URL, 'router-int');
  await ensureTopology(nc, topo, { storage: 'memory', ...(opts.streamLimits ? { limits: opts.streamLimits } : {}) });
  const db = await createTestDatabase();
  const kv = await openAgencyKv(nc, topo);
  const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const hubKey = newEd25519KeyFile('hub-test');
  const js = jetstream(nc);
  const routers: RouterService[] = [];

  const readStream = async (stream: string, filter?: string): Promise<JsMsg[]> => {
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(stream);
    if (info.state.messages === 0) return [];
    const consumer = await js.consumers.get(stream, filter ? { filter_subjects: filter } : {});
    const pending = (await consumer.info()).num_pending;
    const out: JsMsg[] = [];
    while (out.length < pending) {
      const batch = await consumer.fetch({ max_messages: pending - out.length, expires: 2_000 });
      let got = 0;
      for await (const m of batch) {
        out.push(m);
        got++;
      }
      if (got === 0) break;
    }
    return out;
  };

  return {
    nc,
    topo,
    db,
    kv,
    log,
    hubKey,
    async putAgencies(entries) {
      await Promise.all(entries.map((e) => kv.put(codeToSubjectTokens(e.agency.code), JSON.stringify(e))));
    },
    async startRouter(extra = {}) {
      const router = createRouterService({ nc, ds: db.ds, ns: topo.ns, log, hubKey, ...extra });
      await router.start();
      routers.push(router);
      return router;
    },
    async submit(fromCode, data, msgId) {
      const ack = await js.publish(topo.submitSubject(fromCode), data, { msgID: msgId });
      return ack.seq;
    },
    readStream,
    async readEvents(type) {
      const msgs = await readStream(topo.streams.events, type ? topo.eventSubject(type) : undefined);
      return msgs.map((m) => m.json<HubEvent>());
    },
    async waitFor(what, check, timeoutMs = 20_000) {
      const until = Date.now() + timeoutMs;
      while (!(await check())) {
        if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async close() {
      for (const r of routers) await r.stop().catch(() => undefined);
      await destroyTopology(nc, topo);
      await nc.drain();
      await db.drop();
    },
  };
}
