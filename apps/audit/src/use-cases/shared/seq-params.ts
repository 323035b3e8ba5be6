import { LtError } from '@lt/contracts';

/** "Not given" in a query-string request (the gateway passes an empty parameter through as ''). */
export const UNSET_IN_QUERY: readonly unknown[] = [undefined, null, ''];
/** "Not given" in a JSON body: '' there is a wrong value, not an omission. */
export const UNSET_IN_BODY: readonly unknown[] = [undefined, null];

/** A log position or tree size in a request: a non-negative integer, or undefined when not given. Throws VALIDATION_FAILED naming the field. */
export function optionalSeq(v: unknown, field: string, unset: readonly unknown[] = UNSET_IN_QUERY): number | undefined {
  if (unset.includes(v)) return undefined;
  if (!Number.isSafeInteger(v) || (v as number) < 0)
    throw new LtError('VALIDATION_FAILED', `${field} must be a non-negative integer, got ${JSON.stringify(v)}`, { field });
  return v as number;
}

/** The same, required. */
export function requiredSeq(v: unknown, field: string): number {
  const seq = optionalSeq(v, field);
  if (seq === undefined) throw new LtError('VALIDATION_FAILED', `${field} is required`, { field });
  return seq;
}
