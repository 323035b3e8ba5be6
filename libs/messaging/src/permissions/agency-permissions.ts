import { codeToSubjectTokens, type Topology } from '@lt/contracts';

/** One direction of a nats-server user permission block. */
export interface SubjectPermission {
  allow: string[];
  deny?: string[];
}

/** What nats-server 2.9 accepts as a user's `permissions` (publish/subscribe only). */
export interface UserPermissions {
  publish: SubjectPermission;
  subscribe: SubjectPermission;
}

/**
 * Durable name of an agency's inbox consumer: `inbox_` + the code's subject tokens with '.'
 * replaced by '_' (durable names may not contain dots), e.g. `000.12.05.H41` -> `inbox_H41_05_12_000`.
 * Same formula as `inboxDurableName` in libs/sdk/src/names.ts: the permission set names this
 * durable, so the SDK must create/consume exactly this one.
 */
export function inboxDurableName(agencyCode: string): string {
  return `inbox_${codeToSubjectTokens(agencyCode).replace(/\./g, '_')}`;
}

/**
 * Reply-subject prefix an agency connection MUST use (`connect({ inboxPrefix })`).
 * Replies (PubAcks, pulled inbox messages, KV watch deliveries) travel on inbox subjects; with
 * the default `_INBOX.>` every client allowed to subscribe there could read every other
 * client's pulled messages. A per-agency prefix lets the server confine each agency to its own.
 */
export function agencyInboxPrefix(agencyCode: string): string {
  return `_INBOX.${codeToSubjectTokens(agencyCode)}`;
}

/**
 * Minimal permissions for an agency client on nats-server 2.9.10 (verified by
 * test/integration/nats-permissions.spec.ts). Everything not listed is denied; the deny lists
 * only restate, for readers and for defence in depth, the dangerous neighbours of what is allowed.
 *
 * - submit: JetStream publish to its own submit subject; the PubAck comes back on its inbox prefix.
 * - inbox: info, create-or-update and pull of exactly its own durable on the inbox stream. The
 *   create subject carries the filter subject, and 2.9 refuses a request whose body filter
 *   differs from it, so the durable cannot be pointed at another agency's subject.
 * - directory: read-only on the agency KV bucket (open, get, watch through ordered push
 *   consumers whose flow-control replies go to `$JS.FC.<stream>.>`). No put/delete/purge.
 */
export function agencyPermissions(topo: Topology, agencyCode: string, durable = inboxDurableName(agencyCode)): UserPermissions {
  const inbox = topo.streams.inbox;
  const kvStream = `KV_${topo.kvAgencies}`;
  const kvSubjects = `$KV.${topo.kvAgencies}.>`;
  const replies = `${agencyInboxPrefix(agencyCode)}.>`;
  return {
    publish: {
      allow: [
        topo.submitSubject(agencyCode),
        '$JS.API.INFO',
        // own inbox durable: info, create/update bound to its own filter, pull, acks
        `$JS.API.CONSUMER.INFO.${inbox}.${durable}`,
        `$JS.API.CONSUMER.CREATE.${inbox}.${durable}.${topo.inboxSubject(agencyCode)}`,
        `$JS.API.CONSUMER.MSG.NEXT.${inbox}.${durable}`,
        `$JS.ACK.${inbox}.${durable}.>`,
        // directory bucket, read-only
        `$JS.API.STREAM.INFO.${kvStream}`,
        `$JS.API.DIRECT.GET.${kvStream}`,
        `$JS.API.DIRECT.GET.${kvStream}.>`,
        `$JS.API.STREAM.MSG.GET.${kvStream}`,
        `$JS.API.CONSUMER.CREATE.${kvStream}.*.${kvSubjects}`,
        `$JS.API.CONSUMER.INFO.${kvStream}.*`,
        `$JS.FC.${kvStream}.>`,
      ],
      deny: [
        // stream/consumer administration and direct reads of the message streams
        '$JS.API.STREAM.CREATE.>',
        '$JS.API.STREAM.UPDATE.>',
        '$JS.API.STREAM.DELETE.>',
        '$JS.API.STREAM.PURGE.>',
        '$JS.API.STREAM.MSG.DELETE.>',
        '$JS.API.CONSUMER.DELETE.>',
        '$JS.API.CONSUMER.DURABLE.CREATE.>',
        // KV writes are plain publishes into the bucket's subjects
        kvSubjects,
      ],
    },
    subscribe: {
      allow: [replies, kvSubjects],
      deny: [topo.inboxWildcard, topo.submitWildcard],
    },
  };
}

/** Hub services; each currently needs the whole hub surface (see deploy/nats/README.md). */
export type ServiceRole = 'router' | 'audit' | 'registry' | 'dossier' | 'gateway';
export const SERVICE_ROLES: readonly ServiceRole[] = ['router', 'audit', 'registry', 'dossier', 'gateway'];

/**
 * Hub services: everything of their namespace, the JetStream API and replies. Broad on
 * purpose (the router writes every inbox, the registry every consumer, the audit reads every
 * stream); what protects the hub is that agencies never hold these credentials.
 * Scoped to the namespace so that a test namespace's service user cannot touch production.
 */
export function servicePermissions(topo: Topology, role: ServiceRole): UserPermissions {
  void role; // one broad set today; kept per role so the config names who is who
  const all = [`${topo.ns}.>`, '$JS.API.>', '$JS.ACK.>', '$JS.FC.>', '$KV.>', '_INBOX.>', '$JS.EVENT.>'];
  return { publish: { allow: all }, subscribe: { allow: all } };
}
