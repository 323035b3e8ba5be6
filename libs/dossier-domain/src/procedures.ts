import { isTier, LtError, PROCEDURE_CODE_RE, TIERS, type ApplicantValue, type Tier } from '@lt/contracts';

/**
 * Administrative procedure catalog ("thủ tục hành chính").
 *
 * - `workingDays`: the legal time to settle, counted from the receiving day (see calendar.ts).
 * - `steps`: inter-level legs. A step's `workingDays` is the budget of the agency the dossier is
 *   transferred to, and covers everything that happens while the dossier is away from the sender
 *   of that step, onward transfers included: a district step of 20 days contains the province's 8.
 * - `applicantFields`: the only applicant fields the hub accepts for this procedure (data
 *   minimisation); `requiredApplicantFields` is the subset that must be present.
 */
export interface ProcedureStep {
  tier: Tier;
  workingDays: number;
}

export interface Procedure {
  code: string;
  name: string;
  workingDays: number;
  /** tier of the one-stop desk that receives it (informative; not enforced at registration) */
  receivingTier?: Tier;
  steps?: ProcedureStep[];
  applicantFields: string[];
  requiredApplicantFields?: string[];
}

export type ApplicantData = Record<string, ApplicantValue>;

const FIELD_NAME_RE = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
export const APPLICANT_LIMITS = { maxStringLength: 1000, maxListItems: 100 } as const;

function bad(where: string, message: string): LtError {
  return new LtError('VALIDATION_FAILED', `${where} ${message}`, { field: where });
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function workingDaysOf(v: unknown, where: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 365) throw bad(where, `must be an integer from 0 to 365, got ${JSON.stringify(v)}`);
  return v;
}

/** Checks one catalog entry; `where` prefixes field names in errors. */
export function parseProcedure(input: unknown, where = 'procedure'): Procedure {
  if (!isPlainObject(input)) throw bad(where, 'must be an object');
  const known = ['code', 'name', 'workingDays', 'receivingTier', 'steps', 'applicantFields', 'requiredApplicantFields'];
  const extra = Object.keys(input).filter((k) => !known.includes(k));
  if (extra.length) throw bad(`${where}.${extra[0]}`, `is not a known field (allowed: ${known.join(', ')})`);
  const { code, name } = input;
  if (typeof code !== 'string' || !PROCEDURE_CODE_RE.test(code)) throw bad(`${where}.code`, `must match ${PROCEDURE_CODE_RE}, got ${JSON.stringify(code)}`);
  if (typeof name !== 'string' || name.trim() === '') throw bad(`${where}.name`, 'must be a non-empty string');
  const workingDays = workingDaysOf(input.workingDays, `${where}.workingDays`);
  if (input.receivingTier !== undefined && !isTier(input.receivingTier)) throw bad(`${where}.receivingTier`, `must be one of ${TIERS.join(', ')}`);
  let steps: ProcedureStep[] | undefined;
  if (input.steps !== undefined) {
    if (!Array.isArray(input.steps)) throw bad(`${where}.steps`, 'must be an array of {tier, workingDays}');
    const tiers = new Set<Tier>();
    steps = input.steps.map((s, i) => {
      const w = `${where}.steps[${i}]`;
      if (!isPlainObject(s)) throw bad(w, 'must be an object {tier, workingDays}');
      const sExtra = Object.keys(s).filter((k) => k !== 'tier' && k !== 'workingDays');
      if (sExtra.length) throw bad(`${w}.${sExtra[0]}`, 'is not a known field (allowed: tier, workingDays)');
      if (!isTier(s.tier)) throw bad(`${w}.tier`, `must be one of ${TIERS.join(', ')}`);
      if (tiers.has(s.tier)) throw bad(`${w}.tier`, `${s.tier} is listed twice`);
      tiers.add(s.tier);
      const days = workingDaysOf(s.workingDays, `${w}.workingDays`);
      if (days > workingDays) throw bad(`${w}.workingDays`, `(${days}) exceeds the procedure's ${workingDays} working days`);
      return { tier: s.tier, workingDays: days };
    });
  }
  const fieldList = (v: unknown, w: string): string[] => {
    if (!Array.isArray(v)) throw bad(w, 'must be an array of field names');
    const seen = new Set<string>();
    return v.map((f, i) => {
      if (typeof f !== 'string' || !FIELD_NAME_RE.test(f)) throw bad(`${w}[${i}]`, `must be a field name matching ${FIELD_NAME_RE}, got ${JSON.stringify(f)}`);
      if (seen.has(f)) throw bad(`${w}[${i}]`, `"${f}" is listed twice`);
      seen.add(f);
      return f;
    });
  };
  const applicantFields = fieldList(input.applicantFields, `${where}.applicantFields`);
  let requiredApplicantFields: string[] | undefined;
  if (input.requiredApplicantFields !== undefined) {
    requiredApplicantFields = fieldList(input.requiredApplicantFields, `${where}.requiredApplicantFields`);
    const stray = requiredApplicantFields.filter((f) => !applicantFields.includes(f));
    if (stray.length) throw bad(`${where}.requiredApplicantFields`, `names field(s) not in applicantFields: ${stray.join(', ')}`);
  }
  return {
    code,
    name,
    workingDays,
    ...(input.receivingTier !== undefined ? { receivingTier: input.receivingTier as Tier } : {}),
    ...(steps ? { steps } : {}),
    applicantFields,
    ...(requiredApplicantFields ? { requiredApplicantFields } : {}),
  };
}

