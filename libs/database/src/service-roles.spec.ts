import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SERVICE_DB_GRANTS, serviceDatabaseUrl, serviceGrantsMarkdown, serviceRoleName } from './service-roles';

describe('service roles (no database)', () => {
  it('docs/security-database.md shows exactly SERVICE_DB_GRANTS', () => {
    const doc = readFileSync(join(__dirname, '..', '..', '..', 'docs', 'security-database.md'), 'utf8');
    const m = /<!-- service-grants:begin -->\n([\s\S]*?)\n<!-- service-grants:end -->/.exec(doc);
    expect(m?.[1]).toBe(serviceGrantsMarkdown());
  });

  it('gives no service DELETE, and the audit evidence and the registry history only SELECT and INSERT', () => {
    for (const grant of Object.values(SERVICE_DB_GRANTS)) for (const privileges of Object.values(grant.tables)) expect(privileges).not.toContain('DELETE');
    for (const t of ['audit_entries', 'audit_entry_ids', 'audit_hashes', 'audit_checkpoints'])
      expect(SERVICE_DB_GRANTS.audit.tables[t]).toEqual(['SELECT', 'INSERT']);
    expect(SERVICE_DB_GRANTS.registry.tables.registry_changes).toEqual(['SELECT', 'INSERT']);
    expect(SERVICE_DB_GRANTS.gateway).toEqual({ tables: {}, sequences: [], functions: [] });
  });

  it('names roles lt_<service>, or <prefix><service>, and refuses a prefix that is not a plain identifier', () => {
    expect(serviceRoleName('audit')).toBe('lt_audit');
    expect(serviceRoleName('router', 'lt_t1234_')).toBe('lt_t1234_router');
    expect(() => serviceRoleName('router', 'x"; DROP ROLE postgres; --')).toThrow('role prefix');
    expect(() => serviceDatabaseUrl('postgres://postgres@h/db', 'router', 'pw', 'Bad-')).toThrow('role prefix');
  });
});
