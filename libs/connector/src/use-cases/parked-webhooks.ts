import { isUuid, LtError } from '@lt/contracts';
import type { ConnectorDeps } from '../deps';
import { inboxItemView, type InboxItemView } from './inbox-views';

/** Messages whose webhook retries ran out (still pending in the inbox). */
export async function listParkedWebhooks(
  deps: ConnectorDeps,
): Promise<{ items: Array<InboxItemView & { attempts: number; lastError?: string; parkedAt?: string }> }> {
  const parked = await deps.store.listParked({ limit: 1000 });
  return {
    items: parked.map((e) => ({
      ...inboxItemView(e),
      attempts: e.webhook?.attempts ?? 0,
      ...(e.webhook?.lastError ? { lastError: e.webhook.lastError } : {}),
      ...(e.webhook?.parkedAt ? { parkedAt: e.webhook.parkedAt } : {}),
    })),
  };
}

/** Puts parked webhooks (all, or those named) back in the queue, due now, with their attempts reset. */
export async function requeueParkedWebhooks(deps: ConnectorDeps, ids: unknown): Promise<{ requeued: number }> {
  if (!deps.webhooks) throw new LtError('VALIDATION_FAILED', 'this connector has no webhook URL (--webhook / LT_CONNECTOR_WEBHOOK_URL)', { field: 'webhook' });
  if (ids !== undefined && (!Array.isArray(ids) || ids.length > 1000 || !ids.every(isUuid))) {
    throw new LtError('SCHEMA_INVALID', 'ids must be an array of at most 1000 message ids (UUIDs)', { field: 'ids' });
  }
  const requeued = await deps.store.requeueParked(ids as string[] | undefined);
  deps.webhooks.notify();
  return { requeued };
}
