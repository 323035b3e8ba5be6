import { LtError } from '@lt/contracts';
import type { Outcome, RoutingDecision } from '../../domain/decision';
import type { EnvelopeRecord, NumberRecord, NumberResult, PriorEnvelope } from '../../ports/routing-register';
import { FLAG_DUPLICATE_NUMBER } from '../../domain/decision';
import { documentNumberKey } from '../../domain/document-number';

/** Authenticated submissions with a readable id, first occurrence of each id in the batch. */
export function envelopeRecordsOf(decisions: readonly RoutingDecision[]): EnvelopeRecord[] {
  const seen = new Set<string>();
  const out: EnvelopeRecord[] = [];
  for (const d of decisions) {
    const r = recordOf(d);
    if (!r || seen.has(r.id)) continue;
    seen.add(r.id);
    out.push(r);
  }
  return out;
}

function recordOf(d: RoutingDecision): EnvelopeRecord | null {
  if (d.type === 'deliver') return { id: d.envelopeId, sender: d.sender, seq: d.facts.seq, digest: d.facts.digest };
  if (d.authenticated && d.envelopeId && d.bounceTo) return { id: d.envelopeId, sender: d.bounceTo, seq: d.facts.seq, digest: d.facts.digest };
  return null;
}

/**
 * Applies the envelope register: an id held with the same submission (sequence and digest) is a
 * redelivery after a crash and is decided again (its copies dedup); with the same bytes under
 * another sequence it is a replay, ignored and recorded; with other bytes it is an id reused for
 * a different envelope, refused DUPLICATE. A replay wins over any other refusal: the sender
 * already had its answer for that id. `priors` must hold the answer for the first occurrence of
 * each id in the batch; later occurrences in the same batch compare with the first.
 */
export function applyEnvelopeRegister(decisions: readonly RoutingDecision[], priors: ReadonlyMap<string, PriorEnvelope>): Outcome[] {
  const firstInBatch = new Map<string, EnvelopeRecord>();
  return decisions.map((d): Outcome => {
    const r = recordOf(d);
    if (!r) return asOutcome(d);
    const first = firstInBatch.get(r.id);
    if (!first) firstInBatch.set(r.id, r);
    const prior: PriorEnvelope | undefined = first ? { seq: first.seq, digest: first.digest } : priors.get(r.id);
    if (!prior || (prior.seq === r.seq && prior.digest === r.digest)) return asOutcome(d);
    if (prior.digest === r.digest) {
      return {
        type: 'replay',
        facts: d.facts,
        envelopeId: r.id,
        sender: r.sender,
        firstSubmitSeq: prior.seq,
        ...(d.type === 'deliver' ? { kind: d.envelope.kind } : d.kind ? { kind: String(d.kind) } : {}),
      };
    }
    return {
      type: 'refuse',
      facts: d.facts,
      reasonCode: 'DUPLICATE',
      reason: `envelope id ${r.id} was already used for another envelope (submission ${prior.seq}); every envelope needs a new id`,
      details: { field: 'id', firstSubmitSeq: prior.seq },
      authenticated: true,
      bounceTo: r.sender,
      envelopeId: r.id,
      ...(d.type === 'deliver' ? { from: d.envelope.from, kind: d.envelope.kind, kid: d.kid } : { from: d.from, kind: d.kind, kid: d.kid }),
    };
  });
}

function asOutcome(d: RoutingDecision): Outcome {
  return d.type === 'deliver' ? { ...d, flags: [] } : d;
}

/**
 * Number candidates: every delivery of a new document, first occurrence of each envelope id. Not
 * de-duplicated by number: whether a candidate counts depends on its envelope being new, which
 * the register decides in the same statement.
 */
export function numberCandidatesOf(decisions: readonly RoutingDecision[]): NumberRecord[] {
  const seen = new Set<string>();
  const out: NumberRecord[] = [];
  for (const d of decisions) {
    if (d.type !== 'deliver' || !d.documentNumber || seen.has(d.envelopeId)) continue;
    seen.add(d.envelopeId);
    out.push({ ...d.documentNumber, envelopeId: d.envelopeId });
  }
  return out;
}

/**
 * Flags a delivery whose number (Decree 30) another envelope holds: still delivered, with the
 * `duplicate-number` flag, and recorded. A number taken by an earlier candidate of the same batch
 * is held by that one.
 */
export function applyNumberRegister(outcomes: Outcome[], numbers: ReadonlyMap<string, NumberResult>): Outcome[] {
  const takenInBatch = new Map<string, string>();
  return outcomes.map((o) => {
    if (o.type !== 'deliver' || !o.documentNumber) return o;
    const key = documentNumberKey(o.documentNumber);
    const r = numbers.get(o.envelopeId);
    let holder: string;
    if (!r || r.inserted) {
      holder = o.envelopeId;
      if (!takenInBatch.has(key)) takenInBatch.set(key, holder);
    } else if (r.holder !== null) {
      holder = r.holder;
    } else {
      const earlier = takenInBatch.get(key);
      if (earlier === undefined) {
        // taken by a concurrent router between our snapshot and our insert: decide on the next delivery
        throw new LtError('UNAVAILABLE', `document number of ${o.envelopeId} is being recorded concurrently; retrying`, { envelopeId: o.envelopeId });
      }
      holder = earlier;
    }
    if (holder === o.envelopeId) return o;
    return { ...o, flags: [...o.flags, FLAG_DUPLICATE_NUMBER], firstEnvelopeWithNumber: holder };
  });
}
