import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import {
  HEADERS,
  HUB_KID_PREFIX,
  JWS_TYP,
  validateStatusBody,
  type Envelope,
  type FlattenedJws,
  type HubEvent,
  type StatusBody,
  type Topology,
} from '@lt/contracts';
import { base64urlEncode, generateSigningKey, importPrivateKey, importPublicKey, type SigningKey } from '@lt/crypto';
import type { NatsConnection } from '@lt/messaging';
import type { KeyFile } from '@lt/platform';
import { HubHarness, waitFor, type RunningService, type ServiceName } from '../../support/hub-harness';
import { AGENCY, DIRECTORY_CSV, KEY_WINDOWS } from './corpus';

/**
 * What the hostile spec files share: a nats-server of their own with the production payload limit,
 * a hub on it, the test directory and its keys, a log of every routing decision read back from the
 * streams, and an HTTP client that sends exactly the bytes and path it is given.
 */

// ---------------------------------------------------------------- a private nats-server

const NATS_SERVER = process.env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server';

export interface PrivateNats {
  url: string;
  stop(): Promise<void>;
}

/**
 * nats-server with JetStream and `max_payload` as in deploy/nats/hub.conf (2 MiB): the shared test
 * server runs with the 1 MiB default, which would refuse a 1.5 MB submission before the router sees it.
 */
export async function startPrivateNats(maxPayload = 2 * 1024 * 1024): Promise<PrivateNats> {
  if (!existsSync(NATS_SERVER)) throw new Error(`nats-server not found at ${NATS_SERVER} (set NATS_SERVER_BIN)`);
  const dir = mkdtempSync(join(tmpdir(), 'lt-hostile-nats-'));
  const conf = join(dir, 'nats.conf');
  writeFileSync(conf, `listen: "127.0.0.1:-1"\nmax_payload: ${maxPayload}\njetstream { store_dir: "${join(dir, 'js')}" }\n`);
  const logs: string[] = [];
  const child: ChildProcess = spawn(NATS_SERVER, ['-c', conf, '--ports_file_dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d: Buffer) => logs.push(d.toString()));
  child.stderr!.on('data', (d: Buffer) => logs.push(d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const url = await waitFor(
    'the private nats-server ports file',
    () => {
      if (child.exitCode !== null) throw new Error(`nats-server exited: ${logs.join('')}`);
      const file = readdirSync(dir).find((f) => f.endsWith('.ports'));
      if (!file) return undefined;
      const ports = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { nats?: string[] };
      return ports.nats?.[0];
    },
    10_000,
    20,
  );
  return {
    url,
    async stop() {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(t);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A HubHarness on a given NATS server (its natsUrl is otherwise fixed at construction). */
export class HostileHub extends HubHarness {
  override readonly natsUrl: string;
  readonly running = new Map<ServiceName, RunningService>();

  constructor(natsUrl?: string) {
    super();
    this.natsUrl = natsUrl ?? process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
  }

  override async start(name: ServiceName, extraEnv: Record<string, string> = {}, timeoutMs?: number): Promise<RunningService> {
    const svc = await super.start(name, extraEnv, timeoutMs);
    this.running.set(name, svc);
    return svc;
  }

  /** Services started and not exited since (a crash shows here, with the last log lines). */
  deadServices(): string[] {
    return [...this.running.values()]
      .filter((s) => s.child.exitCode !== null || s.child.signalCode !== null)
      .map((s) => `${s.name} exited (${s.child.exitCode ?? s.child.signalCode}); last logs:\n${s.logs.slice(-15).join('\n')}`);
  }

  async agencyCount(): Promise<number> {
    const rows = (await this.db.ds.query('SELECT count(*)::int AS n FROM agencies')) as Array<{ n: number }>;
    return rows[0]!.n;
  }
}

// ---------------------------------------------------------------- raw HTTP

export interface RawResponse {
  status: number;
  text: string;
  /** parsed JSON body, undefined when the body is empty or not JSON */
  json: unknown;
}

/** One HTTP/1.1 request with the path and headers exactly as given (fetch would normalise `../`). */
export function rawHttp(baseUrl: string, method: string, path: string, headers: Record<string, string> = {}, body?: Buffer | string): Promise<RawResponse> {
  const u = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        method,
        path,
        headers: { ...headers, ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}) },
      },
      (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, text, json });
        });
        res.on('error', reject);
      },
    );
    // a server answering before it has read the whole body may reset the upload: the answer counts
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    if (body !== undefined) req.end(body);
    else req.end();
  });
}

export function errorCodeOf(r: RawResponse): string | undefined {
  return (r.json as { error?: { code?: string } } | undefined)?.error?.code;
}

// ---------------------------------------------------------------- directory and keys

export interface AgencyKeys {
  /** kid -> signing key of every key this file registered */
  keys: Map<string, SigningKey>;
  /** fresh, never registered keys by kid (created on demand) */
  signerFor(code: string, keyId: string): Promise<SigningKey>;
}

