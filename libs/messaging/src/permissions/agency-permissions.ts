import { attachmentSubjects, codeToSubjectTokens, type Topology } from '@lt/contracts';

/** One direction of a nats-server user permission block. */
export interface SubjectPermission {
  allow: string[];
  deny?: string[];
}

/** What nats-server 2.9 accepts as a user's `permissions` (publish/subscribe). */
export interface UserPermissions {
  publish: SubjectPermission;
  subscribe: SubjectPermission;
  /** may answer a request it received, once, on its reply subject (nats-server `allow_responses`) */
  allowResponses?: boolean;
}

export interface AgencyPermissionOptions {
  /**
   * Let the agency create/update its own inbox durable (the SDK does so on connect). Turn off
   * once the hub pre-creates every inbox consumer: then the agency may only read it, and cannot
   * turn it into a push consumer (see deploy/nats/README.md, "What subject permissions cannot
   * stop on 2.9"). Default true.
   */
  createInboxConsumer?: boolean;
}

/**
 * Durable name of an agency's inbox consumer: `inbox_` + the code's subject tokens with '.'
 * replaced by '_' (durable names may not contain dots), e.g. `000.12.05.H41` -> `inbox_H41_05_12_000`.
 * The SDK uses this very function (re-exported by libs/sdk inbox-consumer.ts): the permission set
 * names this durable, so the SDK must create and consume exactly this one.
 */
export function inboxDurableName(agencyCode: string): string {
  return `inbox_${codeToSubjectTokens(agencyCode).replace(/\./g, '_')}`;
}

/**
 * An agency's outcome consumers: short-lived pull consumers on its own inbox subject that a
 * dossier submission reads the hub's answer from, starting at the submission's time, without
 * touching the agency's durable inbox consumer. Named per agency (an agency may create, read and
 * delete only these), a few slots so that concurrent waits of one agency do not collide;
 * ephemeral, so one a crashed process leaves behind disappears by itself.
 */
export const OUTCOME_CONSUMER_SLOTS = 4;
export function outcomeConsumerNames(agencyCode: string): string[] {
  const tokens = codeToSubjectTokens(agencyCode).replace(/\./g, '_');
  return Array.from({ length: OUTCOME_CONSUMER_SLOTS }, (_, slot) => `outcome_${tokens}_${slot}`);
}

/**
 * Reply-subject prefix an agency connection MUST use (`connect({ inboxPrefix })`), e.g.
 * `_INBOX.H41.05.12.000`. Replies (PubAcks, pulled inbox messages, KV watch deliveries) travel
 * on inbox subjects; with the default `_INBOX.>` any client allowed to subscribe there could
 * read every other client's pulled messages. A per-agency prefix confines each agency to its own.
 */
export function agencyInboxPrefix(agencyCode: string): string {
  return `_INBOX.${codeToSubjectTokens(agencyCode)}`;
}

/**
 * Publish subjects no agency may use, whatever its allow list says (deny wins over allow in
 * nats-server). Identical for every agency of a topology, so a config can share one copy.
 */
export function agencyPublishDeny(topo: Topology): string[] {
  return [
    // stream administration, direct reads and deletes on every stream
    '$JS.API.STREAM.CREATE.>',
    '$JS.API.STREAM.UPDATE.>',
    '$JS.API.STREAM.DELETE.>',
    '$JS.API.STREAM.PURGE.>',
    '$JS.API.STREAM.MSG.DELETE.>',
    '$JS.API.STREAM.LIST',
    '$JS.API.STREAM.NAMES',
    `$JS.API.STREAM.MSG.GET.${topo.streams.inbox}`,
    `$JS.API.DIRECT.GET.${topo.streams.inbox}.>`,
    // consumer listing and the legacy create subject that carries no filter (deletion is denied
    // by omission: the only consumers an agency may delete are its own outcome consumers)
    '$JS.API.CONSUMER.LIST.>',
    '$JS.API.CONSUMER.NAMES.>',
    '$JS.API.CONSUMER.DURABLE.CREATE.>',
    // KV writes are plain publishes into the bucket's subjects
    `$KV.${topo.kvAgencies}.>`,
    // object store subjects cannot be scoped per agency: attachments go through the hub's service
    '$O.>',
    // the hub's own traffic
    topo.inboxWildcard,
    topo.eventWildcard,
    topo.deadLetterWildcard,
    `${topo.ns}.rpc.>`,
  ];
}

