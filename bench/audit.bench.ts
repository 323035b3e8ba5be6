/*
 * Audit log benchmarks (numbers, not pass/fail):
 *   npm run bench:audit        (builds, then runs dist/bench/audit.bench.js)
 * Needs PostgreSQL (TEST_DATABASE_URL or postgres://postgres@127.0.0.1:5432/postgres) and NATS
 * (TEST_NATS_URL or nats://127.0.0.1:4222); uses throwaway databases and a random namespace.
 * Sizes: BENCH_APPEND (default 100,000 appended entries), BENCH_LARGE (default 5,000,000 rows for
 * trace/proof), BENCH_VERIFY (default 1,000,000 bundle entries). BENCH_PHASES=append,large,verify.
 */
import { createHash, createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { tmpdir, availableParallelism } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { AUDIT_RPC, BUNDLE_FORMAT, bundleLine, topology, uuidv7, type BundleHeader } from '../libs/contracts/src/index';
import { assertTestDatabaseUrl, createTestDatabase, insertMany, openDataSource, type TestDatabase } from '../libs/database/src/index';
import { JetStreamPublisher, RpcClient, connectNats, destroyTopology, ensureTopology, type NatsConnection } from '../libs/messaging/src/index';
import { createLogger, type KeyFile } from '../libs/platform/src/index';
import { MemoryLog, leafHash, signCheckpoint } from '../libs/tlog/src/index';
import { canonicalJson } from '../libs/crypto/src/index';
import { canonicalEntryBytes, groupByRecord, verifyBundleFile, verifyInclusionProof, type LogEntry } from '../libs/audit-log/src/index';
import { createAuditService, entryFromInboxCopy, type EntryDraft } from '../apps/audit/src/index';
import { logKeysFromHubKey } from '../apps/audit/src/checkpoint/log-keys';
import { fakeJws, inboxHeaders, inboxMessage, type CopySpec } from '../apps/audit/src/testing/fixtures';

const APPEND = Number(process.env.BENCH_APPEND ?? 100_000);
const LARGE = Number(process.env.BENCH_LARGE ?? 5_000_000);
const VERIFY = Number(process.env.BENCH_VERIFY ?? 1_000_000);
const PHASES = (process.env.BENCH_PHASES ?? 'append,large,verify').split(',');
const NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
const log = createLogger('audit-bench', 'warn');
/** A fixed Ed25519 key (bench only): checkpoints in a kept database stay verifiable in a later run. */
function benchHubKey(): KeyFile {
  const seed = createHash('sha256').update('lienthong audit bench key').digest();
  const privateKey = createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]), format: 'der', type: 'pkcs8' });
  return {
    keyId: 'bench',
    alg: 'EdDSA',
    privateJwk: privateKey.export({ format: 'jwk' }) as Record<string, unknown>,
    publicJwk: createPublicKey(privateKey).export({ format: 'jwk' }) as Record<string, unknown>,
  };
}
const hubKey = benchHubKey();

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const say = (s: string) => console.log(s);
function rate(label: string, count: number, ms: number): void {
  say(`${label.padEnd(62)} ${fmt((count / ms) * 1000).padStart(10)} /s   (${fmt(count)} in ${(ms / 1000).toFixed(2)} s)`);
}
function percentiles(label: string, samples: number[]): void {
  const s = [...samples].sort((a, b) => a - b);
  const p = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))].toFixed(2);
  say(`${label.padEnd(62)} p50 ${p(0.5)} ms  p95 ${p(0.95)} ms  p99 ${p(0.99)} ms  max ${s[s.length - 1].toFixed(2)} ms  (n=${s.length})`);
}

// valid codes DDD.CC.BB.AXX (a lower level is set only under a set higher one)
const AGENCIES = Array.from(
  { length: 2000 },
  (_, i) => `000.${String(Math.floor(i / 99) % 20).padStart(2, '0')}.${String((i % 99) + 1).padStart(2, '0')}.H${String((i % 63) + 1).padStart(2, '0')}`,
);

