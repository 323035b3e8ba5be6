import { Inject, Injectable, type CanActivate, type ExecutionContext, createParamDecorator } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { LtError } from '@lt/contracts';
import { verifyToken, type VerifyKey } from '@lt/crypto';
import { HUB_KEYS } from '../infra/hub.tokens';
import { callerFromClaims, callerMatches, PUBLIC_KEY, ROLES_KEY, type Caller, type RouteRole } from './roles';

/**
 * Bearer tokens signed by the hub key. No token: 401 UNAUTHENTICATED. A valid token whose role
 * may not call the route: 403 FORBIDDEN. Routes default to "any valid token".
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(HUB_KEYS) private readonly hubKeys: Map<string, VerifyKey>,
  ) {}

  canActivate(ctx: ExecutionContext): boolean {
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const req = ctx.switchToHttp().getRequest<Request & { caller?: Caller }>();
    const header = req.headers.authorization;
    if (!header) throw new LtError('UNAUTHENTICATED', 'missing Authorization: Bearer <token> header (get one with `lienthong token issue`)');
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m) throw new LtError('UNAUTHENTICATED', 'Authorization header must be "Bearer <token>"');
    const caller = callerFromClaims(verifyToken(m[1], this.hubKeys));
    const roles = this.reflector.getAllAndOverride<RouteRole[]>(ROLES_KEY, targets) ?? ['any'];
    if (!callerMatches(caller, roles)) {
      throw new LtError('FORBIDDEN', `role ${caller.role} may not ${req.method} ${req.path}; requires ${roles.join(' or ')}`, { role: caller.role, required: roles });
    }
    req.caller = caller;
    return true;
  }
}

export const CurrentCaller = createParamDecorator((_: unknown, ctx: ExecutionContext): Caller => {
  return ctx.switchToHttp().getRequest<Request & { caller: Caller }>().caller;
});
