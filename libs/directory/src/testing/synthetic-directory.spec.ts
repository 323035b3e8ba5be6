import { parseAgencyCode } from '@lt/contracts';
import { syntheticDirectory, syntheticDirectoryCsv, syntheticTierCounts, type SyntheticDirectoryShape } from './synthetic-directory';

const SMALL: SyntheticDirectoryShape = {
  ministries: 2,
  unitsPerMinistry: 1,
  firstProvince: 41,
  provinces: 1,
  departmentsPerProvince: 1,
  districtsPerProvince: 2,
  communesPerDistrict: 2,
};

describe('synthetic directory', () => {
  it('lays out ministries, provinces, departments, districts and communes with valid codes, parents first', () => {
    const agencies = syntheticDirectory(SMALL);
    expect(agencies.map((a) => [a.code, a.tier, a.parent])).toEqual([
      ['000.00.00.G01', 'central', ''],
      ['000.00.01.G01', 'central', '000.00.00.G01'],
      ['000.00.00.G02', 'central', ''],
      ['000.00.01.G02', 'central', '000.00.00.G02'],
      ['000.00.00.H41', 'province', ''],
      ['000.00.01.H41', 'province', '000.00.00.H41'],
      ['000.00.30.H41', 'district', '000.00.00.H41'],
      ['000.01.30.H41', 'commune', '000.00.30.H41'],
      ['000.02.30.H41', 'commune', '000.00.30.H41'],
      ['000.00.31.H41', 'district', '000.00.00.H41'],
      ['000.01.31.H41', 'commune', '000.00.31.H41'],
      ['000.02.31.H41', 'commune', '000.00.31.H41'],
    ]);
    for (const a of agencies) expect(() => parseAgencyCode(a.code)).not.toThrow();
    expect(syntheticTierCounts(agencies)).toEqual({ central: 4, province: 2, district: 2, commune: 4 });
  });

  it('defaults to 10 ministries and 6 provinces (H41-H46) with 3 districts each, any count overridable', () => {
    const agencies = syntheticDirectory();
    expect(syntheticTierCounts(agencies)).toEqual({ central: 50, province: 30, district: 18, commune: 108 });
    expect(agencies.at(-1)!.code).toBe('000.06.32.H46');
    const faultSuite = syntheticDirectory({ communesPerDistrict: 12 });
    expect(faultSuite).toHaveLength(314);
    expect(new Set(faultSuite.map((a) => a.code)).size).toBe(314);
  });

  it('writes the import CSV with CRLF, quoting cells that need it, in the columns asked for', () => {
    const [ministry, unit] = syntheticDirectory(SMALL);
    expect(syntheticDirectoryCsv([ministry!, unit!])).toBe(
      'code,name,tier,parent_code\r\n000.00.00.G01,Bộ số 1,central,\r\n000.00.01.G01,Tổng cục 1 thuộc Bộ số 1,central,000.00.00.G01\r\n',
    );
    const quoted = { ...ministry!, address: 'Số 1, đường "Lê Lợi"' };
    expect(syntheticDirectoryCsv([quoted], ['code', 'address'])).toBe('code,address\r\n000.00.00.G01,"Số 1, đường ""Lê Lợi"""\r\n');
  });
});