/**
 * Subscribe subjects no agency may use. Besides confidentiality this matters for integrity: a
 * push consumer delivers only where someone has interest, so an agency that cannot subscribe to
 * a stream-captured subject cannot make the server write into that stream for it.
 */
export function agencySubscribeDeny(topo: Topology): string[] {
  return [`${topo.ns}.>`, '$KV.>', '$JS.>', '$O.>'];
}

/**
 * Minimal permissions for an agency client on nats-server 2.9.10 (each entry verified by
 * test/integration/nats-permissions.spec.ts). Everything not allowed is denied.
 *
 * - submit: JetStream publish to its own submit subject; the PubAck returns on its inbox prefix.
 * - inbox: info, create-or-update and pull of exactly its own durable on the inbox stream, and
 *   acks of that durable's deliveries. The create subject carries the filter subject and 2.9
 *   refuses a body whose filter or durable name differs from the subject (err 10131 / 10017),
 *   so the durable cannot be pointed at another agency's messages.
 * - directory: read-only on the agency KV bucket: open (stream info), get (direct or msg get),
 *   watch (ephemeral push consumers filtered on the bucket's subjects, delivered to the agency's
 *   inbox prefix, flow-control replies to `$JS.FC.KV_<bucket>.>`). No put, delete or purge.
 * - replies: subscribe only to its own inbox prefix (see `agencyInboxPrefix`).
 * - attachments: requests to the hub's attachments service on `<ns>.att.<own code tokens>.*`
 *   (the service reads the agency from the subject); never the object store itself.
 */
export function agencyPermissions(
  topo: Topology,
  agencyCode: string,
  durable = inboxDurableName(agencyCode),
  opts: AgencyPermissionOptions = {},
): UserPermissions {
  const inbox = topo.streams.inbox;
  const kvStream = `KV_${topo.kvAgencies}`;
  const kvSubjects = `$KV.${topo.kvAgencies}.>`;
  const ownInboxConsumer = [
    `$JS.API.CONSUMER.INFO.${inbox}.${durable}`,
    ...(opts.createInboxConsumer === false ? [] : [`$JS.API.CONSUMER.CREATE.${inbox}.${durable}.${topo.inboxSubject(agencyCode)}`]),
    `$JS.API.CONSUMER.MSG.NEXT.${inbox}.${durable}`,
    `$JS.ACK.${inbox}.${durable}.>`,
  ];
  // consumers the agency creates itself: none when the hub pre-creates them (createInboxConsumer false)
  const outcomeConsumers = (opts.createInboxConsumer === false ? [] : outcomeConsumerNames(agencyCode)).flatMap((name) => [
    `$JS.API.CONSUMER.CREATE.${inbox}.${name}.${topo.inboxSubject(agencyCode)}`,
    `$JS.API.CONSUMER.INFO.${inbox}.${name}`,
    `$JS.API.CONSUMER.MSG.NEXT.${inbox}.${name}`,
    `$JS.API.CONSUMER.DELETE.${inbox}.${name}`,
  ]);
  return {
    publish: {
      allow: [
        topo.submitSubject(agencyCode),
        attachmentSubjects(topo).op(agencyCode, '*' as never),
        '$JS.API.INFO',
        ...ownInboxConsumer,
        ...outcomeConsumers,
        `$JS.API.STREAM.INFO.${kvStream}`,
        `$JS.API.DIRECT.GET.${kvStream}`,
        `$JS.API.DIRECT.GET.${kvStream}.>`,
        `$JS.API.STREAM.MSG.GET.${kvStream}`,
        `$JS.API.CONSUMER.CREATE.${kvStream}.*.${kvSubjects}`,
        `$JS.API.CONSUMER.INFO.${kvStream}.*`,
        `$JS.FC.${kvStream}.>`,
      ],
      deny: agencyPublishDeny(topo),
    },
    subscribe: {
      allow: [`${agencyInboxPrefix(agencyCode)}.>`],
      deny: agencySubscribeDeny(topo),
    },
  };
}
