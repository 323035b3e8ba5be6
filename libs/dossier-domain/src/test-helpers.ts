/* Shared by this library's specs only; not exported from index.ts. */
import { join } from 'node:path';
import { formatDossierCode, type DossierState, type Tier } from '@lt/contracts';
import type { WorkingCalendar } from './calendar';
import { loadCalendar } from './calendar-loader';
import { applyTransition, registerDossier, type DossierAction } from './lifecycle';
import type { Procedure } from './procedures';

export const CONFIG_DIR = join(__dirname, '../../../config');
export const CALENDAR_DIR = join(CONFIG_DIR, 'calendar');

let cached: WorkingCalendar | undefined;
export function realCalendar(): WorkingCalendar {
  return (cached ??= loadCalendar(CALENDAR_DIR));
}

/** Vietnam local wall time `YYYY-MM-DD HH:mm` as an instant. */
export function vn(local: string): Date {
  return new Date(`${local.replace(' ', 'T')}:00+07:00`);
}

export function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o as Record<string, unknown>)) deepFreeze(v);
  }
  return o;
}

export const AGENCIES = {
  province: '000.00.00.H41',
  district: '000.00.05.H41',
  commune: '000.12.05.H41',
  otherCommune: '000.13.05.H41',
  otherDistrict: '000.00.06.H41',
} as const;

let seq = 0;
export function register(
  procedure: Procedure,
  receivedAt: Date,
  opts: { agency?: string; tier?: Tier; applicant?: Record<string, unknown> } = {},
): DossierState {
  const agency = opts.agency ?? AGENCIES.commune;
  const applicant =
    opts.applicant ?? Object.fromEntries((procedure.requiredApplicantFields ?? procedure.applicantFields).map((f) => [f, 'x']));
  return registerDossier(
    {
      code: formatDossierCode(agency, receivedAt, (seq = (seq % 9999) + 1)),
      procedure,
      receivingAgency: agency,
      receivingTier: opts.tier ?? 'commune',
      receivedAt,
      applicant,
    },
    realCalendar(),
  );
}

/** Applies a list of [action, VN local time] in order. */
export function run(d: DossierState, steps: Array<[DossierAction, string]>): DossierState {
  return steps.reduce((acc, [action, at]) => applyTransition(acc, action, vn(at), realCalendar()), d);
}

export function ltCode(fn: () => unknown): { code: string; details: Record<string, unknown> | undefined; message: string } {
  try {
    fn();
  } catch (e) {
    const err = e as { code: string; details?: Record<string, unknown>; message: string };
    return { code: err.code, details: err.details, message: err.message };
  }
  throw new Error('expected an error, none was thrown');
}
