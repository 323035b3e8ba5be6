import { codeToSubjectTokens } from '../agency-code/agency-code';

/**
 * Names of every subject, stream, consumer and bucket, derived from one namespace.
 * Production uses the namespace `lt` (the public surface agency systems build on); tests use their own
 * namespace so they never touch the streams `npm start` uses.
 */
export interface Topology {
  readonly ns: string;
  readonly streams: { readonly submit: string; readonly inbox: string; readonly events: string; readonly deadLetter: string };
  readonly kvAgencies: string;
  /** KV bucket of revoked bearer-token ids (key = jti), watched by every gateway */
  readonly kvTokenRevocations: string;
  /** durable consumers of the hub: router (submit), audit (events), auditInbox (inbox: every delivered copy), dossier */
  readonly consumers: { readonly router: string; readonly audit: string; readonly auditInbox: string; readonly dossier: string };
  submitSubject(fromCode: string): string;
  inboxSubject(toCode: string): string;
  eventSubject(type: string): string;
  rpcSubject(service: 'registry' | 'audit' | 'dossier' | 'router', method: string): string;
  readonly submitWildcard: string;
  readonly inboxWildcard: string;
  readonly eventWildcard: string;
  readonly deadLetterWildcard: string;
  deadLetterSubject(source: string): string;
}

const NS_PATTERN = /^[a-z][a-z0-9]{0,30}$/;

export function topology(ns = 'lt'): Topology {
  if (!NS_PATTERN.test(ns)) throw new Error(`invalid namespace "${ns}": lowercase letters and digits, starting with a letter`);
  const up = ns.toUpperCase();
  return {
    ns,
    streams: { submit: `${up}_SUBMIT`, inbox: `${up}_INBOX`, events: `${up}_EVENTS`, deadLetter: `${up}_DLQ` },
    kvAgencies: `${ns}-agencies`,
    kvTokenRevocations: `${ns}-token-revocations`,
    consumers: { router: 'router', audit: 'audit', auditInbox: 'audit-inbox', dossier: 'dossier' },
    submitSubject: (fromCode) => `${ns}.submit.${codeToSubjectTokens(fromCode)}`,
    inboxSubject: (toCode) => `${ns}.inbox.${codeToSubjectTokens(toCode)}`,
    eventSubject: (type) => `${ns}.evt.${type}`,
    rpcSubject: (service, method) => `${ns}.rpc.${service}.${method}`,
    submitWildcard: `${ns}.submit.>`,
    inboxWildcard: `${ns}.inbox.>`,
    eventWildcard: `${ns}.evt.>`,
    deadLetterWildcard: `${ns}.dlq.>`,
    deadLetterSubject: (source) => `${ns}.dlq.${source}`,
  };
}

/** KV key holding the hub's public signing keys: `{keys: [{kid, alg, publicJwk}]}`. */
export const HUB_KEYS_KV_KEY = '_hub.keys';
/** kid prefix of hub-signed envelopes: `hub#<key id>` */
export const HUB_KID_PREFIX = 'hub#';
