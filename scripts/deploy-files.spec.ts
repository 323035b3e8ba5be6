import { spawnSync } from 'node:child_process';
import { accessSync, constants, copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { loadConfig } from '@lt/platform';
import { runCli } from '../apps/cli/src/testing/run-cli';

/*
 * The deployment files (deploy/): compose, image, entrypoint, NATS cluster configs and systemd
 * units checked against the repository's layout, so a new service or a renamed entry point that
 * they miss fails here. Where docker compose and nats-server are installed, they validate the
 * files themselves.
 */
const ROOT = resolve(__dirname, '..');
const DEPLOY = join(ROOT, 'deploy');
const read = (rel: string) => readFileSync(join(ROOT, rel), 'utf8');

/** every process under apps/ with a main.ts, except the CLI: each must be deployable */
const HUB_SERVICES = readdirSync(join(ROOT, 'apps'))
  .filter((name) => name !== 'cli' && existsSync(join(ROOT, 'apps', name, 'src', 'main.ts')))
  .sort();
/** the connector runs at an agency: in compose only as an example behind a profile, no database, no migrate */
const AGENCY_SIDE = new Set(['connector']);
const NATS_NODES = ['nats-1', 'nats-2', 'nats-3'];

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  deploy?: { replicas?: number };
  profiles?: string[];
  restart?: string;
  healthcheck?: { test: string[] };
}
// compose's x- anchors use YAML merge keys (<<)
const compose = parse(read('deploy/compose.yaml'), { merge: true }) as { services: Record<string, ComposeService>; volumes: Record<string, unknown> };
const services = compose.services;

/** the names `case` of the entrypoint accepts (`a|b|c)` lines) */
function entrypointNames(): Set<string> {
  const names = new Set<string>();
  for (const m of read('deploy/docker-entrypoint.sh').matchAll(/^\s+([a-z|]+)\)\s*$/gm)) for (const n of m[1].split('|')) names.add(n);
  return names;
}

/** top-level `key: value` and the routes list of a nats-server config (the subset these files use) */
function natsConf(text: string): { serverName?: string; clusterName?: string; listen?: string; routes: string[]; includes: string[]; jetstream: boolean } {
  const cluster = /\ncluster\s*\{([\s\S]*?)\n\}/.exec(text)?.[1] ?? '';
  const routes = /routes:\s*\[([\s\S]*?)\]/.exec(cluster)?.[1] ?? '';
  return {
    serverName: /^server_name:\s*"([^"]+)"/m.exec(text)?.[1],
    clusterName: /^\s*name:\s*"([^"]+)"/m.exec(cluster)?.[1],
    listen: /^\s*listen:\s*"([^"]+)"/m.exec(cluster)?.[1],
    routes: [...routes.matchAll(/"([^"]+)"/g)].map((m) => m[1]),
    includes: [...text.matchAll(/^include\s+"([^"]+)"/gm)].map((m) => m[1]),
    jetstream: /^jetstream\s*\{/m.test(text),
  };
}

function unitDirectives(rel: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of read(rel).split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (m) out.set(m[1], [...(out.get(m[1]) ?? []), m[2]]);
  }
  return out;
}

