import { LtError, isAgencyCode, validateDossierBody, validateEnvelope, type ApplyDossierRequest, type DossierBody, type Envelope } from '@lt/contracts';

export interface ParsedApplyRequest {
  envelope: Envelope<DossierBody>;
  body: DossierBody;
  envelopeId: string;
  from: string;
  to: string[];
  receivedAt: Date;
}

function invalid(field: string, message: string): LtError {
  return new LtError('VALIDATION_FAILED', `apply request: ${field} ${message}`, { field });
}

/**
 * Checks the router's `dossier.apply` payload: the envelope (structure, kind `dossier`, body per
 * action) and that envelopeId/from agree with it. The signature was verified by the router.
 */
export function parseApplyRequest(input: unknown): ParsedApplyRequest {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw invalid('(payload)', 'must be an object {envelope, envelopeId, from, to, receivedAt}');
  const p = input as Partial<Record<keyof ApplyDossierRequest, unknown>>;
  const envelope = validateEnvelope(p.envelope) as Envelope<DossierBody>;
  if (envelope.kind !== 'dossier') throw invalid('envelope.kind', `must be "dossier", got ${JSON.stringify(envelope.kind)}`);
  const body = validateDossierBody(envelope.body);
  if (p.envelopeId !== envelope.id) throw invalid('envelopeId', `${JSON.stringify(p.envelopeId)} is not the envelope's id ${envelope.id}`);
  if (p.from !== envelope.from) throw invalid('from', `${JSON.stringify(p.from)} is not the envelope's sender ${envelope.from}`);
  if (!Array.isArray(p.to) || !p.to.every(isAgencyCode)) throw invalid('to', 'must be the list of resolved recipient agency codes');
  if (typeof p.receivedAt !== 'string' || Number.isNaN(Date.parse(p.receivedAt)))
    throw invalid('receivedAt', `must be an ISO timestamp, got ${JSON.stringify(p.receivedAt)}`);
  return { envelope, body, envelopeId: envelope.id, from: envelope.from, to: [...new Set(p.to as string[])], receivedAt: new Date(p.receivedAt) };
}
