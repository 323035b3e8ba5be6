import { headers as natsHeaders } from '@nats-io/nats-core';
import { callerTokenHeaders, LtError } from '@lt/contracts';
import { importPrivateKey, importPublicKey, issueToken, type TokenRole } from '@lt/crypto';
import { CallerVerifier, NatsRpcContext } from '@lt/messaging';
import { newEd25519KeyFile, type KeyFile } from '@lt/platform';
import { inMemoryRegistry, publicJwk } from '../testing/registry-test-kit';
import { RegistryController } from './registry.controller';

/** The registry records the caller of a verified token, admits admins only to writes, and never reads `actor` from a payload. */
const hub = newEd25519KeyFile('token-test');
const stranger = newEd25519KeyFile('token-test');
const FORGED_ACTOR = { sub: 'mallory', role: 'admin' };

function sign(key: KeyFile, role: TokenRole, sub = 'alice'): string {
  return issueToken({ sub, role, ttlSeconds: 60 }, importPrivateKey(key.privateJwk, key.alg), key.keyId);
}

function ctx(token?: string, subject = 'lt.rpc.registry.x'): NatsRpcContext {
  const h = natsHeaders();
  if (token !== undefined) for (const [k, v] of Object.entries(callerTokenHeaders(token))) h.set(k, v);
  return new NatsRpcContext([subject, h]);
}

function setup() {
  const reg = inMemoryRegistry();
  const forwarded: Array<{ replicaId: string; payload: unknown; token: string | undefined }> = [];
  const uc = reg.uc;
  const controller = new RegistryController(
    uc.createAgency,
    uc.updateAgency,
    uc.closeAgency,
    uc.importAgencies,
    uc.addKey,
    uc.revokeKey,
    uc.listKeys,
    uc.getAgency,
    uc.listAgencies,
    uc.agencyChildren,
    uc.agencyHistory,
    {
      forward: async (replicaId, payload, token) => {
        forwarded.push({ replicaId, payload, token });
        return { forwarded: true };
      },
    },
    new CallerVerifier(() => new Map([[hub.keyId, importPublicKey(hub.publicJwk, hub.alg)]])),
  );
  return { ...reg, controller, forwarded };
}

async function refusal(fn: () => unknown): Promise<LtError> {
  try {
    await fn();
  } catch (e) {
    return e as LtError;
  }
  throw new Error('expected a refusal');
}

const H41 = { code: '000.00.00.H41', name: 'UBND tỉnh Nghệ An', tier: 'province' };

describe('RegistryController: who writes', () => {
  it('records the sub and role of the verified token as the actor', async () => {
    const { controller, repo } = setup();
    await controller.create(H41, ctx(sign(hub, 'admin', 'alice')));
    await controller.addKey({ code: H41.code, keyId: 'k1', alg: 'EdDSA', publicJwk: publicJwk('EdDSA') }, ctx(sign(hub, 'admin', 'bob')));
    expect(repo.state.changes.map((c) => c.actor)).toEqual([
      { sub: 'alice', role: 'admin' },
      { sub: 'bob', role: 'admin' },
    ]);
  });

  it('refuses a body actor without a token (UNAUTHENTICATED), with a token of another key, and from a non-admin (FORBIDDEN)', async () => {
    const { controller, repo } = setup();
    const none = await refusal(() => controller.create({ ...H41, actor: FORGED_ACTOR }, ctx()));
    expect([none.code, none.details?.reason, none.details?.header]).toEqual(['UNAUTHENTICATED', 'missing', 'Lt-Caller-Token']);
    const forged = await refusal(() => controller.create(H41, ctx(sign(stranger, 'admin'))));
    expect([forged.code, forged.details?.reason]).toEqual(['UNAUTHENTICATED', 'bad_signature']);
    for (const role of ['auditor', 'agency:000.00.00.H41'] as const) {
      const e = await refusal(() => controller.create(H41, ctx(sign(hub, role), 'lt.rpc.registry.agency.create')));
      expect([e.code, e.details?.role, e.details?.required]).toEqual(['FORBIDDEN', role, ['admin']]);
      expect(e.message).toContain('lt.rpc.registry.agency.create');
    }
    expect(repo.state.agencies.size).toBe(0);
  });

  it('refuses a payload that names an actor even beside a good token: the body is never who calls', async () => {
    const { controller, repo } = setup();
    const e = await refusal(() => controller.create({ ...H41, actor: FORGED_ACTOR }, ctx(sign(hub, 'admin'))));
    expect([e.code, e.details?.field]).toEqual(['VALIDATION_FAILED', 'actor']);
    const imp = await refusal(() => controller.importCsv({ action: 'begin', mode: 'partial', actor: FORGED_ACTOR }, ctx(sign(hub, 'admin'))));
    expect(imp.details?.field).toBe('actor');
    // reads too: an actor there is a caller who has not moved to the header
    expect((await refusal(() => controller.get({ code: H41.code, actor: FORGED_ACTOR }))).details?.field).toBe('actor');
    expect(repo.state.agencies.size).toBe(0);
  });

  it('checks every import action, and hands a session held elsewhere over with the same caller token', async () => {
    const { controller, forwarded } = setup();
    const token = sign(hub, 'admin');
    const chunk = { action: 'chunk', importId: 'otherreplica_1', text: 'x' };
    expect((await refusal(() => controller.importCsv(chunk, ctx()))).code).toBe('UNAUTHENTICATED');
    await expect(controller.importCsv(chunk, ctx(token))).resolves.toEqual({ forwarded: true });
    expect(forwarded).toEqual([{ replicaId: 'otherreplica', payload: chunk, token }]);
    expect((await refusal(() => controller.importCsvHere({ action: 'abort', importId: 'x_1' }, ctx()))).code).toBe('UNAUTHENTICATED');
  });

  it('serves reads without a token', async () => {
    const { controller } = setup();
    await controller.create(H41, ctx(sign(hub, 'admin')));
    await expect(controller.get({ code: H41.code })).resolves.toMatchObject({ code: H41.code });
    await expect(controller.list({})).resolves.toMatchObject({ items: [expect.objectContaining({ code: H41.code })] });
  });
});
