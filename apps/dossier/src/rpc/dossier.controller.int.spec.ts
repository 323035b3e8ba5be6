import { callerTokenHeaders, DOSSIER_RPC, LtError, type ApplyDossierResult, type DossierPage, type DossierReport, type DossierView } from '@lt/contracts';
import { importPrivateKey, issueToken, type TokenRole } from '@lt/crypto';
import { RpcClient } from '@lt/messaging';
import { newEd25519KeyFile } from '@lt/platform';
import { AGENCIES, DossierFixture, vn } from '../testing/dossier-fixture';

const LAND = 'DEMO-DD-GCN-LANDAU';

describe('dossier request-reply surface (service started on a real NATS)', () => {
  let f: DossierFixture;
  let rpc: RpcClient;
  let code: string;
  const call = <T>(method: string, payload: unknown) => rpc.call<T>(f.topo.rpcSubject('dossier', method), payload, 10_000);
  /** a read as the holder of a token of `role` (what the gateway forwards) */
  const read = <T>(role: TokenRole, method: string, payload: unknown) =>
    rpc.withHeaders(callerTokenHeaders(f.token(role))).call<T>(f.topo.rpcSubject('dossier', method), payload, 10_000);
  const agency = (code: string): TokenRole => `agency:${code}`;

  beforeAll(async () => {
    f = await DossierFixture.create(); // started: serves dossier.*
    rpc = new RpcClient(f.nc);
    f.clock.set(vn('2026-03-04 12:00'));
    // the router's call: a submit, then a transfer to the district
    const env = f.submitEnvelope(AGENCIES.commune, LAND, vn('2026-03-02 09:00'));
    const r = await call<ApplyDossierResult>(DOSSIER_RPC.apply, f.request(env, vn('2026-03-02 09:00')));
    code = r.dossierCode;
    // keep the fixture's procedure map in step for the helpers
    await f.applyEnvelope(env, vn('2026-03-02 09:00'));
    await f.transition(AGENCIES.commune, code, 2, vn('2026-03-02 09:10'));
    await f.transition(AGENCIES.commune, code, 4, vn('2026-03-02 09:20'));
    await f.transfer(AGENCIES.commune, code, AGENCIES.district, vn('2026-03-03 09:00'), { stepWorkingDays: 20 });
  }, 60_000);
  afterAll(async () => {
    await f.close();
  });

  it('applies over request-reply and keeps stable error codes across the wire', async () => {
    const body = { action: 'transition', dossierCode: code, procedureCode: LAND, toState: 10 } as const;
    const env = f.envelope(AGENCIES.district, [AGENCIES.commune], body, vn('2026-03-04 09:00'));
    const err = await call(DOSSIER_RPC.apply, f.request(env, vn('2026-03-04 09:00'))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LtError);
    expect(err).toMatchObject({ code: 'ILLEGAL_TRANSITION', details: { currentState: 4 } });
    const bad = await call(DOSSIER_RPC.apply, { envelope: { nonsense: true } }).catch((e: unknown) => e);
    expect(bad).toMatchObject({ code: 'SCHEMA_INVALID' });
  });

  it('shows a dossier to auditors, admins and the agencies taking part, and to nobody else', async () => {
    const auditor = await read<DossierView>('auditor', DOSSIER_RPC.get, { code });
    expect(auditor).toMatchObject({ code, holder: AGENCIES.district, state: 4, stepDueAt: expect.any(String) });
    for (const participant of [AGENCIES.commune, AGENCIES.district]) {
      await expect(read<DossierView>(agency(participant), DOSSIER_RPC.get, { code })).resolves.toMatchObject({ code });
    }
    const stranger = await read(agency(AGENCIES.otherCommune), DOSSIER_RPC.get, { code }).catch((e: unknown) => e);
    expect(stranger).toMatchObject({ code: 'UNKNOWN_DOSSIER' });
    await expect(read('admin', DOSSIER_RPC.get, { code: 'not-a-code' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('refuses a forged reader: a body viewer without a token, a token of another key; a body viewer beside a token', async () => {
    const none = await call(DOSSIER_RPC.get, { code, viewer: { role: 'auditor' } }).catch((e: unknown) => e);
    expect(none).toMatchObject({ code: 'UNAUTHENTICATED', details: { reason: 'missing', header: 'Lt-Caller-Token' } });
    const other = newEd25519KeyFile(f.hubKey.keyId);
    const forged = issueToken({ sub: 'mallory', role: 'auditor', ttlSeconds: 60 }, importPrivateKey(other.privateJwk, other.alg), other.keyId);
    for (const method of [DOSSIER_RPC.get, DOSSIER_RPC.list, DOSSIER_RPC.report]) {
      await expect(rpc.withHeaders(callerTokenHeaders(forged)).call(f.topo.rpcSubject('dossier', method), { code }, 10_000)).rejects.toMatchObject({
        code: 'UNAUTHENTICATED',
        details: { reason: 'bad_signature' },
      });
    }
    await expect(read(agency(AGENCIES.otherCommune), DOSSIER_RPC.list, { viewer: { role: 'auditor' } })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      details: { field: 'viewer' },
    });
  });

  it('lists an agency its own dossiers only', async () => {
    const mine = await read<DossierPage>(agency(AGENCIES.district), DOSSIER_RPC.list, {});
    expect(mine.items.map((d) => d.code)).toEqual([code]);
    const none = await read<DossierPage>(agency(AGENCIES.otherCommune), DOSSIER_RPC.list, {});
    expect(none.items).toEqual([]);
    await expect(read(agency(AGENCIES.otherCommune), DOSSIER_RPC.list, { agency: AGENCIES.commune })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('reports; an agency token gets its own figures only', async () => {
    const all = await read<DossierReport>('auditor', DOSSIER_RPC.report, { from: '2026-03-01', to: '2026-03-31' });
    expect(all).toMatchObject({ received: 1, inProgress: 1, overdueNow: 0 });
    const own = await read<DossierReport>(agency(AGENCIES.otherCommune), DOSSIER_RPC.report, { from: '2026-03-01', to: '2026-03-31' });
    expect(own).toMatchObject({ agency: AGENCIES.otherCommune, received: 0 });
    await expect(read(agency(AGENCIES.otherCommune), DOSSIER_RPC.report, { agency: AGENCIES.commune })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});
