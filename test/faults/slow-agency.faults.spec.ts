import { performance } from 'node:perf_hooks';
import { uuidv7 } from '@lt/contracts';
import { newEd25519KeyFile, type KeyFile } from '@lt/platform';
import type { LienThongClient } from '@lt/sdk';
import { faultDirectory, importDirectory, registerKeys } from './support/directory';
import { FaultHub, Supervisor } from './support/fault-hub';
import { faultDocBody, prepareDocs, publishPaced } from './support/load';
import { RestartableNats } from './support/private-nats';
import { PrivatePostgres } from './support/private-postgres';
import { Cleanup, envInt, latencySummary, saveReport, say, sleep } from './support/progress';
import { connectAgencies, sdkConnection } from './support/sdk-agencies';
import { auditConsumersIdle, consumerBacklog, receiptBacklog, streamState } from './support/verify';

/**
 * Issue acceptance, isolation: one agency with a backlog of FAULTS_BACKLOG (default 100,000)
 * documents that nobody reads must not slow delivery to the others. The delivery latency of
 * probe documents (publish to the recipient's SDK handing it over, verified) to three other
 * agencies is measured on the idle hub, then again once the backlog sits in the slow agency's
 * inbox; the p95 with the backlog must stay under 3 x the baseline p95 + 50 ms.
 */
const BACKLOG = envInt('FAULTS_BACKLOG', 100_000);
const PROBES = envInt('FAULTS_PROBES', 200);
const SETTLE_MS = envInt('FAULTS_SETTLE_MS', 8 * 60_000);

const SLOW = '000.01.30.H41';
const PROBE_SENDER = '000.00.00.H45';
const PROBE_RECIPIENTS = ['000.01.31.H42', '000.01.32.H43', '000.01.30.H44'];
const FLOOD_SENDERS = Array.from({ length: 10 }, (_, i) => `000.00.00.G${String(i + 1).padStart(2, '0')}`);

jest.setTimeout(30 * 60_000);