/**
 * Imports the test directory, registers keys through the gateway (k1 for each listed agency, plus the
 * sender's krev, kexp and kfut), revokes krev, suspends and closes the agencies meant to be, and
 * finally registers `<sender>#kready`: once a document signed with it is routed, every earlier
 * directory change has reached the router (the KV watch delivers in revision order).
 */
export async function setupDirectory(hub: HubHarness, keyHolders: readonly string[]): Promise<AgencyKeys> {
  const imported = await hub.http<{ created: number; failed: number }>('POST', '/v1/agencies/import?mode=all-or-nothing', {
    body: DIRECTORY_CSV,
    contentType: 'text/csv',
  });
  if (imported.status !== 201 || imported.body.created !== 6) throw new Error(`directory import failed: ${JSON.stringify(imported)}`);
  const keys = new Map<string, SigningKey>();
  const add = async (code: string, keyId: string) => {
    const window = KEY_WINDOWS[keyId] ?? {};
    const g = await generateSigningKey('EdDSA', keyId);
    const r = await hub.http('POST', `/v1/agencies/${code}/keys`, { body: { keyId, alg: 'EdDSA', publicJwk: g.publicJwk, ...window } });
    if (r.status !== 201) throw new Error(`key ${code}#${keyId} not registered: ${JSON.stringify(r)}`);
    keys.set(`${code}#${keyId}`, importPrivateKey(g.privateJwk, 'EdDSA'));
  };
  for (const code of keyHolders) await add(code, 'k1');
  for (const keyId of ['krev', 'kexp', 'kfut']) await add(AGENCY.sender, keyId);
  const revoked = await hub.http('POST', `/v1/agencies/${AGENCY.sender}/keys/krev/revoke`, { body: { reason: 'hostile corpus: stolen key' } });
  if (revoked.status !== 201) throw new Error(`revoke failed: ${JSON.stringify(revoked)}`);
  const suspended = await hub.http('PATCH', `/v1/agencies/${AGENCY.suspended}`, { body: { status: 'suspended' } });
  if (suspended.status !== 200) throw new Error(`suspend failed: ${JSON.stringify(suspended)}`);
  const closed = await hub.http('POST', `/v1/agencies/${AGENCY.closed}/close`, { body: { reason: 'hostile corpus: dissolved' } });
  if (closed.status !== 201) throw new Error(`close failed: ${JSON.stringify(closed)}`);
  await add(AGENCY.sender, 'kready');

  const fresh = new Map<string, SigningKey>();
  return {
    keys,
    async signerFor(code, keyId) {
      const kid = `${code}#${keyId}`;
      const known = keys.get(kid) ?? fresh.get(kid);
      if (known) return known;
      const g = await generateSigningKey('EdDSA', keyId);
      const k = importPrivateKey(g.privateJwk, 'EdDSA');
      fresh.set(kid, k);
      return k;
    },
  };
}

// ---------------------------------------------------------------- JWS by hand

/** A flattened JWS over arbitrary header members and payload text, signed however the case says. */
export function forgeJws(header: Record<string, unknown>, payloadText: string, sign: { key?: SigningKey; hmacSecret?: string } = {}): FlattenedJws {
  const protectedB64 = base64urlEncode(JSON.stringify(header));
  const payloadB64 = base64urlEncode(payloadText);
  const input = Buffer.from(`${protectedB64}.${payloadB64}`, 'latin1');
  let signature = '';
  if (sign.key) signature = base64urlEncode(sign.key.sign(input));
  else if (sign.hmacSecret !== undefined) signature = base64urlEncode(createHmac('sha256', sign.hmacSecret).update(input).digest());
  return { protected: protectedB64, payload: payloadB64, signature };
}

/**
 * Checks a hub-signed envelope the way an agency must: kid `hub#<hub key id>`, signature by the hub
 * key, and a status body the SDK's validator accepts. Returns the envelope.
 */
export function verifyHubSigned(bytes: Uint8Array, hubKey: KeyFile): Envelope<StatusBody> {
  const jws = JSON.parse(Buffer.from(bytes).toString('utf8')) as FlattenedJws;
  const header = JSON.parse(Buffer.from(jws.protected, 'base64url').toString('utf8')) as { alg: string; kid: string; typ: string };
  if (header.kid !== `${HUB_KID_PREFIX}${hubKey.keyId}` || header.typ !== JWS_TYP) throw new Error(`not a hub header: ${JSON.stringify(header)}`);
  const key = importPublicKey(hubKey.publicJwk, hubKey.alg);
  if (!key.verify(Buffer.from(`${jws.protected}.${jws.payload}`, 'latin1'), Buffer.from(jws.signature, 'base64url'))) {
    throw new Error('hub signature does not verify');
  }
  const envelope = JSON.parse(Buffer.from(jws.payload, 'base64url').toString('utf8')) as Envelope<StatusBody>;
  validateStatusBody(envelope.body);
  return envelope;
}

