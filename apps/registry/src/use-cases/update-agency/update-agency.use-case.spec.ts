import { ADMIN, inMemoryRegistry, SEED_CSV } from '../../testing/registry-test-kit';

async function seeded() {
  const kit = inMemoryRegistry();
  await kit.uc.importAgencies.importCsv(ADMIN, 'all-or-nothing', SEED_CSV);
  return kit;
}

describe('UpdateAgencyUseCase', () => {
  it('renames and edits contact fields, bumping the version and recording the change', async () => {
    const { uc, repo } = await seeded();
    const before = repo.state.changes.length;
    const a = await uc.updateAgency.execute(ADMIN, '000.00.02.H41', { name: 'Sở Nội vụ', contact: { telephone: '0238 3844 000' } });
    expect(a).toMatchObject({ name: 'Sở Nội vụ', version: 2 });
    expect(a.contact.telephone).toBe('0238 3844 000');
    expect(repo.state.changes.slice(before).map((c) => c.type)).toEqual(['registry.agency.updated']);
  });

  it('writes nothing for a patch that changes nothing', async () => {
    const { uc, repo } = await seeded();
    const before = repo.state.changes.length;
    const a = await uc.updateAgency.execute(ADMIN, '000.00.02.H41', { name: 'Sở Nội vụ tỉnh Nghệ An' });
    expect(a.version).toBe(1);
    expect(repo.state.changes.length).toBe(before);
  });

  it('refuses a tier change that no longer fits the children or the parent', async () => {
    const { uc } = await seeded();
    await expect(uc.updateAgency.execute(ADMIN, '000.00.30.H41', { tier: 'commune' })).resolves.toMatchObject({ tier: 'commune' });
    // the district became a commune: its commune child still fits (commune under commune)
    await expect(uc.updateAgency.execute(ADMIN, '000.00.00.H41', { tier: 'commune' })).rejects.toMatchObject({ code: 'TIER_MISMATCH' });
    await expect(uc.updateAgency.execute(ADMIN, '000.00.02.H41', { tier: 'central' })).rejects.toMatchObject({ code: 'TIER_MISMATCH' });
  });

  it('moves a commune under the province (districts abolished) and refuses a move into its own subtree', async () => {
    const { uc } = await seeded();
    const moved = await uc.updateAgency.execute(ADMIN, '000.01.30.H41', { parentCode: '000.00.00.H41' });
    expect(moved.parentCode).toBe('000.00.00.H41');
    await expect(uc.updateAgency.execute(ADMIN, '000.01.30.H41', { parentCode: '001.01.30.H41' })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      message: expect.stringContaining('own subtree'),
    });
  });

  it('suspends and reactivates, refuses status closed, UNKNOWN_AGENCY for a missing code', async () => {
    const { uc } = await seeded();
    expect((await uc.updateAgency.execute(ADMIN, '000.00.02.H41', { status: 'suspended' })).status).toBe('suspended');
    expect((await uc.updateAgency.execute(ADMIN, '000.00.02.H41', { status: 'active' })).status).toBe('active');
    await expect(uc.updateAgency.execute(ADMIN, '000.00.02.H41', { status: 'closed' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(uc.updateAgency.execute(ADMIN, '000.00.09.H41', { name: 'x' })).rejects.toMatchObject({ code: 'UNKNOWN_AGENCY' });
  });
});
