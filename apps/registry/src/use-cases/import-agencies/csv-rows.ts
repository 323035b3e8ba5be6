import { LtError, isTier, tryParseAgencyCode, type AgencyCode, type AgencyContact, type ImportLineError, type Tier } from '@lt/contracts';
import type { ContactField } from '../../domain/agency';
import { CONTACT_MAX, checkText } from '../../domain/input';
import { NAME_MAX } from '../create-agency/create-agency.use-case';
import type { CsvRecord } from './csv-parser';

/** Columns of the import file; names are matched case-insensitively, `parentCode`-style aliases accepted. */
export const REQUIRED_COLUMNS = ['code', 'name', 'tier'] as const;
export const OPTIONAL_COLUMNS = ['parent_code', 'organization_in_charge', 'address', 'email', 'telephone', 'fax', 'website'] as const;
type Column = (typeof REQUIRED_COLUMNS)[number] | (typeof OPTIONAL_COLUMNS)[number];

const CONTACT_BY_COLUMN: Partial<Record<Column, ContactField>> = {
  organization_in_charge: 'organizationInCharge',
  address: 'address',
  email: 'email',
  telephone: 'telephone',
  fax: 'fax',
  website: 'website',
};

const ALL_COLUMNS: readonly Column[] = [...REQUIRED_COLUMNS, ...OPTIONAL_COLUMNS];

function normalise(name: string): string {
  // parentCode, Parent Code, parent-code -> parent_code
  return name
    .trim()
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .replace(/[\s-]+/g, '_')
    .toLowerCase();
}

export interface CsvHeader {
  /** column -> index in a record */
  index: Partial<Record<Column, number>>;
  width: number;
}

/** Reads the header line; an unknown, duplicate or missing column refuses the whole file. */
export function readHeader(record: CsvRecord): CsvHeader {
  if (record.error) throw new LtError('BAD_REQUEST', `CSV header (line ${record.line}): ${record.error}`, { line: record.line });
  const index: CsvHeader['index'] = {};
  record.fields.forEach((raw, i) => {
    const name = normalise(raw) as Column;
    if (!ALL_COLUMNS.includes(name)) {
      throw new LtError('BAD_REQUEST', `CSV header: unknown column ${JSON.stringify(raw)}; expected ${REQUIRED_COLUMNS.join(',')} and optionally ${OPTIONAL_COLUMNS.join(',')}`, {
        line: record.line,
        column: raw,
      });
    }
    if (index[name] !== undefined) throw new LtError('BAD_REQUEST', `CSV header: column ${JSON.stringify(raw)} appears twice`, { line: record.line, column: raw });
    index[name] = i;
  });
  const missing = REQUIRED_COLUMNS.filter((c) => index[c] === undefined);
  if (missing.length > 0) {
    throw new LtError('BAD_REQUEST', `CSV header: missing column(s) ${missing.join(', ')} (the first line must be a header such as code,name,tier,parent_code)`, {
      line: record.line,
      missing,
    });
  }
  return { index, width: record.fields.length };
}

export interface ImportRow {
  line: number;
  code: AgencyCode;
  name: string;
  tier: Tier;
  /** null when the cell is empty or the column absent */
  parentCode: string | null;
  /** only the contact columns present in the header */
  contact: AgencyContact;
}

function lineError(line: number, code: ImportLineError['code'], message: string, agencyCode?: string): ImportLineError {
  return agencyCode ? { line, code, message, agencyCode } : { line, code, message };
}

/** One data record -> a typed row, or the first thing wrong with it. */
export function readRow(header: CsvHeader, record: CsvRecord): ImportRow | ImportLineError {
  const { line, fields } = record;
  const cell = (c: Column): string | undefined => {
    const i = header.index[c];
    return i === undefined ? undefined : fields[i]?.trim();
  };
  const rawCode = cell('code') ?? '';
  if (record.error) return lineError(line, 'VALIDATION_FAILED', `malformed CSV: ${record.error}`, rawCode || undefined);
  if (fields.length !== header.width) {
    return lineError(line, 'VALIDATION_FAILED', `line has ${fields.length} fields, the header has ${header.width}`, rawCode || undefined);
  }
  const code = tryParseAgencyCode(rawCode);
  if (!code.ok) return lineError(line, code.error.code, `code: ${code.error.message}`, rawCode || undefined);
  const name = cell('name') ?? '';
  if (name === '') return lineError(line, 'VALIDATION_FAILED', 'name must not be empty', code.code);
  if (name.length > NAME_MAX) return lineError(line, 'VALIDATION_FAILED', `name must be at most ${NAME_MAX} characters, got ${name.length}`, code.code);
  const textProblem = firstTextProblem([['name', name], ...Object.keys(CONTACT_BY_COLUMN).map((c) => [c, cell(c as Column) ?? ''] as [string, string])]);
  if (textProblem) return lineError(line, 'VALIDATION_FAILED', textProblem, code.code);
  const tier = cell('tier') ?? '';
  if (!isTier(tier)) return lineError(line, 'VALIDATION_FAILED', `tier must be one of central, province, district, commune, got ${JSON.stringify(tier)}`, code.code);
  const rawParent = cell('parent_code') ?? '';
  let parentCode: string | null = null;
  if (rawParent !== '') {
    const p = tryParseAgencyCode(rawParent);
    if (!p.ok) return lineError(line, p.error.code, `parent_code: ${p.error.message}`, code.code);
    parentCode = p.code;
  }
  const contact: AgencyContact = {};
  for (const [column, field] of Object.entries(CONTACT_BY_COLUMN) as Array<[Column, ContactField]>) {
    const v = cell(column);
    if (v === undefined) continue;
    if (v.length > CONTACT_MAX) return lineError(line, 'VALIDATION_FAILED', `${column} must be at most ${CONTACT_MAX} characters, got ${v.length}`, code.code);
    contact[field] = v === '' ? null : v;
  }
  if (contact.email && !/^[^\s@]+@[^\s@]+$/.test(contact.email)) return lineError(line, 'VALIDATION_FAILED', `email is not an e-mail address: ${JSON.stringify(contact.email)}`, code.code);
  return { line, code: code.code, name, tier, parentCode, contact };
}

function firstTextProblem(cells: Array<[string, string]>): string | null {
  for (const [column, value] of cells) {
    try {
      checkText(value, column);
    } catch (e) {
      return (e as Error).message;
    }
  }
  return null;
}

export function isLineError(r: ImportRow | ImportLineError): r is ImportLineError {
  return 'message' in r;
}