// ---------------------------------------------------------------- routing decisions

export interface StoredMsg {
  subject: string;
  /** sequence in its stream */
  seq: number;
  headers: Record<string, string>;
  data: Buffer;
}

export type Decision =
  | { type: 'delivered'; copies: StoredMsg[] }
  | { type: 'rejected'; event: HubEvent<'msg.rejected'>; bounces: StoredMsg[] }
  | { type: 'replayed'; event: HubEvent }
  | { type: 'deadlettered'; event: HubEvent };

function stored(m: JsMsg): StoredMsg {
  const headers: Record<string, string> = {};
  if (m.headers) for (const [k, v] of m.headers) headers[k] = v[0] ?? '';
  return { subject: m.subject, seq: m.seq, headers, data: Buffer.from(m.data) };
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/**
 * Everything the router decided, read back from the events and inbox streams (ordered consumers
 * from the first message), indexed by the submission's stream sequence (Lt-Submit-Seq /
 * data.submitSeq).
 */
export class DecisionLog {
  readonly rejected = new Map<number, Array<HubEvent<'msg.rejected'>>>();
  readonly replayed = new Map<number, HubEvent[]>();
  readonly deadLettered = new Map<number, HubEvent[]>();
  /** agency-signed inbox copies */
  readonly copies = new Map<number, StoredMsg[]>();
  /** hub-signed copies (status 02 refusals) */
  readonly bounces = new Map<number, StoredMsg[]>();
  private readonly feeds: ConsumerMessages[] = [];

  static async start(nc: NatsConnection, topo: Topology): Promise<DecisionLog> {
    const log = new DecisionLog();
    const js = jetstream(nc);
    const events = await (await js.consumers.get(topo.streams.events)).consume();
    const inbox = await (await js.consumers.get(topo.streams.inbox)).consume();
    log.feeds.push(events, inbox);
    void (async () => {
      for await (const m of events) log.onEvent(m.json<HubEvent>());
    })();
    void (async () => {
      for await (const m of inbox) log.onCopy(stored(m));
    })();
    return log;
  }

  private onEvent(e: HubEvent): void {
    const seq = (e.data as { submitSeq?: number }).submitSeq;
    if (typeof seq !== 'number') return;
    if (e.type === 'msg.rejected') push(this.rejected, seq, e);
    else if (e.type === 'msg.replayed') push(this.replayed, seq, e);
    else if (e.type === 'msg.deadlettered') push(this.deadLettered, seq, e);
  }

  private onCopy(m: StoredMsg): void {
    const seq = Number(m.headers[HEADERS.submitSeq]);
    if (!Number.isInteger(seq)) return;
    push(m.headers[HEADERS.hubSigned] === '1' ? this.bounces : this.copies, seq, m);
  }

  /** Every kind of decision recorded for one submission (more than one kind is a bug). */
  kindsFor(seq: number): string[] {
    const kinds: string[] = [];
    if (this.copies.has(seq)) kinds.push('delivered');
    if (this.rejected.has(seq)) kinds.push('rejected');
    if (this.replayed.has(seq)) kinds.push('replayed');
    if (this.deadLettered.has(seq)) kinds.push('deadlettered');
    return kinds;
  }

  private settled(seq: number): Decision | undefined {
    const dead = this.deadLettered.get(seq);
    if (dead) return { type: 'deadlettered', event: dead[0]! };
    const rejected = this.rejected.get(seq);
    if (rejected) {
      const bounces = this.bounces.get(seq) ?? [];
      // the 02 is published in the same batch as the event, on another stream: wait for it too
      if (rejected[0]!.data.bounced && bounces.length === 0) return undefined;
      return { type: 'rejected', event: rejected[0]!, bounces };
    }
    const replayed = this.replayed.get(seq);
    if (replayed) return { type: 'replayed', event: replayed[0]! };
    const copies = this.copies.get(seq);
    if (copies && copies.length >= Number(copies[0]!.headers[HEADERS.copies] ?? 1)) return { type: 'delivered', copies };
    return undefined;
  }

  /** The decision about the submission stored at `seq` in the submit stream. */
  decision(seq: number, timeoutMs = 20_000): Promise<Decision> {
    return waitFor(`a routing decision about submission ${seq}`, () => this.settled(seq), timeoutMs, 10);
  }

  /** Copies of one envelope id across every inbox, one per inbox stream sequence. */
  copiesOfEnvelope(envelopeId: string): StoredMsg[] {
    const out = new Map<number, StoredMsg>();
    for (const list of this.copies.values()) for (const m of list) if (m.headers[HEADERS.envelopeId] === envelopeId) out.set(m.seq, m);
    return [...out.values()];
  }

  async stop(): Promise<void> {
    for (const f of this.feeds) await f.close();
  }
}