/** A realistic stream of facts: per document two deliveries, a 01 and a 03 back from the first recipient. */
function copySpecs(count: number, t0 = Date.now()): CopySpec[] {
  const out: CopySpec[] = [];
  for (let i = 0; out.length < count; i++) {
    const doc = uuidv7(t0 + i);
    const from = AGENCIES[i % AGENCIES.length];
    const r1 = AGENCIES[(i * 7 + 1) % AGENCIES.length];
    const r2 = AGENCIES[(i * 13 + 2) % AGENCIES.length];
    const at = (ms: number) => new Date(t0 + i * 10 + ms).toISOString();
    out.push({ envelopeId: doc, from, to: r1, routedAt: at(5), issuedAt: at(0), copies: 2, submitSeq: i });
    out.push({ envelopeId: doc, from, to: r2, routedAt: at(6), issuedAt: at(0), copies: 2, submitSeq: i });
    out.push({ envelopeId: uuidv7(t0 + i), from: r1, to: from, statusCode: '01', responseFor: doc, routedAt: at(60_000) });
    out.push({ envelopeId: uuidv7(t0 + i), from: r1, to: from, statusCode: '03', responseFor: doc, routedAt: at(600_000) });
  }
  return out.slice(0, count);
}

function drafts(count: number): EntryDraft[] {
  return copySpecs(count).map((s, i) => entryFromInboxCopy(inboxMessage(s, i + 1)));
}

