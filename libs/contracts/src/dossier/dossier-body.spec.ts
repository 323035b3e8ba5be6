import { validateDossierBody, type DossierBody } from './dossier-body';
import { ltCode } from './test-helpers';

const SHA = 'a'.repeat(64);
const CODE = '000.12.05.H41-260420-0001';

describe('validateDossierBody', () => {
  it('accepts each action', () => {
    const bodies: DossierBody[] = [
      {
        action: 'submit',
        procedureCode: 'DEMO-HT-XNTTHN',
        receivedAt: '2026-04-20T09:00:00+07:00',
        applicant: { fullName: 'A', dateOfBirth: '1990-01-01', idNumber: '1', residence: 'Vinh', purpose: 'marriage' },
        attachments: [{ name: 'to-khai.pdf', mediaType: 'application/pdf', size: 1234, sha256: SHA }],
      },
      { action: 'transfer', dossierCode: CODE, procedureCode: 'DEMO-DD-GCN-LANDAU', toAgency: '000.00.05.H41', toTier: 'district', stepWorkingDays: 20 },
      { action: 'transfer', dossierCode: CODE, procedureCode: 'DEMO-DD-GCN-LANDAU', toAgency: '000.00.05.H41', stepDueAt: '2026-05-20' },
      { action: 'return', dossierCode: CODE, procedureCode: 'DEMO-DD-GCN-LANDAU', note: 'done' },
      { action: 'transition', dossierCode: CODE, procedureCode: 'DEMO-DD-GCN-LANDAU', toState: 5, reason: 'missing site plan' },
      {
        action: 'transition',
        dossierCode: CODE,
        procedureCode: 'DEMO-DD-GCN-LANDAU',
        toState: 9,
        apology: { newDueAt: '2026-06-05', reason: 'survey delayed', issuedAt: '2026-06-01T08:00:00Z' },
      },
    ];
    for (const b of bodies) expect(validateDossierBody(b)).toEqual(b);
  });

  it.each([
    [null, 'body'],
    [{ action: 'delete' }, 'body.action'],
    [{ action: 'submit', dossierCode: CODE, procedureCode: 'P', receivedAt: '2026-04-20T09:00:00Z', applicant: {} }, 'body.dossierCode'],
    [{ action: 'submit', procedureCode: 'P', receivedAt: '2026-04-20', applicant: {} }, 'body.receivedAt'],
    [{ action: 'submit', procedureCode: 'P', receivedAt: '2026-04-20T09:00:00Z', applicant: { a: { b: 1 } } }, 'body.applicant.a'],
    [{ action: 'submit', procedureCode: 'P', receivedAt: '2026-04-20T09:00:00Z', applicant: {}, secret: 1 }, 'body.secret'],
    [{ action: 'submit', procedureCode: 'P', receivedAt: '2026-04-20T09:00:00Z', applicant: {}, attachments: [{ name: 'a', mediaType: 'application/pdf', size: 1, sha256: 'ABC' }] }, 'body.attachments[0].sha256'],
    [{ action: 'return', dossierCode: 'H41-1', procedureCode: 'P' }, 'body.dossierCode'],
    [{ action: 'return', dossierCode: CODE, procedureCode: 'P', toState: 4 }, 'body.toState'],
    [{ action: 'transfer', dossierCode: CODE, procedureCode: 'P', toAgency: 'H41' , stepWorkingDays: 2 }, 'body.toAgency'],
    [{ action: 'transfer', dossierCode: CODE, procedureCode: 'P', toAgency: '000.00.05.H41' }, 'body.stepWorkingDays'],
    [{ action: 'transfer', dossierCode: CODE, procedureCode: 'P', toAgency: '000.00.05.H41', stepWorkingDays: 2, stepDueAt: '2026-05-01' }, 'body.stepWorkingDays'],
    [{ action: 'transfer', dossierCode: CODE, procedureCode: 'P', toAgency: '000.00.05.H41', stepWorkingDays: 0 }, 'body.stepWorkingDays'],
    [{ action: 'transfer', dossierCode: CODE, procedureCode: 'P', toAgency: '000.00.05.H41', stepDueAt: 'soon' }, 'body.stepDueAt'],
    [{ action: 'transfer', dossierCode: CODE, procedureCode: 'P', toAgency: '000.00.05.H41', toTier: 'ward', stepWorkingDays: 2 }, 'body.toTier'],
    [{ action: 'transition', dossierCode: CODE, procedureCode: 'P', toState: 11 }, 'body.toState'],
    [{ action: 'transition', dossierCode: CODE, procedureCode: 'P', toState: 1 }, 'body.toState'],
    [{ action: 'transition', dossierCode: CODE, procedureCode: 'P', toState: 5, apology: { newDueAt: '2026-05-01', reason: 'x' } }, 'body.apology'],
    [{ action: 'transition', dossierCode: CODE, procedureCode: 'P', toState: 9, apology: { newDueAt: '2026-05-01' } }, 'body.apology.reason'],
    [{ action: 'transition', dossierCode: CODE, procedureCode: 'P', toState: 9, apology: { newDueAt: '2026-05-01', reason: 'x', by: 'me' } }, 'body.apology.by'],
    [{ action: 'transition', dossierCode: CODE, procedureCode: 'P', toState: 5, reason: 'x'.repeat(2001) }, 'body.reason'],
    [{ action: 'transition', dossierCode: CODE, procedureCode: 'P P', toState: 4 }, 'body.procedureCode'],
  ])('refuses %j naming %s', (body, field) => {
    const e = ltCode(() => validateDossierBody(body));
    expect(e.code).toBe('SCHEMA_INVALID');
    expect(e.details).toEqual({ field });
    expect(e.message.startsWith(field)).toBe(true);
  });
});
