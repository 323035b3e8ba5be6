import { dossierActionFromBody } from './action-from-body';

const CODE = '000.12.05.H41-260420-0001';

describe('dossierActionFromBody', () => {
  it('maps a transfer with a day deadline and a settlement with an apology', () => {
    expect(
      dossierActionFromBody({ action: 'transfer', dossierCode: CODE, procedureCode: 'P', toAgency: '000.00.05.H41', stepDueAt: '2026-05-20' }, '000.12.05.H41'),
    ).toEqual({ type: 'transfer', by: '000.12.05.H41', toAgency: '000.00.05.H41', stepDueAt: '2026-05-20' });
    expect(
      dossierActionFromBody(
        { action: 'transition', dossierCode: CODE, procedureCode: 'P', toState: 9, apology: { newDueAt: '2026-06-05T10:00:00Z', reason: 'late' } },
        '000.12.05.H41',
      ),
    ).toEqual({ type: 'transition', by: '000.12.05.H41', toState: 9, apology: { newDueAt: new Date('2026-06-05T10:00:00Z'), reason: 'late' } });
    expect(dossierActionFromBody({ action: 'return', dossierCode: CODE, procedureCode: 'P' }, '000.00.05.H41')).toEqual({
      type: 'return',
      by: '000.00.05.H41',
    });
  });
});
