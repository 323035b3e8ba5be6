import { toKvEntry } from '../../domain/agency';
import { ADMIN, inMemoryRegistry, publicJwk } from '../../testing/registry-test-kit';

async function withAgency() {
  const kit = inMemoryRegistry();
  await kit.uc.createAgency.execute(ADMIN, { code: '000.00.00.H41', name: 'H41', tier: 'province' });
  return kit;
}

describe('AddKeyUseCase and RevokeKeyUseCase', () => {
  it('adds a key with kid <code>#<keyId>, bumps the agency version and snapshots the keys', async () => {
    const { uc, repo } = await withAgency();
    const key = await uc.addKey.execute(ADMIN, '000.00.00.H41', { keyId: 'k1', alg: 'EdDSA', publicJwk: publicJwk('EdDSA') });
    expect(key).toMatchObject({ kid: '000.00.00.H41#k1', alg: 'EdDSA', notBefore: '2026-01-01T00:00:00.000Z', revokedAt: null });
    const last = repo.state.changes[repo.state.changes.length - 1]!;
    expect(last).toMatchObject({ type: 'registry.key.added', keyId: 'k1' });
    expect(last.snapshot.keys.map((k) => k.kid)).toEqual(['000.00.00.H41#k1']);
    expect(last.snapshot.version).toBe(2);
  });

  it('refuses a duplicate key id, an unknown agency and a closed agency', async () => {
    const { uc } = await withAgency();
    await uc.addKey.execute(ADMIN, '000.00.00.H41', { keyId: 'k1', alg: 'EdDSA', publicJwk: publicJwk('EdDSA') });
    await expect(uc.addKey.execute(ADMIN, '000.00.00.H41', { keyId: 'k1', alg: 'ES256', publicJwk: publicJwk('ES256') })).rejects.toMatchObject({ code: 'DUPLICATE' });
    await expect(uc.addKey.execute(ADMIN, '000.00.00.H49', { keyId: 'k1', alg: 'EdDSA', publicJwk: publicJwk('EdDSA') })).rejects.toMatchObject({ code: 'UNKNOWN_AGENCY' });
    await uc.closeAgency.execute(ADMIN, '000.00.00.H41', { reason: 'merged' });
    await expect(uc.addKey.execute(ADMIN, '000.00.00.H41', { keyId: 'k2', alg: 'EdDSA', publicJwk: publicJwk('EdDSA') })).rejects.toMatchObject({ code: 'AGENCY_CLOSED' });
  });

  it('refuses a private JWK and an inverted validity window', async () => {
    const { uc } = await withAgency();
    await expect(uc.addKey.execute(ADMIN, '000.00.00.H41', { keyId: 'k1', alg: 'EdDSA', publicJwk: { ...publicJwk('EdDSA'), d: 'x' } })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    await expect(
      uc.addKey.execute(ADMIN, '000.00.00.H41', { keyId: 'k1', alg: 'EdDSA', publicJwk: publicJwk('EdDSA'), notBefore: '2026-02-01T00:00:00Z', notAfter: '2026-01-01T00:00:00Z' }),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'notAfter' } });
  });

  it('revokes by key id or full kid; KEY_REVOKED the second time, UNKNOWN_KEY when absent; the KV entry marks it revoked', async () => {
    const { uc, repo, clock } = await withAgency();
    await uc.addKey.execute(ADMIN, '000.00.00.H41', { keyId: 'k1', alg: 'EdDSA', publicJwk: publicJwk('EdDSA') });
    await uc.addKey.execute(ADMIN, '000.00.00.H41', { keyId: 'k2', alg: 'ES256', publicJwk: publicJwk('ES256') });
    clock.advance(60_000);
    const r = await uc.revokeKey.execute(ADMIN, '000.00.00.H41', '000.00.00.H41#k1', 'compromised');
    expect(r).toMatchObject({ revokedAt: '2026-01-01T00:01:00.000Z', revokedReason: 'compromised' });
    await expect(uc.revokeKey.execute(ADMIN, '000.00.00.H41', 'k1', 'again')).rejects.toMatchObject({ code: 'KEY_REVOKED' });
    await expect(uc.revokeKey.execute(ADMIN, '000.00.00.H41', 'k9', 'x')).rejects.toMatchObject({ code: 'UNKNOWN_KEY' });
    await expect(uc.revokeKey.execute(ADMIN, '000.00.00.H41', 'k2', '')).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'reason' } });
    await expect(uc.revokeKey.execute(ADMIN, '000.00.00.H41', '000.00.00.H49#k2', 'x')).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    const last = repo.state.changes[repo.state.changes.length - 1]!;
    expect(last.type).toBe('registry.key.revoked');
    // the mirror keeps the revoked key with its revocation time, so routers answer KEY_REVOKED
    expect(toKvEntry(last.snapshot).keys.map((k) => [k.kid, k.revokedAt !== null])).toEqual([
      ['000.00.00.H41#k1', true],
      ['000.00.00.H41#k2', false],
    ]);
    expect((await uc.listKeys.execute('000.00.00.H41')).length).toBe(2);
    expect((await uc.listKeys.execute('000.00.00.H41', true)).map((k) => k.keyId)).toEqual(['k2']);
  });
});
