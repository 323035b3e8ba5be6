import { RequestMethod, type ExecutionContext, type Type } from '@nestjs/common';
import { METHOD_METADATA, MODULE_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { APP_GUARD, Reflector } from '@nestjs/core';
import { LtError } from '@lt/contracts';
import { generateSigningKey, importPrivateKey, importPublicKey, issueToken, type TokenRole, type VerifyKey } from '@lt/crypto';
import { GatewayModule } from '../gateway.module';
import { AgencyStatuses } from './agency-status';
import { AuthGuard } from './auth.guard';
import { TokenRevocations } from './revocations';
import { PUBLIC_KEY, ROLES_KEY, type RouteRole } from './roles';

/**
 * The access policy of every gateway route, written out by hand. Any change of a route's roles,
 * a new route, a removed route or a route left without roles fails here: widening who may call
 * a route must be a visible edit of this table, not a silent one-word change in a controller.
 * 'public' means @Public() (no token at all).
 */
const POLICY: Record<string, RouteRole[] | 'public'> = {
  'GET /health': 'public',
  // public keys of the hub, for whoever verifies what it signed
  'GET /v1/hub/keys': 'public',
  // JSON Schemas of the public wire format (envelope, flattened JWS), for client generators
  'GET /v1/schemas/envelope.json': 'public',
  'GET /v1/schemas/flattened-jws.json': 'public',

  // registry: every role reads, only admins write
  'POST /v1/agencies': ['admin'],
  'GET /v1/agencies': ['any'],
  'POST /v1/agencies/import': ['admin'],
  'GET /v1/agencies/:code': ['any'],
  'GET /v1/agencies/:code/children': ['any'],
  'GET /v1/agencies/:code/history': ['any'],
  'PATCH /v1/agencies/:code': ['admin'],
  'POST /v1/agencies/:code/close': ['admin'],
  'GET /v1/agencies/:code/keys': ['any'],
  'POST /v1/agencies/:code/keys': ['admin'],
  'POST /v1/agencies/:code/keys/:kid/revoke': ['admin'],

  // audit log: checkpoints and proofs for auditors and agencies checking receipts (a proof only of
  // an entry naming the agency); traces and reports for auditors and, narrowed by the controller
  // (audit/agency-scope.ts), for the agency they concern; the rest for auditors only
  'GET /v1/audit/checkpoint': ['auditor', 'agency'],
  'GET /v1/audit/proof/:seq': ['auditor', 'agency'],
  'GET /v1/audit/consistency': ['auditor', 'agency'],
  'GET /v1/audit/export': ['auditor'],
  'GET /v1/audit/entries': ['auditor'],
  'POST /v1/audit/verify': ['auditor'],
  'GET /v1/messages/:id/trace': ['auditor', 'agency'],
  'GET /v1/reports/agencies/:code': ['auditor', 'agency'],

  // bearer tokens: revocation is an admin's act
  'POST /v1/tokens/revoke': ['admin'],

  // dossiers: any token; the dossier service narrows what an agency sees
  'GET /v1/dossiers': ['any'],
  'GET /v1/dossiers/:code': ['any'],
  'GET /v1/reports/dossiers': ['any'],
};

/** Routes any caller may reach without a token. (/docs is Swagger, mounted outside the controllers.) */
const PUBLIC_ROUTES = ['GET /health', 'GET /v1/hub/keys', 'GET /v1/schemas/envelope.json', 'GET /v1/schemas/flattened-jws.json'];

/** Write methods reachable by a non-admin, each with the reason it is safe. Everything else that writes is admin-only. */
const NON_ADMIN_WRITES: Record<string, string> = {
  'POST /v1/audit/verify': 'recomputes and checks the stored log; changes nothing',
};

const READ_METHODS = new Set<RequestMethod>([RequestMethod.GET, RequestMethod.HEAD, RequestMethod.OPTIONS]);

interface Route {
  key: string;
  method: RequestMethod;
  controller: Type;
  handler: (...args: never[]) => unknown;
}

function pathsOf(meta: unknown): string[] {
  if (meta === undefined) return ['/'];
  return Array.isArray(meta) ? (meta as string[]) : [meta as string];
}

function joinPath(base: string, sub: string): string {
  const p = `/${base}/${sub}`.replace(/\/+/g, '/');
  return p.length > 1 ? p.replace(/\/$/, '') : p;
}

/** Controllers of a module and of everything it imports (static and dynamic modules). */
function controllersOf(mod: unknown, seen = new Set<unknown>()): Type[] {
  if (!mod || seen.has(mod)) return [];
  seen.add(mod);
  const dynamic = typeof mod === 'object' && 'module' in (mod as object) ? (mod as { module: Type; controllers?: Type[]; imports?: unknown[] }) : undefined;
  const cls = dynamic ? dynamic.module : (mod as Type);
  const controllers: Type[] = [...((Reflect.getMetadata(MODULE_METADATA.CONTROLLERS, cls) as Type[] | undefined) ?? []), ...(dynamic?.controllers ?? [])];
  const imports = [...((Reflect.getMetadata(MODULE_METADATA.IMPORTS, cls) as unknown[] | undefined) ?? []), ...(dynamic?.imports ?? [])];
  return [...controllers, ...imports.flatMap((m) => controllersOf(m, seen))];
}

/** Every HTTP route the gateway serves, found the way Nest's router finds them: methods carrying path metadata. */
function gatewayRoutes(): Route[] {
  const routes: Route[] = [];
  for (const controller of controllersOf(GatewayModule)) {
    const names = new Set<string>();
    for (let proto = controller.prototype; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
      for (const name of Object.getOwnPropertyNames(proto)) if (name !== 'constructor') names.add(name);
    }
    for (const name of names) {
      const handler = controller.prototype[name] as Route['handler'];
      if (typeof handler !== 'function') continue;
      const sub = Reflect.getMetadata(PATH_METADATA, handler) as unknown;
      if (sub === undefined) continue;
      const method = (Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined) ?? RequestMethod.GET;
      for (const base of pathsOf(Reflect.getMetadata(PATH_METADATA, controller)))
        for (const path of pathsOf(sub)) routes.push({ key: `${RequestMethod[method]} ${joinPath(base, path)}`, method, controller, handler });
    }
  }
  return routes;
}

/** What AuthGuard reads: the handler's metadata wins over the controller's. */
function metadata<T>(key: string, route: Route): T | undefined {
  return (Reflect.getMetadata(key, route.handler) ?? Reflect.getMetadata(key, route.controller)) as T | undefined;
}

function effectivePolicy(route: Route): RouteRole[] | 'public' | 'none' {
  if (metadata<boolean>(PUBLIC_KEY, route)) return 'public';
  return metadata<RouteRole[]>(ROLES_KEY, route) ?? 'none';
}

const routes = gatewayRoutes();

describe('gateway route roles', () => {
  it('finds the routes of every controller the gateway registers', () => {
    expect(routes.length).toBeGreaterThanOrEqual(Object.keys(POLICY).length);
    expect(new Set(routes.map((r) => r.controller.name)).size).toBeGreaterThanOrEqual(7);
  });

  it('serves each method and path once', () => {
    const keys = routes.map((r) => r.key);
    expect(keys.filter((k, i) => keys.indexOf(k) !== i)).toEqual([]);
  });

  it('serves exactly the routes of the policy table, each with the roles written there', () => {
    const actual = Object.fromEntries(routes.map((r) => [r.key, effectivePolicy(r)]));
    expect(actual).toEqual(POLICY);
  });

  it('names the roles of every route that is not on the public list', () => {
    const unprotected = routes.filter((r) => !PUBLIC_ROUTES.includes(r.key) && metadata<RouteRole[]>(ROLES_KEY, r) === undefined).map((r) => r.key);
    expect(unprotected).toEqual([]);
    const publicRoutes = routes.filter((r) => metadata<boolean>(PUBLIC_KEY, r)).map((r) => r.key);
    expect(publicRoutes.sort()).toEqual([...PUBLIC_ROUTES].sort());
  });

  it('keeps every write route admin-only, save the listed exceptions', () => {
    const writes = routes.filter((r) => !READ_METHODS.has(r.method) && !(r.key in NON_ADMIN_WRITES));
    expect(writes.map((r) => r.key)).toContain('POST /v1/agencies/:code/keys/:kid/revoke');
    expect(writes.filter((r) => JSON.stringify(effectivePolicy(r)) !== '["admin"]').map((r) => [r.key, effectivePolicy(r)])).toEqual([]);
    expect(Object.keys(NON_ADMIN_WRITES).filter((k) => !routes.some((r) => r.key === k))).toEqual([]);
  });

  it('keeps every registry write admin-only', () => {
    const registryWrites = routes.filter((r) => r.key.split(' ')[1]!.startsWith('/v1/agencies') && !READ_METHODS.has(r.method));
    expect(registryWrites.length).toBe(6);
    for (const r of registryWrites) expect([r.key, effectivePolicy(r)]).toEqual([r.key, ['admin']]);
  });

  it('runs AuthGuard on every route', () => {
    const providers = (Reflect.getMetadata(MODULE_METADATA.PROVIDERS, GatewayModule) as unknown[]) ?? [];
    expect(providers).toContainEqual({ provide: APP_GUARD, useClass: AuthGuard });
  });
});

describe('AuthGuard over every route', () => {
  const AGENCY = '000.00.00.H41';
  const tokens: Partial<Record<'admin' | 'auditor' | 'agency', string>> = {};
  let guard: AuthGuard;

  beforeAll(async () => {
    const hub = await generateSigningKey('EdDSA', 'route-roles-test');
    const keys = new Map<string, VerifyKey>([[hub.keyId, importPublicKey(hub.publicJwk, 'EdDSA')]]);
    const signer = importPrivateKey(hub.privateJwk, 'EdDSA');
    const issue = (role: TokenRole) => issueToken({ sub: 'route-roles-test', role }, signer, hub.keyId);
    tokens.admin = issue('admin');
    tokens.auditor = issue('auditor');
    tokens.agency = issue(`agency:${AGENCY}`);
    // the lists the guard consults, as loaded and empty (their loading is tested against NATS)
    const revocations = { isRevoked: () => false } as unknown as TokenRevocations;
    const agencies = { statusOf: () => 'active' } as unknown as AgencyStatuses;
    guard = new AuthGuard(new Reflector(), keys, revocations, agencies);
  });

  function context(route: Route, token?: string): ExecutionContext {
    const [method, path] = route.key.split(' ');
    const req = { method, path, headers: token ? { authorization: `Bearer ${token}` } : {} };
    return { getHandler: () => route.handler, getClass: () => route.controller, switchToHttp: () => ({ getRequest: () => req }) } as unknown as ExecutionContext;
  }

  /** The error code the guard answers with, or 'allowed'. */
  function outcome(route: Route, token?: string): string {
    try {
      return guard.canActivate(context(route, token)) ? 'allowed' : 'refused';
    } catch (e) {
      return e instanceof LtError ? e.code : String(e);
    }
  }

  const writes = routes.filter((r) => !READ_METHODS.has(r.method) && !(r.key in NON_ADMIN_WRITES));

  it.each(writes.map((r) => [r.key, r] as const))('refuses auditor and agency tokens on %s, lets admins through', (_key, route) => {
    expect({ auditor: outcome(route, tokens.auditor), agency: outcome(route, tokens.agency), admin: outcome(route, tokens.admin) }).toEqual({
      auditor: 'FORBIDDEN',
      agency: 'FORBIDDEN',
      admin: 'allowed',
    });
  });

  it.each(routes.map((r) => [r.key, r] as const))('decides %s for each role as the policy table says', (key, route) => {
    const policy = POLICY[key];
    expect(policy).toBeDefined();
    const expected = (who: RouteRole) => (policy === 'public' || policy!.includes('any') || policy!.includes(who) ? 'allowed' : 'FORBIDDEN');
    expect({
      none: outcome(route),
      admin: outcome(route, tokens.admin),
      auditor: outcome(route, tokens.auditor),
      agency: outcome(route, tokens.agency),
    }).toEqual({
      none: policy === 'public' ? 'allowed' : 'UNAUTHENTICATED',
      admin: expected('admin'),
      auditor: expected('auditor'),
      agency: expected('agency'),
    });
  });
});
