import { timingSafeEqual, createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { LtError } from '@lt/contracts';
import type { CallerPolicy } from '../settings';

export const CALLER_POLICY = Symbol('CALLER_POLICY');

const LOOPBACK_PEER = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3})$/;

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Who may call the connector (settings.ts callerPolicy): on loopback, local peers only; with a
 * token, `Authorization: Bearer <token>` compared in constant time; with mutual TLS the TLS layer
 * has already refused clients without a certificate from the configured CA. Throws LtError.
 */
export function admitCaller(policy: CallerPolicy, req: IncomingMessage): void {
  if (policy.kind === 'loopback') {
    if (!LOOPBACK_PEER.test(req.socket.remoteAddress ?? ''))
      throw new LtError('FORBIDDEN', 'the connector admits only local callers (it listens on loopback without a token)');
    return;
  }
  if (policy.kind === 'mtls') return;
  const m = /^Bearer ([^\s]+)$/.exec(req.headers.authorization ?? '');
  if (!m) throw new LtError('UNAUTHENTICATED', 'Authorization: Bearer <token> is required (the token in LT_CONNECTOR_TOKEN_FILE)', { reason: 'missing' });
  if (!timingSafeEqual(digest(m[1]!), digest(policy.token))) throw new LtError('UNAUTHENTICATED', 'wrong bearer token', { reason: 'wrong_token' });
}

/** admitCaller on every route of the API (not /health and /docs). */
@Injectable()
export class CallerGuard implements CanActivate {
  constructor(@Inject(CALLER_POLICY) private readonly policy: CallerPolicy) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<Request>();
    if (req.path === '/health' || req.path.startsWith('/docs')) return true;
    admitCaller(this.policy, req);
    return true;
  }
}
