import pino from 'pino';
import type { StatusBody } from '@lt/contracts';
import type { InboxMessage, StatusUpdate } from '../types';
import { HUB_TRACKING_KEY, StatusTracking, TrackingTable } from './status-tracking';

describe('TrackingTable', () => {
  it('keeps the latest status by time per recipient, with the history in time order', () => {
    const t = new TrackingTable();
    t.record('d1', 'B', { code: '01', at: '2026-11-22T08:00:01.000Z', statusId: 's1' });
    t.record('d1', 'B', { code: '06', at: '2026-11-22T08:00:09.000Z', statusId: 's3' });
    t.record('d1', 'B', { code: '03', at: '2026-11-22T08:00:05.000Z', statusId: 's2' });
    t.record('d1', 'C', { code: '01', at: '2026-11-22T08:00:02.000Z', statusId: 's4' });
    const view = t.get('d1');
    expect(view.get('B')?.code).toBe('06');
    expect(view.get('B')?.history.map((h) => h.code)).toEqual(['01', '03', '06']);
    expect(view.get('C')?.code).toBe('01');
    expect(t.get('unknown').size).toBe(0);
  });

  it('records a redelivered status once', () => {
    const t = new TrackingTable();
    expect(t.record('d1', 'B', { code: '01', at: '2026-11-22T08:00:01.000Z', statusId: 's1' })).toBe(true);
    expect(t.record('d1', 'B', { code: '01', at: '2026-11-22T08:00:01.000Z', statusId: 's1' })).toBe(false);
    expect(t.get('d1').get('B')?.history).toHaveLength(1);
  });

  it('returns copies and forgets the oldest documents beyond its limit', () => {
    const t = new TrackingTable(2);
    for (const d of ['d1', 'd2', 'd3']) t.record(d, 'B', { code: '01', at: '2026-11-22T08:00:01.000Z' });
    expect(t.size).toBe(2);
    expect(t.get('d1').size).toBe(0);
    t.get('d3').get('B')!.history.push({ code: '06', at: 'x' });
    expect(t.get('d3').get('B')!.history).toHaveLength(1);
  });
});

/** A verified status as InboxReader hands it over (only the fields StatusTracking reads). */
function statusMessage(id: string, from: string, body: StatusBody, hubSigned = false): InboxMessage<StatusBody> {
  return { id, from, hubSigned, envelope: { id, kind: 'status', from, to: ['000.00.00.H41'], issuedAt: body.timestamp, body } } as InboxMessage<StatusBody>;
}

describe('StatusTracking', () => {
  const logged: string[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => void logged.push(line) });
  const at = '2026-11-22T08:00:01.000Z';

  it('records statuses from the inbox, tells the handlers once per status envelope, and tracks hub refusals under "hub"', () => {
    const seen: StatusUpdate[] = [];
    const tracking = new StatusTracking(log, 10, (u) => seen.push(u));
    tracking.received(statusMessage('s1', '000.00.05.H41', { responseFor: 'd1', statusCode: '01', timestamp: at }));
    tracking.received(statusMessage('s1', '000.00.05.H41', { responseFor: 'd1', statusCode: '01', timestamp: at }));
    tracking.received(statusMessage('s2', '000.00.00.H41', { responseFor: 'd1', statusCode: '02', timestamp: at, reasonCode: 'UNKNOWN_RECIPIENT' }, true));
    expect(seen.map((u) => [u.statusId, u.recipient, u.code])).toEqual([
      ['s1', '000.00.05.H41', '01'],
      ['s2', HUB_TRACKING_KEY, '02'],
    ]);
    expect(tracking.of('d1').get(HUB_TRACKING_KEY)?.history[0]).toMatchObject({ code: '02', reasonCode: 'UNKNOWN_RECIPIENT', hubSigned: true });
  });

  it('records a recall as a local 13 for each explicit recipient only', () => {
    const tracking = new StatusTracking(log, 10);
    tracking.recalled('d2', ['000.00.05.H41', { childrenOf: '000.00.00.H41' }], at, 'sent by mistake');
    const view = tracking.of('d2');
    expect([...view.keys()]).toEqual(['000.00.05.H41']);
    expect(view.get('000.00.05.H41')?.history).toEqual([{ code: '13', at, description: 'sent by mistake', local: true }]);
  });

  it('keeps calling the other handlers when one throws, logs it, and unsubscribes', () => {
    const tracking = new StatusTracking(log, 10);
    const calls: string[] = [];
    tracking.onStatus(() => {
      throw new Error('boom');
    });
    const off = tracking.onStatus((u) => calls.push(u.statusId));
    tracking.received(statusMessage('s3', '000.00.05.H41', { responseFor: 'd3', statusCode: '03', timestamp: at }));
    off();
    tracking.received(statusMessage('s4', '000.00.05.H41', { responseFor: 'd3', statusCode: '06', timestamp: at }));
    expect(calls).toEqual(['s3']);
    expect(logged.some((l) => l.includes('onStatus handler threw') && l.includes('boom'))).toBe(true);
  });
});
