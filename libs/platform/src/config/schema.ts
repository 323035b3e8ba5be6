import { join } from 'node:path';
import { LIMITS, RECEIPT_MAX_ITEMS } from '@lt/contracts';
import type { Env } from './config-error';
import { DEFAULT_HUB_AGENCY, findConfigDir } from './defaults';
import {
  agencyCode,
  envelopeKinds,
  existingPath,
  integer,
  matching,
  noteKeyName,
  onOff,
  oneOf,
  optionalText,
  optionalUrl,
  text,
  url,
  urlList,
  type Parser,
} from './parsers';

/** Heading a variable is documented under in docs/configuration.md. */
export type ConfigSection = 'hub' | 'gateway' | 'router' | 'audit' | 'dossier' | 'cli' | 'connector';

/** Who reads a variable: a service, the CLI, or `npm start` (scripts/start.ts). */
export type ConfigReader = 'gateway' | 'registry' | 'router' | 'audit' | 'dossier' | 'attachments' | 'cli' | 'connector' | 'npm start';

export interface ConfigVariable<T> {
  readonly section: ConfigSection;
  readonly readBy: readonly ConfigReader[];
  readonly meaning: string;
  /** raw text used when the variable is unset or empty; a function when it depends on where the code runs */
  readonly default: string | (() => string);
  /** the default as docs/configuration.md shows it, when the raw text would not say it */
  readonly defaultDoc?: string;
  readonly parser: Parser<T>;
}

const variable = <T>(v: ConfigVariable<T>): ConfigVariable<T> => v;

const SERVICES: ConfigReader[] = ['gateway', 'registry', 'router', 'audit', 'dossier'];
/** who creates and updates the streams (ensureTopology with loadStreamSettings; the CLI: `lienthong hub init`) */
const STREAM_SETUP: ConfigReader[] = ['registry', 'router', 'audit', 'npm start', 'cli'];
const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/**
 * Every environment variable of the hub, once. The loaders (loadConfig, loadRouterSettings,
 * loadAuditSettings, loadDossierSettings, loadCliSettings) read through readVariable, and
 * renderConfigDoc() writes docs/configuration.md from this table. The default is parsed like a set
 * value, so the documented default is the one in effect.
 */
