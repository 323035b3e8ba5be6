/**
 * `npm start`: the whole hub on local defaults. Runs its own authenticated NATS (or checks the
 * one NATS_URL names), finds or starts PostgreSQL, migrates,
 * creates streams, starts every service under a supervisor, seeds the demo directory and demo
 * keys once (a restart neither duplicates nor loses anything), and prints where to go next.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { topology } from '@lt/contracts';
import { connectHub, RpcClient, setUpHub, type SeedStore, type ServiceRole } from '@lt/messaging';
import { ensureDatabase, migrate, provisionServiceRoles, serviceDatabaseUrl, SERVICE_DB_ROLES, type ServiceDbRole } from '@lt/database';
import {
  loadConfig,
  ConfigError,
  hubKeyPaths,
  loadOrCreateDatabaseSecrets,
  loadStreamSettings,
  readVariable,
} from '@lt/platform';
import { LtError } from '@lt/contracts';
import { ensurePostgres, MissingPrerequisite, type Started } from './lib/infra';
import { checkExternalNats, followOpenAgencies, startHubNats, watchSeeds, type HubNats } from './lib/hub-nats';
import { Supervisor } from './lib/supervisor';
import { seedDemo } from './lib/demo-seed';

const ROOT = resolve(__dirname, '..', '..');
const say = (s: string) => process.stdout.write(`\x1b[1mlienthong\x1b[0m | ${s}\n`);
const SERVICES = ['registry', 'attachments', 'router', 'audit', 'dossier', 'gateway'];
/** services with no database role: they get no DATABASE_URL (the attachments service keeps its state in NATS) */
const NO_DATABASE = new Set(['attachments']);

/** what this command started, stopped on Ctrl-C and when starting fails half-way */
const started: Started[] = [];
const running: { supervisor?: Supervisor; nats?: HubNats } = {};
async function stopEverything(): Promise<void> {
  await running.supervisor?.stopAll();
  running.nats?.stop();
  for (const s of started.reverse()) s.child?.kill('SIGTERM');
}

