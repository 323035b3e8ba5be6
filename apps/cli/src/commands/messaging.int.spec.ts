import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { codeToSubjectTokens, topology, type AgencyKvEntry, type Envelope, type FlattenedJws, type RecallBody, type StatusBody } from '@lt/contracts';
import { connectNats, destroyTopology, ensureTopology, openAgencyKv, type NatsConnection } from '@lt/messaging';
import { keyPaths, newEd25519KeyFile, systemClock, writeKeyFile } from '@lt/platform';
import pino from 'pino';
import { AttachmentEndpoint, AttachmentService } from '@lt/attachments';
import { runCli } from '../testing/run-cli';

/**
 * The messaging verbs in-process against a real NATS, in a namespace and data folder of their own.
 * No router runs: the test reads what the CLI submitted from the submit stream and plays the
 * router's part by copying a submission into the recipient's inbox.
 */
jest.setTimeout(60_000);

const NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
const topo = topology(`c${randomBytes(4).toString('hex')}`);
const dataDir = mkdtempSync(join(tmpdir(), 'lt-cli-msg-'));
const A = '000.00.00.H41';
const B = '000.00.05.H41';
let nc: NatsConnection;
// the attachments service `send --file` uploads to (no router: the test binds like the router does)
let attachments: AttachmentService;
let endpoint: AttachmentEndpoint;
const saved = { ns: process.env.LT_NAMESPACE, dir: process.env.LT_DATA_DIR, nats: process.env.NATS_URL };

const cli = (...args: string[]) => runCli(args);

/** Submissions so far, decoded. */
async function submitted(): Promise<Array<{ seq: number; jws: FlattenedJws; envelope: Envelope; bytes: Uint8Array }>> {
  const jsm = await jetstreamManager(nc);
  const state = (await jsm.streams.info(topo.streams.submit)).state;
  const out = [];
  for (let seq = state.first_seq; seq <= state.last_seq && state.messages > 0; seq++) {
    const m = await jsm.streams.getMessage(topo.streams.submit, { seq });
    if (!m) continue;
    const jws = JSON.parse(Buffer.from(m.data).toString('utf8')) as FlattenedJws;
    out.push({ seq, jws, envelope: JSON.parse(Buffer.from(jws.payload, 'base64url').toString('utf8')) as Envelope, bytes: m.data });
  }
  return out;
}

beforeAll(async () => {
  process.env.LT_NAMESPACE = topo.ns;
  process.env.LT_DATA_DIR = dataDir;
  process.env.NATS_URL = NATS_URL;
  nc = await connectNats(NATS_URL, 'cli-messaging-test');
  await ensureTopology(nc, topo, { storage: 'memory' });
  const settings = { maxBytes: 1 << 30, maxPerEnvelope: 100, unboundTtlMs: 60_000, retentionMs: 86_400_000, sweepIntervalMs: 0 };
  attachments = await AttachmentService.open(nc, topo, settings, systemClock, pino({ level: 'silent' }), 'memory');
  endpoint = new AttachmentEndpoint(nc, attachments, pino({ level: 'silent' }));
  endpoint.start();
  const kv = await openAgencyKv(nc, topo);
  for (const [code, parentCode, tier] of [
    [A, null, 'province'],
    [B, A, 'district'],
  ] as const) {
    const key = newEd25519KeyFile('demo');
    writeKeyFile(keyPaths.agency(dataDir, code), key);
    const entry: AgencyKvEntry = {
      agency: { code, name: code, tier, parentCode, status: 'active', successorCode: null, validFrom: '2020-01-01T00:00:00.000Z', validTo: null, version: 1 },
      keys: [
        { kid: `${code}#demo`, keyId: 'demo', alg: 'EdDSA', publicJwk: key.publicJwk, notBefore: '2020-01-01T00:00:00.000Z', notAfter: null, revokedAt: null },
      ],
    };
    await kv.put(codeToSubjectTokens(code), JSON.stringify(entry));
  }
});

afterAll(async () => {
  process.env.LT_NAMESPACE = saved.ns;
  process.env.LT_DATA_DIR = saved.dir;
  process.env.NATS_URL = saved.nats;
  await endpoint?.stop();
  attachments?.close();
  if (nc) {
    const jsm = await jetstreamManager(nc);
    for (const st of [`OBJ_${topo.ns}-attachments`, `KV_${topo.ns}-attachments-index`]) await jsm.streams.delete(st).catch(() => undefined);
    await destroyTopology(nc, topo);
    await nc.close();
  }
  rmSync(dataDir, { recursive: true, force: true });
});

