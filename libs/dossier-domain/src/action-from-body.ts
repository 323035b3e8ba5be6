import { isLocalDate, type DossierBody, type DossierSubmitBody } from '@lt/contracts';
import type { DossierAction } from './lifecycle';

/** The lifecycle action a (validated, non-submit) body asks for, performed by the envelope's sender. */
export function dossierActionFromBody(body: Exclude<DossierBody, DossierSubmitBody>, by: string): DossierAction {
  switch (body.action) {
    case 'transfer':
      return {
        type: 'transfer',
        by,
        toAgency: body.toAgency,
        ...(body.toTier !== undefined ? { toTier: body.toTier } : {}),
        ...(body.stepWorkingDays !== undefined ? { stepWorkingDays: body.stepWorkingDays } : {}),
        ...(body.stepDueAt !== undefined ? { stepDueAt: isLocalDate(body.stepDueAt) ? body.stepDueAt : new Date(body.stepDueAt) } : {}),
      };
    case 'return':
      return { type: 'return', by };
    case 'transition':
      return {
        type: 'transition',
        by,
        toState: body.toState,
        ...(body.reason !== undefined ? { reason: body.reason } : {}),
        ...(body.apology !== undefined
          ? {
              apology: {
                newDueAt: isLocalDate(body.apology.newDueAt) ? body.apology.newDueAt : new Date(body.apology.newDueAt),
                reason: body.apology.reason,
                ...(body.apology.issuedAt !== undefined ? { issuedAt: new Date(body.apology.issuedAt) } : {}),
              },
            }
          : {}),
      };
  }
}
