import { headers as natsHeaders, type Msg, type Subscription } from '@nats-io/nats-core';
import { ATT_ERROR_HEADER, ATT_ID_HEADER, ATT_OFFSET_HEADER, LtError, toLtError, type AttachmentBindRequest } from '@lt/contracts';
import { decodeRpcRequest, isSafeReplySubject, respondRpc, type NatsConnection } from '@lt/messaging';
import type { Logger } from '@lt/platform';
import type { AttachmentService } from './attachment-service';

const enc = new TextEncoder();

/**
 * The service's two subscriptions: agencies on `<ns>.att.<code tokens>.<op>` (the agency is the
 * one of the subject, which NATS permissions bind to it) and the router on
 * `<ns>.rpc.attachments.bind`. Replies go only to `_INBOX.` subjects (see isSafeReplySubject).
 */
export class AttachmentEndpoint {
  private subs: Subscription[] = [];

  constructor(
    private readonly nc: NatsConnection,
    private readonly service: AttachmentService,
    private readonly log: Logger,
  ) {}

  start(): void {
    const s = this.service.subjects;
    this.subs.push(this.nc.subscribe(s.wildcard, { queue: 'attachments', callback: (err, msg) => (err ? this.log.error({ err: err.message }, 'attachments subscription') : this.onAgency(msg)) }));
    this.subs.push(this.nc.subscribe(s.bind, { queue: 'attachments', callback: (err, msg) => (err ? this.log.error({ err: err.message }, 'bind subscription') : this.onBind(msg)) }));
  }

  async stop(): Promise<void> {
    for (const s of this.subs) s.unsubscribe();
    this.subs = [];
  }

  private onBind(msg: Msg): void {
    if (!isSafeReplySubject(msg.reply)) return;
    void (async () => {
      try {
        respondRpc(msg, { result: await this.service.bind(decodeRpcRequest(msg) as AttachmentBindRequest) });
      } catch (err) {
        respondRpc(msg, { error: err });
      }
    })();
  }

  /** Synchronous up to the service call, so the chunks of one sender are taken in arrival order. */
  private onAgency(msg: Msg): void {
    if (!isSafeReplySubject(msg.reply)) return;
    const parsed = this.service.subjects.parse(msg.subject);
    if (!parsed) return respondRpc(msg, { error: new LtError('BAD_REQUEST', `unknown attachments subject ${msg.subject}`) });
    const { agencyCode, op } = parsed;
    let pending: Promise<unknown> | unknown;
    try {
      if (op === 'chunk') {
        const id = msg.headers?.get(ATT_ID_HEADER) ?? '';
        const offset = Number(msg.headers?.get(ATT_OFFSET_HEADER) ?? NaN);
        pending = this.service.chunk(agencyCode, id, offset, msg.data);
      } else if (op === 'read') {
        const id = msg.headers?.get(ATT_ID_HEADER) ?? '';
        const offset = Number(msg.headers?.get(ATT_OFFSET_HEADER) ?? NaN);
        this.service.read(agencyCode, id, offset).then(
          (bytes) => msg.respond(bytes),
          (err) => this.readError(msg, err),
        );
        return;
      } else {
        const body = decodeRpcRequest(msg) as Record<string, unknown>;
        if (op === 'open') pending = this.service.openUpload(agencyCode, body as never);
        else if (op === 'complete') pending = this.service.complete(agencyCode, body as never);
        else if (op === 'revoke') pending = this.service.revoke(agencyCode, body as never);
        else if (op === 'status') pending = this.service.status(agencyCode, String(body?.id));
        else pending = this.service.get(agencyCode, String(body?.id));
      }
    } catch (err) {
      return respondRpc(msg, { error: err });
    }
    Promise.resolve(pending).then(
      (result) => respondRpc(msg, { result }),
      (error) => {
        const lt = toLtError(error);
        if (lt.code === 'INTERNAL' || lt.code === 'UNAVAILABLE') this.log.warn({ err: lt.message, agencyCode, op }, 'attachment request failed');
        respondRpc(msg, { error: lt });
      },
    );
  }

  private readError(msg: Msg, err: unknown): void {
    const h = natsHeaders();
    h.set(ATT_ERROR_HEADER, '1');
    msg.respond(enc.encode(JSON.stringify(toLtError(err).toJSON())), { headers: h });
  }
}
