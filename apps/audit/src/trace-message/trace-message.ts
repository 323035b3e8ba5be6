import { LtError, isUuid } from '@lt/contracts';
import { rowToEntry, type AuditStore } from '../store/audit-store';
import type { MessageTrace } from '../rpc-contract';
import { buildTrace } from './build-trace';

/**
 * GET /v1/messages/:id/trace. One index probe per month partition on message_id (entries of a
 * status or recall carry the id of the document they answer). No time pruning from the UUIDv7
 * timestamp: the sender chooses the id, so its time proves nothing about where the entries are.
 */
export async function traceMessage(store: AuditStore, messageId: unknown): Promise<MessageTrace> {
  if (typeof messageId !== 'string' || !isUuid(messageId.toLowerCase())) {
    throw new LtError('VALIDATION_FAILED', `messageId must be a UUID, got ${JSON.stringify(messageId)}`, { field: 'messageId' });
  }
  const id = messageId.toLowerCase();
  const rows = await store.entryRowsForMessage(id, null);
  if (rows.length === 0) throw new LtError('UNKNOWN_MESSAGE', `the audit log has no entry about message ${id}`, { messageId: id });
  return buildTrace(
    id,
    rows.map((r) => ({ ...rowToEntry(r), leafHash: r.leaf_hash.toString('base64') })),
  );
}
