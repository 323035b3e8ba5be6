import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Webhook } from 'standardwebhooks';
import { LtError } from '@lt/contracts';
import { generateWebhookSecret, verifyWebhook } from '@lt/sdk';
import type { InboundEntry, InboundRecord } from '../store/connector-store';
import { FileConnectorStore } from '../store/file-connector-store';
import { WebhookDispatcher, webhookRetryDelayMs, type WebhookDispatcherOptions } from './webhook-dispatcher';

interface Received {
  id: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A real HTTP endpoint on 127.0.0.1; `answer` decides each response. */
class Endpoint {
  readonly received: Received[] = [];
  private server?: Server;
  port = 0;

  constructor(private answer: (req: Received, res: ServerResponse, nth: number) => void = (_req, res) => res.writeHead(204).end()) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks/lienthong`;
  }

  setAnswer(answer: (req: Received, res: ServerResponse, nth: number) => void): void {
    this.answer = answer;
  }

  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const got: Received = { id: String(req.headers['webhook-id']), headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
        this.received.push(got);
        this.answer(got, res, this.received.filter((r) => r.id === got.id).length);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server!.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  count(id: string): number {
    return this.received.filter((r) => r.id === id).length;
  }
}

function record(id: string): InboundRecord {
  return {
    id,
    kind: 'document',
    from: '000.00.01.H41',
    receivedAt: new Date().toISOString(),
    subject: `Công văn ${id}`,
    jws: { protected: 'eyJhbGciOiJFZERTQSJ9', payload: 'e30', signature: 'sig' },
    headers: {},
    kid: 'k1',
    hubSigned: true,
    flags: [],
    seq: 1,
  };
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('WebhookDispatcher against real HTTP endpoints', () => {
  const secret = generateWebhookSecret();
  let dir: string;
  let store: FileConnectorStore;
  let logs: Array<{ level: number; msg: string; id?: string; lastError?: string }>;
  const endpoints: Endpoint[] = [];
  const dispatchers: WebhookDispatcher[] = [];

  const render = (entry: InboundEntry) => ({ id: entry.id, kind: entry.kind, from: entry.from, subject: entry.subject });

  function dispatcher(url: string, options: Partial<WebhookDispatcherOptions> = {}): WebhookDispatcher {
    const logger = pino({ level: 'debug' }, { write: (line: string) => logs.push(JSON.parse(line)) });
    const d = new WebhookDispatcher({ store, url, secret, render, logger, baseDelayMs: 20, maxDelayMs: 100, timeoutMs: 1000, ...options });
    dispatchers.push(d);
    return d;
  }

  async function endpoint(answer?: ConstructorParameters<typeof Endpoint>[0]): Promise<Endpoint> {
    const e = await new Endpoint(answer).start();
    endpoints.push(e);
    return e;
  }

  async function add(...ids: string[]): Promise<void> {
    for (const id of ids) await store.addInbound(record(id), { webhook: true });
  }

  const webhookOf = async (id: string) => (await store.getInbound(id))?.webhook;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lt-webhooks-'));
    store = new FileConnectorStore({ dir });
    await store.open();
    logs = [];
  });

  afterEach(async () => {
    for (const d of dispatchers.splice(0)) await d.stop();
    for (const e of endpoints.splice(0)) await e.stop();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('delivers each entry exactly once to a receiver that verifies with verifyWebhook', async () => {
    const seen = new Set<string>();
    const refused: unknown[] = [];
    const payloads: unknown[] = [];
    const receiver = await endpoint((req, res) => {
      try {
        const { payload } = verifyWebhook({ secret, headers: req.headers, body: req.body, seen });
        payloads.push(payload);
        res.writeHead(200).end('ok');
      } catch (err) {
        refused.push(err);
        res.writeHead((err as LtError).httpStatus ?? 400).end();
      }
    });
    const ids = Array.from({ length: 30 }, (_, i) => `m${i}`);
    await add(...ids.slice(0, 10));
    const d = dispatcher(receiver.url);
    d.start();
    await add(...ids.slice(10));
    d.notify();
    await waitFor('all delivered', async () => (await Promise.all(ids.map(webhookOf))).every((w) => w?.state === 'delivered'));
    await sleep(100);
    expect(refused).toEqual([]);
    expect(ids.map((id) => receiver.count(id))).toEqual(ids.map(() => 1));
    expect(payloads).toContainEqual({ id: 'm7', kind: 'document', from: '000.00.01.H41', subject: 'Công văn m7' });
    expect(await webhookOf('m0')).toMatchObject({ state: 'delivered', attempts: 1 });
    const headers = receiver.received[0].headers;
    expect(headers['content-type']).toBe('application/json');
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    // delivered entries stay in the inbox until the agency acks them
    expect((await store.listPending({ limit: 100 })).length).toBe(30);
  });

  it('signs so the Standard Webhooks library accepts it; a receiver refuses it replayed or tampered (captured from a real delivery)', async () => {
    const receiver = await endpoint();
    await add('m1');
    dispatcher(receiver.url).start();
    const got = await waitFor('a delivery', () => receiver.received[0]);
    // what Standard Webhooks receivers in other languages do: the reference library accepts it
    expect(new Webhook(secret).verify(got.body, got.headers as Record<string, string>)).toEqual({
      id: 'm1',
      kind: 'document',
      from: '000.00.01.H41',
      subject: 'Công văn m1',
    });
    const seen = new Set<string>();
    expect(verifyWebhook({ secret, headers: got.headers, body: got.body, seen }).id).toBe('m1');
    expect(() => verifyWebhook({ secret, headers: got.headers, body: got.body, seen })).toThrow(expect.objectContaining({ code: 'WEBHOOK_REPLAYED' }));
    const tampered = got.body.replace('m1', 'm2');
    expect(() => verifyWebhook({ secret, headers: got.headers, body: tampered })).toThrow(
      expect.objectContaining({ code: 'WEBHOOK_SIGNATURE_INVALID', details: { reason: 'signature-mismatch' } }),
    );
  });

  it('retries an endpoint that is down (connection refused) and delivers once it is up', async () => {
    const probe = await new Endpoint().start();
    const port = probe.port;
    await probe.stop();
    await add('m1');
    dispatcher(`http://127.0.0.1:${port}/hooks`).start();
    const failing = await waitFor('two failed attempts', async () => {
      const w = await webhookOf('m1');
      return w && w.attempts >= 2 && w;
    });
    expect(failing).toMatchObject({ state: 'pending' });
    expect(failing.lastError).toContain('ECONNREFUSED');
    const receiver = new Endpoint();
    await receiver.start(port);
    endpoints.push(receiver);
    await waitFor('delivered', async () => (await webhookOf('m1'))?.state === 'delivered');
    expect(receiver.count('m1')).toBe(1);
  });

  it('retries an endpoint answering 500 a few times, then delivered', async () => {
    const receiver = await endpoint((_req, res, nth) => res.writeHead(nth <= 3 ? 500 : 200).end());
    await add('m1');
    dispatcher(receiver.url).start();
    await waitFor('delivered', async () => (await webhookOf('m1'))?.state === 'delivered');
    expect(receiver.count('m1')).toBe(4);
    expect(await webhookOf('m1')).toMatchObject({ state: 'delivered', attempts: 4 });
    // the same webhook-id on every attempt, a fresh signature each time
    expect(new Set(receiver.received.map((r) => r.headers['webhook-id']))).toEqual(new Set(['m1']));
  });

  it('treats a redirect as a failure (not followed)', async () => {
    const receiver = await endpoint((_req, res, nth) => (nth === 1 ? res.writeHead(302, { location: 'http://127.0.0.1:1/' }).end() : res.writeHead(200).end()));
    await add('m1');
    dispatcher(receiver.url).start();
    await waitFor('delivered', async () => (await webhookOf('m1'))?.state === 'delivered');
    expect(receiver.count('m1')).toBe(2);
    expect(await webhookOf('m1')).toMatchObject({ attempts: 2 });
  });

  it('parks an entry after maxAttempts against an endpoint always answering 500; it stays in the inbox and can be requeued', async () => {
    const receiver = await endpoint((_req, res) => res.writeHead(500).end());
    await add('m1');
    const d = dispatcher(receiver.url, { maxAttempts: 4 });
    d.start();
    const parked = await waitFor('parked', async () => {
      const w = await webhookOf('m1');
      return w?.state === 'parked' && w;
    });
    expect(parked).toMatchObject({ state: 'parked', attempts: 4, lastError: 'HTTP 500' });
    await sleep(150);
    expect(receiver.count('m1')).toBe(4);
    expect((await store.listPending()).map((e) => e.id)).toEqual(['m1']);
    expect((await store.listParked()).map((e) => e.id)).toEqual(['m1']);
    const warnings = logs.filter((l) => l.level === 40 && l.id === 'm1');
    expect(warnings).toHaveLength(1);
    expect(warnings[0].msg).toContain('parked');

    receiver.setAnswer((_req, res) => res.writeHead(200).end());
    expect(await store.requeueParked()).toBe(1);
    d.notify();
    await waitFor('delivered after requeue', async () => (await webhookOf('m1'))?.state === 'delivered');
    expect(receiver.count('m1')).toBe(5);
  });

  it('parks at once on 410 Gone', async () => {
    const receiver = await endpoint((_req, res) => res.writeHead(410).end());
    await add('m1');
    dispatcher(receiver.url).start();
    const parked = await waitFor('parked', async () => {
      const w = await webhookOf('m1');
      return w?.state === 'parked' && w;
    });
    expect(parked).toMatchObject({ attempts: 1, lastError: 'HTTP 410' });
  });

  it('times out a slow endpoint and retries it, without holding up the others', async () => {
    let slowOpen = 0;
    const receiver = await endpoint((req, res, nth) => {
      if (req.id === 'slow' && nth === 1) {
        slowOpen++;
        setTimeout(() => {
          slowOpen--;
          if (!res.destroyed) res.writeHead(200).end();
        }, 10_000).unref();
        return;
      }
      res.writeHead(200).end();
    });
    await add('slow', ...Array.from({ length: 12 }, (_, i) => `fast${i}`));
    dispatcher(receiver.url, { timeoutMs: 1000, concurrency: 2 }).start();
    // all fast ones are delivered while the slow one's first attempt is still hanging
    await waitFor('fast ones delivered', async () => {
      const states = await Promise.all(Array.from({ length: 12 }, (_, i) => webhookOf(`fast${i}`)));
      return states.every((w) => w?.state === 'delivered');
    });
    expect(slowOpen).toBe(1);
    // its first attempt has not even timed out yet: the others went through the other slot
    expect(await webhookOf('slow')).toMatchObject({ state: 'pending', attempts: 0 });
    const slow = await waitFor('slow delivered on retry', async () => {
      const w = await webhookOf('slow');
      return w?.state === 'delivered' && w;
    });
    expect(slow.attempts).toBe(2);
    expect(receiver.count('slow')).toBe(2);
    expect(logs.find((l) => l.id === 'slow' && l.msg.includes('will retry'))).toMatchObject({ lastError: 'no answer within 1000 ms' });
  });

  it('never delivers an entry acked before the attempt, including one acked while waiting for a retry', async () => {
    const receiver = await endpoint((req, res, nth) => res.writeHead(req.id === 'retrying' && nth === 1 ? 503 : 200).end());
    await add('acked-first', 'retrying');
    await store.markAcked('acked-first');
    const d = dispatcher(receiver.url, { baseDelayMs: 300, maxDelayMs: 300 });
    d.start();
    await waitFor('first attempt of retrying', async () => (await webhookOf('retrying'))?.attempts === 1);
    await store.markAcked('retrying');
    await add('later');
    d.notify();
    await waitFor('later delivered', async () => (await webhookOf('later'))?.state === 'delivered');
    await sleep(500);
    expect(receiver.count('acked-first')).toBe(0);
    expect(receiver.count('retrying')).toBe(1);
    expect(await webhookOf('retrying')).toMatchObject({ state: 'pending', attempts: 1, lastError: 'HTTP 503' });
  });

  it('reads the entry again before posting: an ack while the payload is rendered cancels the attempt', async () => {
    const receiver = await endpoint();
    await add('m1');
    let rendering!: () => void;
    const renderStarted = new Promise<void>((resolve) => (rendering = resolve));
    let release!: () => void;
    const acked = new Promise<void>((resolve) => (release = resolve));
    dispatcher(receiver.url, {
      render: async (entry) => {
        rendering();
        await acked;
        return render(entry);
      },
    }).start();
    await renderStarted;
    expect(await store.markAcked('m1')).toBe('acked');
    release();
    await sleep(200);
    expect(receiver.count('m1')).toBe(0);
    expect(await webhookOf('m1')).toMatchObject({ state: 'pending', attempts: 0 });
  });

  it('resumes after a restart (dispatcher and store): pending ones delivered, parked ones stay parked', async () => {
    const receiver = await endpoint((_req, res) => res.writeHead(500).end());
    await add('parks', 'waits');
    const first = dispatcher(receiver.url, { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 10 });
    first.start();
    await waitFor('parks parked', async () => (await webhookOf('parks'))?.state === 'parked');
    await first.stop();
    // the second one came later: give it a long schedule so it is pending, not parked
    await store.updateWebhook('waits', { state: 'pending', attempts: 1, nextAttemptAt: new Date(Date.now() + 200).toISOString(), lastError: 'HTTP 500' });
    await store.close();

    store = new FileConnectorStore({ dir });
    await store.open();
    receiver.setAnswer((_req, res) => res.writeHead(200).end());
    const before = receiver.count('waits');
    dispatcher(receiver.url).start();
    await waitFor('waits delivered', async () => (await webhookOf('waits'))?.state === 'delivered');
    expect(await webhookOf('waits')).toMatchObject({ attempts: 2 });
    expect(receiver.count('waits')).toBe(before + 1);
    await sleep(100);
    expect(await webhookOf('parks')).toMatchObject({ state: 'parked', attempts: 2 });
    expect(receiver.count('parks')).toBe(2);
  });

  it('keeps running when render throws or the store refuses (errors logged, retried)', async () => {
    const receiver = await endpoint();
    let failRender = true;
    await add('m1');
    const d = dispatcher(receiver.url, {
      render: (entry) => {
        if (failRender) throw new Error('template missing');
        return render(entry);
      },
    });
    d.start();
    await waitFor('a failed render recorded', async () => (await webhookOf('m1'))?.lastError?.includes('template missing'));
    failRender = false;
    await waitFor('delivered', async () => (await webhookOf('m1'))?.state === 'delivered');
    expect(receiver.count('m1')).toBe(1);

    // the store going away under it: logged, no crash, stop() still returns
    await store.close();
    d.notify();
    await waitFor('the store failure logged', () => logs.find((l) => l.level === 50 && l.msg.includes('reading due deliveries failed')));
    await d.stop();
  });

  it('refuses a bad URL, secret or setting with VALIDATION_FAILED', () => {
    const logger = pino({ level: 'silent' });
    const base = { store, render, logger, secret, url: 'http://127.0.0.1:1/' };
    for (const bad of [{ url: 'ftp://x/' }, { url: 'not a url' }, { secret: 'plain' }, { concurrency: 0 }, { maxAttempts: -1 }]) {
      expect(() => new WebhookDispatcher({ ...base, ...bad })).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    }
  });

  it('doubles the delay after each failure up to maxDelayMs, with ±20 % jitter', () => {
    expect([1, 2, 3, 4, 10, 11].map((n) => webhookRetryDelayMs(n))).toEqual([1000, 2000, 4000, 8000, 512_000, 900_000]);
    const low = new WebhookDispatcher({ store, render, logger: pino({ level: 'silent' }), secret, url: 'http://127.0.0.1:1/', random: () => 0 });
    const high = new WebhookDispatcher({ store, render, logger: pino({ level: 'silent' }), secret, url: 'http://127.0.0.1:1/', random: () => 0.999999 });
    expect(low.retryDelayMs(1)).toBe(800);
    expect(high.retryDelayMs(1)).toBe(1200);
    expect(high.retryDelayMs(11)).toBe(900_000);
  });
});