export class ProcedureCatalog {
  private readonly byCode = new Map<string, Procedure>();

  constructor(procedures: readonly Procedure[]) {
    for (const [i, p] of procedures.entries()) {
      const checked = parseProcedure(p, `procedures[${i}]`);
      if (this.byCode.has(checked.code)) throw bad(`procedures[${i}].code`, `${checked.code} is listed twice`);
      this.byCode.set(checked.code, checked);
    }
  }

  has(code: string): boolean {
    return this.byCode.has(code);
  }

  /** The procedure, or UNKNOWN_PROCEDURE naming the code. */
  get(code: string): Procedure {
    const p = this.byCode.get(code);
    if (!p) {
      throw new LtError('UNKNOWN_PROCEDURE', `unknown procedure code ${JSON.stringify(code)}`, { field: 'procedureCode', procedureCode: code });
    }
    return p;
  }

  list(): Procedure[] {
    return [...this.byCode.values()];
  }
}

/** Parses the content of `config/procedures.json`: `{ "procedures": [ ... ] }`. */
export function parseProcedureCatalog(input: unknown): ProcedureCatalog {
  if (!isPlainObject(input) || !Array.isArray(input.procedures)) throw bad('procedures', 'file must be an object {"procedures": [...]}');
  const extra = Object.keys(input).filter((k) => k !== 'procedures' && k !== 'notes');
  if (extra.length) throw bad(extra[0]!, 'is not a known field (allowed: procedures, notes)');
  return new ProcedureCatalog(input.procedures.map((p, i) => parseProcedure(p, `procedures[${i}]`)));
}

/**
 * Demo catalog, identical to `config/procedures.json` (a unit test keeps them in step).
 * Plausible values modelled on real procedures; codes are DEMO-prefixed, not the national
 * procedure database's codes, and the day counts are not legal advice.
 */
