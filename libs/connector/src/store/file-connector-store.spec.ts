import { appendFile, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { LtError } from '@lt/contracts';
import { FixedClock } from '@lt/platform';
import type { InboundRecord, SentRecord } from './connector-store';
import { FileConnectorStore, JOURNAL_FILE, LOCK_FILE, LOCK_STALE_MS } from './file-connector-store';

const DAY = 86_400_000;

/**
 * A writer process for the kill -9 test: loads the store's TypeScript through swc (as Jest does),
 * writes from 32 concurrent writers while compacting every 15 ms, and prints each write once confirmed
 * (stdout to a pipe is synchronous on Linux: a printed line was confirmed before any kill).
 */
const CRASH_WRITER = `
const Module = require('node:module');
const path = require('node:path');
const fs = require('node:fs');
const [root, dir, tag] = process.argv.slice(2);
const swc = require(path.join(root, 'node_modules/@swc/core'));
const swcrc = JSON.parse(fs.readFileSync(path.join(root, '.swcrc'), 'utf8'));
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  const lib = /^@lt\\/(.*)$/.exec(request);
  return resolveFilename.call(this, lib ? path.join(root, 'libs', lib[1], 'src', 'index.ts') : request, ...rest);
};
require.extensions['.ts'] = (module, filename) => {
  const options = { ...swcrc, sourceMaps: false, swcrc: false, filename, jsc: { ...swcrc.jsc, baseUrl: root, paths: undefined } };
  module._compile(swc.transformSync(fs.readFileSync(filename, 'utf8'), options).code, filename);
};
const { FileConnectorStore } = require(path.join(root, 'libs/connector/src/store/file-connector-store.ts'));
const record = (id) => ({ id, kind: 'document', from: '000.00.01.H41', receivedAt: new Date().toISOString(), subject: 'Công văn ' + id,
  jws: { protected: 'eyJhbGciOiJFZERTQSJ9', payload: 'x'.repeat(500), signature: 'sig-' + id }, headers: {}, kid: 'k1', hubSigned: true, flags: [], seq: 1 });
(async () => {
  const store = new FileConnectorStore({ dir, compactMinBytes: 64 * 1024 });
  await store.open();
  let n = 0;
  const writer = async (w) => {
    for (;;) {
      const id = tag + '-' + w + '-' + n++;
      await store.addInbound(record(id), { webhook: true });
      process.stdout.write('A ' + id + '\\n');
      if (n % 3 === 0) {
        await store.markAcked(id);
        process.stdout.write('K ' + id + '\\n');
      }
    }
  };
  for (let w = 0; w < 32; w++) writer(w).catch((err) => { console.error(err); process.exit(3); });
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 15));
    await store.compact();
    process.stdout.write('C\\n');
  }
})().catch((err) => { console.error(err); process.exit(2); });
`;

function record(id: string, extra: Partial<InboundRecord> = {}): InboundRecord {
  return {
    id,
    kind: 'document',
    from: '000.00.01.H41',
    receivedAt: new Date().toISOString(),
    subject: `Công văn ${id}`,
    jws: { protected: 'eyJhbGciOiJFZERTQSJ9', payload: Buffer.from(`{"id":"${id}"}`).toString('base64url'), signature: 'sig-' + id },
    headers: { 'lt-kind': 'document' },
    kid: 'k1',
    hubSigned: true,
    flags: [],
    seq: 1,
    ...extra,
  };
}

function sent(id: string, extra: Partial<SentRecord> = {}): SentRecord {
  return { id, kind: 'document', to: ['000.00.05.H41'], sentAt: new Date().toISOString(), ...extra };
}

describe('FileConnectorStore', () => {
  let dir: string;
  const open: FileConnectorStore[] = [];

  async function openStore(options: Partial<ConstructorParameters<typeof FileConnectorStore>[0]> = {}): Promise<FileConnectorStore> {
    const store = new FileConnectorStore({ dir, ...options });
    await store.open();
    open.push(store);
    return store;
  }

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lt-connector-store-'));
  });

  afterEach(async () => {
    for (const store of open.splice(0)) await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps inbox entries, acks, webhook progress and sent records across a reopen', async () => {
    const store = await openStore();
    expect(await store.addInbound(record('m1', { documentId: 'D-1' }), { webhook: true })).toBe(true);
    expect(await store.addInbound(record('m2'), { webhook: false })).toBe(true);
    expect(await store.markAcked('m2')).toBe('acked');
    await store.updateWebhook('m1', { state: 'pending', attempts: 2, nextAttemptAt: '2030-01-01T00:00:00.000Z', lastError: 'HTTP 500' });
    await store.recordSent(sent('s1', { documentId: 'OUT-1', code: { codeNumber: '12', codeNotation: 'UBND-VP' } }));
    await store.close();

    const again = await openStore();
    const m1 = await again.getInbound('m1');
    expect(m1).toMatchObject({ id: 'm1', state: 'pending', subject: 'Công văn m1', jws: record('m1').jws, documentId: 'D-1' });
    expect(m1?.webhook).toEqual({ state: 'pending', attempts: 2, nextAttemptAt: '2030-01-01T00:00:00.000Z', lastError: 'HTTP 500' });
    expect(await again.getInbound('m2')).toMatchObject({ state: 'acked' });
    expect((await again.listPending()).map((e) => e.id)).toEqual(['m1']);
    expect(await again.getSent('s1')).toMatchObject({ documentId: 'OUT-1', code: { codeNumber: '12', codeNotation: 'UBND-VP' } });
    expect(await again.findSentByDocumentId('OUT-1')).toMatchObject({ id: 's1' });
    expect(await again.findInboundByDocumentId('D-1')).toMatchObject({ id: 'm1' });
    expect(await again.nextWebhookDue()).toEqual(new Date('2030-01-01T00:00:00.000Z'));
  });

  it('stores an id once: pending, acked, or handed over twice at the same time', async () => {
    const store = await openStore();
    const [first, second] = await Promise.all([store.addInbound(record('m1'), { webhook: true }), store.addInbound(record('m1'), { webhook: true })]);
    expect([first, second].sort()).toEqual([false, true]);
    expect(await store.addInbound(record('m1'), { webhook: true })).toBe(false);
    const acks = await Promise.all([store.markAcked('m1'), store.markAcked('m1')]);
    expect(acks).toEqual(['acked', 'already']);
    expect(await store.markAcked('m1')).toBe('already');
    expect(await store.markAcked('nope')).toBe('unknown');
    expect(await store.addInbound(record('m1'), { webhook: true })).toBe(false);
    await store.close();
    const again = await openStore();
    expect(await again.addInbound(record('m1'), { webhook: true })).toBe(false);
    expect(await again.listPending()).toEqual([]);
  });

  it('lists pending entries oldest first, page by page with `after`', async () => {
    const store = await openStore();
    for (let i = 0; i < 25; i++) await store.addInbound(record(`m${String(i).padStart(2, '0')}`), { webhook: false });
    await store.markAcked('m03');
    await store.markAcked('m10');
    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await store.listPending({ limit: 7, after });
      if (page.length === 0) break;
      expect(page.length).toBeLessThanOrEqual(7);
      seen.push(...page.map((e) => e.id));
      after = page[page.length - 1].id;
    }
    const expected = Array.from({ length: 25 }, (_, i) => `m${String(i).padStart(2, '0')}`).filter((id) => id !== 'm03' && id !== 'm10');
    expect(seen).toEqual(expected);
    // paging after an entry acked meanwhile still works
    expect((await store.listPending({ after: 'm10', limit: 2 })).map((e) => e.id)).toEqual(['m11', 'm12']);
    await expect(store.listPending({ after: 'unknown' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('returns due webhooks oldest due first; an ack cancels a pending webhook', async () => {
    const clock = new FixedClock(new Date('2026-12-01T00:00:00Z'));
    const store = await openStore({ clock });
    await store.addInbound(record('a'), { webhook: true });
    clock.advance(1000);
    await store.addInbound(record('b'), { webhook: true });
    clock.advance(1000);
    await store.addInbound(record('c'), { webhook: true });
    await store.addInbound(record('quiet'), { webhook: false });
    await store.updateWebhook('a', { state: 'pending', attempts: 1, nextAttemptAt: '2026-12-01T00:01:00Z' });

    const now = clock.now();
    expect((await store.dueWebhooks(now, 10)).map((e) => e.id)).toEqual(['b', 'c']);
    expect((await store.dueWebhooks(now, 1)).map((e) => e.id)).toEqual(['b']);
    // asking does not consume: they stay due until updated
    expect((await store.dueWebhooks(now, 10)).map((e) => e.id)).toEqual(['b', 'c']);
    // deliveries in flight are left out, of both
    expect((await store.dueWebhooks(now, 1, new Set(['b']))).map((e) => e.id)).toEqual(['c']);
    expect(await store.nextWebhookDue(new Set(['b', 'c']))).toEqual(new Date('2026-12-01T00:01:00Z'));
    expect(await store.nextWebhookDue()).toEqual(new Date('2026-12-01T00:00:01Z'));

    await store.markAcked('b');
    expect((await store.dueWebhooks(now, 10)).map((e) => e.id)).toEqual(['c']);
    await store.updateWebhook('c', { state: 'delivered', attempts: 1, deliveredAt: now.toISOString() });
    expect(await store.dueWebhooks(now, 10)).toEqual([]);
    expect(await store.nextWebhookDue()).toEqual(new Date('2026-12-01T00:01:00Z'));
    expect((await store.dueWebhooks(new Date('2026-12-01T00:01:00Z'), 10)).map((e) => e.id)).toEqual(['a']);
    await store.markAcked('a');
    expect(await store.nextWebhookDue()).toBeUndefined();

    await store.close();
    const again = await openStore({ clock });
    expect(await again.dueWebhooks(new Date('2027-01-01T00:00:00Z'), 10)).toEqual([]);
    expect((await again.getInbound('b'))?.state).toBe('acked');
    await expect(again.updateWebhook('nope', { state: 'delivered', attempts: 1 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('lists parked entries and requeues them (all or some), due now with a fresh count', async () => {
    const clock = new FixedClock(new Date('2026-12-01T00:00:00Z'));
    const store = await openStore({ clock });
    for (const id of ['p1', 'p2', 'p3']) {
      await store.addInbound(record(id), { webhook: true });
      await store.updateWebhook(id, { state: 'parked', attempts: 12, parkedAt: clock.now().toISOString(), lastError: 'HTTP 500' });
    }
    await store.markAcked('p3');
    expect((await store.listParked()).map((e) => e.id)).toEqual(['p1', 'p2']);
    expect((await store.listParked({ after: 'p1' })).map((e) => e.id)).toEqual(['p2']);
    // the acked one is not counted, as it is not listed
    expect(await store.countParked()).toBe(2);
    expect((await store.listPending()).map((e) => e.id)).toEqual(['p1', 'p2']);
    expect(await store.dueWebhooks(clock.now(), 10)).toEqual([]);

    expect(await store.requeueParked(['p2', 'unknown'])).toBe(1);
    expect((await store.getInbound('p2'))?.webhook).toEqual({ state: 'pending', attempts: 0, nextAttemptAt: clock.now().toISOString(), lastError: 'HTTP 500' });
    expect((await store.listParked()).map((e) => e.id)).toEqual(['p1']);
    await store.close();
    const again = await openStore({ clock });
    expect((await again.listParked()).map((e) => e.id)).toEqual(['p1']);
    expect(await again.countParked()).toBe(1);
    expect(await again.requeueParked()).toBe(1);
    expect((await again.dueWebhooks(clock.now(), 10)).map((e) => e.id)).toEqual(['p1', 'p2']);
  });

  it('finds the latest inbound and sent record with a documentId', async () => {
    const store = await openStore();
    await store.addInbound(record('old', { documentId: 'D' }), { webhook: false });
    await store.addInbound(record('new', { documentId: 'D' }), { webhook: false });
    await store.markAcked('new');
    expect((await store.findInboundByDocumentId('D'))?.id).toBe('new');
    expect(await store.findInboundByDocumentId('none')).toBeUndefined();
    await store.recordSent(sent('s1', { documentId: 'X' }));
    await store.recordSent(sent('s2', { documentId: 'X' }));
    expect((await store.findSentByDocumentId('X'))?.id).toBe('s2');
    expect(await store.getSent('none')).toBeUndefined();
  });

  it('forgets acked entries and sent records after their retention, keeps pending ones', async () => {
    const clock = new FixedClock(new Date('2026-12-01T00:00:00Z'));
    const store = await openStore({ clock, retainAckedDays: 30, retainSentDays: 12 });
    await store.addInbound(record('acked-old', { documentId: 'D-old' }), { webhook: false });
    await store.addInbound(record('pending-old'), { webhook: true });
    await store.markAcked('acked-old');
    await store.recordSent(sent('sent-old', { sentAt: clock.now().toISOString(), documentId: 'S-old' }));
    clock.advance(20 * DAY);
    await store.addInbound(record('acked-new'), { webhook: false });
    await store.markAcked('acked-new');
    await store.recordSent(sent('sent-new', { sentAt: clock.now().toISOString() }));
    clock.advance(11 * DAY);
    await store.close();

    const again = await openStore({ clock, retainAckedDays: 30, retainSentDays: 12 });
    expect(await again.getInbound('acked-old')).toBeUndefined();
    expect(await again.findInboundByDocumentId('D-old')).toBeUndefined();
    expect(await again.getInbound('acked-new')).toMatchObject({ state: 'acked' });
    expect(await again.getInbound('pending-old')).toMatchObject({ state: 'pending' });
    expect(await again.getSent('sent-old')).toBeUndefined();
    expect(await again.findSentByDocumentId('S-old')).toBeUndefined();
    expect(await again.getSent('sent-new')).toBeDefined();
    // a forgotten id is a new entry if the hub hands it over again
    expect(await again.addInbound(record('acked-old'), { webhook: false })).toBe(true);

    // compaction leaves the forgotten ones out of the file for good
    clock.advance(30 * DAY);
    await again.compact();
    const journal = await readFile(join(dir, JOURNAL_FILE), 'utf8');
    expect(journal).not.toContain('acked-new');
    expect(journal).not.toContain('sent-new');
    expect(journal).toContain('pending-old');
  });

  it('refuses a second open of the same folder with UNAVAILABLE naming it, and takes over a stale lock', async () => {
    const first = await openStore();
    const second = new FileConnectorStore({ dir });
    const refusal = await second.open().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refusal).toBeInstanceOf(LtError);
    expect(refusal).toMatchObject({ code: 'UNAVAILABLE', details: { dir, pid: process.pid } });
    expect((refusal as LtError).message).toContain(dir);
    // the refused store did not remove the owner's lock
    expect(await readFile(join(dir, LOCK_FILE), 'utf8')).toContain(`"pid":${process.pid}`);
    await first.close();
    open.splice(open.indexOf(first), 1);

    // a lock left by a process that is gone (kill -9) is taken over
    await writeFile(join(dir, LOCK_FILE), JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), since: '2026-01-01T00:00:00Z' }));
    const third = await openStore();
    expect(await third.listPending()).toEqual([]);
  });

  it('judges a lock left by someone else: live pid or other host refused while refreshed; taken when stale or a previous life of our pid', async () => {
    const lockPath = join(dir, LOCK_FILE);
    const writeLock = async (pid: number, host: string, ageMs: number) => {
      await writeFile(lockPath, JSON.stringify({ pid, host, since: '2026-12-01T00:00:00Z' }));
      const at = new Date(Date.now() - ageMs);
      await utimes(lockPath, at, at);
    };
    const tryOpen = async () => {
      const store = new FileConnectorStore({ dir });
      try {
        await store.open();
      } catch (err) {
        return err as LtError;
      }
      await store.close();
      return 'opened';
    };

    // a live process of this host (our parent), refreshing its lock
    await writeLock(process.ppid, hostname(), 1000);
    expect(await tryOpen()).toMatchObject({ code: 'UNAVAILABLE', details: { pid: process.ppid, lockFile: lockPath } });
    // the same, not refreshed for longer than LOCK_STALE_MS: its pid was reused by another program
    await writeLock(process.ppid, hostname(), LOCK_STALE_MS + 5000);
    expect(await tryOpen()).toBe('opened');

    // another host cannot be asked: refused while the lock is refreshed, taken once stale
    await writeLock(1234, 'other-host', 1000);
    const refusal = await tryOpen();
    expect(refusal).toMatchObject({ code: 'UNAVAILABLE', details: { host: 'other-host', dir } });
    expect((refusal as LtError).message).toContain(dir);
    await writeLock(1234, 'other-host', LOCK_STALE_MS + 5000);
    expect(await tryOpen()).toBe('opened');

    // our own pid in a lock this process does not hold: a restarted container got the same pid
    await writeLock(process.pid, hostname(), 1000);
    expect(await tryOpen()).toBe('opened');
    await expect(stat(lockPath)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses two opens of one folder started at the same time in one process', async () => {
    const a = new FileConnectorStore({ dir });
    const b = new FileConnectorStore({ dir });
    const results = await Promise.allSettled([a.open(), b.open()]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const winner = results[0].status === 'fulfilled' ? a : b;
    open.push(winner);
    expect((await readFile(join(dir, LOCK_FILE), 'utf8')).length).toBeGreaterThan(0);
    expect(await winner.addInbound(record('m1'), { webhook: false })).toBe(true);
  });

  it('tolerates a torn last line: cuts it off (kept aside) and carries on', async () => {
    const store = await openStore();
    await store.addInbound(record('m1'), { webhook: true });
    await store.addInbound(record('m2'), { webhook: true });
    await store.close();
    open.length = 0;
    const full = await readFile(join(dir, JOURNAL_FILE));
    // a crash in the middle of a batch: the first line of it complete, the second cut short
    const line = JSON.stringify({ t: 'in', r: record('m3'), w: { state: 'pending', attempts: 0 } }) + '\n';
    await appendFile(join(dir, JOURNAL_FILE), line + line.replace('m3', 'm4').slice(0, 40));

    const again = await openStore();
    expect((await again.listPending()).map((e) => e.id)).toEqual(['m1', 'm2', 'm3']);
    expect((await stat(join(dir, JOURNAL_FILE))).size).toBe(full.length + Buffer.byteLength(line));
    expect((await readdir(dir)).some((name) => name.startsWith('journal.torn-'))).toBe(true);
    expect(await again.addInbound(record('m4'), { webhook: false })).toBe(true);
    await again.close();
    const third = await openStore();
    expect((await third.listPending()).map((e) => e.id)).toEqual(['m1', 'm2', 'm3', 'm4']);
  });

  it('cuts everything from the first unreadable line (an unsynced tail), even a readable line after it', async () => {
    const store = await openStore();
    await store.addInbound(record('m1'), { webhook: false });
    await store.close();
    open.length = 0;
    await appendFile(join(dir, JOURNAL_FILE), '\0\0\0\0\n' + JSON.stringify({ t: 'in', r: record('m2') }) + '\n');
    const again = await openStore();
    expect((await again.listPending()).map((e) => e.id)).toEqual(['m1']);
  });

  it('survives kill -9 at any moment, compactions included: every write confirmed before the kill is there, the store opens and takes writes', async () => {
    const script = join(dir, 'writer.js');
    await writeFile(script, CRASH_WRITER);
    const confirmedAdds: string[] = [];
    const confirmedAcks: string[] = [];
    let compactions = 0;
    for (let round = 0; round < 3; round++) {
      const child = spawn(process.execPath, [script, process.cwd(), join(dir, 'store'), `r${round}`], { stdio: ['ignore', 'pipe', 'inherit'] });
      const killAfter = 200 + Math.floor(Math.random() * 800);
      let seen = 0;
      let compactedThisRound = false;
      let buffered = '';
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          buffered += chunk.toString('utf8');
          const lines = buffered.split('\n');
          buffered = lines.pop() ?? '';
          for (const line of lines) {
            const [what, id] = line.split(' ');
            if (what === 'A') confirmedAdds.push(id);
            if (what === 'K') confirmedAcks.push(id);
            if (what === 'C') compactions++;
            if (what === 'A' || what === 'K') seen++;
            if (what === 'C') compactedThisRound = true;
            // killed at a random point, once it compacted at least once in this round
            if (seen >= killAfter && compactedThisRound && child.exitCode === null && !child.killed) child.kill('SIGKILL');
          }
        });
        child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`writer ended with ${code}`))));
      });
      const store = new FileConnectorStore({ dir: join(dir, 'store') });
      await store.open();
      for (const id of confirmedAdds) expect((await store.getInbound(id))?.id).toBe(id);
      for (const id of confirmedAcks) expect((await store.getInbound(id))?.state).toBe('acked');
      expect(await store.addInbound(record(`after-${round}`), { webhook: true })).toBe(true);
      await store.close();
    }
    expect(confirmedAdds.length).toBeGreaterThan(300);
    expect(compactions).toBeGreaterThan(0);
  }, 30_000);

  it('keeps the same state through a compaction (explicit, and automatic past compactMinBytes)', async () => {
    const clock = new FixedClock(new Date('2026-12-01T00:00:00Z'));
    const store = await openStore({ clock, compactMinBytes: 64 * 1024 });
    for (let i = 0; i < 300; i++) {
      await store.addInbound(record(`m${i}`, { documentId: `D${i % 10}` }), { webhook: true });
      await store.updateWebhook(`m${i}`, { state: 'pending', attempts: 1, nextAttemptAt: '2026-12-01T00:00:05Z', lastError: 'HTTP 503' });
      if (i % 3 === 0) await store.markAcked(`m${i}`);
      if (i % 7 === 0) await store.updateWebhook(`m${i}`, { state: 'parked', attempts: 12, parkedAt: '2026-12-01T00:00:01Z' });
      if (i % 50 === 0) await store.recordSent(sent(`s${i}`, { documentId: `OUT${i}` }));
    }
    const snapshot = async (s: FileConnectorStore) => ({
      pending: await s.listPending({ limit: 1000 }),
      parked: await s.listParked({ limit: 1000 }),
      due: await s.dueWebhooks(new Date('2026-12-01T00:00:10Z'), 1000),
      acked: await s.getInbound('m3'),
      byDoc: await s.findInboundByDocumentId('D4'),
      sent: await s.findSentByDocumentId('OUT250'),
      next: await s.nextWebhookDue(),
    });
    const before = await snapshot(store);
    const statsBefore = store.stats();
    // the automatic compaction ran along the way: the journal is far smaller than all lines written
    expect(statsBefore.journalBytes).toBeLessThan(2 * statsBefore.liveBytes + 64 * 1024);
    await store.compact();
    expect(store.stats().journalBytes).toBeLessThanOrEqual(statsBefore.journalBytes);
    expect(await snapshot(store)).toEqual(before);
    expect(before.pending).toHaveLength(200);
    expect(before.parked.length).toBeGreaterThan(0);
    await store.close();
    const again = await openStore({ clock, compactMinBytes: 64 * 1024 });
    expect(await snapshot(again)).toEqual(before);
    expect(await again.addInbound(record('m1'), { webhook: true })).toBe(false);
  });

  it('reads stay right while a compaction swaps the journal under them', async () => {
    const store = await openStore();
    for (let i = 0; i < 200; i++) await store.addInbound(record(`m${i}`), { webhook: false });
    const reads = Array.from({ length: 200 }, (_, i) => store.getInbound(`m${i}`));
    const compaction = store.compact();
    const writes = Array.from({ length: 50 }, (_, i) => store.addInbound(record(`n${i}`), { webhook: true }));
    const results = await Promise.all(reads);
    await compaction;
    await Promise.all(writes);
    results.forEach((entry, i) => expect(entry?.jws.signature).toBe(`sig-m${i}`));
    expect((await store.listPending({ limit: 1000 })).length).toBe(250);
    expect((await store.getInbound('n49'))?.jws.signature).toBe('sig-n49');
  });

  it('groups concurrent writers into few syncs (group commit); loose figure in the log only', async () => {
    const store = await openStore();
    const count = 2000;
    const started = process.hrtime.bigint();
    const results = await Promise.all(Array.from({ length: count }, (_, i) => store.addInbound(record(`g${i}`), { webhook: true })));
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    expect(results.every(Boolean)).toBe(true);
    expect(store.stats().syncs).toBeLessThan(count / 10);
    expect((await store.listPending({ limit: count })).length).toBe(count);
    // figures belong to npm run bench; this only shows the order of magnitude when run by hand
    if (process.env.LT_SHOW_FIGURES) console.log(`${count} concurrent addInbound in ${ms.toFixed(0)} ms, ${store.stats().syncs} syncs`);
  });

  it('refuses calls before open and after close', async () => {
    const store = new FileConnectorStore({ dir });
    await expect(store.listPending()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await store.open();
    await store.close();
    await expect(store.addInbound(record('x'), { webhook: false })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });
});
