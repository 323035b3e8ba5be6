import { attachmentSubjects, type Topology } from '@lt/contracts';
import { serviceStatusSubject } from '@lt/observability';
import { hubDurables } from '@lt/observability';
import type { UserPermissions } from './agency-permissions';

/**
 * The hub's own NATS users. Each service gets what its role needs and nothing more, so a
 * compromised gateway cannot write an inbox, and a compromised router cannot edit the directory:
 *
 * - `operator`: whoever sets the hub up (`npm start`, an operator's shell). Creates and updates
 *   streams and buckets; the only user with the JetStream administration API.
 * - services reply to requests on `_INBOX.>` and never core-subscribe to a stream-captured subject
 *   (deploy/nats/README.md, "What subject permissions cannot stop on 2.9").
 */
export type ServiceRole = 'router' | 'audit' | 'registry' | 'dossier' | 'gateway' | 'attachments' | 'operator';
export const SERVICE_ROLES: readonly ServiceRole[] = ['router', 'audit', 'registry', 'dossier', 'gateway', 'attachments', 'operator'];

/** Name of the token revocation bucket the gateways share (`<ns>-token-revocations`). */
export function tokenRevocationBucket(topo: Topology): string {
  return topo.kvTokenRevocations;
}

/** Read, get and watch one KV bucket (the watch is an ordered push consumer delivered to `_INBOX`). */
function kvRead(bucket: string): string[] {
  const stream = `KV_${bucket}`;
  return [
    `$JS.API.STREAM.INFO.${stream}`,
    `$JS.API.DIRECT.GET.${stream}`,
    `$JS.API.DIRECT.GET.${stream}.>`,
    `$JS.API.STREAM.MSG.GET.${stream}`,
    `$JS.API.CONSUMER.CREATE.${stream}.>`,
    `$JS.API.CONSUMER.INFO.${stream}.*`,
    `$JS.API.CONSUMER.DELETE.${stream}.*`,
    `$JS.FC.${stream}.>`,
  ];
}

/** A durable pull consumer of one stream: create/update, info, pull and ack, of that durable only. */
function durable(stream: string, name: string): string[] {
  return [
    `$JS.API.CONSUMER.CREATE.${stream}.${name}`,
    `$JS.API.CONSUMER.CREATE.${stream}.${name}.>`,
    `$JS.API.CONSUMER.INFO.${stream}.${name}`,
    `$JS.API.CONSUMER.MSG.NEXT.${stream}.${name}`,
    `$JS.ACK.${stream}.${name}.>`,
  ];
}

/** A bucket (KV or object store) its owner creates, reads and writes, and nothing else. */
function ownBucket(stream: string, subjects: string): string[] {
  return [
    `$JS.API.STREAM.CREATE.${stream}`,
    // scaling its replicas to LT_STREAM_REPLICAS
    `$JS.API.STREAM.UPDATE.${stream}`,
    `$JS.API.STREAM.INFO.${stream}`,
    `$JS.API.STREAM.PURGE.${stream}`,
    `$JS.API.STREAM.MSG.GET.${stream}`,
    `$JS.API.DIRECT.GET.${stream}`,
    `$JS.API.DIRECT.GET.${stream}.>`,
    `$JS.API.CONSUMER.CREATE.${stream}.>`,
    `$JS.API.CONSUMER.INFO.${stream}.*`,
    `$JS.API.CONSUMER.DELETE.${stream}.*`,
    `$JS.FC.${stream}.>`,
    subjects,
  ];
}

/**
 * `ensureTopology` on a hub already set up: stream and bucket info, nothing that changes them;
 * and the info of the hub's durable consumers, whose lag every service reports (trackHubQueues).
 */
function topologyCheck(topo: Topology): string[] {
  return [
    '$JS.API.INFO',
    ...Object.values(topo.streams).map((s) => `$JS.API.STREAM.INFO.${s}`),
    `$JS.API.STREAM.INFO.KV_${topo.kvAgencies}`,
    `$JS.API.STREAM.INFO.KV_${topo.kvTokenRevocations}`,
    ...hubDurables(topo).map(({ stream, consumer }) => `$JS.API.CONSUMER.INFO.${stream}.${consumer}`),
  ];
}

export function servicePermissions(topo: Topology, role: ServiceRole): UserPermissions {
  const rpc = (service: string, method = '>') => `${topo.ns}.rpc.${service}.${method}`;
  const replies = '_INBOX.>';
  // every service process answers the status request (`lienthong status`, the gateway's /health)
  const status = serviceStatusSubject(topo.ns);
  const publish = (allow: string[]): UserPermissions => ({
    publish: { allow: [...topologyCheck(topo), ...allow] },
    subscribe: { allow: [replies, status] },
    allowResponses: true,
  });
  // answering a request is allowed only on the reply subject of that request, not on `_INBOX.>` at large
  const serve = (p: UserPermissions, service: string): UserPermissions => ({ ...p, subscribe: { allow: [replies, status, rpc(service)] }, allowResponses: true });
  const kv = kvRead(topo.kvAgencies);
  switch (role) {
    case 'operator':
      return {
        // $JS.SNAPSHOT.>: answering snapshot chunks and sending restore chunks (`lienthong backup`, `restore`)
        publish: { allow: [`${topo.ns}.>`, '$JS.API.>', '$JS.ACK.>', '$JS.FC.>', '$KV.>', '$JS.SNAPSHOT.>'] },
        subscribe: { allow: [replies] },
      };
    case 'registry':
      // the directory's only writer; answers its own per-replica import forwards
      return serve(publish([...kv, `$KV.${topo.kvAgencies}.>`, topo.eventWildcard, rpc('registry')]), 'registry');
    case 'router':
      return publish([
        ...durable(topo.streams.submit, topo.consumers.router),
        ...kv,
        // the hub's public envelope keys sit in the directory bucket under one key
        `$KV.${topo.kvAgencies}._hub.keys`,
        topo.inboxWildcard,
        topo.eventWildcard,
        topo.deadLetterWildcard,
        rpc('dossier', 'apply'),
        attachmentSubjects(topo).bind,
        // the agencies' inbox backlog (lt_inbox_backlog_messages): each consumer's info, one paged list
        `$JS.API.CONSUMER.LIST.${topo.streams.inbox}`,
      ]);
    case 'audit':
      return serve(
        publish([...durable(topo.streams.events, topo.consumers.audit), ...durable(topo.streams.inbox, topo.consumers.auditInbox), ...kv, topo.inboxWildcard]),
        'audit',
      );
    case 'attachments': {
      // owns the object store and its index; answers agencies on `<ns>.att.>` and the router's bind
      const att = attachmentSubjects(topo);
      const p = publish([...ownBucket(`OBJ_${att.bucket}`, `$O.${att.bucket}.>`), ...ownBucket(`KV_${att.index}`, `$KV.${att.index}.>`)]);
      return { ...p, subscribe: { allow: [replies, status, att.wildcard, att.bind] }, allowResponses: true };
    }
    case 'dossier':
      return serve(publish([...kv, topo.inboxWildcard, topo.eventWildcard]), 'dossier');
    case 'gateway': {
      const revocations = tokenRevocationBucket(topo);
      return publish([
        ...kv,
        ...kvRead(revocations),
        `$KV.${revocations}.>`,
        rpc('registry'),
        rpc('audit'),
        rpc('dossier', 'get'),
        rpc('dossier', 'list'),
        rpc('dossier', 'report'),
        // its /health asks every service process for its status
        status,
      ]);
    }
  }
}
