import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, watch, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { KvWatchEntry } from '@nats-io/kv';
import { parseAgencyCode, subjectTokensToCode, type AgencyKvEntry, type Topology } from '@lt/contracts';
import {
  connectNats,
  natsTlsOptions,
  openAgencyKv,
  renderNatsConfig,
  SeedStore,
  SERVICE_ROLES,
  type NatsConnection,
} from '@lt/messaging';
import { MissingPrerequisite, portOpen, which } from './infra';

/**
 * The NATS server `npm start` runs for the hub when no `NATS_URL` is given: its own process,
 * port and JetStream store under `<data>/nats`, with the configuration `lienthong nats config`
 * would write. No anonymous user: one nkey user per hub service with its role's permissions,
 * one per active agency. Seeds live in `<data>/nats-seeds` (SeedStore), made once and reused, so
 * a restart keeps every credential. docs/security-nats.md explains the choices.
 */
export interface HubNatsOptions {
  dataDir: string;
  port: number;
  topo: Topology;
  /** folder with ca.pem, server-cert.pem and server-key.pem; undefined: plain TCP on loopback */
  tlsDir?: string;
  log: (s: string) => void;
}

export interface HubNats {
  url: string;
  /** set when this call started the server (stop it on exit); unset when one from an earlier run was reused */
  child?: ChildProcess;
  origin: 'started' | 'running';
  seeds: SeedStore;
  paths: HubNatsPaths;
  /**
   * Admits exactly these agencies (their seeds are made on first use) and reloads the server:
   * an agency left out, such as a closed one, can no longer connect and its connection is cut.
   */
  setAgencies(codes: Iterable<string>): void;
  /** rewrites the configuration from the seed files and reloads (after a seed was rotated) */
  refresh(): void;
  /** stops the server (the one started here, or the earlier run's that was reused) */
  stop(): void;
}

export interface HubNatsPaths {
  dir: string;
  config: string;
  store: string;
  pidFile: string;
  logFile: string;
  /** where the CLI finds the URL (and TLS folder) of this data folder's server */
  client: string;
}

export function hubNatsPaths(dataDir: string): HubNatsPaths {
  const dir = resolve(dataDir, 'nats');
  return {
    dir,
    config: join(dir, 'hub.conf'),
    store: join(dir, 'store'),
    pidFile: join(dir, 'nats-server.pid'),
    logFile: join(dir, 'nats-server.log'),
    client: join(dir, 'client.json'),
  };
}

/** What `npm start` leaves for the CLI: the URL of the server it runs, and its TLS trust if any. */
export interface HubNatsClientFile {
  url: string;
  tlsDir?: string;
}

