/**
 * Bench settings from the environment (all optional). A wrong value stops the bench before it
 * touches anything, with a message naming the variable.
 */
export interface BenchConfig {
  natsUrl: string | undefined;
  databaseUrl: string | undefined;
  quick: boolean;
  /** BENCH_DOCS: single-recipient documents per throughput run (a) */
  docs: number;
  /** BENCH_RATE: documents per second of the open-loop run (c) */
  rate: number;
  /** BENCH_SECONDS: duration of the open-loop run (c) */
  seconds: number;
  /** BENCH_BROADCASTS: broadcasts to the 1,000 communes (b) */
  broadcasts: number;
  /** BENCH_COMMUNES: communes in the broadcast district */
  communes: number;
  /** BENCH_SENDERS: agencies that send in (a) and (c), each with its own key and SDK client */
  senders: number;
  /** BENCH_WINDOW: publishes in flight, for the raw baseline and the hub alike */
  window: number;
  /** BENCH_PG_ROWS: rows of the raw PostgreSQL multi-row INSERT baseline */
  pgRows: number;
  /** BENCH_AUDIT=0 runs the hub without the audit service (to see what the audit costs) */
  audit: boolean;
  /** BENCH_INBOX_CONSUMERS=0 skips creating one durable inbox consumer per agency */
  inboxConsumers: boolean;
  /** BENCH_ATTACHMENTS=0 skips the attachment runs (bench/suite/attachments.ts) */
  attachments: boolean;
  /** BENCH_ATT_MB: attachment size of the throughput run against the raw object store */
  attMb: number;
  /** BENCH_ATT_BIG_MB: attachment size of the memory run (peak RSS per process); 0 skips it */
  attBigMb: number;
  /** BENCH_CONNECTOR=0 skips the agency connector runs (bench/suite/connector.ts) */
  connector: boolean;
  /** BENCH_CONN_DOCS: documents per side and round of the connector-vs-SDK throughput run */
  connDocs: number;
  /** BENCH_CONN_INFLIGHT: requests (connector) and sendDocument calls (SDK) in flight */
  connInFlight: number;
  /** BENCH_CONN_ROUNDS: alternating SDK / connector rounds; the medians are compared */
  connRounds: number;
  /** BENCH_CONN_ATT_MB: attachment sent and downloaded through two connectors (peak RSS of each); 0 skips it */
  connAttMb: number;
  /** BENCH_TIMEOUT_S: longest wait for one scenario to complete */
  scenarioTimeoutMs: number;
  /** BENCH_RESULTS: where the JSON goes (default bench/results/latest.json) */
  resultsPath: string | undefined;
}

type Env = Record<string, string | undefined>;

export class BenchConfigError extends Error {
  constructor(variable: string, message: string) {
    super(`${variable}: ${message}`);
    this.name = 'BenchConfigError';
  }
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < min || n > max) throw new BenchConfigError(name, `must be an integer from ${min} to ${max} (got ${JSON.stringify(raw)})`);
  return n;
}

function flag(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'on', 'yes'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'off', 'no'].includes(raw.toLowerCase())) return false;
  throw new BenchConfigError(name, `must be 1 or 0 (got ${JSON.stringify(raw)})`);
}

export function loadBenchConfig(env: Env = process.env): BenchConfig {
  const quick = flag(env, 'BENCH_QUICK', false);
  const cfg: BenchConfig = {
    natsUrl: env.NATS_URL || undefined,
    databaseUrl: env.DATABASE_URL || undefined,
    quick,
    docs: int(env, 'BENCH_DOCS', quick ? 3_000 : 30_000, 100, 2_000_000),
    rate: int(env, 'BENCH_RATE', 500, 1, 100_000),
    seconds: int(env, 'BENCH_SECONDS', quick ? 5 : 20, 1, 600),
    broadcasts: int(env, 'BENCH_BROADCASTS', quick ? 2 : 5, 1, 100),
    communes: int(env, 'BENCH_COMMUNES', 1_000, 1, 5_000),
    senders: int(env, 'BENCH_SENDERS', quick ? 10 : 40, 2, 150),
    window: int(env, 'BENCH_WINDOW', 1_024, 1, 65_536),
    pgRows: int(env, 'BENCH_PG_ROWS', quick ? 20_000 : 100_000, 1_000, 10_000_000),
    audit: flag(env, 'BENCH_AUDIT', true),
    inboxConsumers: flag(env, 'BENCH_INBOX_CONSUMERS', true),
    attachments: flag(env, 'BENCH_ATTACHMENTS', true),
    attMb: int(env, 'BENCH_ATT_MB', 100, 1, 8_192),
    attBigMb: int(env, 'BENCH_ATT_BIG_MB', quick ? 256 : 2_048, 0, 8_192),
    connector: flag(env, 'BENCH_CONNECTOR', true),
    connDocs: int(env, 'BENCH_CONN_DOCS', 3_000, 100, 1_000_000),
    connInFlight: int(env, 'BENCH_CONN_INFLIGHT', 32, 1, 1_024),
    connRounds: int(env, 'BENCH_CONN_ROUNDS', quick ? 1 : 3, 1, 20),
    connAttMb: int(env, 'BENCH_CONN_ATT_MB', quick ? 256 : 1_024, 0, 8_192),
    scenarioTimeoutMs: int(env, 'BENCH_TIMEOUT_S', quick ? 60 : 180, 5, 3_600) * 1000,
    resultsPath: env.BENCH_RESULTS || undefined,
  };
  // the connector runs take senders 1-3 (sender, receiver, recipient) of npm run bench
  if (cfg.connector && cfg.senders < 4)
    throw new BenchConfigError('BENCH_SENDERS', `must be at least 4 for the connector runs (got ${cfg.senders}); or set BENCH_CONNECTOR=0`);
  return cfg;
}
