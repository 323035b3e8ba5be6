import SwaggerParser from '@apidevtools/swagger-parser';
import { METHOD_METADATA, PATH_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RequestMethod } from '@nestjs/common';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import Ajv2020 from 'ajv/dist/2020';
import { envelopeJsonSchema, ERROR_CODES, uuidv7 } from '@lt/contracts';
import { AuthModule } from '../../apps/gateway/src/auth/auth.module';
import { PUBLIC_KEY } from '../../apps/gateway/src/auth/roles';
import { GatewayModule } from '../../apps/gateway/src/gateway.module';
import pino from 'pino';
import { createRegistryService, type RegistryService } from '../../apps/registry/src/registry.service';
import { GatewayFixture } from '../support/gateway-fixture';
import { HUB_SERVICES, startObservability, type Observability } from '@lt/observability';

/**
 * The gateway's published contract on a running gateway (real NATS and PostgreSQL): the OpenAPI
 * document at /docs/openapi.json describes every route Nest serves, with bodies, answers, errors
 * and security, passes an OpenAPI 3.1 validator, and its schemas match what the gateway really
 * answers; the envelope JSON Schema is served at /v1/schemas/envelope.json.
 */
jest.setTimeout(60_000);

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

let f: GatewayFixture;
let registry: RegistryService;
let doc: Json;
// one stand-in process per hub service answers the status request: /health is 200 with every service listed
const standIns: Observability[] = [];

beforeAll(async () => {
  f = await GatewayFixture.create({ name: 'gateway-openapi-test' });
  registry = createRegistryService({ ds: f.db.ds, nc: f.nc, ns: f.topo.ns, log: pino({ level: 'silent' }), dataDir: f.dataDir });
  await registry.start();
  for (const service of HUB_SERVICES) standIns.push(await startObservability({ service, log: pino({ level: 'silent' }), nc: f.nc, ns: f.topo.ns, env: {} }));
  await f.nc.flush();
  await f.startGateway();
  const res = await fetch(`${f.base}/docs/openapi.json`);
  expect(res.status).toBe(200);
  doc = (await res.json()) as Json;
});

afterAll(async () => {
  for (const s of standIns) await s.stop();
  await registry?.stop();
  await f?.close();
});

interface Route {
  method: string;
  /** OpenAPI form: /v1/agencies/{code} */
  path: string;
  takesBody: boolean;
  isPublic: boolean;
}

/** Every route of the gateway's controllers, read from Nest's own metadata (what it serves). */
function nestRoutes(): Route[] {
  type Controller = abstract new (...args: never[]) => unknown;
  const controllers = [
    ...(Reflect.getMetadata('controllers', GatewayModule) as Controller[]),
    ...(Reflect.getMetadata('controllers', AuthModule) as Controller[]),
  ];
  const routes: Route[] = [];
  for (const ctrl of controllers) {
    const base = String(Reflect.getMetadata(PATH_METADATA, ctrl) ?? '');
    const proto = ctrl.prototype as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(proto)) {
      const handler = proto[name];
      if (name === 'constructor' || typeof handler !== 'function') continue;
      const sub = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
      const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      if (sub === undefined || method === undefined) continue;
      const joined = `/${[base, sub]
        .map((p) => p.replace(/^\/|\/$/g, ''))
        .filter(Boolean)
        .join('/')}`;
      const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, ctrl, name) ?? {}) as Record<string, unknown>;
      const kinds = Object.keys(args).map((k) => Number(k.split(':')[0]));
      routes.push({
        method: RequestMethod[method].toLowerCase(),
        path: joined.replace(/:([A-Za-z]+)/g, '{$1}'),
        // @Body(), or the raw request read as a stream (the CSV import)
        takesBody: kinds.includes(RouteParamtypes.BODY) || kinds.includes(RouteParamtypes.REQUEST),
        isPublic: Reflect.getMetadata(PUBLIC_KEY, handler) === true,
      });
    }
  }
  return routes;
}

function operations(): Array<{ method: string; path: string; op: Json }> {
  const out: Array<{ method: string; path: string; op: Json }> = [];
  for (const [path, item] of Object.entries(doc.paths as Json)) {
    for (const method of HTTP_METHODS) if (item[method]) out.push({ method, path, op: item[method] });
  }
  return out;
}

function resolvePointer(root: Json, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  let at: unknown = root;
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (at === null || typeof at !== 'object' || !(key in (at as Json))) return undefined;
    at = (at as Json)[key];
  }
  return at;
}

