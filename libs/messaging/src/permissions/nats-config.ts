import { LtError, parseAgencyCode, type Topology } from '@lt/contracts';
import { agencyPermissions, agencyPublishDeny, agencySubscribeDeny, type UserPermissions } from './agency-permissions';
import { servicePermissions, SERVICE_ROLES, type ServiceRole } from './service-permissions';

/**
 * One credential per user. `nkey` (public key `U...`) is the recommended choice: no secret in
 * the config. `passwordHash` is a bcrypt hash (`$2a$...`, e.g. from `nats server passwd`),
 * passed through unchanged; `password` is stored in clear in the config (tests, demos).
 */
export interface NatsCredential {
  nkey?: string;
  password?: string;
  passwordHash?: string;
}

export interface NatsAgencyUser extends NatsCredential {
  code: string;
  /** user name, required with a password; ignored for nkey users (the key is the identity) */
  user?: string;
}

export interface NatsServiceUser extends NatsCredential {
  user: string;
  role: ServiceRole;
}

export interface NatsConfigInput {
  topo: Topology;
  agencies: NatsAgencyUser[];
  services: NatsServiceUser[];
  /** JetStream store directory; omit to leave it to `-sd` (tests only: on 2.9 a server started with `-sd` cannot reload its config) */
  jetstreamDir?: string;
  port?: number;
  /** host to listen on (default 0.0.0.0) */
  listen?: string;
  /** account that holds every hub user (one account, so streams are shared) */
  account?: string;
  /** bytes; default 2 MiB, equal to the submit/inbox streams' max_msg_size */
  maxPayload?: number;
  /** HTTP monitoring port, bound to 127.0.0.1; omitted when undefined */
  monitorPort?: number;
  jetstreamMaxMemory?: string;
  jetstreamMaxFile?: string;
  serverName?: string;
  /** false once the hub pre-creates inbox consumers (see AgencyPermissionOptions); default true */
  agencyCreatesInboxConsumer?: boolean;
  /** TLS for client connections: the server's certificate and key (PEM files); clients then verify it against their CA */
  tls?: { certFile: string; keyFile: string };
  /** where the server writes its pid (for `nats-server --signal reload=<file>`) */
  pidFile?: string;
  /** first lines of the file, as comments */
  header?: string[];
  /**
   * Only the users: the shared deny lists and the `accounts` block, for `include` from a
   * hand-maintained server file such as deploy/nats/hub.conf. Server settings are then ignored.
   */
  accountsOnly?: boolean;
}

const ACCOUNT_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const USER_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,127}$/;
const NKEY_PATTERN = /^U[A-Z2-7]{55}$/;
const SIZE_PATTERN = /^\d+(K|M|G|T)?B?$/i;
const DEFAULT_MAX_PAYLOAD = 2 * 1024 * 1024;

/**
 * Renders a nats-server 2.9 configuration: JetStream on, one account holding every hub user
 * with per-user publish/subscribe permissions. Agencies get `agencyPermissions` (their own
 * submit subject, their own inbox durable, read-only directory), services `servicePermissions`.
 */