export const CONFIG_SCHEMA = {
  // ── hub-wide ──
  NATS_URL: variable({
    section: 'hub',
    readBy: [...SERVICES, 'cli', 'npm start'],
    default: 'nats://127.0.0.1:4222',
    meaning:
      'NATS server with JetStream: subjects, streams and the agency bucket of the hub. Unset, `npm start` runs its own server (`LT_NATS_PORT`) and the CLI finds it through `<data>/nats/client.json`.',
    parser: urlList('nats', 'tls', 'ws', 'wss'),
  }),
  LT_NATS_SEED_FILE: variable({
    section: 'hub',
    readBy: [...SERVICES, 'cli'],
    default: '',
    defaultDoc: 'none: connect without credentials (a throwaway server only)',
    meaning:
      'NATS nkey seed file (`SU...`, mode 0600) this process authenticates with: one user per service, with the permissions of its role (`npm start` gives each service its own from `<data>/nats-seeds`; `lienthong nats config` writes `service-<role>.nk`; deploy/nats/README.md). The CLI falls back to the seeds `npm start` made there.',
    parser: optionalText('path of a seed file'),
  }),
  LT_NATS_TLS_DIR: variable({
    section: 'hub',
    readBy: [...SERVICES, 'cli', 'npm start'],
    default: '',
    defaultDoc: 'none: plain TCP',
    meaning:
      'NATS over TLS: a folder holding `ca.pem`, the CA every hub process verifies the certificate of the NATS server against. Set, every connection uses TLS.',
    parser: optionalText('path of a folder'),
  }),
  LT_NATS_PORT: variable({
    section: 'hub',
    readBy: ['npm start'],
    default: '4322',
    meaning:
      'Port of the NATS server `npm start` runs itself when `NATS_URL` is not set (on 127.0.0.1, store and configuration under `<data>/nats`, nkey users only; docs/security-nats.md).',
    parser: integer(1, 65535),
  }),
  LT_NATS_ALLOW_ANONYMOUS: variable({
    section: 'hub',
    readBy: ['npm start'],
    default: '',
    defaultDoc: 'none: `npm start` refuses a `NATS_URL` that admits clients without credentials',
    meaning:
      'Set to `throwaway` to let `npm start` run the hub on a `NATS_URL` that admits anonymous clients (anyone who reaches it can act as any agency or service): a disposable test setup only.',
    parser: matching(/^(throwaway)?$/, '`throwaway`', 'must be `throwaway` or unset'),
  }),
  DATABASE_URL: variable({
    section: 'hub',
    readBy: ['gateway', 'registry', 'router', 'audit', 'dossier', 'npm start'],
    default: 'postgres://postgres@127.0.0.1:5432/lienthong',
    meaning: 'PostgreSQL database: registry, routing register, audit log, dossiers. `npm start` creates and migrates it.',
    parser: url('postgres', 'postgresql'),
  }),
  LT_NAMESPACE: variable({
    section: 'hub',
    readBy: [...SERVICES, 'cli', 'npm start'],
    default: 'lt',
    meaning: 'Prefix of every subject, stream and bucket; tests use a random one to share one NATS server.',
    parser: matching(
      /^[a-z][a-z0-9]{0,30}$/,
      'lowercase letters and digits, starting with a letter (at most 31)',
      'must be lowercase letters and digits, starting with a letter',
    ),
  }),
  LT_DATA_DIR: variable({
    section: 'hub',
    readBy: ['gateway', 'router', 'audit', 'dossier', 'cli', 'npm start'],
    default: '.data',
    meaning:
      'Folder of the hub keys (`keys/hub/`: token, envelope, checkpoint; docs/hub-keys.md), the database role passwords (`secrets/`) and the demo agency keys; relative to the working folder (`npm start`: to the repository). The CLI takes `--data-dir` first.',
    parser: text,
  }),
  LT_INBOX_MAX_AGE_DAYS: variable({
    section: 'hub',
    readBy: ['registry', 'router', 'audit', 'attachments', 'npm start'],
    default: '30',
    meaning: 'How long a copy waits in the inbox stream before JetStream drops it (and how long the attachments it names are kept).',
    parser: integer(1, 3650),
  }),
  LT_INBOX_MAX_MB: variable({
    section: 'hub',
    readBy: STREAM_SETUP,
    default: '8192',
    meaning:
      'Size limit of the inbox stream (MiB). When it is full the router delivers nothing more and keeps the submissions (retried with backoff) until copies age out; no copy is dropped to make room.',
    parser: integer(1, 16 * 1024 * 1024),
  }),
  LT_STREAM_REPLICAS: variable({
    section: 'hub',
    readBy: [...STREAM_SETUP, 'attachments'],
    default: '1',
    meaning:
      'Replicas of every JetStream stream and bucket of the hub (submit, inbox, events, dead letters, the agency and token buckets, the attachment store). 3 on a three-node cluster (deploy/compose.yaml), so the loss of one NATS node loses nothing; 1 on a single server. An existing stream is scaled to this count at the next start.',
    parser: oneOf(['1', '3', '5'] as const),
  }),
  LT_SUBMIT_MAX_MB: variable({
    section: 'hub',
    readBy: STREAM_SETUP,
    default: '1024',
    meaning:
      'Size limit of the submit stream (MiB): submissions waiting to be routed. When it is full a new submission is refused at publish (the SDK throws `HUB_FULL`); accepted ones are never dropped.',
    parser: integer(1, 16 * 1024 * 1024),
  }),
  LT_SUBMIT_MAX_AGE_DAYS: variable({
    section: 'hub',
    readBy: STREAM_SETUP,
    default: '0',
    defaultDoc: '`0` (none)',
    meaning:
      'Age limit of the submit stream; 0 = none. A submission leaves only when the router has answered it, so an age limit would drop accepted submissions the router could not route yet (an outage): set one only knowingly.',
    parser: integer(0, 3650),
  }),
  LT_SUBMIT_MAX_PENDING_PER_AGENCY: variable({
    section: 'hub',
    readBy: STREAM_SETUP,
    default: '20000',
    meaning:
      'Submissions of one agency waiting in the submit stream, at most; the next one is refused at publish (`HUB_FULL`), so one agency cannot fill the stream for the others. 0 = no limit.',
    parser: integer(0, 100_000_000),
  }),
  LT_EVENTS_MAX_MB: variable({
    section: 'hub',
    readBy: STREAM_SETUP,
    default: '1024',
    meaning: 'Size limit of the events stream (MiB). When it is full, publishers retry (router: the submission waits; registry, dossier: their outboxes); no event is dropped.',
    parser: integer(1, 16 * 1024 * 1024),
  }),
  LT_EVENTS_MAX_AGE_DAYS: variable({
    section: 'hub',
    readBy: STREAM_SETUP,
    default: '30',
    meaning: 'How long an event stays in the events stream (the audit log keeps it for good once appended).',
    parser: integer(1, 3650),
  }),
  LT_DLQ_MAX_MB: variable({
    section: 'hub',
    readBy: STREAM_SETUP,
    default: '256',
    meaning: 'Size limit of the dead-letter stream (MiB). When it is full, a submission that should be dead-lettered stays in the submit stream instead (retried).',
    parser: integer(1, 16 * 1024 * 1024),
  }),
  LT_DLQ_MAX_AGE_DAYS: variable({
    section: 'hub',
    readBy: STREAM_SETUP,
    default: '90',
    meaning: 'How long a dead-lettered submission stays for operators (its `msg.deadlettered` event is in the audit log).',
    parser: integer(1, 3650),
  }),
  LT_ATTACHMENT_MAX_BYTES: variable({
    section: 'hub',
    readBy: ['attachments'],
    default: String(2 * 1024 ** 3),
    defaultDoc: '`2147483648` (2 GiB)',
    meaning: 'Largest attachment the attachments service accepts; a larger one is refused at `open` (ATTACHMENT_TOO_LARGE).',
    parser: integer(1, Number.MAX_SAFE_INTEGER),
  }),
  LT_ATTACHMENT_MAX_PER_ENVELOPE: variable({
    section: 'hub',
    readBy: ['attachments'],
    default: String(LIMITS.maxAttachments),
    meaning: 'Most attachments one envelope may carry (ATTACHMENT_TOO_MANY, at `open` and when the router binds them).',
    parser: integer(1, LIMITS.maxAttachments),
  }),
  LT_ATTACHMENT_UNBOUND_TTL_MINUTES: variable({
    section: 'hub',
    readBy: ['attachments'],
    default: '1440',
    meaning: 'An upload no routed envelope names within this time is removed (unfinished uploads too, counted from their last chunk).',
    parser: integer(1, 525_600),
  }),
  LT_ATTACHMENT_SWEEP_SECONDS: variable({
    section: 'hub',
    readBy: ['attachments'],
    default: '300',
    meaning: 'Period of the attachments sweeper (expired uploads and attachments past the inbox max age).',
    parser: integer(1, 86_400),
  }),
  LT_HUB_AGENCY: variable({
    section: 'hub',
    readBy: ['router', 'audit', 'dossier'],
    default: DEFAULT_HUB_AGENCY,
    meaning: 'Agency code of the hub operator: `from` of hub-signed envelopes (refusals, receipts, dossier confirmations and notices).',
    parser: agencyCode,
  }),
  LOG_LEVEL: variable({
    section: 'hub',
    readBy: SERVICES,
    default: 'info',
    meaning: 'Level of the JSON log lines (pino).',
    parser: oneOf(LOG_LEVELS),
  }),

  // ── gateway ──
  LT_METRICS_PORT: variable({
    section: 'hub',
    readBy: [...SERVICES, 'attachments', 'npm start'],
    default: '0',
    defaultDoc: '`0` (off); `npm start` gives each service its own from 9101',
    meaning:
      "Port of this service process's Prometheus metrics (`GET /metrics`) and its liveness and readiness (`/health/live`, `/health/ready`); 0 serves none. Two instances on one machine need two ports.",
    parser: integer(0, 65535),
  }),
  LT_METRICS_HOST: variable({
    section: 'hub',
    readBy: [...SERVICES, 'attachments'],
    default: '127.0.0.1',
    meaning: 'Address the metrics port listens on (0.0.0.0 for a Prometheus server on another machine).',
    parser: text,
  }),
  LT_OTLP_ENDPOINT: variable({
    section: 'hub',
    readBy: [...SERVICES, 'attachments'],
    default: '',
    defaultDoc: 'none: no spans are recorded (trace context still travels in the NATS headers)',
    meaning:
      'Base URL of an OpenTelemetry collector taking OTLP over HTTP (e.g. `http://otel-collector:4318`): set, the service records its spans and exports them to `<url>/v1/traces`, service name = the hub service.',
    parser: optionalUrl('http', 'https'),
  }),
  GATEWAY_PORT: variable({
    section: 'gateway',
    readBy: ['gateway', 'cli', 'npm start'],
    default: '8080',
    meaning: 'HTTP port of the gateway; the CLI builds its default gateway URL from it.',
    parser: integer(0, 65535),
  }),
  GATEWAY_HOST: variable({
    section: 'gateway',
    readBy: ['gateway', 'npm start'],
    default: '127.0.0.1',
    meaning: 'Interface the gateway listens on (`0.0.0.0`: every interface).',
    parser: text,
  }),

  // ── router ──
  LT_ROUTING_DENY: variable({
    section: 'router',
    readBy: ['router'],
    default: '',
    defaultDoc: 'none',
    meaning:
      'Extra refusals on top of the default routing policy (rule format in `apps/router/src/policy/deny-rules.ts`); the router validates the rules at boot.',
    parser: optionalText('JSON array of deny rules, or the path of a file holding one'),
  }),
  LT_ROUTER_MAX_BATCH: variable({
    section: 'router',
    readBy: ['router'],
    default: '512',
    meaning: 'Submissions handed to one batch.',
    parser: integer(1, 5000),
  }),
  LT_ROUTER_LINGER_MS: variable({
    section: 'router',
    readBy: ['router'],
    default: '0',
    meaning: 'How long a batch that is not full waits for more submissions.',
    parser: integer(0, 1000),
  }),
  LT_ROUTER_MAX_DELIVER: variable({
    section: 'router',
    readBy: ['router'],
    default: '8',
    meaning: 'Deliveries before a submission that keeps failing is dead-lettered.',
    parser: integer(1, 1000),
  }),
  LT_ROUTER_VERIFY: variable({
    section: 'router',
    readBy: ['router'],
    default: 'inline',
    meaning: "`inline`: signatures checked with node:crypto on the router's thread; `pool`: worker threads for large batches.",
    parser: oneOf(['inline', 'pool']),
  }),
  LT_ROUTER_POOL_THRESHOLD: variable({
    section: 'router',
    readBy: ['router'],
    default: '64',
    meaning: 'Smallest batch sent to the worker pool in `pool` mode.',
    parser: integer(1, 100_000),
  }),
  LT_ROUTER_ACK_WAIT_MS: variable({
    section: 'router',
    readBy: ['router'],
    default: '30000',
    meaning: "How long a crashed router's unacknowledged batch stays invisible before redelivery.",
    parser: integer(1_000, 3_600_000),
  }),
  LT_ROUTER_SUBMIT_RATE: variable({
    section: 'router',
    readBy: ['router'],
    default: '100',
    meaning:
      "Submissions per second one agency may sustain (token bucket per submit subject, counted at the hub's receive time); above it a submission is refused `RATE_LIMITED` before its signature is checked. 0 = no limit.",
    parser: integer(0, 1_000_000),
  }),
  LT_ROUTER_SUBMIT_BURST: variable({
    section: 'router',
    readBy: ['router'],
    default: '1000',
    meaning: 'Submissions one agency may send at once above LT_ROUTER_SUBMIT_RATE (the bucket size).',
    parser: integer(1, 10_000_000),
  }),
  LT_ROUTER_BROADCAST_MAX_CENTRAL: variable({
    section: 'router',
    readBy: ['router'],
    default: '5000',
    meaning: 'Recipients one submission of a central agency (ministry) may resolve to; more is refused `BROADCAST_TOO_LARGE`.',
    parser: integer(1, LIMITS.maxRecipients),
  }),
  LT_ROUTER_BROADCAST_MAX_PROVINCE: variable({
    section: 'router',
    readBy: ['router'],
    default: '2000',
    meaning: 'Recipients one submission of a province-tier agency may resolve to.',
    parser: integer(1, LIMITS.maxRecipients),
  }),
  LT_ROUTER_BROADCAST_MAX_DISTRICT: variable({
    section: 'router',
    readBy: ['router'],
    default: '300',
    meaning: 'Recipients one submission of a district-tier agency may resolve to.',
    parser: integer(1, LIMITS.maxRecipients),
  }),
  LT_ROUTER_BROADCAST_MAX_COMMUNE: variable({
    section: 'router',
    readBy: ['router'],
    default: '50',
    meaning: 'Recipients one submission of a commune-tier agency may resolve to.',
    parser: integer(1, LIMITS.maxRecipients),
  }),

  // ── audit ──
  LT_AUDIT_ORIGIN: variable({
    section: 'audit',
    readBy: ['audit'],
    default: 'lienthong.gov.vn/audit',
    meaning: "The log's identity: first line of every checkpoint and name of the checkpoint signing key.",
    parser: noteKeyName,
  }),
  LT_AUDIT_CHECKPOINT_ENTRIES: variable({
    section: 'audit',
    readBy: ['audit'],
    default: '1000',
    meaning: 'A signed checkpoint at least every N entries (or after LT_AUDIT_CHECKPOINT_MS, whichever comes first).',
    parser: integer(1, 10_000_000),
  }),
  LT_AUDIT_CHECKPOINT_MS: variable({
    section: 'audit',
    readBy: ['audit'],
    default: '5000',
    meaning: 'A signed checkpoint every T ms when entries were appended since the last one.',
    parser: integer(100, 3_600_000),
  }),
  LT_RECEIPTS: variable({
    section: 'audit',
    readBy: ['audit'],
    default: 'on',
    meaning: 'Hub-signed receipts to senders: one per sender per checkpoint, listing its deliveries.',
    parser: onOff,
  }),
  LT_RECEIPT_KINDS: variable({
    section: 'audit',
    readBy: ['audit'],
    default: 'document,dossier',
    meaning: 'Envelope kinds whose delivery earns a receipt.',
    parser: envelopeKinds,
  }),
  LT_AUDIT_RECEIPT_MAX_ITEMS: variable({
    section: 'audit',
    readBy: ['audit'],
    default: '500',
    meaning: 'Delivery steps one receipt envelope lists, at most.',
    parser: integer(1, RECEIPT_MAX_ITEMS),
  }),
  LT_AUDIT_BATCH: variable({
    section: 'audit',
    readBy: ['audit'],
    default: '1000',
    meaning: 'Largest batch a consumer hands to the log writer.',
    parser: integer(1, 10_000),
  }),
  LT_AUDIT_LINGER_MS: variable({
    section: 'audit',
    readBy: ['audit'],
    default: '50',
    meaning: 'How long a partial batch waits for more (fewer, larger transactions at low rates).',
    parser: integer(0, 10_000),
  }),
  LT_AUDIT_VERIFY_INTERVAL_MS: variable({
    section: 'audit',
    readBy: ['audit'],
    default: String(6 * 3_600_000),
    defaultDoc: '`21600000` (6 h)',
    meaning: 'Period of the full verification of the log; 0 = off.',
    parser: integer(0, 30 * 86_400_000),
  }),

  // ── dossier ──
  LT_DOSSIER_SCAN_SECONDS: variable({
    section: 'dossier',
    readBy: ['dossier'],
    default: '60',
    meaning: 'Period of the overdue scanner, in seconds.',
    parser: integer(1, 86_400),
  }),
  LT_CALENDAR_DIR: variable({
    section: 'dossier',
    readBy: ['dossier'],
    default: () => join(findConfigDir(), 'calendar'),
    defaultDoc: '`config/calendar` of the repository',
    meaning: 'Folder of `<year>.json` working-day calendars (deadlines count working days).',
    parser: existingPath('folder'),
  }),
  LT_PROCEDURES_FILE: variable({
    section: 'dossier',
    readBy: ['dossier'],
    default: () => join(findConfigDir(), 'procedures.json'),
    defaultDoc: '`config/procedures.json` of the repository',
    meaning: 'Procedure catalog: the administrative procedures and their processing times.',
    parser: existingPath('file'),
  }),

  // ── cli ──
  LT_GATEWAY_URL: variable({
    section: 'cli',
    readBy: ['cli'],
    default: '',
    defaultDoc: '`http://127.0.0.1:<GATEWAY_PORT>`',
    meaning: 'Gateway the CLI talks to; `--gateway` takes precedence.',
    parser: optionalUrl('http', 'https'),
  }),
  LT_TOKEN: variable({
    section: 'cli',
    readBy: ['cli'],
    default: '',
    defaultDoc: 'none: minted from the hub key',
    meaning:
      'Bearer token of the CLI; `--token` takes precedence. Without one, on the hub machine, the CLI mints a short-lived admin token from the hub key in LT_DATA_DIR.',
    parser: optionalText('JWT'),
  }),
  // ── connector ──
  LT_CONNECTOR_AGENCY: variable({
    section: 'connector',
    readBy: ['connector'],
    default: '',
    meaning: 'Agency the connector acts for (`lienthong connector --as` takes precedence); required.',
    parser: optionalText('agency code'),
  }),
  LT_CONNECTOR_KEY_FILE: variable({
    section: 'connector',
    readBy: ['connector'],
    default: '',
    defaultDoc: '`<LT_DATA_DIR>/keys/agencies/<agency code>.json`',
    meaning: "The agency's private signing key file ({keyId, alg, privateJwk, publicJwk}); `--key` takes precedence. It never leaves the connector: the hub never signs for an agency.",
    parser: optionalText('path of a file'),
  }),
  LT_CONNECTOR_HOST: variable({
    section: 'connector',
    readBy: ['connector'],
    default: '127.0.0.1',
    meaning:
      "Address the connector's HTTP API listens on. On a loopback address local callers are admitted; on any other it refuses to start unless LT_CONNECTOR_TOKEN_FILE or LT_CONNECTOR_TLS_DIR is set.",
    parser: text,
  }),
  LT_CONNECTOR_PORT: variable({
    section: 'connector',
    readBy: ['connector'],
    default: '8090',
    meaning: "Port of the connector's HTTP API (`--port` takes precedence; 0 picks a free one).",
    parser: integer(0, 65535),
  }),
  LT_CONNECTOR_TOKEN_FILE: variable({
    section: 'connector',
    readBy: ['connector'],
    default: '',
    meaning: "File holding the bearer token the agency's systems must present (`Authorization: Bearer <token>`, at least 32 characters). When set it is required on every address, loopback included.",
    parser: optionalText('path of a file'),
  }),
  LT_CONNECTOR_TLS_DIR: variable({
    section: 'connector',
    readBy: ['connector'],
    default: '',
    meaning:
      "Folder with `ca.pem`, `server-cert.pem` and `server-key.pem`: the connector serves HTTPS and admits only clients with a certificate issued by `ca.pem` (mutual TLS).",
    parser: optionalText('path of a folder'),
  }),
  LT_CONNECTOR_STATE_DIR: variable({
    section: 'connector',
    readBy: ['connector'],
    default: '',
    defaultDoc: '`<LT_DATA_DIR>/connector/<agency code>`',
    meaning: 'Folder where the connector keeps the messages it received (until acked, and 30 days after), what it sent, and its webhook secret. One connector process per folder.',
    parser: optionalText('path of a folder'),
  }),
  LT_CONNECTOR_WEBHOOK_URL: variable({
    section: 'connector',
    readBy: ['connector'],
    default: '',
    meaning: 'Each new inbox message is POSTed here (Standard Webhooks signature headers), retried with backoff, parked after LT_CONNECTOR_WEBHOOK_MAX_ATTEMPTS (`--webhook` takes precedence).',
    parser: optionalUrl('http', 'https'),
  }),
  LT_CONNECTOR_WEBHOOK_SECRET_FILE: variable({
    section: 'connector',
    readBy: ['connector'],
    default: '',
    defaultDoc: '`<state dir>/webhook-secret` (made at first start)',
    meaning: 'File with the webhook signing secret (`whsec_` + base64) the receiver verifies with.',
    parser: optionalText('path of a file'),
  }),
  LT_CONNECTOR_WEBHOOK_MAX_ATTEMPTS: variable({
    section: 'connector',
    readBy: ['connector'],
    default: '12',
    meaning: 'Attempts to deliver one webhook (exponential backoff from 1 s up to 15 min between them) before it is parked; a parked message stays in `GET /v1/inbox`.',
    parser: integer(1, 100),
  }),
  LT_CONNECTOR_MAX_PACKAGE_BYTES: variable({
    section: 'connector',
    readBy: ['connector'],
    default: String(128 * 1024 ** 2),
    defaultDoc: '`134217728` (128 MiB)',
    meaning: 'Largest edXML package (inline base64 attachments included) or JSON document the connector accepts (PAYLOAD_TOO_LARGE); larger attachments go as multipart parts, each up to LT_ATTACHMENT_MAX_BYTES.',
    parser: integer(1024, Number.MAX_SAFE_INTEGER),
  }),
} as const;

export type ConfigName = keyof typeof CONFIG_SCHEMA;
export type ConfigValue<K extends ConfigName> = (typeof CONFIG_SCHEMA)[K] extends ConfigVariable<infer T> ? T : never;

/** One variable, parsed and validated: its default when unset or empty. Throws ConfigError naming it. */
export function readVariable<K extends ConfigName>(env: Env, name: K): ConfigValue<K> {
  const spec: ConfigVariable<unknown> = CONFIG_SCHEMA[name];
  const raw = env[name];
  const value = raw === undefined || raw === '' ? (typeof spec.default === 'function' ? spec.default() : spec.default) : raw;
  return spec.parser.parse(value, name) as ConfigValue<K>;
}
