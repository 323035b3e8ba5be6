import { broadcastCapRefusal, DEFAULT_BROADCAST_CAPS } from './broadcast-cap';

describe('broadcastCapRefusal', () => {
  const caps = { central: 100, province: 50, district: 10, commune: 2 };

  it('allows up to the cap of the sender tier and refuses above it, naming the count and the cap', () => {
    expect(broadcastCapRefusal({ code: '000.00.00.H41', tier: 'province' }, 50, caps)).toBeNull();
    expect(broadcastCapRefusal({ code: '000.00.00.H41', tier: 'province' }, 51, caps)).toEqual({
      reason: 'to resolves to 51 recipients; a province-tier sender (000.00.00.H41) may reach at most 50 with one submission',
      details: { field: 'to', recipients: 51, cap: 50, tier: 'province' },
    });
  });

  it('uses the tier of the sender', () => {
    expect(broadcastCapRefusal({ code: '000.00.00.G01', tier: 'central' }, 51, caps)).toBeNull();
    expect(broadcastCapRefusal({ code: '000.12.05.H41', tier: 'commune' }, 3, caps)).toMatchObject({ details: { cap: 2, tier: 'commune' } });
  });

  it('defaults to the schema values, decreasing from central to commune', () => {
    expect(DEFAULT_BROADCAST_CAPS).toEqual({ central: 5000, province: 2000, district: 300, commune: 50 });
  });
});
