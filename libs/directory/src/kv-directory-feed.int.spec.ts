import { randomBytes } from 'node:crypto';
import type { KV } from '@nats-io/kv';
import { codeToSubjectTokens, HUB_KEYS_KV_KEY, topology } from '@lt/contracts';
import { connectNats, openAgencyKv, type NatsConnection } from '@lt/messaging';
import type { Logger } from '@lt/platform';
import { AgencyDirectory } from './agency-directory';
import { KvDirectoryFeed } from './kv-directory-feed';
import { testAgency, testPublicJwk, withAgency } from './testing/agency-entries';

/** The shared KV feed against a real NATS (127.0.0.1:4222), one fresh in-memory bucket per test. */
jest.setTimeout(60_000);

const NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
let nc: NatsConnection;
const buckets: KV[] = [];

async function freshBucket(): Promise<KV> {
  const kv = await openAgencyKv(nc, topology(`t${randomBytes(4).toString('hex')}`), true, 'memory');
  buckets.push(kv);
  return kv;
}

/** A logger that keeps the warnings (the feed reports refused entries only there). */
function recordingLogger(): { log: Logger; warnings: Array<{ fields: Record<string, unknown>; msg: string }> } {
  const warnings: Array<{ fields: Record<string, unknown>; msg: string }> = [];
  const noop = () => undefined;
  const log = { warn: (fields: Record<string, unknown>, msg: string) => warnings.push({ fields, msg }), info: noop, debug: noop, error: noop } as unknown as Logger;
  return { log, warnings };
}

async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`gave up waiting for ${what}`);
}

beforeAll(async () => {
  nc = await connectNats(NATS_URL, 'directory-feed-int');
});

afterAll(async () => {
  for (const kv of buckets) await kv.destroy().catch(() => undefined);
  await nc?.close();
});

describe('KvDirectoryFeed', () => {
  it('has every initial value applied when start() resolves, skips bad entries with a warning, then follows updates and deletions', async () => {
    const kv = await freshBucket();
    const agencies = Array.from({ length: 40 }, (_, i) =>
      testAgency(`000.00.${String(i + 1).padStart(2, '0')}.H41`, { parentCode: '000.00.00.H41', tier: 'district' }),
    );
    for (const a of agencies) await kv.put(codeToSubjectTokens(a.code), JSON.stringify(a.entry));
    // an older revision of one entry is in the history too: only its last value counts
    await kv.put(codeToSubjectTokens(agencies[0]!.code), JSON.stringify(withAgency(agencies[0]!.entry, { version: 2, status: 'suspended' })));
    await kv.put(HUB_KEYS_KV_KEY, JSON.stringify({ keys: [{ kid: 'hub#h1', alg: 'EdDSA', publicJwk: testPublicJwk() }] }));
    await kv.put('_hub.other', '{}');
    await kv.put(codeToSubjectTokens('000.00.00.G12'), 'not json');
    await kv.put(codeToSubjectTokens('000.00.00.H49'), JSON.stringify(testAgency('000.00.00.G01').entry));

    const dir = new AgencyDirectory();
    const { log, warnings } = recordingLogger();
    const feed = new KvDirectoryFeed(kv, dir, log);
    try {
      await feed.start();
      expect(dir.size).toBe(40);
      expect(dir.agency(agencies[0]!.code)).toMatchObject({ status: 'suspended', version: 2 });
      expect(dir.children('000.00.00.H41')).toHaveLength(40);
      expect(dir.key(agencies[39]!.kid)?.key).not.toBeNull();
      expect(dir.hubKids()).toEqual(['hub#h1']);
      expect(warnings.map((w) => w.fields.key).sort()).toEqual([codeToSubjectTokens('000.00.00.G12'), codeToSubjectTokens('000.00.00.H49')].sort());
      expect(warnings.find((w) => w.fields.key === codeToSubjectTokens('000.00.00.H49'))?.fields.reason).toMatch(/not the agency of KV key/);

      const last = agencies[39]!;
      await kv.put(codeToSubjectTokens(last.code), JSON.stringify(withAgency(last.entry, { version: 2, status: 'closed', successorCode: agencies[1]!.code })));
      await until('the closure', () => dir.agency(last.code)?.status === 'closed');
      expect(dir.agency(last.code)?.successorCode).toBe(agencies[1]!.code);
      await kv.delete(codeToSubjectTokens(last.code));
      await until('the deletion', () => !dir.has(last.code));
      expect(dir.key(last.kid)).toBeUndefined();
      await kv.delete(HUB_KEYS_KV_KEY);
      await until('the hub keys deletion', () => dir.hubKids().length === 0);
      expect(feed.revision).toBeGreaterThan(45);
    } finally {
      await feed.stop();
    }

    // stopped: later changes are not applied
    const late = testAgency('000.00.00.H50');
    await kv.put(codeToSubjectTokens(late.code), JSON.stringify(late.entry));
    await new Promise((r) => setTimeout(r, 200));
    expect(dir.has(late.code)).toBe(false);
  });

  it('starts on an empty bucket and picks up the first entry', async () => {
    const kv = await freshBucket();
    const dir = new AgencyDirectory({ importKeys: 'on-first-use' });
    const feed = new KvDirectoryFeed(kv, dir, recordingLogger().log);
    try {
      await feed.start();
      expect(dir.size).toBe(0);
      const a = testAgency('000.00.00.H41');
      await kv.put(codeToSubjectTokens(a.code), JSON.stringify(a.entry));
      await until('the first entry', () => dir.has(a.code));
      expect(dir.key(a.kid)?.key).not.toBeNull();
    } finally {
      await feed.stop();
    }
  });

  it('lets a start() that is given up on (stop) resolve', async () => {
    const kv = await freshBucket();
    const a = testAgency('000.00.00.H41');
    await kv.put(codeToSubjectTokens(a.code), JSON.stringify(a.entry));
    const feed = new KvDirectoryFeed(kv, new AgencyDirectory(), recordingLogger().log);
    const starting = feed.start();
    await feed.stop();
    await expect(starting).resolves.toBeUndefined();
  });
});