describe(`a slow agency with a backlog of ${BACKLOG} documents`, () => {
  const cleanup = new Cleanup();
  let hub: FaultHub;
  let keys: Map<string, KeyFile>;

  beforeAll(async () => {
    const nats = await RestartableNats.launch();
    cleanup.add(
      'private nats-server',
      () => nats.destroy(),
      () => nats.killNow(),
    );
    const pg = await PrivatePostgres.launch();
    cleanup.add(
      'private PostgreSQL',
      () => pg.destroy(),
      () => pg.killNow(),
    );
    hub = new FaultHub(nats, pg);
    await hub.setup();
    const sup = new Supervisor(hub, { router: { LT_ROUTER_SUBMIT_RATE: '0' } });
    cleanup.add('hub', async () => {
      sup.shutdown();
      await hub.teardown();
    });
    await sup.start('registry');
    await importDirectory(hub, faultDirectory());
    keys = await registerKeys(hub, [PROBE_SENDER, ...FLOOD_SENDERS]);
    await sup.start('router');
    await sup.start('audit');
  });

  afterAll(async () => {
    await cleanup.runAll();
  });

  /** Submit stream empty, router and audit idle, receipts sent for the whole log, more than `inboxAtLeast` (the copies) in the inbox stream and no more coming. */
  async function hubIdle(what: string, inboxAtLeast: number): Promise<void> {
    const started = Date.now();
    let lastInbox = -1;
    let last = '';
    while (Date.now() - started < SETTLE_MS) {
      const submit = await streamState(hub.nc, hub.topo.streams.submit);
      const router = await consumerBacklog(hub.nc, hub.topo.streams.submit, hub.topo.consumers.router);
      const audit = await auditConsumersIdle(hub.nc, hub.topo);
      const inbox = await streamState(hub.nc, hub.topo.streams.inbox);
      const receipts = await receiptBacklog(hub.db.ds);
      last = `submit ${submit.messages}, router ${router.pending}+${router.ackPending}, audit pending ${audit.pending}, inbox ${inbox.messages}, receipts sent to ${receipts.sentUpto}/${receipts.treeSize}`;
      if (
        submit.messages === 0 &&
        router.pending + router.ackPending === 0 &&
        audit.idle &&
        receipts.caughtUp &&
        inbox.messages > inboxAtLeast &&
        inbox.messages === lastInbox
      )
        return;
      lastInbox = inbox.messages;
      if ((Date.now() - started) % 10_000 < 2_000) say(`waiting for ${what}: ${last}`);
      await sleep(2_000);
    }
    throw new Error(`hub not idle within ${SETTLE_MS} ms (${what}): ${last}`);
  }

  it('keeps delivery to the other agencies as fast as before', async () => {
    const nc = await sdkConnection(hub, 'faults-slow-agencies');
    const senders = await connectAgencies(hub, nc, [PROBE_SENDER, ...FLOOD_SENDERS], keys, { ensureInbox: false });
    const recipientKeys = new Map([SLOW, ...PROBE_RECIPIENTS].map((c) => [c, newEd25519KeyFile('r1')] as const));
    const recipients = await connectAgencies(hub, nc, [SLOW, ...PROBE_RECIPIENTS], recipientKeys, { ensureInbox: true });
    let stopped = false;
    cleanup.add('SDK clients', async () => {
      stopped = true;
      for (const c of [...senders.values(), ...recipients.values()]) await c.close().catch(() => undefined);
      await nc.close().catch(() => undefined);
    });

    // the probe recipients read their inboxes all along; SLOW's durable exists and is never read
    const arrivals = new Map<string, () => void>();
    const seen = new Map<string, number>();
    const readers = PROBE_RECIPIENTS.map(async (code) => {
      const client = recipients.get(code)!;
      while (!stopped) {
        try {
          for await (const m of client.inbox({ follow: true, batch: 16, expiresMs: 5_000 })) {
            seen.set(m.id, (seen.get(m.id) ?? 0) + 1);
            await m.ack();
            arrivals.get(m.id)?.();
          }
        } catch (err) {
          if (!stopped) say(`probe reader ${code}: ${(err as Error).message}`);
        }
      }
    });

    const probeSender = senders.get(PROBE_SENDER)!;
    let probeNo = 0;
    /** One probe at a time: publish (through the SDK) to the recipient's SDK yielding it, verified. */
    async function probe(timeoutMs = 60_000): Promise<number> {
      const to = PROBE_RECIPIENTS[probeNo % PROBE_RECIPIENTS.length]!;
      const id = uuidv7();
      probeNo++;
      const arrived = new Promise<void>((r) => arrivals.set(id, r));
      const t = performance.now();
      await probeSender.sendDocument({ id, to: [to], body: faultDocBody(900_000 + probeNo, `Văn bản thăm dò ${probeNo}`) });
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        arrived,
        new Promise((_, fail) => (timer = setTimeout(() => fail(new Error(`probe ${id} to ${to} not delivered within ${timeoutMs} ms`)), timeoutMs))),
      ]).finally(() => clearTimeout(timer));
      arrivals.delete(id);
      return performance.now() - t;
    }
    async function probes(n: number, gapMs: number): Promise<number[]> {
      const out: number[] = [];
      for (let i = 0; i < n; i++) {
        out.push(await probe());
        await sleep(gapMs);
      }
      return out;
    }

    // warm-up (JIT, connections, the router's first batch), then the baseline on the idle hub
    await probes(20, 10);
    // every probe is a copy in the inbox stream; the receipts listing them come on top (fewer: batched)
    await hubIdle('the warm-up to settle', probeNo);
    const baseline = latencySummary(await probes(PROBES, 20));
    say(`baseline probe latency (ms): ${JSON.stringify(baseline)}`);

    // the backlog: BACKLOG documents to SLOW from ten ministries, as fast as the hub takes them
    const flood = FLOOD_SENDERS.map((c) => senders.get(c) as LienThongClient);
    const docs = await prepareDocs(flood, BACKLOG, () => SLOW, { subject: 'Văn bản dồn ứ' });
    const floodStarted = Date.now();
    let flooding = true;
    const during: number[] = [];
    const duringFailures: string[] = [];
    const duringProbes = (async () => {
      while (flooding) {
        try {
          // queued behind the backlog in the submit stream (one FIFO for every sender): wait as long as it takes
          during.push(await probe(SETTLE_MS));
        } catch (err) {
          duringFailures.push((err as Error).message);
        }
        await sleep(250);
      }
    })();
    const slowDurable = recipients.get(SLOW)!.inboxDurable;
    let published;
    try {
      published = await publishPaced(nc, hub.topo, docs, { ratePerSec: 50_000, window: 1_024 });
      say(`backlog published in ${((Date.now() - floodStarted) / 1000).toFixed(1)} s (${published.retries} retries)`);
      // routed: every copy waits in SLOW's inbox
      for (let pending = 0; pending < BACKLOG;) {
        if (Date.now() - floodStarted > SETTLE_MS) throw new Error(`only ${pending} of ${BACKLOG} copies reached ${SLOW} within ${SETTLE_MS} ms`);
        await sleep(2_000);
        pending = (await consumerBacklog(hub.nc, hub.topo.streams.inbox, slowDurable)).pending;
        if ((Date.now() - floodStarted) % 10_000 < 2_000) say(`backlog being routed: ${pending} of ${BACKLOG} in ${SLOW}'s inbox`);
      }
    } finally {
      flooding = false;
      await duringProbes;
    }
    await hubIdle('the audit and receipts to catch up', BACKLOG + probeNo);
    const floodMs = Date.now() - floodStarted;
    const slowBacklog = await consumerBacklog(hub.nc, hub.topo.streams.inbox, slowDurable);
    say(`backlog in place after ${(floodMs / 1000).toFixed(1)} s: ${SLOW} has ${slowBacklog.pending} pending, ${slowBacklog.ackPending} unacked`);
    const whileBuilding = latencySummary(during);

    const withBacklog = latencySummary(await probes(PROBES, 20));
    const bound = 3 * baseline.p95 + 50;
    const report = {
      backlog: BACKLOG,
      slowAgency: SLOW,
      slowPending: slowBacklog.pending,
      probesPerPhase: PROBES,
      latencyMs: { baseline, withBacklog, whileBacklogWasRouted: whileBuilding },
      p95Ratio: Math.round((withBacklog.p95 / baseline.p95) * 100) / 100,
      boundMs: Math.round(bound * 10) / 10,
      floodS: Math.round(floodMs / 1000),
    };
    say(`SLOW AGENCY REPORT\n${JSON.stringify(report, null, 2)}`);
    const saved = saveReport('slow-agency', report);
    if (saved) say(`report written to ${saved}`);
    stopped = true;
    for (const c of recipients.values()) await c.close().catch(() => undefined);
    await Promise.all(readers);

    // the backlog is all there, untouched: nobody read SLOW's inbox
    expect(published.published).toBe(BACKLOG);
    expect(slowBacklog).toMatchObject({ pending: BACKLOG, ackPending: 0 });
    // every probe arrived exactly once
    expect(duringFailures).toEqual([]);
    expect(seen.size).toBe(probeNo);
    expect([...seen.values()].filter((n) => n !== 1)).toEqual([]);
    // and as fast as before: p95 within 3 x baseline + 50 ms
    expect(withBacklog.p95).toBeLessThan(bound);
  });
});
