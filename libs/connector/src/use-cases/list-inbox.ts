import { isUuid, LtError } from '@lt/contracts';
import type { ConnectorDeps } from '../deps';
import { inboxItemView, type InboxItemView } from './inbox-views';

export interface ListInboxQuery {
  limit?: number;
  after?: string;
}

/** Pending messages, oldest first, `limit` at a time; page with `after` = the last id seen. */
export async function listInbox(deps: ConnectorDeps, q: ListInboxQuery): Promise<{ items: InboxItemView[]; next?: string }> {
  const limit = q.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    throw new LtError('VALIDATION_FAILED', `limit must be an integer from 1 to 1000, got ${String(q.limit)}`, { field: 'limit' });
  if (q.after !== undefined && !isUuid(q.after))
    throw new LtError('VALIDATION_FAILED', `after must be a message id (UUID), got ${JSON.stringify(q.after)}`, { field: 'after' });
  const entries = await deps.store.listPending({ limit: limit + 1, ...(q.after ? { after: q.after } : {}) });
  const items = entries.slice(0, limit).map(inboxItemView);
  return entries.length > limit ? { items, next: items[items.length - 1]!.id } : { items };
}
