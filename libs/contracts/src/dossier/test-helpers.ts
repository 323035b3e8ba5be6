/* Shared by the dossier specs of this folder only; not exported from index.ts. */

/** The code, details and message of the error `fn` throws (fails the test if it throws none). */
export function ltCode(fn: () => unknown): { code: string; details: Record<string, unknown> | undefined; message: string } {
  try {
    fn();
  } catch (e) {
    const err = e as { code: string; details?: Record<string, unknown>; message: string };
    return { code: err.code, details: err.details, message: err.message };
  }
  throw new Error('expected an error, none was thrown');
}