describe('deploy/compose.yaml', () => {
  it('runs a three-node NATS cluster whose routes name the two other nodes, JetStream on each, users included from the generated file', () => {
    const seen = new Set<string>();
    for (const node of NATS_NODES) {
      const s = services[node];
      expect(s).toBeDefined();
      expect(s.image).toMatch(/^nats:2\.(9|10)-alpine$/);
      expect(s.volumes).toEqual(
        expect.arrayContaining([
          `./nats/cluster/${node}.conf:/etc/nats/nats.conf:ro`,
          './nats/cluster/generated-accounts.conf:/etc/nats/generated-accounts.conf:ro',
          expect.stringMatching(new RegExp(`^${node}-data:/data$`)),
        ]),
      );
      const conf = natsConf(read(`deploy/nats/cluster/${node}.conf`));
      expect(conf.jetstream).toBe(true);
      expect(conf.clusterName).toBe('lt-hub');
      expect(conf.listen).toBe('0.0.0.0:6222');
      expect(conf.routes.sort()).toEqual(NATS_NODES.filter((n) => n !== node).map((n) => `nats-route://${n}:6222`));
      expect(conf.includes).toEqual(['generated-accounts.conf']);
      seen.add(conf.serverName!);
    }
    expect(seen.size).toBe(3);
  });

  it('has PostgreSQL 15 on a volume with a health check, and a one-shot migrate that waits for it', () => {
    const pg = services.postgres;
    expect(pg.image).toBe('postgres:15');
    expect(pg.volumes).toContain('pg-data:/var/lib/postgresql/data');
    expect(compose.volumes).toHaveProperty('pg-data');
    expect(pg.healthcheck?.test.join(' ')).toContain('pg_isready');
    const migrate = services.migrate;
    expect(migrate.command).toEqual(['migrate']);
    expect(migrate.depends_on?.postgres).toEqual({ condition: 'service_healthy' });
    expect(migrate.environment?.DATABASE_URL).toMatch(/^postgres:\/\/postgres:\$\{POSTGRES_PASSWORD[^}]*\}@postgres:5432\/lienthong$/);
    expect(migrate.environment?.LT_DATA_DIR).toBe('/var/lib/lienthong');
    expect(migrate.volumes).toContain('lt-data:/var/lib/lienthong');
  });

  it(`has every service of apps/ (${HUB_SERVICES.join(', ')}) built from deploy/Dockerfile, with the environment its configuration accepts`, () => {
    expect(HUB_SERVICES).toEqual(expect.arrayContaining(['attachments', 'audit', 'connector', 'dossier', 'gateway', 'registry', 'router']));
    for (const name of HUB_SERVICES) {
      const s = services[name];
      expect({ name, present: s !== undefined }).toEqual({ name, present: true });
      expect(s.build).toEqual({ context: '..', dockerfile: 'deploy/Dockerfile' });
      expect(s.command).toEqual([name]);
      const env = s.environment ?? {};
      expect(env.NATS_URL.split(',')).toEqual(NATS_NODES.map((n) => `nats://${n}:4222`));
      expect(env.LT_DATA_DIR).toBe('/var/lib/lienthong');
      expect(env.LT_NATS_SEED_FILE).toMatch(/^\/run\/lienthong\/nats-seeds\/.+\.nk$/);
      if (!AGENCY_SIDE.has(name)) {
        expect(env.LT_NATS_SEED_FILE).toBe(`/run/lienthong/nats-seeds/service-${name}.nk`);
        expect(s.volumes).toEqual(expect.arrayContaining(['lt-data:/var/lib/lienthong', './secrets/nats-seeds:/run/lienthong/nats-seeds:ro']));
      }
      // what the service itself reads at boot (the namespace default is what compose falls back to)
      expect(() => loadConfig({ ...env, LT_NAMESPACE: 'lt' })).not.toThrow();
    }
    expect(services.connector.profiles).toEqual(['connector']);
    expect(services.connector.environment?.LT_CONNECTOR_AGENCY).toBeTruthy();
  });

  it('creates the streams at three replicas once, as the operator, before the services (`lienthong hub init`)', () => {
    const init = services['hub-init'];
    expect(init.command).toEqual(['cli', 'hub', 'init', '--wait', '120']);
    expect(init.restart).toBe('no');
    expect(init.environment?.LT_STREAM_REPLICAS).toBe('3');
    expect(init.environment?.LT_NATS_SEED_FILE).toBe('/run/lienthong/nats-seeds/service-operator.nk');
    expect(init.volumes).toContain('lt-data:/var/lib/lienthong');
    for (const n of NATS_NODES) expect(init.depends_on?.[n]).toEqual({ condition: 'service_started' });
    for (const name of HUB_SERVICES.filter((n) => !AGENCY_SIDE.has(n))) {
      expect({ name, depends: services[name].depends_on?.['hub-init'] }).toEqual({ name, depends: { condition: 'service_completed_successfully' } });
      // the same count, so a service's own check of the streams passes
      expect({ name, replicas: services[name].environment?.LT_STREAM_REPLICAS }).toEqual({ name, replicas: '3' });
      expect({ name, metrics: services[name].environment?.LT_METRICS_PORT }).toEqual({ name, metrics: '9464' });
    }
  });

  it('runs two instances of the router, dossier, registry and audit (the audit one a standby), one of the attachments service', () => {
    for (const name of ['router', 'dossier', 'registry', 'audit']) expect({ name, replicas: services[name].deploy?.replicas }).toEqual({ name, replicas: 2 });
    expect(services.attachments.deploy?.replicas ?? 1).toBe(1);
  });

  it('starts every hub service only after migrate completed successfully and PostgreSQL is healthy', () => {
    for (const name of HUB_SERVICES.filter((n) => !AGENCY_SIDE.has(n))) {
      expect({ name, depends: services[name].depends_on }).toEqual({
        name,
        depends: expect.objectContaining({ migrate: { condition: 'service_completed_successfully' }, postgres: { condition: 'service_healthy' } }),
      });
    }
  });

  it('checks each hub service by its own readiness on its metrics port', () => {
    for (const name of HUB_SERVICES.filter((n) => !AGENCY_SIDE.has(n))) {
      const s = services[name];
      expect({ name, test: s.healthcheck?.test.join(' ') }).toEqual({ name, test: expect.stringContaining(`http://127.0.0.1:${s.environment?.LT_METRICS_PORT}/health/ready`) });
    }
    expect(services.gateway.environment?.GATEWAY_HOST).toBe('0.0.0.0');
  });
});

