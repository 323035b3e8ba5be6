import { ADMIN, inMemoryRegistry } from '../../testing/registry-test-kit';

describe('CreateAgencyUseCase', () => {
  it('creates an agency, records a history row with the actor and kicks the outbox', async () => {
    const { uc, repo, flushes } = inMemoryRegistry();
    const a = await uc.createAgency.execute(ADMIN, { code: '000.00.00.H41', name: 'UBND tỉnh Nghệ An', tier: 'province', contact: { email: 'vp@nghean.gov.vn' } });
    expect(a).toMatchObject({ code: '000.00.00.H41', status: 'active', parentCode: null, version: 1, validFrom: '2026-01-01T00:00:00.000Z', keys: [] });
    expect(a.contact).toEqual({ organizationInCharge: null, address: null, email: 'vp@nghean.gov.vn', telephone: null, fax: null, website: null });
    expect(repo.state.changes).toHaveLength(1);
    expect(repo.state.changes[0]).toMatchObject({ type: 'registry.agency.created', actor: ADMIN, agencyCode: '000.00.00.H41' });
    expect(flushes.count).toBe(1);
  });

  it('defaults the parent to the registered structural parent', async () => {
    const { uc } = inMemoryRegistry();
    await uc.createAgency.execute(ADMIN, { code: '000.00.00.H41', name: 'H41', tier: 'province' });
    const d = await uc.createAgency.execute(ADMIN, { code: '000.00.30.H41', name: 'Vinh', tier: 'district' });
    expect(d.parentCode).toBe('000.00.00.H41');
  });

  it('refuses a duplicate code with DUPLICATE', async () => {
    const { uc } = inMemoryRegistry();
    await uc.createAgency.execute(ADMIN, { code: '000.00.00.H41', name: 'H41', tier: 'province' });
    await expect(uc.createAgency.execute(ADMIN, { code: '000.00.00.H41', name: 'again', tier: 'province' })).rejects.toMatchObject({ code: 'DUPLICATE', httpStatus: 409 });
  });

  it('refuses an unknown parent, a wrong tier, a district without parent, and a bad code', async () => {
    const { uc, repo } = inMemoryRegistry();
    await uc.createAgency.execute(ADMIN, { code: '000.00.00.G12', name: 'Bộ Tài chính', tier: 'central' });
    await expect(uc.createAgency.execute(ADMIN, { code: '000.00.30.H41', name: 'x', tier: 'district', parentCode: '000.00.00.H41' })).rejects.toMatchObject({ code: 'UNKNOWN_PARENT' });
    await expect(uc.createAgency.execute(ADMIN, { code: '000.00.18.G12', name: 'x', tier: 'district' })).rejects.toMatchObject({
      code: 'TIER_MISMATCH',
      message: expect.stringMatching(/district.*central/),
    });
    await expect(uc.createAgency.execute(ADMIN, { code: '000.00.30.H41', name: 'x', tier: 'district' })).rejects.toMatchObject({
      code: 'TIER_MISMATCH',
      message: expect.stringContaining('requires a parent'),
    });
    await expect(uc.createAgency.execute(ADMIN, { code: '000.00.00.X41', name: 'x', tier: 'province' })).rejects.toMatchObject({ code: 'INVALID_AGENCY_CODE' });
    expect(repo.state.agencies.size).toBe(1);
    expect(repo.state.changes).toHaveLength(1);
  });

  it('runs the 2-tier map: communes directly under a province, a one-stop unit under a commune', async () => {
    const { uc } = inMemoryRegistry();
    await uc.createAgency.execute(ADMIN, { code: '000.00.00.H41', name: 'H41', tier: 'province' });
    const commune = await uc.createAgency.execute(ADMIN, { code: '000.00.70.H41', name: 'Xã A', tier: 'commune' });
    expect(commune.parentCode).toBe('000.00.00.H41');
    const unit = await uc.createAgency.execute(ADMIN, { code: '000.01.70.H41', name: 'Một cửa xã A', tier: 'commune' });
    expect(unit.parentCode).toBe('000.00.70.H41');
  });

  it('names the offending field of a malformed payload', async () => {
    const { uc } = inMemoryRegistry();
    await expect(uc.createAgency.execute(ADMIN, { code: '000.00.00.H41', name: '  ', tier: 'province' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'name' } });
    await expect(uc.createAgency.execute(ADMIN, { code: '000.00.00.H41', name: 'a', tier: 'ward' })).rejects.toMatchObject({ details: { field: 'tier' } });
    await expect(uc.createAgency.execute(ADMIN, { code: '000.00.00.H41', name: 'a', tier: 'province', colour: 'red' })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      message: expect.stringContaining('colour'),
    });
  });
});
