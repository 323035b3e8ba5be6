import { headers as natsHeaders } from '@nats-io/nats-core';
import { callerTokenHeaders, LtError, type DossierViewer } from '@lt/contracts';
import { importPrivateKey, importPublicKey, issueToken, type TokenRole } from '@lt/crypto';
import { CallerVerifier, NatsRpcContext } from '@lt/messaging';
import { newEd25519KeyFile, type KeyFile } from '@lt/platform';
import type { ApplyDossierMessage } from '../use-cases/apply-dossier-message/apply-dossier-message.use-case';
import type { DossierReportUseCase } from '../use-cases/dossier-report/dossier-report.use-case';
import type { GetDossier } from '../use-cases/get-dossier/get-dossier.use-case';
import type { ListDossiers } from '../use-cases/list-dossiers/list-dossiers.use-case';
import { DossierController } from './dossier.controller';

/** Who reads is the verified Lt-Caller-Token, never the payload's `viewer`. */
const hub = newEd25519KeyFile('token-test');
const stranger = newEd25519KeyFile('token-test');
const AGENCY = '000.12.05.H41';

function sign(key: KeyFile, role: TokenRole): string {
  return issueToken({ sub: 'reader', role, ttlSeconds: 60 }, importPrivateKey(key.privateJwk, key.alg), key.keyId);
}

function ctx(token?: string): NatsRpcContext {
  const h = natsHeaders();
  for (const [k, v] of Object.entries(token === undefined ? {} : callerTokenHeaders(token))) h.set(k, v);
  return new NatsRpcContext(['lt.rpc.dossier.get', h]);
}

function controller(): { c: DossierController; seen: Array<{ input: unknown; viewer: DossierViewer | undefined }> } {
  const seen: Array<{ input: unknown; viewer: DossierViewer | undefined }> = [];
  const record = async (input: unknown, viewer?: DossierViewer) => {
    seen.push({ input, viewer });
    return {} as never;
  };
  const callers = new CallerVerifier(() => new Map([[hub.keyId, importPublicKey(hub.publicJwk, hub.alg)]]));
  const c = new DossierController(
    {} as ApplyDossierMessage,
    { execute: record } as unknown as GetDossier,
    { execute: record } as unknown as ListDossiers,
    { execute: record } as unknown as DossierReportUseCase,
    callers,
  );
  return { c, seen };
}

async function refusal(fn: () => Promise<unknown>): Promise<LtError> {
  try {
    await fn();
  } catch (e) {
    return e as LtError;
  }
  throw new Error('expected a refusal');
}

describe('dossier reads: the reader comes from the caller token', () => {
  it('passes the verified role (and agency) to the use cases', async () => {
    const { c, seen } = controller();
    await c.get({ code: 'x' }, ctx(sign(hub, 'auditor')));
    await c.list({ state: 4 }, ctx(sign(hub, `agency:${AGENCY}`)));
    await c.report(undefined, ctx(sign(hub, 'admin')));
    expect(seen).toEqual([
      { input: 'x', viewer: { role: 'auditor' } },
      { input: { state: 4 }, viewer: { role: `agency:${AGENCY}`, agencyCode: AGENCY } },
      { input: {}, viewer: { role: 'admin' } },
    ]);
  });

  it('refuses a read without a token, or with a token the hub did not sign, before any use case runs', async () => {
    const { c, seen } = controller();
    // a payload claiming to be an auditor is no token
    const none = await refusal(() => c.get({ code: 'x', viewer: { role: 'auditor' } }, ctx()));
    expect([none.code, none.details?.reason]).toEqual(['UNAUTHENTICATED', 'missing']);
    const forged = await refusal(() => c.list({}, ctx(sign(stranger, 'auditor'))));
    expect([forged.code, forged.details?.reason]).toEqual(['UNAUTHENTICATED', 'bad_signature']);
    expect(seen).toEqual([]);
  });

  it('refuses a payload that still carries `viewer`, even with a good token', async () => {
    const { c, seen } = controller();
    const e = await refusal(() => c.get({ code: 'x', viewer: { role: 'auditor' } }, ctx(sign(hub, `agency:${AGENCY}`))));
    expect([e.code, e.details?.field]).toEqual(['VALIDATION_FAILED', 'viewer']);
    expect((await refusal(() => c.report([], ctx(sign(hub, 'auditor'))))).code).toBe('VALIDATION_FAILED');
    expect(seen).toEqual([]);
  });
});