export async function startHubNats(o: HubNatsOptions): Promise<HubNats> {
  const paths = hubNatsPaths(o.dataDir);
  mkdirSync(paths.store, { recursive: true, mode: 0o700 });
  const seeds = new SeedStore(join(resolve(o.dataDir), 'nats-seeds'));
  const services = SERVICE_ROLES.map((role) => ({ user: `service-${role}`, role, nkey: seeds.service(role).publicKey }));
  const tls = o.tlsDir ? serverTlsFiles(o.tlsDir) : undefined;
  let agencies: string[] = [];
  const write = () =>
    writeFileSync(
      paths.config,
      renderNatsConfig({
        topo: o.topo,
        services,
        agencies: agencies.map((code) => ({ code, nkey: seeds.agency(code).publicKey })),
        port: o.port,
        listen: '127.0.0.1',
        jetstreamDir: paths.store,
        pidFile: paths.pidFile,
        tls,
        header: ['written by `npm start` at every change of the active agencies; edits are overwritten'],
      }),
      { mode: 0o600 },
    );
  write();
  const url = `nats://127.0.0.1:${o.port}`;
  writeFileSync(paths.client, JSON.stringify({ url, ...(o.tlsDir ? { tlsDir: resolve(o.tlsDir) } : {}) } satisfies HubNatsClientFile, null, 2) + '\n');

  let child: ChildProcess | undefined;
  const earlier = runningServerPid(paths);
  if (earlier) {
    // a server this data folder started before (npm start killed without its cleanup): reuse it
    process.kill(earlier, 'SIGHUP');
    o.log(`NATS server of an earlier run (pid ${earlier}) reloaded with ${paths.config}`);
  } else {
    if (await portOpen('127.0.0.1', o.port)) {
      throw new MissingPrerequisite(
        `port ${o.port}, where the hub runs its own NATS server, is taken by another program.\n` +
          '  Set LT_NATS_PORT to a free port, or NATS_URL to a NATS server you run yourself (with credentials: deploy/nats/README.md)',
      );
    }
    const bin = which('nats-server', ['/usr/sbin', '/usr/local/sbin']);
    if (!bin) {
      throw new MissingPrerequisite(
        'no nats-server binary to run the hub on.\n  Install it:  sudo apt-get install -y nats-server   (or set NATS_URL to a NATS server with JetStream and credentials)',
      );
    }
    o.log(`starting ${bin} on 127.0.0.1:${o.port}${tls ? ' (TLS)' : ''}, nkey users only (config ${paths.config}, log ${paths.logFile})`);
    const logFd = openSync(paths.logFile, 'a', 0o600);
    child = spawn(bin, ['-c', paths.config], { stdio: ['ignore', logFd, logFd] });
    await waitForServer(o.port, child, paths.logFile);
  }
  const reload = () => {
    const pid = child?.pid ?? runningServerPid(paths);
    if (pid) process.kill(pid, 'SIGHUP');
  };
  return {
    url,
    child,
    origin: child ? 'started' : 'running',
    seeds,
    paths,
    stop() {
      const pid = child?.pid ?? runningServerPid(paths);
      if (pid) process.kill(pid, 'SIGTERM');
    },
    refresh() {
      write();
      reload();
    },
    setAgencies(codes) {
      const next = [...new Set([...codes].map((c) => parseAgencyCode(c)))].sort();
      if (next.length === agencies.length && next.every((c, i) => c === agencies[i])) return;
      agencies = next;
      write();
      reload();
    },
  };
}

/** The server's certificate and key in the TLS folder, named the way docs/security-nats.md says. */
function serverTlsFiles(tlsDir: string): { certFile: string; keyFile: string } {
  const files = { certFile: join(resolve(tlsDir), 'server-cert.pem'), keyFile: join(resolve(tlsDir), 'server-key.pem') };
  for (const f of [files.certFile, files.keyFile, join(resolve(tlsDir), 'ca.pem')]) {
    if (!existsSync(f)) throw new MissingPrerequisite(`LT_NATS_TLS_DIR: ${f} is missing (the folder needs ca.pem, server-cert.pem and server-key.pem)`);
  }
  return files;
}