async function main(): Promise<void> {
  // validates every hub-wide variable before anything starts; relative data folders are the repository's
  const dataDir = resolve(ROOT, loadConfig().dataDir);
  const stop = async (code: number) => {
    say('stopping');
    await stopEverything();
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  const nats = await setUpNats(dataDir);
  running.nats = nats.own;
  const pg = await ensurePostgres(dataDir, say);
  started.push(pg);
  process.env.NATS_URL = nats.url;
  process.env.DATABASE_URL = pg.url;
  const cfg = loadConfig({ ...process.env, LT_DATA_DIR: dataDir });
  const credentials = nats.seeds ? `nkey users, seeds in ${nats.seeds.dir}` : 'ANONYMOUS (LT_NATS_ALLOW_ANONYMOUS=throwaway)';
  say(`NATS ${cfg.natsUrl} (${nats.origin}; ${credentials}), PostgreSQL ${redact(cfg.databaseUrl)} (${pg.origin})`);

  if (await ensureDatabase(cfg.databaseUrl)) say('created database');
  const applied = await migrate(cfg.databaseUrl);
  say(applied.length ? `applied migrations: ${applied.join(', ')}` : 'schema up to date');
  // each service connects with its own role and only the grants it needs (docs/security-database.md)
  const dbSecrets = loadOrCreateDatabaseSecrets(dataDir, SERVICE_DB_ROLES);
  await provisionServiceRoles(cfg.databaseUrl, { passwords: dbSecrets.roles });
  say(`database roles ${SERVICE_DB_ROLES.map((r) => `lt_${r}`).join(', ')} ready`);

  // streams and buckets are the operator's to create; each service then connects as its own user
  const nc = await connectHub({ ...cfg, natsSeedFile: nats.seeds?.servicePath('operator') }, 'lienthong-start');
  const topo = topology(cfg.ns);
  const { hubKeys } = await setUpHub(nc, topo, dataDir, loadStreamSettings(), say);
  say(`hub keys: token ${hubKeys.token.keyId}, envelope ${hubKeys.envelope.keyId}, checkpoint ${hubKeys.checkpoint.keyId} (${hubKeyPaths.dir(dataDir)})`);

  const services = SERVICES.filter((name) => existsSync(join(ROOT, 'dist', 'apps', name, 'src', 'main.js')));
  const metricsPorts = serviceMetricsPorts();
  const supervisor = new Supervisor(
    services.map((name) => ({
      name,
      script: join(ROOT, 'dist', 'apps', name, 'src', 'main.js'),
      env: {
        ...(NO_DATABASE.has(name) ? {} : { DATABASE_URL: serviceDatabaseUrl(cfg.databaseUrl, name as ServiceDbRole, dbSecrets.roles[name as ServiceDbRole]) }),
        ...(nats.seeds ? { LT_NATS_SEED_FILE: nats.seeds.servicePath(name as ServiceRole) } : {}),
        LT_METRICS_PORT: String(metricsPorts.get(name)),
      },
    })),
    { NATS_URL: cfg.natsUrl, LT_DATA_DIR: dataDir, LT_NAMESPACE: cfg.ns },
  );
  running.supervisor = supervisor;
  supervisor.startAll();

  await seedDemo(new RpcClient(nc), topo, { root: ROOT, dataDir, log: say });
  if (nats.own) {
    // the server admits exactly the open agencies of the directory, reloaded at each change
    const own = nats.own;
    await followOpenAgencies(nc, topo, (codes) => own.setAgencies(codes));
    watchSeeds(own); // `lienthong nats rotate <code>` takes effect without a restart
    say(`NATS users: the ${SERVICES.length} hub services, the operator and the open agencies (agency seeds in ${own.seeds.dir}; \`npm run cli -- nats creds <code>\`)`);
  }
  const base = `http://${cfg.gatewayHost}:${cfg.gatewayPort}`;
  say('');
  say(`gateway   ${base}   (health: ${base}/health, API docs: ${base}/docs)`);
  const metricsHost = readVariable(process.env, 'LT_METRICS_HOST');
  say(`metrics   ${services.map((name) => `${name} http://${metricsHost}:${metricsPorts.get(name)}/metrics`).join(', ')}   (and /health/live, /health/ready)`);
  say(`admin token:   npm run cli -- token issue --role admin`);
  say(`try:           npm run cli -- agency tree`);
  say(`               npm run cli -- send --as 000.00.00.H41 --to 000.00.30.H41 --subject "Thử nghiệm"`);
  say('Ctrl-C stops everything this command started.');
}

/**
 * One metrics port per service, in the SERVICES order: from LT_METRICS_PORT when set, else from
 * 9101 (clear of the gateway's 8080 and the hub NATS server's 4322).
 */
function serviceMetricsPorts(): Map<string, number> {
  const base = readVariable(process.env, 'LT_METRICS_PORT') || 9101;
  return new Map(SERVICES.map((name, i) => [name, base + i]));
}

/** NATS_URL when given (refused if anonymous, unless a throwaway setup), else the hub's own server. */
async function setUpNats(dataDir: string): Promise<{ url: string; origin: string; seeds?: SeedStore; own?: HubNats }> {
  const cfg = loadConfig();
  const external = process.env.NATS_URL;
  if (external) {
    const allowAnonymous = readVariable(process.env, 'LT_NATS_ALLOW_ANONYMOUS') === 'throwaway';
    const seeds = await checkExternalNats(external, { dataDir, tlsDir: cfg.natsTlsDir, allowAnonymous });
    return { url: external, origin: 'NATS_URL', seeds };
  }
  const own = await startHubNats({ dataDir, port: readVariable(process.env, 'LT_NATS_PORT'), topo: topology(cfg.ns), tlsDir: cfg.natsTlsDir, log: say });
  return { url: own.url, origin: own.origin, seeds: own.seeds, own };
}

function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

main().catch((err) => {
  if (err instanceof MissingPrerequisite || err instanceof ConfigError || (err instanceof LtError && err.code === 'DUPLICATE')) {
    process.stderr.write(`lienthong | cannot start: ${err.message}\n`);
  } else {
    process.stderr.write(`lienthong | failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  }
  void stopEverything().finally(() => process.exit(1));
});
