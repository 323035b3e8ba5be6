import { callerFromClaims, callerMatches } from './roles';

const claims = (role: string) => ({ iss: 'lienthong' as const, sub: 's', aud: 'lienthong-gateway', role: role as never, iat: 0, exp: 1, jti: 'j' });

describe('route roles', () => {
  it('extracts the agency code of agency tokens', () => {
    expect(callerFromClaims(claims('agency:000.00.00.H41'))).toEqual({ sub: 's', role: 'agency:000.00.00.H41', agencyCode: '000.00.00.H41' });
    expect(callerFromClaims(claims('auditor')).agencyCode).toBeUndefined();
  });

  it.each([
    ['admin', ['admin'], true],
    ['auditor', ['admin'], false],
    ['agency:000.00.00.H41', ['admin'], false],
    ['auditor', ['auditor'], true],
    ['admin', ['auditor'], false],
    ['agency:000.00.00.H41', ['agency'], true],
    ['auditor', ['any'], true],
    ['agency:000.00.00.H41', ['admin', 'auditor'], false],
  ])('%s on a route for %j: %s', (role, roles, allowed) => {
    expect(callerMatches(callerFromClaims(claims(role)), roles as never)).toBe(allowed);
  });
});
