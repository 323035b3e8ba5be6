import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleLine, topology, uuidv7, type BundleHeader, type Topology } from '@lt/contracts';
import { createTestDatabase, type TestDatabase } from '@lt/database';
import { verifyBundleLines, verifyInclusionProof } from '@lt/audit-log';
import { connectNats, destroyTopology, ensureTopology, JetStreamPublisher, type NatsConnection } from '@lt/messaging';
import { createLogger, loadHubPublicKeys, loadOrCreateHubKey, rotateHubKey } from '@lt/platform';
import pino from 'pino';
import { createAuditService, type AuditService } from './audit.service';
import { fakeJws, inboxHeaders } from './testing/fixtures';

/*
 * A checkpoint key rotation on a real log (PostgreSQL, NATS): checkpoints signed before the
 * rotation keep verifying, server-side and offline, through the retired key's public half.
 */
const A = '000.00.00.H41';
const B = '000.00.18.G12';
const log = createLogger('audit-rotation-test', 'silent');
jest.setTimeout(60_000);

let db: TestDatabase;
let nc: NatsConnection;
let topo: Topology;
let dataDir: string;
const services: AuditService[] = [];

function service(logger = log): AuditService {
  const s = createAuditService({
    nc,
    ds: db.ds,
    ns: topo.ns,
    log: logger,
    checkpointKey: loadOrCreateHubKey(dataDir, 'checkpoint'),
    receiptKey: loadOrCreateHubKey(dataDir, 'envelope'),
    earlierCheckpointKeys: loadHubPublicKeys(dataDir, 'checkpoint').filter((k) => k.status === 'retired'),
    options: { checkpointEvery: 1000, checkpointIntervalMs: 60_000, verifyIntervalMs: 0, receipts: false },
  });
  services.push(s);
  return s;
}

async function appendCopies(svc: AuditService, n: number): Promise<void> {
  const publisher = new JetStreamPublisher(nc, topo);
  const target = (await svc.treeSize()) + n;
  for (let i = 0; i < n; i++) {
    const spec = { envelopeId: uuidv7(), from: A, to: B };
    const data = fakeJws(spec);
    await publisher.publish(topo.inboxSubject(B), data, `${spec.envelopeId}:${B}`, inboxHeaders(spec, data));
  }
  for (let i = 0; i < 200 && (await svc.treeSize()) < target; i++) await new Promise((r) => setTimeout(r, 50));
  expect(await svc.treeSize()).toBe(target);
}

async function bundleOf(svc: AuditService): Promise<{ header: BundleHeader; lines: string[] }> {
  const header = await svc.exportBegin({});
  const lines = [JSON.stringify(header)];
  for (let from: number | null = header.startSize; from !== null; ) {
    const page = await svc.exportEntries({ fromSeq: from, toSeq: header.endSize });
    for (const e of page.entries) lines.push(bundleLine(e));
    from = page.nextSeq;
  }
  return { header, lines };
}

async function* linesOf(lines: string[]): AsyncIterable<string> {
  yield* lines;
}

beforeAll(async () => {
  db = await createTestDatabase();
  nc = await connectNats(process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222', 'audit-rotation-test');
  topo = topology(`t${randomBytes(4).toString('hex')}`);
  await ensureTopology(nc, topo, { storage: 'memory' });
  dataDir = mkdtempSync(join(tmpdir(), 'lt-audit-rot-'));
});

afterAll(async () => {
  for (const s of services) await s.stop().catch(() => undefined);
  await destroyTopology(nc, topo).catch(() => undefined);
  await nc?.drain().catch(() => undefined);
  await db?.drop().catch(() => undefined);
  rmSync(dataDir, { recursive: true, force: true });
});

it('keeps verifying checkpoints signed before a checkpoint key rotation, with the retired key only', async () => {
  const before = service();
  await before.start();
  await appendCopies(before, 5);
  const oldCp = (await before.cutCheckpoint())!;
  const oldVkey = before.keys.vkey;
  await before.stop();

  const { retired } = rotateHubKey(dataDir, 'checkpoint');
  const after = service();
  await after.start();
  expect(after.keys.vkey).not.toBe(oldVkey);
  expect(after.keys.vkeys).toEqual([after.keys.vkey, oldVkey]);
  await appendCopies(after, 4);
  await after.cutCheckpoint();

  // the stored log, old and new checkpoints: intact
  expect(await after.verify()).toMatchObject({ ok: true, entriesChecked: 9, checkpointsChecked: 2, firstProblem: null });
  // the served checkpoint names every key; a proof against the old checkpoint verifies with them
  expect((await after.checkpoint()).vkeys).toEqual([after.keys.vkey, oldVkey]);
  const oldProof = await after.proveInclusion({ seq: 2, treeSize: oldCp.treeSize });
  expect(verifyInclusionProof(oldProof, after.keys.vkeys).treeSize).toBe(5);
  expect(() => verifyInclusionProof(oldProof, after.keys.vkey)).toThrow();

  // offline: the bundle carries both keys; pinning only the new one names the old checkpoint
  const { header, lines } = await bundleOf(after);
  expect(header.vkeys).toEqual([after.keys.vkey, oldVkey]);
  expect(await verifyBundleLines(linesOf(lines), { vkey: [after.keys.vkey, oldVkey] })).toMatchObject({ ok: true, entriesChecked: 9, checkpointsChecked: 2 });
  expect(await verifyBundleLines(linesOf(lines))).toMatchObject({ ok: true, checkpointsChecked: 2 });
  expect((await verifyBundleLines(linesOf(lines), { vkey: after.keys.vkey })).firstProblem).toMatchObject({ reason: 'checkpoint_signature', checkpointSize: 5 });
  await after.stop();

  // without the retired key's public half, the old checkpoint no longer verifies: that is what the retired record is for
  rmSync(join(dataDir, 'keys', 'hub', 'retired', `${retired!.keyId}.json`));
  const warnings: string[] = [];
  const collecting = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(line) });
  const forgetful = service(collecting);
  await forgetful.start();
  // said at start, with the fix, before anyone runs a verification
  expect(warnings.join('\n')).toContain('checkpoints signed by a checkpoint key this data folder does not have');
  expect(warnings.join('\n')).toContain('restore keys/hub/retired/');
  expect((await forgetful.verify()).firstProblem).toMatchObject({
    reason: 'checkpoint_signature',
    checkpointSize: 5,
    message: expect.stringContaining('signed by none of the 1 checkpoint key(s) given; if a checkpoint key was rotated'),
  });
});