/** The pid in the pid file when that process is alive and is a nats-server. */
function runningServerPid(paths: HubNatsPaths): number | undefined {
  if (!existsSync(paths.pidFile)) return undefined;
  const pid = Number(readFileSync(paths.pidFile, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes('nats-server') && cmdline.includes(paths.config) ? pid : undefined;
  } catch {
    return undefined;
  }
}

async function waitForServer(port: number, child: ChildProcess, logFile: string, timeoutMs = 30_000): Promise<void> {
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (exited !== undefined) {
      const tail = existsSync(logFile) ? readFileSync(logFile, 'utf8').trim().split('\n').slice(-5).join('\n  ') : '';
      throw new Error(`nats-server exited with ${exited} before it listened on ${port}; its log (${logFile}):\n  ${tail}`);
    }
    if (await portOpen('127.0.0.1', port, 500)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nats-server did not listen on 127.0.0.1:${port} within ${timeoutMs / 1000} s (log ${logFile})`);
}

/**
 * Calls `changed` (debounced) when a seed file in the folder is replaced, e.g. by
 * `lienthong nats rotate <code>`, so the server's users follow the files within a second.
 */
export function watchSeeds(hub: HubNats, debounceMs = 300): { stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  const watcher = watch(hub.seeds.dir, (_event, file) => {
    if (!file || !String(file).endsWith('.nk')) return;
    clearTimeout(timer);
    timer = setTimeout(() => hub.refresh(), debounceMs);
  });
  return {
    stop: () => {
      clearTimeout(timer);
      watcher.close();
    },
  };
}

/**
 * Keeps the server's agency users equal to the directory's open agencies: watches the agencies
 * bucket and calls `apply` with the open codes after each burst of changes (a closed agency is
 * cut off within about a second). Resolves once the current entries are applied.
 */
export async function followOpenAgencies(nc: NatsConnection, topo: Topology, apply: (codes: string[]) => void, debounceMs = 300): Promise<{ stop(): void }> {
  const kv = await openAgencyKv(nc, topo);
  const open = new Map<string, boolean>();
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    apply([...open].filter(([, isOpen]) => isOpen).map(([code]) => code));
  };
  const iter = (await kv.watch()) as unknown as AsyncIterable<KvWatchEntry> & { stop(): void; getPending?(): number };
  let loaded!: () => void;
  const initial = new Promise<void>((r) => (loaded = r));
  const pendingAtStart = (await kv.status()).values;
  if (pendingAtStart === 0) loaded();
  void (async () => {
    for await (const e of iter) {
      if (!e.key.startsWith('_')) {
        if (e.operation === 'PUT') {
          try {
            const entry = e.json<AgencyKvEntry>();
            open.set(entry.agency.code, entry.agency.status !== 'closed');
          } catch {
            // an entry that is not an agency admits nobody
          }
        } else {
          open.delete(subjectTokensToCode(e.key));
        }
      }
      if (e.delta === 0) {
        flush();
        loaded();
      } else {
        clearTimeout(timer);
        timer = setTimeout(flush, debounceMs);
      }
    }
  })();
  await initial;
  return {
    stop: () => {
      clearTimeout(timer);
      iter.stop();
    },
  };
}


/**
 * A server given by `NATS_URL`: refused when it admits anonymous clients, unless the operator
 * said this is a throwaway setup; otherwise the services need their seeds, which
 * `lienthong nats config --seeds-dir <data>/nats-seeds` writes beside the server's configuration.
 * Returns the seed folder to use, or undefined for an anonymous throwaway server.
 */
export async function checkExternalNats(url: string, o: { dataDir: string; tlsDir?: string; allowAnonymous: boolean }): Promise<SeedStore | undefined> {
  let anonymous: NatsConnection | undefined;
  try {
    anonymous = await connectNats(url, 'lienthong-start-probe', { reconnect: false, maxReconnectAttempts: 0, timeout: 5_000, ...natsTlsOptions(o.tlsDir) });
  } catch (err) {
    if ((err as { code?: string }).code !== 'UNAUTHENTICATED') throw err;
  }
  if (anonymous) {
    await anonymous.close();
    if (o.allowAnonymous) return undefined;
    throw new MissingPrerequisite(
      `NATS at ${url} admits clients without credentials: anyone who reaches it could register keys for any agency and act as any hub service.\n` +
        '  Unset NATS_URL to let `npm start` run its own server with nkey users, or give that server the configuration `lienthong nats config` writes (deploy/nats/README.md);\n' +
        '  for a disposable test setup only, set LT_NATS_ALLOW_ANONYMOUS=throwaway',
    );
  }
  const seeds = new SeedStore(join(resolve(o.dataDir), 'nats-seeds'));
  const missing = SERVICE_ROLES.filter((role) => !existsSync(seeds.servicePath(role)));
  if (missing.length) {
    throw new MissingPrerequisite(
      `NATS at ${url} requires credentials, and ${seeds.dir} has no seed for ${missing.map((r) => `service-${r}`).join(', ')}.\n` +
        `  Generate the server configuration and the seeds together: npm run cli -- nats config --agencies <csv> --seeds-dir ${seeds.dir} --out <server.conf>, then reload the server`,
    );
  }
  return seeds;
}
