import { Inject, Injectable } from '@nestjs/common';
import { LtError, isUuid, type MessageTrace } from '@lt/contracts';
import { rowToEntry } from '../../domain/stored-entry';
import { AUDIT_STORE, type AuditStore } from '../../ports';
import { buildTrace } from './build-trace';

/**
 * GET /v1/messages/:id/trace. Two indexed reads: the message index of audit_entry_ids gives the
 * (seq, at) of every entry about the message (a status or recall carries the id of the document
 * it answers), then each entry is read from the one month partition holding it. Not the UUIDv7
 * timestamp of the id: the sender chooses the id, so its time proves nothing about where entries are.
 */
@Injectable()
export class TraceMessageUseCase {
  constructor(@Inject(AUDIT_STORE) private readonly store: AuditStore) {}

  async execute(messageId: unknown): Promise<MessageTrace> {
    if (typeof messageId !== 'string' || !isUuid(messageId.toLowerCase())) {
      throw new LtError('VALIDATION_FAILED', `messageId must be a UUID, got ${JSON.stringify(messageId)}`, { field: 'messageId' });
    }
    const id = messageId.toLowerCase();
    const rows = await this.store.entryRowsForMessages([id]);
    if (rows.length === 0) throw new LtError('UNKNOWN_MESSAGE', `the audit log has no entry about message ${id}`, { messageId: id });
    return buildTrace(
      id,
      rows.map((r) => ({ ...rowToEntry(r), leafHash: r.leaf_hash.toString('base64') })),
    );
  }
}
