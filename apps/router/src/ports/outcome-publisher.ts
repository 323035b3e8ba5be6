import type { TraceContext } from '@lt/messaging';
import type { Outcome, SubmissionFacts } from '../domain/decision';

/**
 * Where routing outcomes go (adapters/jetstream-delivery.ts): inbox copies, hub-signed refusals,
 * events, dead letters. Returns the pending PubAcks, so a batch awaits all of them at once.
 */
export interface OutcomePublisher {
  /** `trace`: the submission's routing span, carried on by every message it publishes */
  publish(o: Outcome, data: Uint8Array, routedAt: Date, trace?: TraceContext): Promise<unknown>[];
  deadLetter(facts: SubmissionFacts, data: Uint8Array, reason: string, deliveries: number, at: Date, trace?: TraceContext): Promise<unknown>[];
}

export const OUTCOME_PUBLISHER = Symbol('OUTCOME_PUBLISHER');
