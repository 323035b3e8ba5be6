import { randomBytes } from 'node:crypto';
import { AckPolicy, jetstream, jetstreamManager, StorageType, type JetStreamManager } from '@nats-io/jetstream';
import { LtError } from '@lt/contracts';
import { connectNats, type NatsConnection } from './connection';
import { restoreStream, snapshotStream, type StreamSnapshotMeta } from './stream-snapshot';

const NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

async function* chunksOf(parts: Uint8Array[]): AsyncIterable<Uint8Array> {
  for (const p of parts) yield p;
}

describe('stream snapshot and restore on a real NATS server', () => {
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  const made: string[] = [];
  const fresh = (storage: StorageType = StorageType.File) => {
    const name = `SNAP_${randomBytes(4).toString('hex').toUpperCase()}`;
    made.push(name);
    return { name, subjects: [`${name.toLowerCase()}.>`], storage, duplicate_window: 60_000_000_000 };
  };

  beforeAll(async () => {
    nc = await connectNats(NATS_URL, 'stream-snapshot-int');
    jsm = await jetstreamManager(nc);
  });
  afterAll(async () => {
    for (const s of made) await jsm.streams.delete(s).catch(() => undefined);
    await nc.drain();
  });

  it('gives back the same messages, sequences, headers, consumer positions and dedup ids', async () => {
    const cfg = fresh();
    await jsm.streams.add(cfg);
    const js = jetstream(nc);
    const subject = `${cfg.subjects[0]!.slice(0, -2)}.a`;
    // ~1.5 MB of incompressible data: several chunks each way
    const bodies = Array.from({ length: 24 }, () => randomBytes(64 * 1024));
    for (const [i, b] of bodies.entries()) await js.publish(subject, b, { msgID: `m${i}` });
    await jsm.consumers.add(cfg.name, { durable_name: 'reader', ack_policy: AckPolicy.Explicit });
    const reader = await js.consumers.get(cfg.name, 'reader');
    for await (const m of await reader.fetch({ max_messages: 10, expires: 2_000 })) m.ack();
    await nc.flush();
    await new Promise((r) => setTimeout(r, 200));

    const parts: Uint8Array[] = [];
    const seen: number[] = [];
    const meta: StreamSnapshotMeta = await snapshotStream(nc, cfg.name, (c) => void parts.push(c), { chunkSize: 64 * 1024, onProgress: (b) => seen.push(b) });
    expect(meta.config.name).toBe(cfg.name);
    expect(meta.state.messages).toBe(24);
    expect(parts.length).toBeGreaterThan(1);
    expect(seen[seen.length - 1]).toBe(parts.reduce((n, p) => n + p.length, 0));

    await jsm.streams.delete(cfg.name);
    const state = await restoreStream(nc, JSON.parse(JSON.stringify(meta)) as StreamSnapshotMeta, chunksOf(parts), { chunkSize: 100_000 });
    expect(state.messages).toBe(24);
    expect(state.first_seq).toBe(1);
    expect(state.last_seq).toBe(24);

    const m5 = await jsm.streams.getMessage(cfg.name, { seq: 5 });
    expect(Buffer.from(m5!.data).equals(bodies[4]!)).toBe(true);
    expect(m5!.header.get('Nats-Msg-Id')).toBe('m4');
    // the durable is back with its ack floor: 14 left to read
    const info = await jsm.consumers.info(cfg.name, 'reader');
    expect(info.ack_floor.stream_seq).toBe(10);
    expect(info.num_pending).toBe(14);
    // a publish repeating an id stored within the window is still dropped
    const again = await js.publish(subject, bodies[23]!, { msgID: 'm23' });
    expect(again.duplicate).toBe(true);
    expect((await jsm.streams.info(cfg.name)).state.messages).toBe(24);
  });

  it('fails with the server reason on a memory stream and on a restore over an existing stream', async () => {
    const mem = fresh(StorageType.Memory);
    await jsm.streams.add(mem);
    await expect(snapshotStream(nc, mem.name, () => undefined, { idleTimeoutMs: 5_000 })).rejects.toThrow(LtError);

    const file = fresh();
    await jsm.streams.add(file);
    const parts: Uint8Array[] = [];
    const meta = await snapshotStream(nc, file.name, (c) => void parts.push(c));
    const err = await restoreStream(nc, meta, chunksOf(parts)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LtError);
    expect((err as LtError).message).toMatch(/already in use|exists/i);
  });
});
