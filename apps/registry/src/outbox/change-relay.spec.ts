import type { AgencyKvEntry, HubEvent } from '@lt/contracts';
import pino from 'pino';
import { InMemoryAgencyRepository } from '../adapters/in-memory-agency.repository';
import { ADMIN, buildUseCases, SEED_CSV } from '../testing/registry-test-kit';
import { FixedClock } from '../ports';
import { ChangeRelay } from './change-relay';

function setup(failTimes = 0) {
  const repo = new InMemoryAgencyRepository();
  const published: HubEvent[] = [];
  const kv = new Map<string, AgencyKvEntry>();
  let failures = failTimes;
  const events = {
    publish: async (es: readonly HubEvent[]) => {
      if (failures > 0) {
        failures--;
        throw new Error('nats: no responders');
      }
      published.push(...es);
    },
  };
  const mirror = { put: async (entries: readonly AgencyKvEntry[]) => entries.forEach((e) => kv.set(e.agency.code, e)), count: async () => kv.size };
  const relay = new ChangeRelay(repo, events as never, mirror, pino({ level: 'silent' }), { batchSize: 3, maxRetryMs: 20 });
  const uc = buildUseCases({ repo, clock: new FixedClock(new Date('2026-01-01T00:00:00Z')), outbox: relay });
  return { repo, relay, uc, published, kv };
}

describe('ChangeRelay (outbox over registry_changes)', () => {
  it('publishes one event per change in batches and mirrors the latest state of each agency', async () => {
    const { uc, published, kv, repo } = setup();
    await uc.importAgencies.importCsv(ADMIN, 'partial', SEED_CSV);
    await uc.updateAgency.execute(ADMIN, '000.00.02.H41', { name: 'Sở Nội vụ' });
    expect(published.map((e) => e.type)).toEqual([...Array(7).fill('registry.agency.created'), 'registry.agency.updated']);
    expect(new Set(published.map((e) => e.id)).size).toBe(8);
    expect(published[0]).toMatchObject({ source: 'registry', agencies: ['000.00.00.G12'], data: { seq: 1, actor: ADMIN, agency: { code: '000.00.00.G12' } } });
    expect(kv.get('000.00.02.H41')!.agency).toMatchObject({ name: 'Sở Nội vụ', version: 2 });
    expect(repo.publishedSeq).toBe(8);
  });

  it('keeps the cursor when NATS refuses, and the retry republishes the same event ids', async () => {
    const { uc, published, repo, relay } = setup(1);
    const a = await uc.createAgency.execute(ADMIN, { code: '000.00.00.H41', name: 'Nghệ An', tier: 'province' });
    expect(a.code).toBe('000.00.00.H41'); // the change committed even though publishing failed
    expect(published).toHaveLength(0);
    expect(repo.publishedSeq).toBe(0);
    // the relay retries on its own (first retry after 500 ms); wait for it without a fixed sleep
    for (let i = 0; i < 100 && published.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(published.map((e) => e.id)).toEqual([repo.state.changes[0]!.eventId]);
    expect(repo.publishedSeq).toBe(1);
    await relay.stop();
  });

  it('shares passes between concurrent callers and still covers every change', async () => {
    const { uc, published } = setup();
    await Promise.all(
      ['000.00.00.H41', '000.00.00.H49', '000.00.00.H14', '000.00.00.H01', '000.00.00.H02'].map((code) =>
        uc.createAgency.execute(ADMIN, { code, name: code, tier: 'province' }),
      ),
    );
    expect(published).toHaveLength(5);
  });

  it('publishes every change again at start when the bucket lost agencies (a new NATS store under the same database)', async () => {
    const { uc, published, kv, repo, relay } = setup();
    await uc.importAgencies.importCsv(ADMIN, 'partial', SEED_CSV);
    await uc.updateAgency.execute(ADMIN, '000.00.02.H41', { name: 'Sở Nội vụ' });
    kv.clear();
    published.length = 0;
    await relay.start();
    await relay.stop();
    expect(kv.size).toBe(7);
    expect(kv.get('000.00.02.H41')!.agency).toMatchObject({ name: 'Sở Nội vụ', version: 2 });
    expect(published).toHaveLength(8); // same event ids as before: the stream and the audit deduplicate them
    expect(repo.publishedSeq).toBe(8);
  });

  it('leaves the cursor alone at start when the bucket holds every agency', async () => {
    const { uc, published, relay } = setup();
    await uc.importAgencies.importCsv(ADMIN, 'partial', SEED_CSV);
    published.length = 0;
    await relay.start();
    await relay.stop();
    expect(published).toHaveLength(0);
  });
});