function refsIn(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) refsIn(v, out);
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else refsIn(v, out);
    }
  }
  return out;
}

const nonEmptySchema = (schema: unknown) => schema !== null && typeof schema === 'object' && Object.keys(schema).length > 0;

/** The document's component schemas in Ajv (OpenAPI adds `example`, and formats Ajv does not assert). */
function openApiAjv(): Ajv2020 {
  const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
  ajv.addSchema({ $id: 'urn:lienthong:openapi', components: doc.components });
  return ajv;
}

/** Validates JSON answers against one component schema of the document; [] when it matches. */
function componentValidator(name: string) {
  const validate = openApiAjv().getSchema(`urn:lienthong:openapi#/components/schemas/${name}`);
  if (!validate) throw new Error(`no component ${name}`);
  return (value: unknown) => (validate(value) ? [] : validate.errors);
}

/** Validates a real answer against the schema the document gives for that route and status; [] when it matches. */
function documentedAnswerProblems(method: string, path: string, status: number, body: unknown): unknown[] {
  const schema = doc.paths[path]?.[method]?.responses?.[String(status)]?.content?.['application/json']?.schema;
  if (!schema) return [`no documented ${status} answer for ${method} ${path}`];
  const ajv = openApiAjv();
  const validate = ajv.compile(JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"urn:lienthong:openapi#/components/')));
  return validate(body) ? [] : (validate.errors ?? []);
}

describe('GET /docs/openapi.json', () => {
  it('is an OpenAPI 3.1 document that passes the validator', async () => {
    expect(doc.openapi).toBe('3.1.0');
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeDefined();
  });

  it('lists exactly the routes the gateway serves', () => {
    const served = nestRoutes()
      .map((r) => `${r.method} ${r.path}`)
      .sort();
    const documented = operations()
      .map((o) => `${o.method} ${o.path}`)
      .sort();
    expect(served.length).toBeGreaterThan(20);
    expect(documented).toEqual(served);
  });

  it('gives every route that reads a body a non-empty request body schema, and no other route one', () => {
    const byKey = new Map(nestRoutes().map((r) => [`${r.method} ${r.path}`, r]));
    for (const { method, path, op } of operations()) {
      const route = byKey.get(`${method} ${path}`)!;
      const content = op.requestBody?.content as Json | undefined;
      if (!route.takesBody) {
        expect({ route: `${method} ${path}`, requestBody: op.requestBody }).toEqual({ route: `${method} ${path}`, requestBody: undefined });
        continue;
      }
      expect({ route: `${method} ${path}`, types: Object.keys(content ?? {}) }).toEqual({
        route: `${method} ${path}`,
        types: expect.arrayContaining([expect.any(String)]),
      });
      for (const [type, media] of Object.entries(content!)) {
        expect({ route: `${method} ${path}`, type, schema: nonEmptySchema(media.schema) }).toEqual({ route: `${method} ${path}`, type, schema: true });
      }
    }
    // the CSV import says what it consumes
    expect(Object.keys(doc.paths['/v1/agencies/import'].post.requestBody.content)).toEqual(['text/csv']);
  });

  it('gives every route a 2xx answer with a schema, and error answers that are ErrorResponse', () => {
    for (const { method, path, op } of operations()) {
      const where = `${method} ${path}`;
      const success = Object.entries(op.responses as Json).filter(([status]) => /^2\d\d$/.test(status));
      expect({ where, success: success.length > 0 }).toEqual({ where, success: true });
      for (const [, answer] of success) {
        const media = Object.entries((answer.content ?? {}) as Json);
        expect({ where, media: media.length > 0 }).toEqual({ where, media: true });
        for (const [type, m] of media) expect({ where, type, schema: nonEmptySchema(m.schema) }).toEqual({ where, type, schema: true });
      }
      const errors = Object.entries(op.responses as Json).filter(([status]) => /^[45]\d\d$/.test(status));
      if (path !== '/health') expect({ where, errors: errors.length > 0 }).toEqual({ where, errors: true });
      for (const [status, answer] of errors) {
        if (path === '/health' && status === '503') continue; // the health body itself, status degraded
        expect({ where, status, schema: answer.content?.['application/json']?.schema }).toEqual({
          where,
          status,
          schema: { $ref: '#/components/schemas/ErrorResponse' },
        });
      }
    }
  });

  it('asks for the bearer token exactly on the routes that are not public, and documents their 401', () => {
    const byKey = new Map(nestRoutes().map((r) => [`${r.method} ${r.path}`, r]));
    for (const { method, path, op } of operations()) {
      const where = `${method} ${path}`;
      const route = byKey.get(where)!;
      const bearer = ((op.security ?? []) as Json[]).some((s) => 'bearer' in s);
      expect({ where, bearer }).toEqual({ where, bearer: !route.isPublic });
      if (!route.isPublic) expect({ where, has401: '401' in op.responses }).toEqual({ where, has401: true });
    }
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('declares every path parameter of a route, and a typed schema for every parameter', () => {
    for (const { method, path, op } of operations()) {
      const params = (op.parameters ?? []) as Json[];
      const inPath = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
      const declared = params
        .filter((p) => p.in === 'path')
        .map((p) => p.name as string)
        .sort();
      expect({ where: `${method} ${path}`, declared }).toEqual({ where: `${method} ${path}`, declared: inPath });
      for (const p of params)
        expect({ where: `${method} ${path}`, param: p.name, type: p.schema?.type }).toEqual({
          where: `${method} ${path}`,
          param: p.name,
          type: expect.any(String),
        });
    }
  });

  it('resolves every $ref', () => {
    const refs = [...new Set(refsIn(doc))];
    expect(refs.length).toBeGreaterThan(50);
    expect(refs.filter((r) => resolvePointer(doc, r) === undefined)).toEqual([]);
  });

  it('has one shared ErrorResponse whose code is the enum of ERROR_CODES', () => {
    const body = resolvePointer(doc, '#/components/schemas/ErrorBody') as Json;
    expect(body.properties.code.enum).toEqual(Object.keys(ERROR_CODES));
    expect(body.required).toEqual(['code', 'message']);
  });

  it('carries the envelope definitions as component schemas, the same as the JSON Schema', () => {
    const defs = envelopeJsonSchema().$defs as Json;
    for (const name of ['Envelope', 'DocumentBody', 'StatusBody', 'RecallBody', 'ReceiptBody', 'AttachmentRef', 'RecipientSelector', 'FlattenedJws']) {
      const component = doc.components.schemas[name];
      expect(JSON.stringify(component).replaceAll('#/components/schemas/', '#/$defs/')).toBe(JSON.stringify(defs[name]));
    }
    // a route that returns envelope parts points at them
    expect(JSON.stringify(doc.components.schemas.DossierView.properties.attachments)).toContain('#/components/schemas/AttachmentRef');
  });

  it('describes what the gateway really answers (hub keys, health, errors)', async () => {
    const keys = await f.get('/v1/hub/keys', null);
    expect(keys.status).toBe(200);
    expect(componentValidator('HubKeys')(keys.body)).toEqual([]);

    const health = await f.get<Json>('/health', null);
    expect(health.status).toBe(200);
    expect(health.body.services.router.instances).toHaveLength(1);
    expect(componentValidator('Health')(health.body)).toEqual([]);
    expect(componentValidator('Health')({ ...health.body, services: { router: health.body.services.router } })).not.toEqual([]);

    const errorResponse = componentValidator('ErrorResponse');
    const noToken = await f.get('/v1/agencies', null);
    expect(noToken.status).toBe(401);
    expect(errorResponse(noToken.body)).toEqual([]);
    const badJson = await f.request('POST', '/v1/tokens/revoke', { body: '{"jti":', contentType: 'application/json' });
    expect(badJson.status).toBe(400);
    expect(errorResponse(badJson.body)).toEqual([]);
    // and the validator is not a yes-machine
    expect(errorResponse({ error: { code: 'NO_SUCH_CODE', message: 'x' } })).not.toEqual([]);
  });

  it('describes what the registry routes really answer', async () => {
    const admin = f.token('admin');
    const root = '000.00.00.H41';
    const child = '000.00.05.H41';
    const check = async (method: string, path: string, docPath: string, expected: number, body?: unknown, contentType?: string) => {
      const r = await f.request(method, path, { token: admin, body, contentType });
      expect({ path, status: r.status }).toEqual({ path, status: expected });
      expect({ path, problems: documentedAnswerProblems(method.toLowerCase(), docPath, r.status, r.body) }).toEqual({ path, problems: [] });
      return r.body as Json;
    };
    await check('POST', '/v1/agencies', '/v1/agencies', 201, { code: root, name: 'UBND tỉnh Nghệ An', tier: 'province' });
    await check('POST', '/v1/agencies', '/v1/agencies', 201, {
      code: child,
      name: 'Sở Y tế',
      tier: 'province',
      parentCode: root,
      contact: { email: 'syt@nghean.gov.vn' },
    });
    await check('POST', '/v1/agencies', '/v1/agencies', 409, { code: child, name: 'Sở Y tế', tier: 'province', parentCode: root });
    await check('POST', '/v1/agencies', '/v1/agencies', 422, { code: '000.00.5.H41', name: 'x', tier: 'province' });
    await check('GET', '/v1/agencies?limit=10', '/v1/agencies', 200);
    await check('GET', `/v1/agencies/${child}`, '/v1/agencies/{code}', 200);
    await check('GET', `/v1/agencies/000.00.09.H41`, '/v1/agencies/{code}', 404);
    await check('PATCH', `/v1/agencies/${child}`, '/v1/agencies/{code}', 200, { name: 'Sở Y tế tỉnh Nghệ An' });
    await check('GET', `/v1/agencies/${root}/children`, '/v1/agencies/{code}/children', 200);
    await check('POST', `/v1/agencies/${child}/keys`, '/v1/agencies/{code}/keys', 201, {
      keyId: 'k2026',
      alg: 'EdDSA',
      publicJwk: { kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' },
    });
    await check('GET', `/v1/agencies/${child}/keys`, '/v1/agencies/{code}/keys', 200);
    await check('POST', `/v1/agencies/${child}/keys/k2026/revoke`, '/v1/agencies/{code}/keys/{kid}/revoke', 201, { reason: 'thử nghiệm' });
    const history = await check('GET', `/v1/agencies/${child}/history`, '/v1/agencies/{code}/history', 200);
    expect((history.items as unknown[]).length).toBeGreaterThanOrEqual(3);
    await check(
      'POST',
      '/v1/agencies/import',
      '/v1/agencies/import',
      201,
      `code,name,tier,parent_code\n000.00.06.H41,Sở Tư pháp,province,${root}\n`,
      'text/csv',
    );
    await check('POST', `/v1/agencies/${child}/close`, '/v1/agencies/{code}/close', 201, { successorCode: root, reason: 'Sáp nhập' });
    await check('POST', '/v1/tokens/revoke', '/v1/tokens/revoke', 201, { jti: uuidv7(), reason: 'thử nghiệm' });
    // the documented schemas are not yes-machines: a missing field or a bad code is caught
    const agency = (await f.get<Json>(`/v1/agencies/${root}`, admin)).body;
    const { version: _version, ...withoutVersion } = agency;
    expect(documentedAnswerProblems('get', '/v1/agencies/{code}', 200, withoutVersion)).not.toEqual([]);
    expect(documentedAnswerProblems('get', '/v1/agencies/{code}', 200, { ...agency, parentCode: 'H41' })).not.toEqual([]);
  });

  it('is also served as YAML', async () => {
    const res = await fetch(`${f.base}/docs/openapi.yaml`);
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/^openapi: 3\.1\.0$/m);
  });
});

describe('GET /v1/schemas/*.json', () => {
  it('serves the envelope JSON Schema without a token, as application/schema+json', async () => {
    const res = await fetch(`${f.base}/v1/schemas/envelope.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/schema\+json/);
    const schema = (await res.json()) as Json;
    expect(schema).toEqual(envelopeJsonSchema());
    const validate = new Ajv2020({ strict: true }).compile(schema);
    const envelope = {
      id: uuidv7(),
      kind: 'document',
      from: '000.00.00.H41',
      to: ['000.00.05.H41'],
      issuedAt: '2026-11-22T08:00:00.000Z',
      body: { code: { codeNumber: '1', codeNotation: 'CV' }, subject: 'Về việc' },
    };
    expect(validate(envelope)).toBe(true);
    expect(validate({ ...envelope, from: '000.00.00.Z41' })).toBe(false);
  });

  it('serves the flattened JWS JSON Schema', async () => {
    const res = await fetch(`${f.base}/v1/schemas/flattened-jws.json`);
    expect(res.status).toBe(200);
    const validate = new Ajv2020({ strict: true }).compile((await res.json()) as Json);
    expect(validate({ protected: 'eyJhbGciOiJFZERTQSJ9', payload: 'e30', signature: 'AA' })).toBe(true);
    expect(validate({ protected: 'eyJhbGciOiJFZERTQSJ9', payload: 'e30', signature: 'AA', header: {} })).toBe(false);
  });
});
