import { SetMetadata } from '@nestjs/common';
import type { TokenClaims } from '@lt/crypto';

export const ROLES_KEY = 'lt:roles';
export const PUBLIC_KEY = 'lt:public';

/** Who may call a route: 'admin', 'auditor', 'agency' (any agency token) or 'any' (any valid token). */
export type RouteRole = 'admin' | 'auditor' | 'agency' | 'any';
export const Roles = (...roles: RouteRole[]) => SetMetadata(ROLES_KEY, roles);
export const Public = () => SetMetadata(PUBLIC_KEY, true);

export interface Caller {
  sub: string;
  role: TokenClaims['role'];
  /** set for agency tokens */
  agencyCode?: string;
}

export function callerFromClaims(c: TokenClaims): Caller {
  return c.role.startsWith('agency:') ? { sub: c.sub, role: c.role, agencyCode: c.role.slice(7) } : { sub: c.sub, role: c.role };
}

export function callerMatches(caller: Caller, roles: RouteRole[]): boolean {
  if (roles.includes('any')) return true;
  if (caller.role === 'admin' && roles.includes('admin')) return true;
  if (caller.role === 'auditor' && roles.includes('auditor')) return true;
  if (caller.agencyCode && roles.includes('agency')) return true;
  return false;
}