export const DEMO_PROCEDURES: readonly Procedure[] = [
  {
    code: 'DEMO-HT-KHAISINH',
    name: 'Đăng ký khai sinh (birth registration)',
    workingDays: 1,
    receivingTier: 'commune',
    applicantFields: [
      'childFullName',
      'childDateOfBirth',
      'childSex',
      'childPlaceOfBirth',
      'motherFullName',
      'motherIdNumber',
      'fatherFullName',
      'fatherIdNumber',
      'requesterFullName',
      'requesterIdNumber',
      'requesterRelationship',
    ],
    requiredApplicantFields: [
      'childFullName',
      'childDateOfBirth',
      'childSex',
      'childPlaceOfBirth',
      'motherFullName',
      'requesterFullName',
      'requesterIdNumber',
      'requesterRelationship',
    ],
  },
  {
    code: 'DEMO-HT-XNTTHN',
    name: 'Cấp Giấy xác nhận tình trạng hôn nhân (marital status certificate)',
    workingDays: 3,
    receivingTier: 'commune',
    applicantFields: ['fullName', 'dateOfBirth', 'idNumber', 'residence', 'purpose', 'previousMaritalStatus'],
    requiredApplicantFields: ['fullName', 'dateOfBirth', 'idNumber', 'residence', 'purpose'],
  },
  {
    code: 'DEMO-DD-GCN-LANDAU',
    name: 'Đăng ký, cấp Giấy chứng nhận quyền sử dụng đất lần đầu (first land-use right certificate)',
    workingDays: 30,
    receivingTier: 'commune',
    steps: [
      { tier: 'district', workingDays: 20 },
      { tier: 'province', workingDays: 8 },
    ],
    applicantFields: [
      'ownerFullName',
      'ownerIdNumber',
      'ownerAddress',
      'parcelNumber',
      'mapSheetNumber',
      'parcelAddress',
      'areaM2',
      'landUsePurpose',
      'landOrigin',
    ],
    requiredApplicantFields: [
      'ownerFullName',
      'ownerIdNumber',
      'ownerAddress',
      'parcelNumber',
      'mapSheetNumber',
      'parcelAddress',
      'areaM2',
      'landUsePurpose',
    ],
  },
  {
    code: 'DEMO-KD-HKD',
    name: 'Đăng ký thành lập hộ kinh doanh (business household registration)',
    workingDays: 3,
    receivingTier: 'district',
    applicantFields: [
      'householdHeadFullName',
      'householdHeadIdNumber',
      'householdHeadAddress',
      'businessName',
      'businessAddress',
      'businessLines',
      'capitalVnd',
      'phone',
      'email',
    ],
    requiredApplicantFields: [
      'householdHeadFullName',
      'householdHeadIdNumber',
      'householdHeadAddress',
      'businessName',
      'businessAddress',
      'businessLines',
      'capitalVnd',
    ],
  },
];

export const DEMO_PROCEDURE_CATALOG = new ProcedureCatalog(DEMO_PROCEDURES);

/** Looks a procedure up (demo catalog unless another is given); UNKNOWN_PROCEDURE if absent. */
export function getProcedure(code: string, catalog: ProcedureCatalog = DEMO_PROCEDURE_CATALOG): Procedure {
  return catalog.get(code);
}

/** The step budget for a transfer to an agency of this tier, if the procedure defines one. */
export function stepWorkingDaysFor(procedure: Procedure, tier: Tier): number | undefined {
  return procedure.steps?.find((s) => s.tier === tier)?.workingDays;
}

function isApplicantValue(v: unknown): v is ApplicantValue {
  if (typeof v === 'string') return v.length <= APPLICANT_LIMITS.maxStringLength;
  if (typeof v === 'number') return Number.isFinite(v);
  if (typeof v === 'boolean') return true;
  return (
    Array.isArray(v) &&
    v.length <= APPLICANT_LIMITS.maxListItems &&
    v.every((x) => typeof x === 'string' && x.length <= APPLICANT_LIMITS.maxStringLength)
  );
}

/**
 * Applicant data limited to what the procedure needs: refuses fields the procedure does not list
 * (VALIDATION_FAILED naming them), missing required fields, and values that are not a string
 * (<= 1000 chars), finite number, boolean or list of strings. Returns a copy.
 */
export function validateApplicant(procedure: Procedure, data: unknown): ApplicantData {
  if (!isPlainObject(data)) {
    throw new LtError('VALIDATION_FAILED', `applicant must be an object of the fields procedure ${procedure.code} lists`, { field: 'applicant' });
  }
  const keys = Object.keys(data);
  const extra = keys.filter((k) => !procedure.applicantFields.includes(k));
  if (extra.length) {
    throw new LtError(
      'VALIDATION_FAILED',
      `applicant has field(s) procedure ${procedure.code} does not need: ${extra.join(', ')} (allowed: ${procedure.applicantFields.join(', ')})`,
      { field: 'applicant', extra, allowed: procedure.applicantFields },
    );
  }
  const missing = (procedure.requiredApplicantFields ?? []).filter((k) => data[k] === undefined);
  if (missing.length) {
    throw new LtError('VALIDATION_FAILED', `applicant is missing field(s) required by procedure ${procedure.code}: ${missing.join(', ')}`, {
      field: 'applicant',
      missing,
    });
  }
  const out: ApplicantData = {};
  for (const k of keys) {
    const v = data[k];
    if (!isApplicantValue(v)) {
      throw new LtError(
        'VALIDATION_FAILED',
        `applicant.${k} must be a string of at most ${APPLICANT_LIMITS.maxStringLength} characters, a finite number, a boolean or a list of strings`,
        { field: `applicant.${k}` },
      );
    }
    out[k] = Array.isArray(v) ? [...v] : v;
  }
  return out;
}
