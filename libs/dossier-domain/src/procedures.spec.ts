import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadProcedureCatalog } from './procedure-loader';
import {
  DEMO_PROCEDURE_CATALOG,
  DEMO_PROCEDURES,
  getProcedure,
  parseProcedure,
  ProcedureCatalog,
  stepWorkingDaysFor,
  validateApplicant,
} from './procedures';
import { CONFIG_DIR, ltCode } from './test-helpers';

const PROCEDURES_FILE = join(CONFIG_DIR, 'procedures.json');

describe('procedure catalog', () => {
  it('config/procedures.json is the demo catalog', () => {
    const file = JSON.parse(readFileSync(PROCEDURES_FILE, 'utf8'));
    expect(file.procedures).toEqual(DEMO_PROCEDURES);
    expect(loadProcedureCatalog(PROCEDURES_FILE).list()).toEqual(DEMO_CATALOG_LIST());
  });

  it('finds a procedure and refuses an unknown code with UNKNOWN_PROCEDURE', () => {
    expect(getProcedure('DEMO-DD-GCN-LANDAU').steps).toEqual([
      { tier: 'district', workingDays: 20 },
      { tier: 'province', workingDays: 8 },
    ]);
    const e = ltCode(() => getProcedure('NOPE-1'));
    expect(e.code).toBe('UNKNOWN_PROCEDURE');
    expect(e.message).toMatch(/"NOPE-1"/);
    expect(e.details).toMatchObject({ procedureCode: 'NOPE-1' });
  });

  it('gives the step budget per tier', () => {
    const land = getProcedure('DEMO-DD-GCN-LANDAU');
    expect(stepWorkingDaysFor(land, 'province')).toBe(8);
    expect(stepWorkingDaysFor(land, 'central')).toBeUndefined();
  });

  it.each([
    [{ code: 'X', name: 'x', workingDays: 3, applicantFields: [], steps: [{ tier: 'district', workingDays: 4 }] }, 'procedure.steps[0].workingDays'],
    [{ code: 'X', name: 'x', workingDays: 3, applicantFields: ['a'], requiredApplicantFields: ['b'] }, 'procedure.requiredApplicantFields'],
    [{ code: 'X Y', name: 'x', workingDays: 3, applicantFields: [] }, 'procedure.code'],
    [{ code: 'X', name: 'x', workingDays: -1, applicantFields: [] }, 'procedure.workingDays'],
    [{ code: 'X', name: 'x', workingDays: 3, applicantFields: ['a', 'a'] }, 'procedure.applicantFields[1]'],
    [{ code: 'X', name: 'x', workingDays: 3, applicantFields: [], fee: 1 }, 'procedure.fee'],
  ])('refuses a bad entry %j naming %s', (input, field) => {
    const e = ltCode(() => parseProcedure(input));
    expect(e.code).toBe('VALIDATION_FAILED');
    expect(e.details).toMatchObject({ field });
  });

  it('refuses duplicate codes', () => {
    const p = DEMO_PROCEDURES[0]!;
    expect(ltCode(() => new ProcedureCatalog([p, p])).message).toMatch(/listed twice/);
  });
});

function DEMO_CATALOG_LIST() {
  return DEMO_PROCEDURE_CATALOG.list();
}

describe('validateApplicant', () => {
  const birth = getProcedure('DEMO-HT-KHAISINH');
  const ok = {
    childFullName: 'Nguyễn Văn An',
    childDateOfBirth: '2026-03-01',
    childSex: 'male',
    childPlaceOfBirth: 'Bệnh viện Sản Nhi Nghệ An',
    motherFullName: 'Trần Thị Bình',
    requesterFullName: 'Trần Thị Bình',
    requesterIdNumber: '040190000001',
    requesterRelationship: 'mother',
  };

  it('accepts the fields the procedure lists and returns a copy', () => {
    const out = validateApplicant(birth, ok);
    expect(out).toEqual(ok);
    expect(out).not.toBe(ok);
  });

  it('refuses fields the procedure does not need, naming them', () => {
    const e = ltCode(() => validateApplicant(birth, { ...ok, religion: 'x', bankAccount: '123' }));
    expect(e.code).toBe('VALIDATION_FAILED');
    expect(e.message).toMatch(/religion, bankAccount/);
    expect(e.details).toMatchObject({ field: 'applicant', extra: ['religion', 'bankAccount'] });
  });

  it('refuses missing required fields, naming them', () => {
    const { motherFullName: _m, childSex: _s, ...rest } = ok;
    const e = ltCode(() => validateApplicant(birth, rest));
    expect(e.details).toMatchObject({ missing: ['childSex', 'motherFullName'] });
  });

  it('refuses nested objects and non-objects', () => {
    expect(ltCode(() => validateApplicant(birth, { ...ok, childFullName: { first: 'An' } })).details).toMatchObject({ field: 'applicant.childFullName' });
    expect(ltCode(() => validateApplicant(birth, 'x')).details).toMatchObject({ field: 'applicant' });
  });

  it('accepts a list of strings where the procedure needs one', () => {
    const hkd = getProcedure('DEMO-KD-HKD');
    const data = {
      householdHeadFullName: 'Lê Văn C',
      householdHeadIdNumber: '040190000002',
      householdHeadAddress: 'Vinh',
      businessName: 'Tạp hóa C',
      businessAddress: 'Vinh',
      businessLines: ['4711', '4722'],
      capitalVnd: 50_000_000,
    };
    expect(validateApplicant(hkd, data).businessLines).toEqual(['4711', '4722']);
  });
});