export function renderNatsConfig(input: NatsConfigInput): string {
  const account = input.account ?? 'LT';
  if (!ACCOUNT_PATTERN.test(account)) throw new LtError('VALIDATION_FAILED', `account "${account}" must be letters, digits, '_' or '-'`, { field: 'account' });
  const port = input.port ?? 4222;
  if (!Number.isInteger(port) || port < -1 || port > 65535)
    throw new LtError('VALIDATION_FAILED', `port ${port} must be an integer 0-65535 (or -1 for random)`, { field: 'port' });
  const maxPayload = input.maxPayload ?? DEFAULT_MAX_PAYLOAD;
  if (!Number.isInteger(maxPayload) || maxPayload < 1024 || maxPayload > 64 * 1024 * 1024) {
    throw new LtError('VALIDATION_FAILED', `maxPayload ${maxPayload} must be an integer between 1 KiB and 64 MiB`, { field: 'maxPayload' });
  }
  for (const [field, v] of [
    ['jetstreamMaxMemory', input.jetstreamMaxMemory],
    ['jetstreamMaxFile', input.jetstreamMaxFile],
  ] as const) {
    if (v !== undefined && !SIZE_PATTERN.test(v)) throw new LtError('VALIDATION_FAILED', `${field} "${v}" must be a size like 1G or 512MB`, { field });
  }

  // deny lists are the same for every agency: written once as config variables (12,000 agencies)
  const shared: SharedLists = new Map([
    [key(agencyPublishDeny(input.topo)), 'AGENCY_PUBLISH_DENY'],
    [key(agencySubscribeDeny(input.topo)), 'AGENCY_SUBSCRIBE_DENY'],
  ]);
  const seenCodes = new Set<string>();
  const seenIdentities = new Set<string>();
  const users: string[] = [];
  for (const [i, a] of input.agencies.entries()) {
    const code = parseAgencyCode(a.code);
    if (seenCodes.has(code)) throw new LtError('DUPLICATE', `agency ${code} appears twice (agencies[${i}])`, { field: `agencies[${i}].code`, code });
    seenCodes.add(code);
    const perms = agencyPermissions(input.topo, code, undefined, { createInboxConsumer: input.agencyCreatesInboxConsumer ?? true });
    users.push(renderUser(`agency ${code}`, credentialOf(a, a.user, `agencies[${i}]`, seenIdentities), perms, shared));
  }
  for (const [i, s] of input.services.entries()) {
    if (!SERVICE_ROLES.includes(s.role)) {
      throw new LtError('VALIDATION_FAILED', `services[${i}].role "${s.role}" must be one of ${SERVICE_ROLES.join(', ')}`, { field: `services[${i}].role` });
    }
    users.push(
      renderUser(`service ${s.role} (${s.user})`, credentialOf(s, s.user, `services[${i}]`, seenIdentities), servicePermissions(input.topo, s.role), shared),
    );
  }

  const lines: string[] = [];
  for (const h of input.header ?? []) lines.push(`# ${h}`);
  if (!input.accountsOnly) lines.push(...serverSettings(input, port, maxPayload));
  if (input.agencies.length > 0) lines.push('', '# shared by every agency user (deny wins over allow)');
  // nats-server rejects a variable nobody references ("unknown field"): only agencies use them
  if (input.agencies.length > 0) for (const [k, name] of shared) lines.push(`${name}: [${(JSON.parse(k) as string[]).map(q).join(', ')}]`);
  lines.push('', `# One account: streams, consumers and the KV bucket are shared; each user's permissions decide what it may touch.`);
  lines.push('accounts {', `  ${account} {`, '    jetstream: enabled', '    users: [');
  lines.push(users.join(',\n'));
  lines.push('    ]', '  }', '}', '');
  return lines.join('\n');
}

function serverSettings(input: NatsConfigInput, port: number, maxPayload: number): string[] {
  const lines: string[] = [];
  if (input.serverName) lines.push(`server_name: ${q(input.serverName)}`);
  lines.push(`host: ${q(input.listen ?? '0.0.0.0')}`, `port: ${port}`);
  lines.push(`# equal to max_msg_size of the ${input.topo.streams.submit}/${input.topo.streams.inbox} streams`, `max_payload: ${maxPayload}`);
  if (input.monitorPort !== undefined) lines.push(`# monitoring only on loopback`, `http: ${q(`127.0.0.1:${input.monitorPort}`)}`);
  if (input.pidFile) lines.push(`pid_file: ${q(input.pidFile)}`);
  if (input.tls) lines.push('', '# clients must use TLS', 'tls {', `  cert_file: ${q(input.tls.certFile)}`, `  key_file: ${q(input.tls.keyFile)}`, '  timeout: 5', '}');
  lines.push('', 'jetstream {');
  if (input.jetstreamDir) lines.push(`  store_dir: ${q(input.jetstreamDir)}`);
  if (input.jetstreamMaxMemory) lines.push(`  max_memory_store: ${input.jetstreamMaxMemory}`);
  if (input.jetstreamMaxFile) lines.push(`  max_file_store: ${input.jetstreamMaxFile}`);
  lines.push('}');
  return lines;
}

