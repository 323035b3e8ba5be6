import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { codeToSubjectTokens, type AgencyKvEntry, type MsgRejectedData } from '@lt/contracts';
import { openAgencyKv, RpcClient } from '@lt/messaging';
import { newEd25519KeyFile, type KeyFile } from '@lt/platform';
import { ChaosRunner, chaosSchedule, describeStep } from './support/chaos';
import { faultDirectory, importDirectory, registerKeys, updateContact } from './support/directory';
import { FaultHub, Supervisor } from './support/fault-hub';
import { prepareDocs, publishPaced } from './support/load';
import { RestartableNats } from './support/private-nats';
import { PrivatePostgres } from './support/private-postgres';
import { Cleanup, envInt, saveReport, say, seededRandom, sleep } from './support/progress';
import { connectAgencies, consumeInbox, InboxTally, SdkLogTally, sdkConnection } from './support/sdk-agencies';
import {
  ackFloors,
  auditCompleteness,
  auditConsumersIdle,
  auditState,
  auditVerify,
  cliVerifyBundle,
  consumerBacklog,
  phantomAtAckFloor,
  exportBundle,
  indexInbox,
  lossReport,
  readEvents,
  receiptBacklog,
  seqRanges,
  storedMessages,
  streamState,
} from './support/verify';

/**
 * Issue acceptance, fault tolerance: under a load of FAULTS_DOCS (default 100,000) signed
 * single-recipient documents, kill -9 the router, the audit and the registry at random moments
 * (seeded; FAULTS_SEED replays a schedule) and restart them, kill -9 and restart NATS, stop
 * PostgreSQL for 30 s. Afterwards: every document delivered exactly once (stream and SDK view),
 * one receipt item per delivery, nothing refused or dead-lettered, every registry change published
 * exactly once, and the audit log complete and verifiable (service-side and offline by the CLI).
 *
 * Runs on a private nats-server (file store, restartable) and a private PostgreSQL cluster (so
 * the shared servers are never stopped), with the BUILT services as processes: `npm run test:faults`.
 */
const DOCS = envInt('FAULTS_DOCS', 100_000);
const RATE = envInt('FAULTS_RATE', 700);
const KILLS = envInt('FAULTS_KILLS', 3);
const PG_DOWN_MS = envInt('FAULTS_PG_DOWN_MS', 30_000);
const SETTLE_MS = envInt('FAULTS_SETTLE_MS', 8 * 60_000);
const SEED = envInt('FAULTS_SEED', 1 + Math.floor(Math.random() * 2 ** 31));
const SENDERS = 30;
/** agencies whose registry entries are edited during the chaos (neither senders nor recipients) */
const SPARE = 4;

jest.setTimeout(30 * 60_000);

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const t of items) {
    const k = key(t);
    const list = out.get(k);
    if (list) list.push(t);
    else out.set(k, [t]);
  }
  return out;
}

/** What the SDK logs when the server hands over a copy whose ack it had confirmed (libs/sdk client/inbox-reader.ts). */
const SDK_ALREADY_ACKED = 'inbox copy already acknowledged; acked again, not handed over twice';