async function waitUntil(what: string, fn: () => Promise<boolean>, timeoutMs = 600_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

// ------------------------------------------------------------------ appends

async function appendPhase(nc: NatsConnection): Promise<void> {
  say(`\n== appends (${fmt(APPEND)} entries: inbox copies of documents and their statuses) ==`);
  const db = await createTestDatabase();
  try {
    const sample = drafts(APPEND);
    const cols = ['seq', 'entry_id', 'source', 'type', 'message_id', 'agencies', 'at', 'body', 'leaf_hash'];
    const toRow = (d: EntryDraft, seq: number) => [
      seq,
      d.id,
      d.source,
      d.type,
      d.messageId,
      d.agencies,
      d.at,
      canonicalJson(d.body),
      createHash('sha256').update(d.id).digest(),
    ];

    // rows prepared before the clock starts: the baselines measure PostgreSQL only
    const baseRows = sample.map((d, i) => toRow(d, i));

    // baseline 1: the same rows into a plain table with no index at all
    await db.ds.query(
      `CREATE TABLE bench_raw (seq bigint, entry_id text, source text, type text, message_id uuid, agencies text[], at timestamptz, body text, leaf_hash bytea)`,
    );
    let t = performance.now();
    for (let i = 0; i < sample.length; i += 1000) await insertMany(db.ds, 'bench_raw', cols, baseRows.slice(i, i + 1000));
    rate('baseline: raw multi-row INSERT, 1000 rows/statement, no index', sample.length, performance.now() - t);

    // baseline 2: the same rows into a clone of audit_entries (partitioned, same indexes), no Merkle, no dedup
    await db.ds.query(`CREATE TABLE bench_clone (LIKE audit_entries INCLUDING ALL) PARTITION BY RANGE (at)`);
    await db.ds.query(`CREATE TABLE bench_clone_d PARTITION OF bench_clone DEFAULT`);
    t = performance.now();
    for (let i = 0; i < sample.length; i += 1000) await insertMany(db.ds, 'bench_clone', cols, baseRows.slice(i, i + 1000));
    rate('baseline: raw multi-row INSERT into audit_entries clone (3 indexes)', sample.length, performance.now() - t);

    // the writer: dedup + seq + entries + stored hashes (+ checkpoints every 1000), one transaction per batch
    const topo = topology(`b${randomBytes(4).toString('hex')}`);
    const svc = createAuditService({ nc, ds: db.ds, ns: topo.ns, log, checkpointKey: hubKey, receiptKey: hubKey, options: { receipts: false, verifyIntervalMs: 0 } });
    await ensureTopology(nc, topo, { storage: 'file' });
    await svc.start();
    t = performance.now();
    for (let i = 0; i < sample.length; i += 1000) await svc.append(sample.slice(i, i + 1000));
    rate('audit writer: append in batches of 1000 (dedup, Merkle, checkpoints)', sample.length, performance.now() - t);
    t = performance.now();
    for (let i = 0; i < sample.length; i += 1000) await svc.append(sample.slice(i, i + 1000));
    rate('audit writer: the same batches again (all absorbed as duplicates)', sample.length, performance.now() - t);

    // end to end: a backlog in JetStream (audit stopped), then catch-up through both consumers
    await svc.stop();
    const publisher = new JetStreamPublisher(nc, topo);
    const specs = copySpecs(APPEND, Date.now() + 86_400_000);
    t = performance.now();
    for (let i = 0; i < specs.length; i += 500) {
      await Promise.all(
        specs.slice(i, i + 500).map((s) => {
          const data = fakeJws(s);
          return publisher.publish(topo.inboxSubject(s.to), Buffer.concat([data, Buffer.alloc(1500, 0x20)]), `${s.envelopeId}:${s.to}`, inboxHeaders(s, data));
        }),
      );
    }
    rate('(setup) publish the backlog into LT_INBOX, file storage', specs.length, performance.now() - t);
    const before = await svc.treeSize();
    const svc2 = createAuditService({ nc, ds: db.ds, ns: topo.ns, log, checkpointKey: hubKey, receiptKey: hubKey, options: { receipts: false, verifyIntervalMs: 0 } });
    t = performance.now();
    await svc2.start();
    await waitUntil('catch-up', async () => (await svc2.treeSize()) >= before + specs.length);
    rate('end to end: JetStream catch-up -> entries committed -> ackAck', specs.length, performance.now() - t);

    // receipts on: the same path plus one receipt item per delivery and per 01 (one signed receipt per sender per window)
    const svc3Topo = topo;
    await svc2.stop();
    const more = copySpecs(APPEND / 2, Date.now() + 2 * 86_400_000);
    for (let i = 0; i < more.length; i += 500) {
      await Promise.all(
        more.slice(i, i + 500).map((s) => {
          const data = fakeJws(s);
          return publisher.publish(svc3Topo.inboxSubject(s.to), data, `${s.envelopeId}:${s.to}`, inboxHeaders(s, data));
        }),
      );
    }
    await db.ds.query('UPDATE audit_receipt_cursor SET sent_upto = $1', [before + specs.length]);
    const svc3 = createAuditService({ nc, ds: db.ds, ns: topo.ns, log, checkpointKey: hubKey, receiptKey: hubKey, options: { receipts: true, verifyIntervalMs: 0 } });
    const size3 = await svc2.treeSize(); // stopped, it still reads the log: svc3 answers once started
    t = performance.now();
    await svc3.start();
    await waitUntil('catch-up with receipts', async () => (await svc3.treeSize()) >= size3 + more.length);
    await svc3.cutCheckpoint();
    await svc3.receiptsIdle();
    rate('end to end with receipts on (3 of 4 entries earn a receipt item)', more.length, performance.now() - t);

    // service-side verification over everything appended (real rows)
    const v = await svc3.verify();
    if (!v.ok) throw new Error(`verify failed: ${JSON.stringify(v.firstProblem)}`);
    rate('service verify (rows + stored hashes + checkpoints from PostgreSQL)', v.entriesChecked, v.durationMs);
    await svc3.stop();
    await destroyTopology(nc, topo);
  } finally {
    await db.drop();
  }
}

// ------------------------------------------------------------------ trace and proofs on a large log

/** md5 of a string shaped as a version-4 UUID (version and variant nibbles set), as the SQL below does. */
function md5Uuid(s: string): string {
  const h = createHash('md5').update(s).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20)}`;
}

/** A database kept by an earlier run (its name must contain "test"); dropped at the end unless kept again. */
async function reuseTestDatabase(name: string): Promise<TestDatabase> {
  const u = new URL(process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  u.pathname = `/${name}`;
  assertTestDatabaseUrl(u.toString());
  const ds = await openDataSource(u.toString());
  return {
    url: u.toString(),
    name,
    ds,
    drop: async () => {
      await ds.destroy();
      const admin = await openDataSource(process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.destroy();
    },
  };
}

async function largePhase(nc: NatsConnection): Promise<void> {
  say(`\n== trace and proofs on a log of ${fmt(LARGE)} entries over 6 months (generated in SQL, Merkle hashes in JS) ==`);
  // BENCH_REUSE_DB=<name of a database kept by BENCH_KEEP_DB=1>: measure again without regenerating
  const reuse = process.env.BENCH_REUSE_DB;
  const db = reuse ? await reuseTestDatabase(reuse) : await createTestDatabase();
  const keys = logKeysFromHubKey(hubKey, 'lienthong.gov.vn/audit');
  try {
    if (!reuse) {
      const start = Date.parse('2026-01-01T00:00:00Z');
      const spanMs = 182 * 86_400_000;
      for (let m = 0; m < 7; m++)
        await db.ds.query('SELECT audit_ensure_month_partition($1::date)', [new Date(Date.UTC(2026, m, 1)).toISOString().slice(0, 10)]);
      // bulk load without the indexes, then build them (what a restore would do)
      await db.ds.query('DROP INDEX audit_entries_seq_idx, audit_entries_agencies_idx, audit_entry_ids_message_idx');
      await db.ds.query('ALTER TABLE audit_entry_ids DROP CONSTRAINT audit_entry_ids_pkey');
      let t = performance.now();
      const CHUNK = 500_000;
      for (let lo = 0; lo < LARGE; lo += CHUNK) {
        const hi = Math.min(LARGE, lo + CHUNK);
        await db.ds.query(
          `INSERT INTO audit_entries (seq, entry_id, source, type, message_id, agencies, at, body, leaf_hash)
           SELECT g, mid::text || ':' || g % 4, 'inbox',
                  (ARRAY['delivery.document','delivery.document','status.01','status.03'])[g % 4 + 1],
                  mid,
                  ARRAY[a1, a2],
                  to_timestamp(($3::bigint + (g::bigint * $4::bigint) / $5::bigint) / 1000.0),
                  jsonb_build_object('headers', jsonb_build_object('Lt-Envelope-Id', mid::text, 'Lt-From', a1, 'Lt-To', a2,
                     'Lt-Kind', 'document', 'Lt-Kid', a1 || '#k1', 'Lt-Digest', md5(g::text) || md5((g + 1)::text), 'Lt-Submit-Seq', (g / 4)::text,
                     'Lt-Routed-At', to_char(now(), 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'Lt-Copies', '2'),
                     'sha256', md5((g + 7)::text) || md5((g + 9)::text), 'size', 2048, 'inboxSeq', g),
                  sha256(int8send(g))
             FROM generate_series($1::bigint, $2::bigint - 1) g,
                  LATERAL (SELECT overlay(overlay(md5('m' || (g / 4)) placing '4' from 13) placing '8' from 17)::uuid AS mid) m,
                  LATERAL (SELECT '000.00.' || lpad(((g / 4) % 99 + 1)::text, 2, '0') || '.H' || lpad(((g / 4) % 63 + 1)::text, 2, '0') AS a1,
                                  '000.' || lpad(((g / 4 + g % 2) % 97 + 1)::text, 2, '0') || '.05.H' || lpad(((g / 4) % 61 + 1)::text, 2, '0') AS a2) ag`,
          [lo, hi, start, spanMs, LARGE],
        );
      }
      rate('(setup) generate entries in SQL (no index)', LARGE, performance.now() - t);
      t = performance.now();
      await db.ds.query('CREATE INDEX audit_entries_seq_idx ON audit_entries (seq)');
      await db.ds.query('INSERT INTO audit_entry_ids (entry_id, seq, message_id, at) SELECT entry_id, seq, message_id, at FROM audit_entries');
      await db.ds.query('ALTER TABLE audit_entry_ids ADD PRIMARY KEY (entry_id)');
      await db.ds.query('CREATE INDEX audit_entry_ids_message_idx ON audit_entry_ids (message_id) WHERE message_id IS NOT NULL');
      await db.ds.query('CREATE INDEX audit_entries_agencies_idx ON audit_entries USING gin (agencies)');
      await db.ds.query('ANALYZE audit_entries');
      await db.ds.query('ANALYZE audit_entry_ids');
      say(`(setup) audit_entry_ids, the indexes, ANALYZE: ${((performance.now() - t) / 1000).toFixed(1)} s`);

      // stored hashes for the same number of records, and one signed checkpoint over them
      t = performance.now();
      const mem = new MemoryLog();
      const BATCH = 20_000;
      for (let lo = 0; lo < LARGE; lo += BATCH) {
        const hi = Math.min(LARGE, lo + BATCH);
        const leaves = Array.from({ length: hi - lo }, (_, i) => {
          const b = Buffer.alloc(8);
          b.writeBigInt64BE(BigInt(lo + i));
          return leafHash(b);
        });
        const r = mem.appendLeafHashes(leaves);
        const rows = groupByRecord(lo, r.hashes);
        await db.ds.query(
          'INSERT INTO audit_hashes (seq, hashes, at) SELECT s, h, to_timestamp(($3::bigint + (s * $4::bigint) / $5::bigint) / 1000.0) FROM unnest($1::bigint[], $2::bytea[]) AS u(s, h)',
          [rows.map((_, i) => lo + i), rows, start, spanMs, LARGE],
        );
      }
      const note = signCheckpoint({ origin: keys.origin, treeSize: LARGE, rootHash: mem.rootHash() }, keys.signer);
      await db.ds.query('INSERT INTO audit_checkpoints (tree_size, root_hash, note, created_at) VALUES ($1, $2, $3, now())', [LARGE, mem.rootHash(), note]);
      await db.ds.query('ANALYZE audit_hashes');
      rate('(setup) Merkle hashes in JS + INSERT audit_hashes', LARGE, performance.now() - t);
      const [{ size }] = await db.ds.query(
        `SELECT pg_size_pretty(pg_total_relation_size('audit_entries') + coalesce((SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits WHERE inhparent = 'audit_entries'::regclass), 0)) AS size`,
      );
      say(`(setup) audit_entries with indexes: ${size}`);
    }
    const topo = topology(`b${randomBytes(4).toString('hex')}`);
    await ensureTopology(nc, topo, { storage: 'memory' });
    const svc = createAuditService({ nc, ds: db.ds, ns: topo.ns, log, checkpointKey: hubKey, receiptKey: hubKey, options: { receipts: false, verifyIntervalMs: 0 } });
    try {
      const docs = Math.floor(LARGE / 4);
      const pick = () => md5Uuid(`m${Math.floor(Math.random() * docs)}`);
      await svc.start(); // in-process queries and the RPC server (the writer lock too, harmlessly)
      for (let i = 0; i < 200; i++) await svc.trace(pick()); // warm-up
      const traceMs: number[] = [];
      for (let i = 0; i < 2000; i++) {
        const id = pick();
        const t0 = performance.now();
        const tr = await svc.trace(id);
        traceMs.push(performance.now() - t0);
        if (tr.timeline.length !== 4) throw new Error(`trace of ${id} has ${tr.timeline.length} steps`);
      }
      percentiles('trace one message (SQL + timeline), in process', traceMs);
      // the same 500 messages twice: the second pass reads pages PostgreSQL already holds
      const ids = Array.from({ length: 500 }, pick);
      for (const pass of ['first read', 'pages in memory']) {
        const ms: number[] = [];
        for (const id of ids) {
          const t0 = performance.now();
          await svc.trace(id);
          ms.push(performance.now() - t0);
        }
        percentiles(`trace, 500 messages, ${pass}`, ms);
      }

      const rpc = new RpcClient(nc);
      const rpcMs: number[] = [];
      for (let i = 0; i < 1000; i++) {
        const t0 = performance.now();
        await rpc.call(topo.rpcSubject('audit', AUDIT_RPC.trace), { messageId: pick() });
        rpcMs.push(performance.now() - t0);
      }
      percentiles('trace one message over NATS request-reply (gateway path)', rpcMs);

      const proofMs: number[] = [];
      for (let i = 0; i < 2000; i++) {
        const seq = Math.floor(Math.random() * LARGE);
        const t0 = performance.now();
        const p = await svc.proveInclusion({ seq });
        proofMs.push(performance.now() - t0);
        // the synthetic leaves are not hashes of the SQL-generated rows: check the path, not the entry
        if (i % 100 === 0) verifyInclusionProof({ ...p, entry: undefined as never }, keys.vkey);
      }
      percentiles(`inclusion proof at tree size ${fmt(LARGE)} (proof checked before reply)`, proofMs);
      const consMs: number[] = [];
      for (let i = 0; i < 500; i++) {
        const from = 1 + Math.floor(Math.random() * (LARGE - 1));
        const t0 = performance.now();
        await svc.proveConsistency({ from, to: LARGE });
        consMs.push(performance.now() - t0);
      }
      percentiles('consistency proof (random old size -> latest)', consMs);

      // a1 of every document k with k = 7 (mod 693): a sender of about 150 documents a month
      const agency = '000.00.08.H08';
      const reportMs: number[] = [];
      for (let i = 0; i < 20; i++) {
        const t0 = performance.now();
        await svc.agencyReport({ code: agency, from: '2026-03-01', to: '2026-04-01' });
        reportMs.push(performance.now() - t0);
      }
      const r = await svc.agencyReport({ code: agency, from: '2026-03-01', to: '2026-04-01' });
      percentiles(`agency report, one month (${fmt(r.sent.copies + r.received.copies)} copies)`, reportMs);
    } finally {
      await svc.stop();
      await destroyTopology(nc, topo);
    }
  } finally {
    if (process.env.BENCH_KEEP_DB) say(`kept database ${db.name}`);
    else await db.drop();
  }
}

// ------------------------------------------------------------------ offline verification

async function verifyPhase(): Promise<void> {
  say(`\n== offline verification of a bundle of ${fmt(VERIFY)} entries (checkpoint every 1000) ==`);
  const dir = mkdtempSync(join(tmpdir(), 'lt-audit-bench-'));
  const file = join(dir, 'bundle.jsonl');
  try {
    const keys = logKeysFromHubKey(hubKey, 'lienthong.gov.vn/audit');
    const mem = new MemoryLog();
    const checkpoints: BundleHeader['checkpoints'] = [];
    const body = createWriteStream(join(dir, 'entries.jsonl'));
    let t = performance.now();
    const specs = copySpecs(4000);
    for (let seq = 0; seq < VERIFY; seq++) {
      const d = entryFromInboxCopy(
        inboxMessage({ ...specs[seq % specs.length], envelopeId: specs[seq % specs.length].envelopeId.slice(0, 24) + String(seq).padStart(12, '0') }, seq + 1),
      );
      const e: LogEntry = { seq, ...d };
      const text = canonicalEntryBytes(e);
      const leaf = leafHash(text);
      mem.appendLeafHashes([leaf]);
      if (mem.size % 1000 === 0 || mem.size === VERIFY)
        checkpoints.push({ treeSize: mem.size, note: signCheckpoint({ origin: keys.origin, treeSize: mem.size, rootHash: mem.rootHash() }, keys.signer) });
      if (!body.write(bundleLine({ leafHash: leaf.toString('base64'), entry: text.toString() }) + '\n')) await once(body, 'drain');
    }
    body.end();
    await once(body, 'finish');
    const header: BundleHeader = {
      format: BUNDLE_FORMAT,
      origin: keys.origin,
      vkey: keys.vkey,
      hubKeyId: keys.hubKeyId,
      hubPublicJwk: keys.hubPublicJwk,
      startSize: 0,
      startFrontier: [],
      endSize: VERIFY,
      checkpoints,
      exportedAt: new Date().toISOString(),
      requested: {},
    };
    const out = createWriteStream(file);
    out.write(JSON.stringify(header) + '\n');
    const { createReadStream } = await import('node:fs');
    await new Promise<void>((resolve, reject) => createReadStream(join(dir, 'entries.jsonl')).on('error', reject).on('end', resolve).pipe(out, { end: false }));
    out.end();
    await once(out, 'finish');
    rate('(setup) write the bundle', VERIFY, performance.now() - t);
    t = performance.now();
    const report = await verifyBundleFile(file, { vkey: keys.vkey });
    if (!report.ok) throw new Error(`bundle did not verify: ${JSON.stringify(report.firstProblem)}`);
    rate(`audit verify <bundle>: parse, canonicalise, hash, roots, ${fmt(report.checkpointsChecked)} signatures`, report.entriesChecked, performance.now() - t);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  say(`audit bench: node ${process.version}, ${availableParallelism()} CPUs`);
  // as apps/audit/src/main.ts connects
  const nc = await connectNats(NATS_URL, 'audit-bench', { noAsyncTraces: true });
  try {
    if (PHASES.includes('append')) await appendPhase(nc);
    if (PHASES.includes('verify')) await verifyPhase();
    if (PHASES.includes('large')) await largePhase(nc);
  } finally {
    await nc.drain();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
