import type { DocumentNumber } from '../domain/decision';

/** An authenticated envelope of the batch as the envelope register keeps it (first submission carrying its id). */
export interface EnvelopeRecord {
  id: string;
  sender: string;
  seq: number;
  digest: string;
}

/** What the envelope register held for an id before this batch (absent = newly recorded). */
export interface PriorEnvelope {
  seq: number;
  digest: string;
}

/** A Decree 30 number an envelope of the batch asks for. */
export interface NumberRecord extends DocumentNumber {
  envelopeId: string;
}

/** Per number candidate that was registered (only those of new or redelivered envelopes are). */
export interface NumberResult {
  /** this envelope took the number now */
  inserted: boolean;
  /** the envelope that held the number before this batch; null when an earlier candidate of this batch took it */
  holder: string | null;
}

export interface RegisterResult {
  priors: Map<string, PriorEnvelope>;
  numbers: Map<string, NumberResult>;
}

/**
 * The router's registers (Postgres, adapters/postgres-register.ts): the envelope ids seen and
 * the Decree 30 numbers taken. ONE call per batch, one statement, one commit.
 */
export interface RoutingRegister {
  /**
   * Records envelope ids not seen before and, for envelopes that are new or redelivered, the
   * numbers of `numbers` not taken yet (in the given order: the first candidate of a number wins).
   */
  record(envelopes: readonly EnvelopeRecord[], numbers: readonly NumberRecord[], receivedAt: Date): Promise<RegisterResult>;
}

export const ROUTING_REGISTER = Symbol('ROUTING_REGISTER');
