import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { NodeConnectionOptions } from '@nats-io/transport-node';
import { agencyConnectionOptions, natsTlsOptions, readSeedFile, type NatsClientSettings } from '@lt/messaging';
import { LtError, type ErrorBody } from '@lt/contracts';
import { importPrivateKey, issueToken } from '@lt/crypto';
import { hubKeyPaths, loadCliSettings, loadHubKey, type CliSettings, type HubKeyFile } from '@lt/platform';

/**
 * What every command needs: where the gateway and data folder are, a bearer token, and output
 * helpers that honour --json. Operators on the hub machine get an admin token minted from the
 * local hub key when none is given; elsewhere they pass --token or LT_TOKEN. Options take precedence
 * over the environment, which is read through the configuration schema (loadCliSettings).
 */
export interface GlobalOptions {
  json?: boolean;
  gateway?: string;
  token?: string;
  dataDir?: string;
}

export class CliContext {
  private settings?: CliSettings;

  constructor(readonly opts: GlobalOptions) {}

  /** read when first needed, so a command that needs none of it never fails on it */
  private get env(): CliSettings {
    return (this.settings ??= loadCliSettings(process.env));
  }

  get gatewayUrl(): string {
    return this.opts.gateway ? this.opts.gateway.replace(/\/$/, '') : this.env.gatewayUrl;
  }

  get dataDir(): string {
    return resolve(this.opts.dataDir ?? this.env.dataDir);
  }

  /** NATS_URL; unset, the server `npm start` runs for this data folder (`<data>/nats/client.json`), else the default */
  get natsUrl(): string {
    if (process.env.NATS_URL) return this.env.natsUrl;
    return this.localNats()?.url ?? this.env.natsUrl;
  }

  private get natsTlsDir(): string | undefined {
    return this.env.natsTlsDir ?? (process.env.NATS_URL ? undefined : this.localNats()?.tlsDir);
  }

  /** What `npm start` wrote about the NATS server it runs (undefined when it runs none here). */
  private localNats(): { url: string; tlsDir?: string } | undefined {
    const path = join(this.dataDir, 'nats', 'client.json');
    if (!existsSync(path)) return undefined;
    try {
      const v = JSON.parse(readFileSync(path, 'utf8')) as { url?: unknown; tlsDir?: unknown };
      if (typeof v.url !== 'string') return undefined;
      return { url: v.url, tlsDir: typeof v.tlsDir === 'string' ? v.tlsDir : undefined };
    } catch {
      return undefined;
    }
  }

  /**
   * NATS URL, seed file and TLS trust of this CLI acting for the hub (LT_NATS_SEED_FILE, else the
   * operator's seed `npm start` made in `<data>/nats-seeds`, LT_NATS_TLS_DIR)
   */
  get natsSettings(): NatsClientSettings {
    const operator = join(this.dataDir, 'nats-seeds', 'service-operator.nk');
    const natsSeedFile = this.env.natsSeedFile ?? (existsSync(operator) ? operator : undefined);
    return { natsUrl: this.natsUrl, natsSeedFile, natsTlsDir: this.natsTlsDir };
  }

  /**
   * Connection options of a command acting as an agency: its nkey seed (LT_NATS_SEED_FILE, else
   * `<data>/nats-seeds/<code>.nk` when `lienthong nats config` wrote one) with its own reply
   * prefix, and the TLS trust. Without a seed the connection is anonymous.
   */
  agencyNatsOptions(agencyCode: string): Partial<NodeConnectionOptions> {
    const local = join(this.dataDir, 'nats-seeds', `${agencyCode}.nk`);
    const seedFile = this.env.natsSeedFile ?? (existsSync(local) ? local : undefined);
    const auth = seedFile ? agencyConnectionOptions(agencyCode, readSeedFile(seedFile).seed) : {};
    return { ...auth, ...natsTlsOptions(this.natsTlsDir) };
  }

  get ns(): string {
    return this.env.ns;
  }

  token(role: 'admin' | 'auditor' = 'admin'): string {
    const t = this.opts.token ?? this.env.token;
    if (t) return t;
    const path = hubKeyPaths.active(this.dataDir, 'token');
    if (!existsSync(path)) {
      throw new LtError('UNAUTHENTICATED', `no token: pass --token or set LT_TOKEN (or run on the hub machine, where ${path} exists)`);
    }
    const hub = this.hubTokenKey();
    return issueToken({ sub: `cli@${process.env.USER ?? 'local'}`, role, ttlSeconds: 600 }, importPrivateKey(hub.privateJwk, hub.alg), hub.keyId);
  }

  /** The hub's token key (private): only on the hub machine. Never created here: the gateway would not know it. */
  hubTokenKey(): HubKeyFile {
    return loadHubKey(this.dataDir, 'token');
  }

  async http<T>(method: string, path: string, body?: unknown, opts: { role?: 'admin' | 'auditor'; contentType?: string } = {}): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token(opts.role)}` };
    let payload: string | undefined;
    if (body !== undefined) {
      headers['content-type'] = opts.contentType ?? 'application/json';
      payload = typeof body === 'string' ? body : JSON.stringify(body);
    }
    let res: Response;
    try {
      res = await fetch(this.gatewayUrl + path, { method, headers, body: payload });
    } catch (err) {
      throw new LtError('UNAVAILABLE', `cannot reach the gateway at ${this.gatewayUrl} (${(err as Error).cause ?? (err as Error).message}); is \`npm start\` running?`);
    }
    const text = await res.text();
    const data = text ? (JSON.parse(text) as unknown) : undefined;
    if (!res.ok) {
      const e = (data as { error?: ErrorBody } | undefined)?.error;
      throw e ? LtError.fromBody(e) : new LtError('INTERNAL', `gateway answered ${res.status}`);
    }
    return data as T;
  }

  print(value: unknown, human: (v: never) => string): void {
    process.stdout.write((this.opts.json ? JSON.stringify(value, null, 2) : human(value as never)) + '\n');
  }
}
