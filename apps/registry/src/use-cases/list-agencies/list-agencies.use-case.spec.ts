import { ADMIN, inMemoryRegistry, SEED_CSV } from '../../testing/registry-test-kit';
import { decodeCursor, encodeCursor } from './list-agencies.use-case';

describe('ListAgenciesUseCase, AgencyChildrenUseCase, AgencyHistoryUseCase', () => {
  it('pages with an opaque cursor until the end, with filters', async () => {
    const { uc } = inMemoryRegistry();
    await uc.importAgencies.importCsv(ADMIN, 'partial', SEED_CSV);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await uc.listAgencies.execute({ limit: '3', ...(cursor ? { cursor } : {}) });
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((a) => a.code));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual([...seen].sort());
    expect(seen).toHaveLength(7);
    expect((await uc.listAgencies.execute({ tier: 'commune' })).items.map((a) => a.code)).toEqual(['000.01.30.H41', '001.01.30.H41']);
    expect((await uc.listAgencies.execute({ parent: '000.00.00.H41' })).items).toHaveLength(2);
    expect((await uc.listAgencies.execute({ q: 'hưng bình' })).items).toHaveLength(2);
    await expect(uc.listAgencies.execute({ limit: 1001 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'limit' } });
    await expect(uc.listAgencies.execute({ cursor: 'nonsense!' })).rejects.toMatchObject({ details: { field: 'cursor' } });
    expect(decodeCursor(encodeCursor('000.00.00.H41'))).toBe('000.00.00.H41');
  });

  it('returns the tree down to the requested depth', async () => {
    const { uc } = inMemoryRegistry();
    await uc.importAgencies.importCsv(ADMIN, 'partial', SEED_CSV);
    const one = await uc.agencyChildren.execute('000.00.00.H41');
    expect(one.children.map((c) => c.code)).toEqual(['000.00.02.H41', '000.00.30.H41']);
    expect(one.children[1]!.children).toEqual([]);
    const three = await uc.agencyChildren.execute('000.00.00.H41', '3');
    expect(three.children[1]!.children[0]!.children[0]).toMatchObject({ code: '001.01.30.H41', tier: 'commune' });
    await expect(uc.agencyChildren.execute('000.00.00.H41', 5)).rejects.toMatchObject({ details: { field: 'depth' } });
    await expect(uc.agencyChildren.execute('000.00.00.H49')).rejects.toMatchObject({ code: 'UNKNOWN_AGENCY' });
  });

  it('answers what the directory said at time T', async () => {
    const { uc, clock } = inMemoryRegistry('2026-01-01T00:00:00.000Z');
    await uc.createAgency.execute(ADMIN, { code: '000.00.00.H41', name: 'Tên cũ', tier: 'province' });
    clock.set(new Date('2026-03-01T00:00:00.000Z'));
    await uc.updateAgency.execute(ADMIN, '000.00.00.H41', { name: 'Tên mới' });
    clock.set(new Date('2026-07-01T00:00:00.000Z'));
    await uc.closeAgency.execute(ADMIN, '000.00.00.H41', { reason: 'merged' });
    const at = (t: string) => uc.agencyHistory.execute({ code: '000.00.00.H41', at: t });
    expect(await at('2026-02-01T00:00:00Z')).toMatchObject({ type: 'registry.agency.created', snapshot: { name: 'Tên cũ', status: 'active' } });
    expect(await at('2026-03-01T00:00:00Z')).toMatchObject({ snapshot: { name: 'Tên mới' } });
    expect(await at('2026-08-01T00:00:00Z')).toMatchObject({ type: 'registry.agency.closed', actor: ADMIN, snapshot: { status: 'closed' } });
    await expect(at('2025-12-31T00:00:00Z')).rejects.toMatchObject({ code: 'UNKNOWN_AGENCY', message: expect.stringContaining('not registered yet') });
    const all = await uc.agencyHistory.execute({ code: '000.00.00.H41', limit: 2 });
    expect('items' in all && all.items.map((e) => e.type)).toEqual(['registry.agency.created', 'registry.agency.updated']);
    const rest = await uc.agencyHistory.execute({ code: '000.00.00.H41', cursor: 'items' in all ? all.nextCursor! : '' });
    expect('items' in rest && rest.items.map((e) => e.type)).toEqual(['registry.agency.closed']);
  });
});
