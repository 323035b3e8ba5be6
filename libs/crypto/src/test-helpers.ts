import { LtError, type ErrorCode } from '@lt/contracts';

/** Runs fn and returns the LtError it throws, failing the test if it does not throw one with `code`. */
export function catchLtError(fn: () => unknown, code: ErrorCode): LtError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(LtError);
    expect((e as LtError).code).toBe(code);
    return e as LtError;
  }
  throw new Error(`expected LtError ${code}, nothing was thrown`);
}