interface RenderedCredential {
  fields: string[];
}

function credentialOf(c: NatsCredential, user: string | undefined, where: string, seen: Set<string>): RenderedCredential {
  const given = [c.nkey, c.password, c.passwordHash].filter((x) => x !== undefined).length;
  if (given !== 1) throw new LtError('VALIDATION_FAILED', `${where} needs exactly one of nkey, password, passwordHash (got ${given})`, { field: where });
  if (c.nkey !== undefined) {
    if (!NKEY_PATTERN.test(c.nkey))
      throw new LtError('VALIDATION_FAILED', `${where}.nkey must be a user public key "U..." (56 characters)`, { field: `${where}.nkey` });
    if (seen.has(c.nkey)) throw new LtError('DUPLICATE', `${where}.nkey is already used by another user`, { field: `${where}.nkey` });
    seen.add(c.nkey);
    return { fields: [`nkey: ${q(c.nkey)}`] };
  }
  if (!user || !USER_PATTERN.test(user))
    throw new LtError('VALIDATION_FAILED', `${where}.user "${user ?? ''}" is required with a password: letters, digits, '_', '.', '@', '-'`, {
      field: `${where}.user`,
    });
  if (seen.has(`user:${user}`)) throw new LtError('DUPLICATE', `${where}.user "${user}" is already used by another user`, { field: `${where}.user` });
  seen.add(`user:${user}`);
  const secret = (c.password ?? c.passwordHash)!;
  if (c.passwordHash !== undefined && !/^\$2[abxy]?\$\d\d\$[./A-Za-z0-9]{53}$/.test(secret)) {
    throw new LtError('VALIDATION_FAILED', `${where}.passwordHash must be a bcrypt hash ($2a$<cost>$...)`, { field: `${where}.passwordHash` });
  }
  if (c.password !== undefined && !/^[\x21\x23-\x5b\x5d-\x7e]{8,}$/.test(secret)) {
    throw new LtError('VALIDATION_FAILED', `${where}.password must be at least 8 printable ASCII characters, without spaces, quotes or backslashes`, {
      field: `${where}.password`,
    });
  }
  return { fields: [`user: ${q(user)}`, `password: ${q(secret)}`] };
}

type SharedLists = Map<string, string>;

function key(xs: string[]): string {
  return JSON.stringify(xs);
}

function renderUser(comment: string, cred: RenderedCredential, p: UserPermissions, shared: SharedLists): string {
  const list = (xs: string[]) => {
    const name = shared.get(key(xs));
    return name ? `$${name}` : `[${xs.map(q).join(', ')}]`;
  };
  const dir = (name: string, d: UserPermissions['publish']) =>
    `        ${name}: { allow: ${list(d.allow)}${d.deny && d.deny.length > 0 ? `, deny: ${list(d.deny)}` : ''} }`;
  return [
    `      # ${comment}`,
    `      {`,
    ...cred.fields.map((f) => `        ${f}`),
    `        permissions: {`,
    dir('  publish', p.publish),
    dir('  subscribe', p.subscribe),
    ...(p.allowResponses ? ['          allow_responses: true'] : []),
    `        }`,
    `      }`,
  ].join('\n');
}

/** Quoted string for the nats config format (JSON escaping is a subset it understands). */
function q(s: string): string {
  if (/[\x00-\x1f"\\]/.test(s)) throw new LtError('VALIDATION_FAILED', `config value ${JSON.stringify(s)} contains a quote, backslash or control character`);
  return `"${s}"`;
}
