import { LtError, type BundleEntryFields, type MessageTrace } from '@lt/contracts';
import type { Caller } from '../auth/roles';

/**
 * What an agency token may read of the audit log. Admins and auditors read everything; an agency
 * reads its own report, the proofs of entries that name it, and the traces of messages it sent
 * or received. "Not yours" and "does not exist" get the same 403 FORBIDDEN, so an agency cannot
 * probe for other agencies' message ids. (Entry positions are not hidden: the log size is in
 * every checkpoint.)
 */
export function agencyOf(caller: Caller): string | null {
  return caller.role === 'admin' || caller.role === 'auditor' ? null : (caller.agencyCode ?? null);
}

export function assertOwnReport(caller: Caller, code: string): void {
  const own = agencyOf(caller);
  if (own !== null && own !== code) {
    throw new LtError('FORBIDDEN', `an agency token reads only its own agency report (${own}), not ${JSON.stringify(code)}`, { agency: own });
  }
}

export function assertEntryConcerns(caller: Caller, entry: BundleEntryFields): void {
  const own = agencyOf(caller);
  if (own !== null && !entry.agencies.includes(own)) {
    throw new LtError('FORBIDDEN', `audit entry ${entry.seq} does not concern agency ${own}: an agency token reads only proofs of its own entries`, {
      agency: own,
      seq: entry.seq,
    });
  }
}

/** The one answer for a message an agency neither sent nor received, and for one the log does not know. */
export function traceRefused(own: string, messageId: string): LtError {
  return new LtError(
    'FORBIDDEN',
    `no trace of message ${JSON.stringify(messageId)} for agency ${own}: it did not send or receive it, or the log has no entry about it`,
    {
      agency: own,
    },
  );
}

/**
 * The trace as an agency may see it. The sender sees the whole trace (its recipients and their
 * answers). A recipient sees the document's own facts, its own copy and statuses, and none of
 * the other recipients' copies, answers or the hub's refusals of the sender. Anyone else: 403.
 * Only delivered copies count as "received": a status naming a message proves nothing about
 * who may read it.
 */
export function traceFor(caller: Caller, trace: MessageTrace): MessageTrace {
  const own = agencyOf(caller);
  if (own === null) return trace;
  if (trace.from === own) return trace;
  const mine = trace.recipients.filter((r) => r.code === own && r.deliverySeq !== null);
  if (mine.length === 0) throw traceRefused(own, trace.messageId);
  return {
    ...trace,
    recipients: mine,
    rejections: [],
    recall: trace.recall && { ...trace.recall, outcomes: trace.recall.outcomes.filter((o) => o.recipient === own) },
    // steps by or to this agency, and the document's own steps that name no recipient (flags, replays)
    timeline: trace.timeline.filter((s) => s.actor === own || s.target === own || (s.target === null && s.actor === trace.from && s.type !== 'msg.rejected')),
  };
}
