import type { DocumentNumber, Outcome, RoutingDecision } from './decision';
import { FLAG_DUPLICATE_NUMBER } from './decision';
import { documentNumberKey } from './document-number';

/**
 * The two registers the router keeps (Postgres, adapters/postgres-register.ts), as ports.
 * Each call is one multi-row statement for the whole batch.
 */
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

export interface NumberRecord extends DocumentNumber {
  envelopeId: string;
}

export interface RoutingRegister {
  /** Records ids not seen before; returns, for ids already held, what they were recorded with. */
  recordEnvelopes(records: readonly EnvelopeRecord[], receivedAt: Date): Promise<Map<string, PriorEnvelope>>;
  /** Records numbers not taken yet; returns, for every record, the envelope id holding its number. */
  recordNumbers(records: readonly NumberRecord[]): Promise<Map<string, string>>;
}

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
      return { type: 'replay', facts: d.facts, envelopeId: r.id, sender: r.sender, firstSubmitSeq: prior.seq, ...(d.type === 'deliver' ? { kind: d.envelope.kind } : d.kind ? { kind: String(d.kind) } : {}) };
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

/** Numbers to register: deliveries of new documents, first occurrence of each number in the batch. */
export function numberRecordsOf(outcomes: readonly Outcome[]): NumberRecord[] {
  const seen = new Set<string>();
  const out: NumberRecord[] = [];
  for (const o of outcomes) {
    if (o.type !== 'deliver' || !o.documentNumber) continue;
    const key = documentNumberKey(o.documentNumber);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ ...o.documentNumber, envelopeId: o.envelopeId });
  }
  return out;
}

/**
 * Flags a delivery whose number (Decree 30) is held by another envelope: still delivered, with
 * the `duplicate-number` flag, and recorded. `holders` answers for the first occurrence of each
 * number in the batch; later ones in the same batch are held by whatever held the first.
 */
export function applyNumberRegister(outcomes: Outcome[], holders: ReadonlyMap<string, string>): Outcome[] {
  const holderOfKey = new Map<string, string>();
  return outcomes.map((o) => {
    if (o.type !== 'deliver' || !o.documentNumber) return o;
    const key = documentNumberKey(o.documentNumber);
    let holder = holderOfKey.get(key);
    if (holder === undefined) {
      holder = holders.get(o.envelopeId) ?? o.envelopeId;
      holderOfKey.set(key, holder);
    }
    if (holder === o.envelopeId) return o;
    return { ...o, flags: [...o.flags, FLAG_DUPLICATE_NUMBER], firstEnvelopeWithNumber: holder };
  });
}