it('send, inbox (peek, then ack), status and recall', async () => {
  const attachment = join(dataDir, 'to-trinh.pdf');
  writeFileSync(attachment, '%PDF-1.4 demo');
  const sent = await cli(
    '--json',
    'send',
    '--as',
    A,
    '--to',
    B,
    '--subject',
    'Về việc họp',
    '--number',
    '12',
    '--notation',
    'UBND-VP',
    '--priority',
    '1',
    '--file',
    attachment,
  );
  expect(sent).toMatchObject({ code: 0, err: '' });
  const { id, seq } = JSON.parse(sent.out) as { id: string; seq: number };
  const [submission] = await submitted();
  expect(submission).toMatchObject({ seq, envelope: { id, kind: 'document', from: A, to: [B] } });
  expect(submission!.envelope.attachments).toEqual([expect.objectContaining({ name: 'to-trinh.pdf', mediaType: 'application/pdf', size: 13 })]);
  expect(JSON.parse(Buffer.from(submission!.jws.protected, 'base64url').toString()).kid).toBe(`${A}#demo`);

  // the router's part: bind the upload to B, the same bytes into B's inbox
  await attachments.bind({ envelopeId: id, sender: A, recipients: [B], attachments: submission!.envelope.attachments!, receivedAt: new Date().toISOString() });
  await jetstream(nc).publish(topo.inboxSubject(B), submission!.bytes, { msgID: `${id}:${B}` });

  const peek = await cli('inbox', '--as', B);
  expect(peek.code).toBe(0);
  expect(peek.out).toContain(`document ${id} from ${A}  12/UBND-VP "Về việc họp" +1 attachment(s)`);
  expect(await submitted()).toHaveLength(1); // a peek sends no 01

  const saveDir = join(dataDir, 'saved');
  const taken = await cli('--json', 'inbox', '--as', B, '--ack', '--save-dir', saveDir);
  expect(taken.code).toBe(0);
  expect(readFileSync(join(saveDir, id, 'to-trinh.pdf'), 'utf8')).toBe('%PDF-1.4 demo');
  const line = JSON.parse(taken.out.trim()) as { id: string; deliveryCount: number };
  expect(line.id).toBe(id);
  expect(line.deliveryCount).toBeGreaterThanOrEqual(2); // handed back by the peek
  const arrived = (await submitted()).at(-1)!;
  expect(arrived.envelope).toMatchObject({ kind: 'status', from: B, to: [A], body: { responseFor: id, statusCode: '01' } });

  const empty = await cli('inbox', '--as', B);
  expect(empty).toMatchObject({ code: 0, out: '', err: '(inbox empty)\n' });

  const status = await cli('status', '--as', B, '--doc', id, '--from', A, '--code', '3', '--description', 'Đã vào sổ');
  expect(status.code).toBe(0);
  expect((await submitted()).at(-1)!.envelope.body as StatusBody).toMatchObject({ responseFor: id, statusCode: '03', description: 'Đã vào sổ' });

  const recall = await cli('recall', '--as', A, '--doc', id, '--to', B, '--reason', 'Sai ký hiệu');
  expect(recall.code).toBe(0);
  const r = (await submitted()).at(-1)!.envelope;
  expect(r).toMatchObject({ kind: 'recall', from: A, to: [B] });
  expect(r.body as RecallBody).toEqual({ responseFor: id, reason: 'Sai ký hiệu' });
});

it('fails with one line and a non-zero exit code', async () => {
  const noKey = await cli('send', '--as', '000.00.09.H41', '--to', B, '--subject', 'x');
  expect(noKey.code).toBe(1);
  expect(noKey.err).toMatch(/^error VALIDATION_FAILED: no private key for 000\.00\.09\.H41/);

  const unknown = await cli('send', '--as', A, '--to', '000.00.99.H41', '--subject', 'x');
  expect(unknown.err).toMatch(/^error UNKNOWN_RECIPIENT: to\[0\]: 000\.00\.99\.H41 is not in the agency directory\n$/);

  const refusedWithoutReason = await cli('status', '--as', B, '--doc', '0190f0e2-7c4b-7d2a-8a3e-5f6a7b8c9d0e', '--from', A, '--code', '02');
  expect(refusedWithoutReason.err).toMatch(/^error SCHEMA_INVALID: body\.reasonCode is required/);
});
