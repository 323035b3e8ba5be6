import { Inject, Injectable, type CanActivate, type ExecutionContext, createParamDecorator } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { LtError } from '@lt/contracts';
import { GATEWAY_TOKEN_AUDIENCE, verifyToken, type VerifyKey } from '@lt/crypto';
import { HUB_KEYS } from '../infra/hub.tokens';
import { AgencyStatuses } from './agency-status';
import { TokenRevocations } from './revocations';
import { callerFromClaims, callerMatches, PUBLIC_KEY, ROLES_KEY, type Caller, type RouteRole } from './roles';

/**
 * Bearer tokens signed by the hub key for the gateway's audience. No token, a bad one, one for
 * another audience or a revoked one: 401 UNAUTHENTICATED (details.reason). A valid token of a
 * closed agency, or whose role may not call the route: 403 FORBIDDEN. Routes default to "any
 * valid token". What an agency may read within a route is the controller's business (it holds
 * the caller).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(HUB_KEYS) private readonly hubKeys: Map<string, VerifyKey>,
    @Inject(TokenRevocations) private readonly revocations: TokenRevocations,
    @Inject(AgencyStatuses) private readonly agencies: AgencyStatuses,
  ) {}

  canActivate(ctx: ExecutionContext): boolean {
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const req = ctx.switchToHttp().getRequest<Request & { caller?: Caller; callerToken?: string }>();
    const header = req.headers.authorization;
    if (!header) throw new LtError('UNAUTHENTICATED', 'missing Authorization: Bearer <token> header (get one with `lienthong token issue`)');
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m) throw new LtError('UNAUTHENTICATED', 'Authorization header must be "Bearer <token>"');
    const claims = verifyToken(m[1], this.hubKeys, { audience: GATEWAY_TOKEN_AUDIENCE });
    if (this.revocations.isRevoked(claims.jti)) {
      throw new LtError('UNAUTHENTICATED', `bearer token refused: token ${claims.jti} was revoked`, { reason: 'revoked', jti: claims.jti });
    }
    const caller = callerFromClaims(claims);
    if (caller.agencyCode && this.agencies.statusOf(caller.agencyCode) === 'closed') {
      throw new LtError('FORBIDDEN', `agency ${caller.agencyCode} is closed: its tokens are no longer accepted`, { reason: 'agency_closed', agency: caller.agencyCode });
    }
    const roles = this.reflector.getAllAndOverride<RouteRole[]>(ROLES_KEY, targets) ?? ['any'];
    if (!callerMatches(caller, roles)) {
      throw new LtError('FORBIDDEN', `role ${caller.role} may not ${req.method} ${req.path}; requires ${roles.join(' or ')}`, { role: caller.role, required: roles });
    }
    req.caller = caller;
    // forwarded as is to the services that check their caller themselves (Lt-Caller-Token)
    req.callerToken = m[1];
    return true;
  }
}

export const CurrentCaller = createParamDecorator((_: unknown, ctx: ExecutionContext): Caller => {
  return ctx.switchToHttp().getRequest<Request & { caller: Caller }>().caller;
});

/** The request's bearer token, as the guard verified it: what the gateway forwards to the registry and the dossier service. */
export const CallerToken = createParamDecorator((_: unknown, ctx: ExecutionContext): string => {
  const token = ctx.switchToHttp().getRequest<Request & { callerToken?: string }>().callerToken;
  if (!token) throw new LtError('INTERNAL', 'no verified bearer token on this request: a route that forwards it must not be @Public()');
  return token;
});
