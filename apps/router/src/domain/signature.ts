import { verifyDecoded } from '@lt/crypto';
import type { AwaitingSignature } from './decision';

/** Synchronous signature check (the batch path may use a worker pool instead, adapters/signature-verifier.ts). */
export function verifySignature(p: AwaitingSignature): boolean {
  return p.key.key !== null && verifyDecoded(p.decoded, p.key.key);
}
