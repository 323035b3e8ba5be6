import { jetstream, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/nats-core';
import { inboxCopyMsgId, setInboxCopyHeaders, uuidv7, type AgencyKvEntry, type Envelope, type FlattenedJws, type Topology } from '@lt/contracts';
import { sha256Hex } from '@lt/crypto';
import { ensureDurableConsumer, type NatsConnection } from '@lt/messaging';
import { hubSign, type TestHubKey } from './fixtures';

/**
 * A stand-in for apps/router in the SDK's integration tests, so they do not depend on it: copies
 * each submission's bytes into the inbox of every explicit recipient with the inbox-copy headers
 * the router sets (setInboxCopyHeaders), forwards copies for a closed agency to its successor, and bounces a hub-signed status 02
 * for recipients listed in `refuse`. It verifies nothing: the SDK must. Test knobs: `tamperNextFor`
 * alters the next copy for an agency after signing; `nextFlags` sets Lt-Flags on the next copy.
 */
export class MiniRouter {
  readonly refuse = new Set<string>();
  tamperNextFor?: string;
  nextFlags?: string;
  routed = 0;
  private messages?: ConsumerMessages;
  private loop?: Promise<void>;

  constructor(
    private readonly nc: NatsConnection,
    private readonly topo: Topology,
    private readonly hubKey: TestHubKey,
    private readonly agencies: Map<string, AgencyKvEntry>,
  ) {}

  async start(): Promise<void> {
    await ensureDurableConsumer(this.nc, { stream: this.topo.streams.submit, durable: this.topo.consumers.router });
    const consumer = await jetstream(this.nc).consumers.get(this.topo.streams.submit, this.topo.consumers.router);
    this.messages = await consumer.consume({ max_messages: 256 });
    this.loop = (async () => {
      for await (const m of this.messages!) await this.route(m);
    })();
  }

  async stop(): Promise<void> {
    await this.messages?.close();
    await this.loop;
  }

  private async route(m: JsMsg): Promise<void> {
    const js = jetstream(this.nc);
    const jws = JSON.parse(Buffer.from(m.data).toString('utf8')) as FlattenedJws;
    const env = JSON.parse(Buffer.from(jws.payload, 'base64url').toString('utf8')) as Envelope;
    const kid = (JSON.parse(Buffer.from(jws.protected, 'base64url').toString('utf8')) as { kid: string }).kid;
    const recipients = env.to.filter((t): t is string => typeof t === 'string');
    const publishes: Array<Promise<unknown>> = [];
    for (const addressed of recipients) {
      if (this.refuse.has(addressed)) {
        publishes.push(this.bounce(env, addressed));
        continue;
      }
      const entry = this.agencies.get(addressed);
      const successor = entry?.agency.status === 'closed' ? entry.agency.successorCode : null;
      const recipient = successor ?? addressed;
      let bytes: Uint8Array = m.data;
      if (this.tamperNextFor === recipient) {
        this.tamperNextFor = undefined;
        const altered = { ...env, body: { ...(env.body as object), subject: 'altered by the hub' } };
        bytes = Buffer.from(JSON.stringify({ ...jws, payload: Buffer.from(JSON.stringify(altered)).toString('base64url') }));
      }
      const flags = this.nextFlags;
      this.nextFlags = undefined;
      const body = env.body as { responseFor?: unknown; statusCode?: unknown };
      const h = natsHeaders();
      setInboxCopyHeaders(h, {
        envelopeId: env.id,
        from: env.from,
        to: recipient,
        kind: env.kind,
        kid,
        issuedAt: env.issuedAt,
        digest: sha256Hex(m.data),
        submitSeq: m.seq,
        routedAt: new Date().toISOString(),
        copies: recipients.length,
        forwardedFrom: successor ? addressed : undefined,
        responseFor: env.kind === 'status' || env.kind === 'recall' ? String(body.responseFor) : undefined,
        statusCode: env.kind === 'status' ? String(body.statusCode) : undefined,
        flags: flags ? [flags] : undefined,
      });
      publishes.push(js.publish(this.topo.inboxSubject(recipient), bytes, { msgID: inboxCopyMsgId(env.id, addressed), headers: h }));
    }
    await Promise.all(publishes);
    this.routed++;
    m.ack();
  }

  private bounce(env: Envelope, recipient: string): Promise<unknown> {
    const refusal: Envelope = {
      id: uuidv7(),
      kind: 'status',
      from: 'hub',
      to: [env.from],
      issuedAt: new Date().toISOString(),
      body: { responseFor: env.id, statusCode: '02', reasonCode: 'UNKNOWN_RECIPIENT', description: `${recipient} is not a registered agency` },
    };
    const bytes = Buffer.from(JSON.stringify(hubSign(refusal, this.hubKey)));
    const h = natsHeaders();
    setInboxCopyHeaders(h, {
      envelopeId: refusal.id,
      from: refusal.from,
      to: env.from,
      kind: refusal.kind,
      kid: this.hubKey.kid,
      issuedAt: refusal.issuedAt,
      digest: sha256Hex(bytes),
      routedAt: refusal.issuedAt,
      copies: 1,
      responseFor: env.id,
      statusCode: '02',
      hubSigned: true,
    });
    return jetstream(this.nc).publish(this.topo.inboxSubject(env.from), bytes, { msgID: inboxCopyMsgId(refusal.id, env.from), headers: h });
  }
}
