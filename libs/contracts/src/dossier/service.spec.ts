import { validateDossierHubBody } from './service';

const code = '000.12.05.H41-260302-0001';

describe('hub-signed dossier bodies', () => {
  it('accepts the applied confirmation and the overdue notice', () => {
    const applied = {
      action: 'applied',
      responseFor: '01900000-0000-7000-8000-000000000000',
      appliedAction: 'submit',
      dossierCode: code,
      state: 1,
      holder: '000.12.05.H41',
      dueAt: '2026-03-05T16:59:59.999Z',
    };
    expect(validateDossierHubBody(applied)).toEqual(applied);
    const notice = {
      action: 'overdue-notice',
      dossierCode: code,
      scope: 'step',
      stepIndex: 0,
      responsible: '000.00.05.H41',
      dueAt: '2026-03-03T16:59:59.999Z',
      detectedAt: '2026-03-04T02:00:00.000Z',
    };
    expect(validateDossierHubBody(notice)).toEqual(notice);
  });

  it.each([
    [{ action: 'submit' }, 'body.action'],
    [{ action: 'applied', responseFor: 'x' }, 'body.responseFor'],
    [{ action: 'overdue-notice', dossierCode: 'nope', scope: 'dossier' }, 'body.dossierCode'],
    [
      {
        action: 'overdue-notice',
        dossierCode: code,
        scope: 'dossier',
        stepIndex: 1,
        responsible: '000.00.05.H41',
        dueAt: '2026-03-03T16:59:59.999Z',
        detectedAt: '2026-03-04T02:00:00.000Z',
      },
      'body.stepIndex',
    ],
    [
      {
        action: 'applied',
        responseFor: '01900000-0000-7000-8000-000000000000',
        appliedAction: 'submit',
        dossierCode: code,
        state: 1,
        holder: '000.12.05.H41',
        dueAt: '2026-03-05T16:59:59.999Z',
        extra: 1,
      },
      'body.extra',
    ],
  ])('refuses %j naming %s', (body, field) => {
    expect(() => validateDossierHubBody(body)).toThrow(expect.objectContaining({ code: 'SCHEMA_INVALID', details: expect.objectContaining({ field }) }));
  });
});
