import { attachmentSubjects, type AttachmentBindReply, type AttachmentBindRequest, type Topology } from '@lt/contracts';
import type { RpcClient } from '@lt/messaging';
import type { AttachmentGate } from '../ports/attachment-gate';

/** The attachments service's `bind` over request-reply. */
export class RpcAttachmentGate implements AttachmentGate {
  private readonly subject: string;

  constructor(
    private readonly rpc: RpcClient,
    topo: Topology,
    private readonly timeoutMs = 10_000,
  ) {
    this.subject = attachmentSubjects(topo).bind;
  }

  bind(req: AttachmentBindRequest): Promise<AttachmentBindReply> {
    return this.rpc.call<AttachmentBindReply>(this.subject, req, this.timeoutMs);
  }
}
