import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { databaseSecretsPath, loadOrCreateDatabaseSecrets, newDatabasePassword } from './secrets';

describe('database secrets', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lt-secrets-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates <data>/secrets/postgres.json readable by the owner only, with a password per role', () => {
    const s = loadOrCreateDatabaseSecrets(dir, ['registry', 'audit']);
    const path = databaseSecretsPath(dir);
    expect(path).toBe(join(dir, 'secrets', 'postgres.json'));
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(path)).mode & 0o777).toBe(0o700);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual(s);
    expect(Object.keys(s.roles).sort()).toEqual(['audit', 'registry']);
    const all = [s.superuserPassword, s.roles.registry, s.roles.audit];
    expect(new Set(all).size).toBe(3);
    for (const p of all) expect(p).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('returns the same passwords on every later call, and adds only the roles it lacks', () => {
    const first = loadOrCreateDatabaseSecrets(dir, ['registry']);
    const again = loadOrCreateDatabaseSecrets(dir, ['registry']);
    expect(again).toEqual(first);
    const more = loadOrCreateDatabaseSecrets(dir, ['registry', 'router']);
    expect(more.superuserPassword).toBe(first.superuserPassword);
    expect(more.roles.registry).toBe(first.roles.registry);
    expect(more.roles.router).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(loadOrCreateDatabaseSecrets(dir).roles).toEqual(more.roles);
  });

  it('makes a file restored with loose permissions private again', () => {
    loadOrCreateDatabaseSecrets(dir);
    chmodSync(databaseSecretsPath(dir), 0o644);
    loadOrCreateDatabaseSecrets(dir);
    expect(statSync(databaseSecretsPath(dir)).mode & 0o777).toBe(0o600);
  });

  it('refuses a file that is not JSON or lacks the passwords, naming the file', () => {
    const path = databaseSecretsPath(dir);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, '{nope');
    expect(() => loadOrCreateDatabaseSecrets(dir)).toThrow(`database secrets file ${path} is not JSON`);
    writeFileSync(path, JSON.stringify({ superuserPassword: '', roles: {} }));
    expect(() => loadOrCreateDatabaseSecrets(dir)).toThrow(`database secrets file ${path} must hold`);
    writeFileSync(path, JSON.stringify({ superuserPassword: 'x', roles: { audit: 42 } }));
    expect(() => loadOrCreateDatabaseSecrets(dir)).toThrow(`database secrets file ${path} must hold`);
  });

  it('generates a different password each time', () => {
    expect(newDatabasePassword()).not.toBe(newDatabasePassword());
  });
});
