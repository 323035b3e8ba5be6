import { ADMIN, inMemoryRegistry, SEED_CSV } from '../../testing/registry-test-kit';

async function seeded() {
  const kit = inMemoryRegistry();
  await kit.uc.importAgencies.importCsv(ADMIN, 'all-or-nothing', SEED_CSV);
  await kit.uc.createAgency.execute(ADMIN, { code: '000.00.00.H49', name: 'Quảng Ninh', tier: 'province' });
  return kit;
}

describe('CloseAgencyUseCase', () => {
  it('closes a leaf without successor: status closed, valid_to now, reason kept', async () => {
    const { uc, clock } = await seeded();
    clock.set(new Date('2026-07-01T00:00:00.000Z'));
    const a = await uc.closeAgency.execute(ADMIN, '000.00.02.H41', { reason: 'merged into the provincial office' });
    expect(a).toMatchObject({ status: 'closed', validTo: '2026-07-01T00:00:00.000Z', closedReason: 'merged into the provincial office', successorCode: null });
  });

  it('refuses to close an agency with open children unless it names a successor', async () => {
    const { uc } = await seeded();
    await expect(uc.closeAgency.execute(ADMIN, '000.00.30.H41', { reason: 'districts abolished' })).rejects.toMatchObject({
      code: 'HAS_ACTIVE_CHILDREN',
      details: { children: ['000.01.30.H41'] },
    });
    const closed = await uc.closeAgency.execute(ADMIN, '000.00.30.H41', { reason: 'districts abolished', successorCode: '000.00.00.H41' });
    expect(closed.successorCode).toBe('000.00.00.H41');
  });

  it('requires a reason, refuses closing twice, an unknown or closed successor, and itself', async () => {
    const { uc } = await seeded();
    await expect(uc.closeAgency.execute(ADMIN, '000.00.02.H41', {})).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'reason' } });
    await expect(uc.closeAgency.execute(ADMIN, '000.00.02.H41', { reason: 'r', successorCode: '000.00.02.H41' })).rejects.toMatchObject({ code: 'SUCCESSOR_CYCLE' });
    await expect(uc.closeAgency.execute(ADMIN, '000.00.02.H41', { reason: 'r', successorCode: '000.00.07.H41' })).rejects.toMatchObject({ code: 'UNKNOWN_AGENCY' });
    await uc.closeAgency.execute(ADMIN, '000.00.02.H41', { reason: 'r' });
    await expect(uc.closeAgency.execute(ADMIN, '000.00.02.H41', { reason: 'r' })).rejects.toMatchObject({ code: 'AGENCY_CLOSED' });
  });

  it('refuses a successor chain that comes back (A -> B, then B -> A) with SUCCESSOR_CYCLE', async () => {
    const { uc } = await seeded();
    await uc.createAgency.execute(ADMIN, { code: '000.00.00.H14', name: 'Cao Bằng', tier: 'province' });
    await uc.closeAgency.execute(ADMIN, '000.00.00.H49', { reason: 'merged', successorCode: '000.00.00.H14' });
    await expect(uc.closeAgency.execute(ADMIN, '000.00.00.H14', { reason: 'merged', successorCode: '000.00.00.H49' })).rejects.toMatchObject({
      code: 'SUCCESSOR_CYCLE',
      message: expect.stringContaining('000.00.00.H14 -> 000.00.00.H49 -> 000.00.00.H14'),
    });
  });

  it('names the final successor when the given successor is itself closed', async () => {
    const { uc } = await seeded();
    await uc.createAgency.execute(ADMIN, { code: '000.00.00.H14', name: 'Cao Bằng', tier: 'province' });
    await uc.closeAgency.execute(ADMIN, '000.00.00.H49', { reason: 'merged', successorCode: '000.00.00.H14' });
    await expect(uc.closeAgency.execute(ADMIN, '000.00.02.H41', { reason: 'r', successorCode: '000.00.00.H49' })).rejects.toMatchObject({
      code: 'AGENCY_CLOSED',
      details: { finalSuccessorCode: '000.00.00.H14' },
    });
    const got = await uc.getAgency.execute('000.00.00.H49');
    expect(got.finalSuccessorCode).toBe('000.00.00.H14');
  });

  it('refuses a suspended successor and keeps a closed agency unchangeable', async () => {
    const { uc } = await seeded();
    await uc.updateAgency.execute(ADMIN, '000.00.00.H49', { status: 'suspended' });
    await expect(uc.closeAgency.execute(ADMIN, '000.00.02.H41', { reason: 'r', successorCode: '000.00.00.H49' })).rejects.toMatchObject({ code: 'AGENCY_SUSPENDED' });
    await uc.closeAgency.execute(ADMIN, '000.00.02.H41', { reason: 'r' });
    await expect(uc.updateAgency.execute(ADMIN, '000.00.02.H41', { name: 'new' })).rejects.toMatchObject({ code: 'AGENCY_CLOSED' });
  });
});
