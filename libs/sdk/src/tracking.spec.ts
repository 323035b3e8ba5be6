import { TrackingTable } from './tracking';

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