describe(`hub under faults (${DOCS} documents, seed ${SEED})`, () => {
  const cleanup = new Cleanup();
  let nats: RestartableNats;
  let pg: PrivatePostgres;
  let hub: FaultHub;
  let sup: Supervisor;
  let senderKeys: Map<string, KeyFile>;
  let senders: string[];
  let recipients: string[];
  let spare: string[];
  let halted = false;

  beforeAll(async () => {
    say(`fault run: ${DOCS} documents at ${RATE}/s, ${KILLS} kill(s) per service, PostgreSQL down ${PG_DOWN_MS / 1000} s, seed ${SEED}`);
    nats = await RestartableNats.launch();
    cleanup.add(
      'private nats-server',
      () => nats.destroy(),
      () => nats.killNow(),
    );
    pg = await PrivatePostgres.launch();
    cleanup.add(
      'private PostgreSQL',
      () => pg.destroy(),
      () => pg.killNow(),
    );
    say(`private nats-server ${nats.url} (store ${nats.dir}), private PostgreSQL 127.0.0.1:${pg.port} (${pg.dir})`);
    hub = new FaultHub(nats, pg);
    await hub.setup();
    sup = new Supervisor(hub);
    cleanup.add('hub', async () => {
      sup.shutdown();
      await hub.teardown();
    });
    await sup.start('registry');
    const dir = faultDirectory();
    await importDirectory(hub, dir);
    const codes = dir.map((a) => a.code);
    // senders: the 10 ministries, the 6 provinces and 14 departments; spare: 4 units of ministry 10
    senders = [...codes.filter((c) => /^000\.00\.00\./.test(c)), ...codes.filter((c) => /^000\.00\.0[1-4]\.H/.test(c)).slice(0, 14)].slice(0, SENDERS);
    spare = codes.filter((c) => /^000\.00\.0[1-4]\.G10$/.test(c)).slice(0, SPARE);
    recipients = codes.filter((c) => !senders.includes(c) && !spare.includes(c));
    senderKeys = await registerKeys(hub, senders);
    await sup.start('router');
    await sup.start('audit');
    say(`directory: ${codes.length} agencies, ${senders.length} senders, ${recipients.length} recipients, ${spare.length} edited during the chaos`);
  });

  afterAll(async () => {
    // a failure half-way leaves the reading, editing and monitoring loops running: stop them first
    halted = true;
    await cleanup.runAll();
  });

  it('loses nothing, duplicates nothing, and keeps a complete verifiable audit log', async () => {
    const runStarted = Date.now();
    // ---------------------------------------------------------------- agencies (SDK)
    const ncSend = await sdkConnection(hub, 'faults-senders');
    const ncRecv = await sdkConnection(hub, 'faults-recipients');
    const sdkLogs = new SdkLogTally();
    const sendClients = await connectAgencies(hub, ncSend, senders, senderKeys, { ensureInbox: false, logs: sdkLogs });
    // recipients never send: any key will do for connect
    const recipientKeys = new Map(recipients.map((c) => [c, newEd25519KeyFile('r1')] as const));
    const recvClients = await connectAgencies(hub, ncRecv, recipients, recipientKeys, { ensureInbox: true, logs: sdkLogs });
    cleanup.add('SDK clients', async () => {
      for (const c of [...sendClients.values(), ...recvClients.values()]) await c.close().catch(() => undefined);
      for (const nc of [ncSend, ncRecv]) await nc.close().catch(() => undefined);
    });
    say(`${sendClients.size} sender and ${recvClients.size} recipient SDK clients connected`);

    // ---------------------------------------------------------------- the load, signed up front
    const rnd = seededRandom(SEED);
    const senderList = senders.map((c) => sendClients.get(c)!);
    const docs = await prepareDocs(senderList, DOCS, () => recipients[Math.floor(rnd() * recipients.length)]!);
    const expected = new Set<string>(docs.map((d) => `${d.id}:${d.to}`));
    const senderOf = new Map<string, string>(docs.map((d) => [`${d.id}:${d.to}`, d.from]));

    // ---------------------------------------------------------------- agencies read their inboxes throughout
    const tally = new InboxTally();
    let consumersStopped = false;
    const consumers = [...recvClients.values()].map((c) => consumeInbox(c, tally, () => consumersStopped || halted));

    // ---------------------------------------------------------------- registry edits throughout
    const rpc = new RpcClient(hub.nc, 5_000);
    const registryAcked: Array<{ code: string; version: number }> = [];
    let registryErrors = 0;
    let registryStopped = false;
    const registryWriters = [0, 1].map(async (w) => {
      for (let n = 0; !registryStopped && !halted; n++) {
        const code = spare[(w * 2 + (n % 2)) % spare.length]!;
        try {
          registryAcked.push({ code, version: await updateContact(hub, rpc, code, `02${w}${String(n).padStart(7, '0')}`) });
        } catch {
          registryErrors++;
        }
        await sleep(400);
      }
    });

    // ---------------------------------------------------------------- load + chaos
    const windowMs = Math.round((DOCS / RATE) * 1000);
    const schedule = chaosSchedule(SEED, windowMs, { kills: KILLS, pgDownMs: PG_DOWN_MS });
    say(`chaos schedule (seed ${SEED}, load window ${(windowMs / 1000).toFixed(0)} s):\n  ${schedule.map(describeStep).join('\n  ')}`);
    // consumer state across the NATS kill -9: an ack floor that went back means acknowledged
    // messages are delivered again (to the router and audit: absorbed; to an agency: a duplicate)
    const consumerStreams = [hub.topo.streams.submit, hub.topo.streams.inbox, hub.topo.streams.events];
    let floorsBefore = new Map<string, number>();
    let floorsCompared = false;
    const rolledBack: Array<{ consumer: string; before: number; after: number }> = [];
    const chaos = new ChaosRunner(sup, nats, pg, {
      beforeKill: async () => {
        floorsBefore = await ackFloors(hub.nc, consumerStreams, 5_000);
      },
      // as soon as the server answers again (floors only move forward, so later would hide a rollback)
      afterStart: async () => {
        for (let attempt = 1; attempt <= 20 && !floorsCompared; attempt++) {
          try {
            const after = await ackFloors(hub.nc, consumerStreams, 3_000);
            for (const [consumer, before] of floorsBefore) {
              const now = after.get(consumer);
              if (now === undefined || now < before) rolledBack.push({ consumer, before, after: now ?? -1 });
            }
            floorsCompared = true;
            say(`consumer ack floors after the NATS restart (attempt ${attempt}): ${rolledBack.length} of ${floorsBefore.size} went back`);
          } catch {
            await sleep(250);
          }
        }
      },
    });
    const t0 = Date.now();
    let monitoring = true;
    let publishedSoFar = 0;
    const monitor = (async () => {
      while (monitoring && !halted) {
        await sleep(10_000);
        if (!monitoring || halted) break;
        const s = await streamState(hub.nc, hub.topo.streams.submit).catch(() => null);
        const i = await streamState(hub.nc, hub.topo.streams.inbox).catch(() => null);
        say(
          `progress: published ${publishedSoFar}/${DOCS}; submit stream ${s?.messages ?? '?'} waiting; inbox stream ${i?.messages ?? '?'}; ` +
            `SDK saw ${tally.distinct}/${DOCS}; registry edits ${registryAcked.length} ok / ${registryErrors} failed`,
        );
      }
    })();
    const [published] = await Promise.all([
      publishPaced(ncSend, hub.topo, docs, { ratePerSec: RATE, onProgress: (n) => (publishedSoFar = n), aborted: () => halted }).then((s) => {
        publishedSoFar = s.published;
        return s;
      }),
      chaos.run(schedule, t0),
    ]);
    const loadMs = Date.now() - t0;
    say(
      `load done in ${(loadMs / 1000).toFixed(1)} s: ${published.published} published, ${published.retries} publish retries, ${published.duplicateAcks} duplicate PubAcks`,
    );
    await sup.allUp(['registry', 'router', 'audit']);
    registryStopped = true;
    await Promise.all(registryWriters);

    // ---------------------------------------------------------------- settle
    const settleStarted = Date.now();
    let settled = false;
    let last = '';
    while (Date.now() - settleStarted < SETTLE_MS) {
      try {
        const submit = await streamState(hub.nc, hub.topo.streams.submit);
        const router = await consumerBacklog(hub.nc, hub.topo.streams.submit, hub.topo.consumers.router);
        const inbox = await streamState(hub.nc, hub.topo.streams.inbox);
        const audit = await auditConsumersIdle(hub.nc, hub.topo);
        const receipts = await receiptBacklog(hub.db.ds);
        // routed: the router's consumer has acknowledged the whole submit stream (a message left
        // below its ack floor is an orphan the server did not remove, reported below)
        // (or its only unacked entry is a phantom left by the NATS kill -9: see phantomAtAckFloor)
        const routed =
          (router.pending + router.ackPending === 0 && router.ackFloor >= submit.lastSeq) ||
          (await phantomAtAckFloor(hub.nc, hub.topo.streams.submit, router));
        last = `submit ${submit.messages} stored, router pending ${router.pending}+${router.ackPending} (ack floor ${router.ackFloor}/${submit.lastSeq}), inbox ${inbox.messages}/${DOCS}+receipts, receipts sent to ${receipts.sentUpto}/${receipts.treeSize}, audit pending ${audit.pending}, SDK ${tally.distinct}/${DOCS}`;
        // every copy in the inbox stream, the audit idle and its receipts sent up to its log's end (one
        // receipt lists many copies), the agencies served
        if (routed && audit.idle && receipts.caughtUp && inbox.messages > DOCS && tally.distinct >= DOCS) {
          await sleep(3_000);
          if (
            (await auditConsumersIdle(hub.nc, hub.topo)).idle &&
            (await receiptBacklog(hub.db.ds)).caughtUp &&
            (await streamState(hub.nc, hub.topo.streams.inbox)).messages === inbox.messages
          ) {
            settled = true;
            break;
          }
        }
      } catch (err) {
        last = `(probe failed: ${(err as Error).message})`;
      }
      if ((Date.now() - settleStarted) % 10_000 < 1_000) say(`settling: ${last}`);
      await sleep(1_000);
    }
    const settleMs = Date.now() - settleStarted;
    say(`${settled ? 'settled' : 'NOT settled'} after ${(settleMs / 1000).toFixed(1)} s: ${last}`);
    monitoring = false;
    await monitor;
    consumersStopped = true;
    for (const c of recvClients.values()) await c.close().catch(() => undefined);
    await Promise.all(consumers);

    // ---------------------------------------------------------------- what the streams hold
    // the submit stream is a work queue: what is still stored below the router's ack floor is orphaned
    const orphans = await storedMessages(hub.nc, hub.topo.streams.submit);
    const routerFinal = await consumerBacklog(hub.nc, hub.topo.streams.submit, hub.topo.consumers.router);
    // a phantom entry holds the floor back: then everything the router was handed counts as acked
    // (nothing pending, nothing else unacked), and each orphan must still prove its delivery below
    const phantom = await phantomAtAckFloor(hub.nc, hub.topo.streams.submit, routerFinal);
    const effectiveFloor = phantom ? Number.POSITIVE_INFINITY : routerFinal.ackFloor;
    const orphansAboveFloor = orphans.filter((o) => o.seq > effectiveFloor);
    const recipientOf = new Map<string, string>(docs.map((d) => [d.id, d.to]));
    const idx = await indexInbox(hub.nc, hub.topo);
    const loss = lossReport(expected, idx);
    const events = await readEvents(hub.nc, hub.topo);
    const byType = new Map<string, number>();
    for (const e of events) byType.set(e.event.type, (byType.get(e.event.type) ?? 0) + 1);
    const rejected = events.filter((e) => e.event.type === 'msg.rejected').map((e) => e.event.data as unknown as MsgRejectedData);
    const deadLettered = events.filter((e) => e.event.type === 'msg.deadlettered');
    const replayed = events.filter((e) => e.event.type === 'msg.replayed');
    const dlq = await streamState(hub.nc, hub.topo.streams.deadLetter);
    const eventIds = new Map<string, number>();
    for (const e of events) eventIds.set(e.event.id, (eventIds.get(e.event.id) ?? 0) + 1);
    const duplicateEvents = [...eventIds].filter(([, n]) => n > 1);

    // receipts: one 'delivered' item per copy, in a receipt in its sender's inbox; no log entry listed twice
    const receiptProblems: string[] = [];
    for (const k of expected) {
      const r = idx.receipts.get(k) ?? [];
      const delivered = r.filter((x) => x.event === 'delivered');
      if (delivered.length !== 1) receiptProblems.push(`${k}: ${delivered.length} receipt items`);
      else if (delivered[0]!.sendTo !== senderOf.get(k)) receiptProblems.push(`${k}: receipt went to ${delivered[0]!.sendTo}, not ${senderOf.get(k)}`);
    }
    for (const [seq, inboxSeqs] of idx.receiptItemSeqs) {
      if (inboxSeqs.length > 1) receiptProblems.push(`audit entry ${seq}: listed in ${inboxSeqs.length} receipts (inbox seqs ${inboxSeqs.join(', ')})`);
    }

    const undeliveredOrphans = orphans.filter((o) => !idx.documentCopies.has(`${o.msgId}:${recipientOf.get(o.msgId)}`)).map((o) => `${o.seq} ${o.msgId}`);

    // ---------------------------------------------------------------- the router's register
    const [{ n: registered }] = (await hub.db.ds.query('SELECT count(*)::int AS n FROM router_envelopes')) as Array<{ n: number }>;

    // ---------------------------------------------------------------- registry outbox: every change published once
    const changes = (await hub.db.ds.query(
      `SELECT seq::int AS seq, event_id, agency_code, change_type, (snapshot->>'version')::int AS version FROM registry_changes ORDER BY seq`,
    )) as Array<{ seq: number; event_id: string; agency_code: string; change_type: string; version: number }>;
    const registryEventIds = new Set(events.filter((e) => e.event.source === 'registry').map((e) => e.event.id));
    const unpublishedChanges = changes.filter((c) => !registryEventIds.has(c.event_id)).map((c) => `${c.seq} ${c.change_type} ${c.agency_code}`);
    const changeIds = new Set(changes.map((c) => c.event_id));
    const strayRegistryEvents = [...registryEventIds].filter((id) => !changeIds.has(id));
    const lostEdits = registryAcked
      .filter((a) => !changes.some((c) => c.agency_code === a.code && c.version === a.version))
      .map((a) => `${a.code} v${a.version}`);
    const kv = await openAgencyKv(hub.nc, hub.topo);
    const kvStale: string[] = [];
    for (const code of spare) {
      const latest = Math.max(...changes.filter((c) => c.agency_code === code).map((c) => c.version));
      const e = await kv.get(codeToSubjectTokens(code));
      const v = e?.value.length ? (JSON.parse(e.string()) as AgencyKvEntry).agency.version : -1;
      if (v !== latest) kvStale.push(`${code}: KV version ${v}, registry ${latest}`);
    }

    // ---------------------------------------------------------------- audit log
    const audit = await auditState(hub.db.ds);
    const completeness = auditCompleteness(audit, idx, events);
    const verifyStarted = Date.now();
    const serverVerify = await auditVerify(hub.nc, hub.topo);
    say(
      `audit log.verify: ok=${serverVerify.ok}, ${serverVerify.entriesChecked} entries, ${serverVerify.checkpointsChecked} checkpoints in ${serverVerify.durationMs} ms`,
    );
    const work = mkdtempSync(join(tmpdir(), 'lt-faults-bundle-'));
    cleanup.add('bundle folder', () => rmSync(work, { recursive: true, force: true }));
    const bundleFile = join(work, 'audit-bundle.jsonl');
    const exported = await exportBundle(hub.nc, hub.topo, bundleFile);
    const cli = await cliVerifyBundle(bundleFile, exported.header.vkey);
    say(
      `exported ${exported.entries} entries [${exported.header.startSize}, ${exported.header.endSize}); CLI audit verify: ${cli.output.split('\n')[0]} (${((Date.now() - verifyStarted) / 1000).toFixed(1)} s for both)`,
    );

    // ---------------------------------------------------------------- report
    const report = {
      seed: SEED,
      documents: DOCS,
      rate: RATE,
      durations: {
        totalS: Math.round((Date.now() - runStarted) / 1000),
        loadS: Math.round(loadMs / 1000),
        settleS: Math.round(settleMs / 1000),
        natsDownMs: chaos.natsDownMs,
        pgDownMs: chaos.pgDownMs,
      },
      submitStream: {
        orphansBelowAckFloor: orphans.length - orphansAboveFloor.length,
        orphansAboveAckFloor: orphansAboveFloor.length,
        // the router consumer's only unacked entry names a message no longer in the stream
        phantomPendingAtAckFloor: phantom ? routerFinal.ackFloor + 1 : null,
        ranges: seqRanges(orphans.map((o) => o.seq)).slice(0, 10),
        storedAt: orphans.length ? `${orphans[0]!.storedAt} .. ${orphans[orphans.length - 1]!.storedAt}` : null,
        routerAckFloor: routerFinal.ackFloor,
      },
      publish: { published: published.published, retries: published.retries, duplicatePubAcks: published.duplicateAcks, errors: published.errors },
      natsServerWarnings: nats.logs.filter((l) => /\[(WRN|ERR)\]/.test(l)).slice(0, 15),
      consumersRolledBackByNatsRestart: {
        compared: floorsCompared,
        count: rolledBack.length,
        of: floorsBefore.size,
        // the deepest first: a floor back at 0 redelivers everything the agency ever acked
        samples: [...rolledBack]
          .sort((a, b) => b.before - b.after - (a.before - a.after))
          .slice(0, 8)
          .map((r) => `${r.consumer}: ack floor ${r.before} -> ${r.after}`),
      },
      chaos: chaos.log.map(
        (c) => `t+${(c.actualMs / 1000).toFixed(1)}s (${c.atIso}) ${c.what}${c.backMs !== undefined ? `; back at t+${(c.backMs / 1000).toFixed(1)}s` : ''}`,
      ),
      services: {
        starts: Object.fromEntries(sup.starts),
        bootFailures: sup.bootFailures.length,
        bootFailureReasons: [...new Set(sup.bootFailures.map((b) => `${b.service}: ${b.what.slice(0, 240)}`))].slice(0, 8),
        incidents: sup.incidents.map((i) => `${i.at} ${i.service}: ${i.what}\n${(i.logs ?? []).join('\n')}`),
      },
      delivery: {
        expected: loss.expected,
        delivered: loss.delivered,
        missing: loss.missing.length,
        duplicated: loss.duplicated.length,
        unexpected: loss.unexpected.length,
        duplicateMsgIds: loss.duplicateMsgIds.length,
        misaddressed: idx.misaddressed.length,
        hubSignedNonReceipts: idx.hubOther.length,
        otherKinds: Object.fromEntries(idx.otherKinds),
        routerRegister: registered,
      },
      sdk: {
        distinct: tally.distinct,
        afterConfirmedAck: tally.afterConfirmedAck.length,
        afterConfirmedAckByAgency: Object.fromEntries(
          [...groupBy(tally.afterConfirmedAck, (d) => d.key.split(':')[1]!)].map(([agency, list]) => [
            agency,
            `${list.length} again, inbox seqs ${seqRanges(list.map((d) => d.seq).sort((a, b) => a - b))
              .slice(0, 3)
              .join(', ')}; first acked ${list[0]!.ackedAt}, again ${list[0]!.againAt}`,
          ]),
        ),
        // copies the server handed over again although their ack had been confirmed (consumer
        // state lost by the NATS kill -9): the SDK recognised, re-acked and did not yield them
        acknowledgedCopiesRecognised: sdkLogs.byMessage.get(SDK_ALREADY_ACKED) ?? 0,
        redeliveriesAfterUnconfirmedAck: tally.redeliveries,
        ackFailures: tally.ackFailures,
        invalid: tally.invalid.length,
        loopErrors: tally.loopErrors,
        warnings: Object.fromEntries([...sdkLogs.byMessage].sort((a, b) => b[1] - a[1]).slice(0, 8)),
      },
      receipts: { expected: expected.size, messages: idx.receiptMessages, items: idx.receiptItemSeqs.size, problems: receiptProblems.length },
      events: { ...Object.fromEntries(byType), duplicateIds: duplicateEvents.length, dlqMessages: dlq.messages },
      registry: {
        changes: changes.length,
        editsAcked: registryAcked.length,
        editsFailed: registryErrors,
        unpublished: unpublishedChanges.length,
        stray: strayRegistryEvents.length,
        lostEdits: lostEdits.length,
        kvStale,
      },
      audit: {
        treeSize: audit.treeSize,
        entryRows: audit.entryRows,
        uniqueIds: audit.ids.size,
        expectedEntries: completeness.expected,
        missing: completeness.missing.length,
        extra: completeness.extra.length,
        serverVerify: {
          ok: serverVerify.ok,
          entries: serverVerify.entriesChecked,
          checkpoints: serverVerify.checkpointsChecked,
          firstProblem: serverVerify.firstProblem,
        },
        bundle: { entries: exported.entries, cliOk: cli.ok, cli: cli.output.split('\n')[0] },
      },
      samples: {
        missing: loss.missing.slice(0, 10),
        duplicated: loss.duplicated.slice(0, 10),
        unexpected: loss.unexpected.slice(0, 10),
        afterConfirmedAck: tally.afterConfirmedAck.slice(0, 10),
        invalid: tally.invalid.slice(0, 5),
        receiptProblems: receiptProblems.slice(0, 10),
        rejected: rejected.slice(0, 5),
        deadLettered: deadLettered.slice(0, 5).map((e) => e.event),
        replayed: replayed.slice(0, 5).map((e) => ({ messageId: e.event.messageId, data: e.event.data })),
        hubOther: idx.hubOther.slice(0, 5).map((o) => o.headers),
        auditMissing: completeness.missing.slice(0, 10),
        auditExtra: completeness.extra.slice(0, 10),
        unpublishedChanges: unpublishedChanges.slice(0, 10),
        lostEdits: lostEdits.slice(0, 10),
      },
    };
    say(`FAULT RUN REPORT\n${JSON.stringify(report, null, 2)}`);
    const saved = saveReport(`chaos-${SEED}`, report);
    if (saved) say(`report written to ${saved}`);
    if (loss.missing.length || loss.duplicated.length) {
      const samples = [...loss.missing.slice(0, 3), ...loss.duplicated.slice(0, 3).map((d) => d.key)];
      for (const k of samples)
        say(`evidence ${k}: published seq ${published.seqOf.get(k.split(':')[0]!)}, copies ${JSON.stringify(idx.documentCopies.get(k) ?? [])}`);
    }

    // ---------------------------------------------------------------- the acceptance criteria
    // every criterion is checked (not just up to the first failure), then reported together
    const failures: string[] = [];
    const check = (ok: boolean, what: string) => {
      if (!ok) failures.push(what);
    };
    const none = (list: readonly unknown[], what: string) => check(list.length === 0, `${what}: ${list.length}, e.g. ${JSON.stringify(list.slice(0, 3))}`);
    check(settled, `the hub did not settle within ${SETTLE_MS} ms: ${last}`);
    check(published.published === DOCS, `published ${published.published} of ${DOCS}`);
    // zero loss, zero duplicates, in the stream ...
    none(loss.missing, 'documents never delivered');
    none(loss.duplicated, 'documents stored twice for one recipient');
    none(loss.unexpected, 'copies nobody sent');
    none(loss.duplicateMsgIds, 'Nats-Msg-Ids stored twice');
    none(idx.misaddressed, 'copies stored under another inbox subject than their Lt-To');
    // ... and as the agencies saw them through the SDK
    check(tally.distinct === DOCS, `the agencies saw ${tally.distinct} of ${DOCS} documents`);
    if (tally.afterConfirmedAck.length) {
      const byAgency = groupBy(tally.afterConfirmedAck, (d) => d.key.split(':')[1]!);
      const deepest = [...rolledBack].sort((a, b) => b.before - b.after - (a.before - a.after)).slice(0, 3);
      failures.push(
        `documents handed to agencies again after the server had confirmed their ack: ${tally.afterConfirmedAck.length} ` +
          `(${[...byAgency].filter(([, l]) => l.some((d) => d.deliveryCount === 1)).length} agencies got some with deliveryCount 1); ` +
          `the NATS kill -9 took ${rolledBack.length} of ${floorsBefore.size} consumer ack floors back, deepest ${JSON.stringify(deepest)}`,
      );
    }
    none(tally.invalid, 'inbox copies the SDK refused');
    // every document was valid: nothing refused, dead-lettered or bounced
    none(rejected, 'msg.rejected events');
    none(deadLettered, 'msg.deadlettered events');
    check(dlq.messages === 0, `${dlq.messages} messages in the dead-letter stream`);
    none(idx.hubOther, 'hub-signed copies other than receipts (refusals)');
    check(registered === DOCS, `the router registered ${registered} envelopes, not ${DOCS}`);
    // nothing left unrouted in the submit stream; orphans below the ack floor must have been delivered
    none(orphansAboveFloor, 'submissions never routed');
    none(undeliveredOrphans, 'orphaned submissions never delivered');
    // a replayed event may only concern a document delivered once (a retried publish after dedup state was lost)
    none(
      replayed.filter((r) => !expected.has(`${r.event.messageId}:${recipientOf.get(r.event.messageId ?? '')}`)),
      'replay events about unknown documents',
    );
    // one receipt item per delivery
    none(receiptProblems, 'deliveries without exactly one receipt item to their sender');
    // events published once each; every registry change published, every acknowledged edit kept, KV converged
    none(duplicateEvents, 'event ids published twice');
    none(unpublishedChanges, 'registry changes never published');
    none(strayRegistryEvents, 'registry events without a registry change');
    none(lostEdits, 'acknowledged registry edits missing');
    none(kvStale, 'KV entries behind the registry');
    check(registryAcked.length > 0, 'no registry edit succeeded during the run');
    // the audit log: one entry per inbox copy and per event, no more, and it verifies
    none(completeness.missing, 'inbox copies or events missing from the audit log');
    none(completeness.extra, 'audit entries for nothing in the streams');
    check(
      audit.treeSize === completeness.expected && audit.entryRows === audit.treeSize,
      `audit tree ${audit.treeSize}, rows ${audit.entryRows}, expected ${completeness.expected}`,
    );
    check(
      serverVerify.ok && serverVerify.firstProblem === null && serverVerify.entriesChecked === audit.treeSize,
      `audit log.verify: ${JSON.stringify(serverVerify)}`,
    );
    check(
      exported.header.startSize === 0 && exported.header.endSize === audit.treeSize && exported.entries === audit.treeSize,
      `bundle [${exported.header.startSize}, ${exported.header.endSize}) with ${exported.entries} entries, tree ${audit.treeSize}`,
    );
    check(cli.ok && /^OK: /.test(cli.output), `lienthong audit verify: ${cli.output}`);
    // the services rode out the outages: no exit the chaos did not cause
    none(
      sup.incidents.map((i) => `${i.service}: ${i.what}`),
      'service exits the chaos did not cause',
    );
    check(chaos.log.length === schedule.length, `${chaos.log.length} of ${schedule.length} chaos steps ran`);
    expect(failures).toEqual([]);
  });
});
