import { processRegistry } from '@lt/observability';
import { setTamperAlarm, trackAuditLog } from './audit-metrics';

const value = async (name: string): Promise<number | undefined> => {
  const metric = (await processRegistry().getSingleMetric(name)!.get()) as { values: Array<{ value: number; labels: Record<string, string> }> };
  if (metric.values[0]?.labels.origin !== undefined) expect(metric.values[0].labels).toEqual({ origin: 'hub.test/audit' });
  return metric.values[0]?.value;
};

describe('audit metrics', () => {
  it('reports the tree size and checkpoint age from the writer replica only, and the tamper alarm as last set', async () => {
    const writer = { origin: 'hub.test/audit', isWriter: true, size: 42, lastCheckpointAtMs: Date.now() - 30_000 };
    const untrack = trackAuditLog(writer);
    expect(await value('lt_audit_tree_size')).toBe(42);
    const age = (await value('lt_audit_last_checkpoint_age_seconds'))!;
    expect(age).toBeGreaterThanOrEqual(30);
    expect(age).toBeLessThan(40);
    expect(await value('lt_audit_tamper_alarm')).toBe(0);

    setTamperAlarm(true);
    expect(await value('lt_audit_tamper_alarm')).toBe(1);
    setTamperAlarm(false);
    expect(await value('lt_audit_tamper_alarm')).toBe(0);

    writer.isWriter = false;
    expect(await value('lt_audit_tree_size')).toBeUndefined();
    expect(await value('lt_audit_last_checkpoint_age_seconds')).toBeUndefined();
    writer.isWriter = true;
    untrack();
    expect(await value('lt_audit_tree_size')).toBeUndefined();
  });
});
