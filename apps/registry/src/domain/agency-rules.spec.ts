import { LtError, TIERS, type Agency, type Tier } from '@lt/contracts';
import { assertTierFits, decideParent, followSuccessors, resolveFinalSuccessor, tierProblem } from './agency-rules';

function agency(code: string, tier: Tier, extra: Partial<Agency> = {}): Agency {
  return {
    code,
    name: code,
    tier,
    parentCode: null,
    status: 'active',
    successorCode: null,
    closedReason: null,
    validFrom: '2026-01-01T00:00:00.000Z',
    validTo: null,
    contact: {},
    version: 1,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...extra,
  };
}

function lookupOf(...agencies: Agency[]) {
  const m = new Map(agencies.map((a) => [a.code, a]));
  return { get: async (c: string) => m.get(c) ?? null };
}

function thrown(fn: () => unknown): LtError {
  try {
    fn();
  } catch (e) {
    return e as LtError;
  }
  throw new Error('expected an error');
}

describe('tier consistency', () => {
  // child tier -> allowed parent tiers (null = no parent)
  const allowed: Record<Tier, Array<Tier | null>> = {
    central: [null, 'central'],
    province: [null, 'central', 'province'],
    district: ['province'],
    commune: ['province', 'district', 'commune'],
  };
  for (const child of TIERS) {
    for (const parent of [null, ...TIERS]) {
      const ok = allowed[child].includes(parent);
      it(`${child} under ${parent ?? 'nothing'} is ${ok ? 'allowed' : 'refused'}`, () => {
        expect(tierProblem(child, parent) === null).toBe(ok);
      });
    }
  }

  it('supports the 2-tier map: a commune directly under a province', () => {
    expect(tierProblem('commune', 'province')).toBeNull();
  });

  it('names both tiers in the TIER_MISMATCH message', () => {
    const err = thrown(() => assertTierFits('000.00.05.H41', 'province', agency('000.00.30.H41', 'district')));
    expect(err.code).toBe('TIER_MISMATCH');
    expect(err.message).toContain('province');
    expect(err.message).toContain('district');
    expect(err.details).toMatchObject({ tier: 'province', parentTier: 'district', parentCode: '000.00.30.H41' });
  });
});

describe('decideParent', () => {
  const h41 = agency('000.00.00.H41', 'province');

  it('defaults to the registered structural parent', async () => {
    expect((await decideParent(lookupOf(h41), '000.00.30.H41', undefined)).parent?.code).toBe('000.00.00.H41');
  });

  it('has no parent when the structural parent is not registered', async () => {
    const d = await decideParent(lookupOf(), '000.00.30.H41', null);
    expect(d.parent).toBeNull();
    expect(d.whyNoParent).toContain('000.00.00.H41 is not registered');
  });

  it('refuses an explicit parent that does not exist with UNKNOWN_PARENT', async () => {
    await expect(decideParent(lookupOf(h41), '000.00.30.H41', '000.00.00.H49')).rejects.toMatchObject({ code: 'UNKNOWN_PARENT' });
  });

  it('refuses a closed explicit parent with AGENCY_CLOSED naming its successor', async () => {
    const closed = agency('000.00.00.H49', 'province', { status: 'closed', successorCode: '000.00.00.H41' });
    await expect(decideParent(lookupOf(h41, closed), '000.00.30.H49', '000.00.00.H49')).rejects.toMatchObject({
      code: 'AGENCY_CLOSED',
      message: expect.stringContaining('000.00.00.H41'),
    });
  });

  it('refuses an invalid parent code with INVALID_AGENCY_CODE naming the field', async () => {
    await expect(decideParent(lookupOf(h41), '000.00.30.H41', '000.00.00.h41')).rejects.toMatchObject({ code: 'INVALID_AGENCY_CODE', details: { field: 'parentCode' } });
  });
});

describe('successor chains', () => {
  it('follows links to the final successor', async () => {
    const a = agency('000.00.00.H01', 'province', { status: 'closed', successorCode: '000.00.00.H02' });
    const b = agency('000.00.00.H02', 'province', { status: 'closed', successorCode: '000.00.00.H03' });
    const c = agency('000.00.00.H03', 'province');
    const { final, chain } = await followSuccessors(lookupOf(a, b, c), a);
    expect(final.code).toBe('000.00.00.H03');
    expect(chain).toEqual(['000.00.00.H01', '000.00.00.H02', '000.00.00.H03']);
  });

  it('refuses a chain that leads back to the agency being closed', async () => {
    const b = agency('000.00.00.H02', 'province', { status: 'closed', successorCode: '000.00.00.H01' });
    await expect(followSuccessors(lookupOf(b), b, '000.00.00.H01')).rejects.toMatchObject({ code: 'SUCCESSOR_CYCLE' });
  });

  it('resolveFinalSuccessor works on an in-memory map and detects loops', () => {
    const m = new Map<string, { successorCode: string | null }>([
      ['A', { successorCode: 'B' }],
      ['B', { successorCode: 'C' }],
      ['C', { successorCode: null }],
      ['X', { successorCode: 'Y' }],
      ['Y', { successorCode: 'X' }],
    ]);
    expect(resolveFinalSuccessor('A', (c) => m.get(c))).toBe('C');
    expect(resolveFinalSuccessor('C', (c) => m.get(c))).toBe('C');
    expect(resolveFinalSuccessor('Z', (c) => m.get(c))).toBeNull();
    expect(thrown(() => resolveFinalSuccessor('X', (c) => m.get(c))).code).toBe('SUCCESSOR_CYCLE');
  });
});
