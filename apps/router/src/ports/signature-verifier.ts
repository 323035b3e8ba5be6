import type { AwaitingSignature } from '../domain/decision';

/** Checks the signatures of a batch, one boolean per item, in order. */
export interface SignatureVerifier {
  verify(items: readonly AwaitingSignature[]): Promise<boolean[]>;
  /** stops any worker threads (after the last batch) */
  close(): Promise<void>;
}

export const SIGNATURE_VERIFIER = Symbol('SIGNATURE_VERIFIER');