describe('deploy/docker-entrypoint.sh', () => {
  const names = entrypointNames();

  it('accepts every service of apps/, migrate, cli and every command compose uses', () => {
    for (const name of [...HUB_SERVICES, 'migrate', 'cli']) expect(names).toContain(name);
    for (const [service, s] of Object.entries(services))
      if (s.build) expect({ service, accepted: names.has(s.command![0]) }).toEqual({ service, accepted: true });
    for (const name of names) if (name !== 'migrate' && name !== 'cli') expect(existsSync(join(ROOT, 'apps', name, 'src', 'main.ts'))).toBe(true);
    accessSync(join(DEPLOY, 'docker-entrypoint.sh'), constants.X_OK);
  });

  it('refuses an unknown name with a clear message and exit code 2', () => {
    const r = spawnSync('sh', [join(DEPLOY, 'docker-entrypoint.sh'), 'routr'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('lienthong: unknown service "routr"');
    expect(r.stderr).toContain('usage: docker-entrypoint.sh gateway|registry|router|audit|dossier|attachments|connector|migrate|cli');
  });

  it('refuses to start a database service with neither DATABASE_URL nor the file migrate writes', () => {
    const data = mkdtempSync(join(tmpdir(), 'lt-entry-'));
    try {
      const env = { PATH: process.env.PATH ?? '', LT_DATA_DIR: data };
      const r = spawnSync('sh', [join(DEPLOY, 'docker-entrypoint.sh'), 'router'], { encoding: 'utf8', env });
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`router needs DATABASE_URL: set it, or run \`migrate\` first (it writes ${data}/secrets/database-urls/router.env)`);
    } finally {
      rmSync(data, { recursive: true, force: true });
    }
  });
});

describe('deploy/Dockerfile', () => {
  const lines = read('deploy/Dockerfile').split('\n');
  const froms = lines.map((l, i) => ({ l, i })).filter(({ l }) => /^FROM /.test(l));

  it('builds in one stage and runs from another on node:20-bookworm-slim', () => {
    expect(froms.map(({ l }) => l)).toEqual(['FROM node:20-bookworm-slim AS build', 'FROM node:20-bookworm-slim AS runtime']);
    const build = lines.slice(froms[0].i, froms[1].i).join('\n');
    expect(build).toMatch(/^RUN npm ci$/m);
    expect(build).toMatch(/^RUN npm run build$/m);
  });

  it('installs only production dependencies in the final stage, copies dist and config, and runs as a non-root user', () => {
    const final = lines.slice(froms[1].i);
    expect(final.join('\n')).toMatch(/^RUN npm ci --omit=dev/m);
    expect(final).toContain('COPY --from=build /src/dist ./dist');
    expect(final).toContain('COPY config ./config');
    const users = final.filter((l) => /^USER /.test(l));
    expect(users).toHaveLength(1);
    expect(users[0]).not.toMatch(/^USER (root|0)(:|$)/);
    expect(final).toContain('ENTRYPOINT ["/app/deploy/docker-entrypoint.sh"]');
    expect(existsSync(join(ROOT, 'config'))).toBe(true);
  });
});

describe('deploy/systemd', () => {
  const unit = unitDirectives('deploy/systemd/lienthong@.service');
  const migrate = unitDirectives('deploy/systemd/lienthong-migrate.service');
  const hubInit = unitDirectives('deploy/systemd/lienthong-hub-init.service');
  const INSTALL = '/opt/lienthong';

  it('runs each service through the entrypoint of the repository layout, as lienthong, with its env file', () => {
    expect(unit.get('WorkingDirectory')).toEqual([INSTALL]);
    expect(unit.get('ExecStart')).toEqual([`${INSTALL}/deploy/docker-entrypoint.sh %i`]);
    accessSync(join(ROOT, 'deploy', 'docker-entrypoint.sh'), constants.X_OK);
    expect(unit.get('User')).toEqual(['lienthong']);
    expect(unit.get('EnvironmentFile')).toEqual(['/etc/lienthong/%i.env']);
    expect(unit.get('Restart')).toEqual(['on-failure']);
    expect(unit.get('Requires')).toEqual(['lienthong-migrate.service lienthong-hub-init.service']);
  });

  it('is hardened: no new privileges, read-only system but the data folder', () => {
    for (const u of [unit, migrate, hubInit]) {
      expect(u.get('NoNewPrivileges')).toEqual(['yes']);
      expect(u.get('ProtectSystem')).toEqual(['strict']);
      const dataDir = u
        .get('Environment')
        ?.find((e) => e.startsWith('LT_DATA_DIR='))
        ?.split('=')[1];
      expect(dataDir).toBe('/var/lib/lienthong');
      expect(u.get('ReadWritePaths')).toEqual([dataDir]);
    }
  });

  it('migrates once, before every hub service', () => {
    expect(migrate.get('Type')).toEqual(['oneshot']);
    expect(migrate.get('ExecStart')).toEqual([`${INSTALL}/deploy/docker-entrypoint.sh migrate`]);
    const before = (migrate.get('Before') ?? []).join(' ').split(/\s+/);
    for (const name of HUB_SERVICES.filter((n) => !AGENCY_SIDE.has(n))) expect(before).toContain(`lienthong@${name}.service`);
  });

  it('sets up streams, buckets and hub keys once (`lienthong hub init`), before every hub service', () => {
    expect(hubInit.get('Type')).toEqual(['oneshot']);
    expect(hubInit.get('ExecStart')).toEqual([`${INSTALL}/deploy/docker-entrypoint.sh cli hub init --wait 120`]);
    const before = (hubInit.get('Before') ?? []).join(' ').split(/\s+/);
    for (const name of HUB_SERVICES.filter((n) => !AGENCY_SIDE.has(n))) expect(before).toContain(`lienthong@${name}.service`);
  });

  it('ships an example env file naming the variables a service needs', () => {
    const example = read('deploy/systemd/lienthong.env.example');
    for (const v of ['NATS_URL=', 'LT_NATS_SEED_FILE=', 'LT_NAMESPACE=', 'LT_STREAM_REPLICAS=3', 'LT_METRICS_PORT=']) expect(example).toContain(v);
    const natsUrl = /^NATS_URL=(.+)$/m.exec(example)![1];
    expect(() => loadConfig({ NATS_URL: natsUrl })).not.toThrow();
  });
});

const hasCompose = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' }).status === 0;
describe(hasCompose ? 'docker compose config -q (docker compose installed)' : 'docker compose is NOT installed here: compose file checked as YAML only', () => {
  it(hasCompose ? 'validates deploy/compose.yaml' : 'parses deploy/compose.yaml and finds every service built from the image', () => {
    if (hasCompose) {
      const r = spawnSync('docker', ['compose', '-f', join(DEPLOY, 'compose.yaml'), 'config', '-q'], {
        encoding: 'utf8',
        env: { ...process.env, POSTGRES_PASSWORD: 'x'.repeat(32) },
      });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    } else {
      const built = Object.entries(services)
        .filter(([, s]) => s.build)
        .map(([n]) => n)
        .sort();
      expect(built).toEqual([...HUB_SERVICES, 'migrate', 'hub-init'].sort());
    }
  });
});

const hasNatsServer = spawnSync('nats-server', ['--version'], { encoding: 'utf8' }).status === 0;
describe(
  hasNatsServer ? 'nats-server -t on the cluster configs (nats-server installed)' : 'nats-server is NOT installed here: cluster configs checked as text only',
  () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'lt-nats-cluster-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it(
      hasNatsServer
        ? 'accepts each node config with the users `lienthong nats config --accounts-only` generates, refuses it without them'
        : 'finds the users include in each node config',
      async () => {
        if (!hasNatsServer) {
          for (const node of NATS_NODES) expect(natsConf(read(`deploy/nats/cluster/${node}.conf`)).includes).toEqual(['generated-accounts.conf']);
          return;
        }
        for (const node of NATS_NODES) copyFileSync(join(DEPLOY, 'nats', 'cluster', `${node}.conf`), join(dir, `${node}.conf`));
        const missing = spawnSync('nats-server', ['-t', '-c', join(dir, 'nats-1.conf')], { encoding: 'utf8' });
        expect(missing.status).not.toBe(0);
        expect(missing.stderr + missing.stdout).toContain('generated-accounts.conf');

        const gen = await runCli([
          '--data-dir',
          dir,
          'nats',
          'config',
          '--agencies',
          join(DEPLOY, 'demo', 'agencies-demo.csv'),
          '--accounts-only',
          '--out',
          join(dir, 'generated-accounts.conf'),
          '--seeds-dir',
          join(dir, 'seeds'),
        ]);
        expect(gen.err).toBe('');
        expect(gen.code).toBe(0);
        for (const node of NATS_NODES) {
          const r = spawnSync('nats-server', ['-t', '-c', join(dir, `${node}.conf`)], { encoding: 'utf8' });
          expect({ node, status: r.status, out: r.stderr + r.stdout }).toEqual({ node, status: 0, out: expect.stringContaining('is valid') });
        }
        // the seeds each compose service points at are the ones the command made
        for (const name of HUB_SERVICES.filter((n) => !AGENCY_SIDE.has(n))) expect(existsSync(join(dir, 'seeds', `service-${name}.nk`))).toBe(true);
      },
    );
  },
);
