import { processRegistry } from './process-metrics';
import { addReadinessCheck } from './readiness';
import { trackReadiness } from './readiness-metric';

describe('lt_service_ready', () => {
  it('is 1 while every readiness check passes and 0 while one fails, read at scrape time', async () => {
    let databaseUp = true;
    trackReadiness({ database: () => databaseUp });
    const value = async () => Number(/^lt_service_ready (\S+)$/m.exec(await processRegistry().getSingleMetricAsString('lt_service_ready'))?.[1]);
    expect(await value()).toBe(1);
    databaseUp = false;
    expect(await value()).toBe(0);
    databaseUp = true;
    // the process-wide checks count too (a consumer that stopped pulling)
    const remove = addReadinessCheck('consumer S/c', () => false);
    expect(await value()).toBe(0);
    remove();
    expect(await value()).toBe(1);
  });
});
