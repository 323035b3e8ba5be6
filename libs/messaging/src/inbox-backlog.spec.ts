import { topology } from '@lt/contracts';
import { inboxConsumerAgency, summarizeInboxBacklogs } from './inbox-backlog';
import { inboxDurableName, outcomeConsumerNames } from './permissions/agency-permissions';

const topo = topology('lt');
const inbox = (code: string, pending: number, ackPending = 0) => ({
  name: inboxDurableName(code),
  num_pending: pending,
  num_ack_pending: ackPending,
  config: { filter_subject: topo.inboxSubject(code) },
});
const code = (i: number) => `000.00.${String(i).padStart(2, '0')}.H41`;

describe('agency inbox backlogs', () => {
  it('counts only agency inbox durables: not the audit, not outcome consumers, not a durable on another agency', () => {
    const A = code(1);
    expect(inboxConsumerAgency(inbox(A, 1), topo)).toBe(A);
    expect(inboxConsumerAgency({ name: 'audit-inbox', config: { filter_subject: topo.inboxWildcard } }, topo)).toBeUndefined();
    expect(inboxConsumerAgency({ name: outcomeConsumerNames(A)[0]!, config: { filter_subject: topo.inboxSubject(A) } }, topo)).toBeUndefined();
    expect(inboxConsumerAgency({ name: inboxDurableName(code(2)), config: { filter_subject: topo.inboxSubject(A) } }, topo)).toBeUndefined();
    expect(inboxConsumerAgency({ name: inboxDurableName(A), config: {} }, topo)).toBeUndefined();
    expect(inboxConsumerAgency(inbox(A, 1), topology('other'))).toBeUndefined();
  });

  it('keeps the largest backlogs (pending + ack pending), largest first, agencies with none left out', () => {
    const consumers = [
      ...Array.from({ length: 14 }, (_, i) => inbox(code(i + 1), i, i % 2)),
      { name: 'audit-inbox', num_pending: 1_000, num_ack_pending: 0, config: { filter_subject: topo.inboxWildcard } },
    ];
    const s = summarizeInboxBacklogs(consumers, topo, 10);
    expect(s.consumers).toBe(14);
    expect(s.pending).toBe(91);
    expect(s.ackPending).toBe(7);
    expect(s.top).toHaveLength(10);
    expect(s.top[0]).toEqual({ agency: code(14), pending: 13, ackPending: 1, backlog: 14 });
    expect(s.top.map((b) => b.backlog)).toEqual([14, 12, 12, 10, 10, 8, 8, 6, 6, 4]);
    // ties by code; code(1) has none
    expect(s.top[1]!.agency < s.top[2]!.agency).toBe(true);
    expect(summarizeInboxBacklogs([inbox(code(1), 0)], topo).top).toEqual([]);
  });
});
