import { parseArgs } from 'node:util';

/**
 * Knobs of `npm run test:cluster`, each a flag or an environment variable (the flag wins). Test
 * knobs like BENCH_* and FAULTS_*: not hub configuration, so not in the config schema.
 */
export interface ClusterRunOptions {
  /** --docs / CLUSTER_DOCS: documents sent */
  docs: number;
  /** --rate / CLUSTER_RATE: documents per second, steady */
  rate: number;
  /** --recipients / CLUSTER_RECIPIENTS: recipients per document (one copy each) */
  recipients: number;
  /** --senders / CLUSTER_SENDERS: agencies that send (the others of the directory only receive) */
  senders: number;
  /** --nats-down-ms / CLUSTER_NATS_DOWN_MS: how long the killed NATS node stays down */
  natsDownMs: number;
  /** --router-down-ms / CLUSTER_ROUTER_DOWN_MS: how long the killed router stays down (the other routes alone) */
  routerDownMs: number;
  /** --settle-s / CLUSTER_SETTLE_S: longest wait, after the last send, for every copy and the audit */
  settleMs: number;
  /** --database-url / CLUSTER_DATABASE_URL: a superuser URL of the PostgreSQL server the run's fresh database is made on */
  databaseUrl: string;
  /** --nats-server / NATS_SERVER_BIN */
  natsServer: string;
  /** --keep: leave the temp folder (logs, configs) for a post-mortem */
  keep: boolean;
}

type Env = Record<string, string | undefined>;

const SPEC = {
  docs: ['CLUSTER_DOCS', 20_000, 1, 10_000_000],
  rate: ['CLUSTER_RATE', 250, 1, 100_000],
  recipients: ['CLUSTER_RECIPIENTS', 2, 1, 20],
  senders: ['CLUSTER_SENDERS', 8, 1, 20],
  natsDownMs: ['CLUSTER_NATS_DOWN_MS', 5_000, 0, 600_000],
  routerDownMs: ['CLUSTER_ROUTER_DOWN_MS', 10_000, 0, 600_000],
  settleS: ['CLUSTER_SETTLE_S', 600, 10, 86_400],
} as const;

const FLAGS: Record<keyof typeof SPEC, string> = {
  docs: 'docs',
  rate: 'rate',
  recipients: 'recipients',
  senders: 'senders',
  natsDownMs: 'nats-down-ms',
  routerDownMs: 'router-down-ms',
  settleS: 'settle-s',
};

export function parseClusterOptions(argv: readonly string[], env: Env): ClusterRunOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      ...Object.fromEntries(Object.values(FLAGS).map((f) => [f, { type: 'string' as const }])),
      'database-url': { type: 'string' },
      'nats-server': { type: 'string' },
      keep: { type: 'boolean' },
    },
    strict: true,
  });
  const int = (key: keyof typeof SPEC): number => {
    const [variable, fallback, min, max] = SPEC[key];
    const flag = FLAGS[key];
    const raw = ((values as Record<string, string | boolean | undefined>)[flag] as string | undefined) ?? env[variable];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new Error(`--${flag} / ${variable} must be an integer from ${min} to ${max} (got ${JSON.stringify(raw)})`);
    return n;
  };
  return {
    docs: int('docs'),
    rate: int('rate'),
    recipients: int('recipients'),
    senders: int('senders'),
    natsDownMs: int('natsDownMs'),
    routerDownMs: int('routerDownMs'),
    settleMs: int('settleS') * 1000,
    databaseUrl: (values['database-url'] as string | undefined) ?? env.CLUSTER_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    natsServer: (values['nats-server'] as string | undefined) ?? env.NATS_SERVER_BIN ?? 'nats-server',
    keep: (values.keep as boolean | undefined) ?? env.CLUSTER_KEEP === '1',
  };
}

/** What the run checks at the end: every expected copy handed over exactly once. */
export interface DeliveryCount {
  expected: number;
  delivered: number;
  lost: string[];
  /** keys handed over more than once, with how often */
  duplicated: Array<{ key: string; times: number }>;
  /** keys handed over that nobody sent */
  unexpected: string[];
}

/** Compares the `<envelope id>:<recipient>` keys sent with how often each was handed over. */
export function countDeliveries(expected: ReadonlySet<string>, handedOver: ReadonlyMap<string, number>): DeliveryCount {
  const lost: string[] = [];
  for (const k of expected) if (!handedOver.has(k)) lost.push(k);
  const duplicated: DeliveryCount['duplicated'] = [];
  const unexpected: string[] = [];
  for (const [key, times] of handedOver) {
    if (times > 1) duplicated.push({ key, times });
    if (!expected.has(key)) unexpected.push(key);
  }
  return { expected: expected.size, delivered: handedOver.size - unexpected.length, lost, duplicated, unexpected };
}
