import { randomBytes } from 'node:crypto';
import { CALLER_TOKEN_HEADER, codeToSubjectTokens, REGISTRY_RPC, topology, type AgencyKvEntry, type Topology } from '@lt/contracts';
import { connectNats, decodeRpcRequest, destroyTopology, ensureTopology, openAgencyKv, respondRpc, type NatsConnection } from '@lt/messaging';
import { testAgencyEntry } from './agency-entries';
import { importSyntheticDirectory, registerSyntheticKeys, syntheticDirectory, type SyntheticDirectoryShape } from './synthetic-directory';

/**
 * The registration helpers against a real NATS (127.0.0.1:4222) and a stand-in registry that
 * answers agency.import and key.add and mirrors keys into the KV bucket as the registry does.
 */
jest.setTimeout(60_000);

const NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
/** what the registry would verify; the stand-in only checks that it arrives */
const CALLER_TOKEN = 'header.claims.signature';
const SHAPE: SyntheticDirectoryShape = {
  ministries: 1,
  unitsPerMinistry: 1,
  firstProvince: 41,
  provinces: 1,
  departmentsPerProvince: 1,
  districtsPerProvince: 1,
  communesPerDistrict: 2,
};

let nc: NatsConnection;
let topo: Topology;
const requests: Array<{ method: string; body: Record<string, unknown>; token: string }> = [];

/** What the registry does with these two requests, without PostgreSQL: the CSV rows count as created. */
function standInRegistry(opts: { failImport?: boolean } = {}): () => void {
  const subs = [REGISTRY_RPC.importCsv, REGISTRY_RPC.addKey].map((method) =>
    nc.subscribe(topo.rpcSubject('registry', method), {
      callback: (_err, msg) => {
        const body = decodeRpcRequest(msg) as Record<string, unknown>;
        requests.push({ method, body, token: msg.headers?.get(CALLER_TOKEN_HEADER) ?? '' });
        if (method === REGISTRY_RPC.importCsv) {
          const rows = String(body.csv).trimEnd().split('\r\n').length - 1;
          const errors = opts.failImport ? [{ line: 2, code: 'BAD', message: 'refused' }] : [];
          respondRpc(msg, { result: { mode: 'all-or-nothing', total: rows, created: opts.failImport ? 0 : rows, failed: errors.length, errors } });
          return;
        }
        const code = String(body.code);
        const entry = testAgencyEntry(code, { keyId: String(body.keyId), publicJwk: body.publicJwk as Record<string, unknown> });
        void openAgencyKv(nc, topo)
          .then((kv) => kv.put(codeToSubjectTokens(code), JSON.stringify(entry)))
          .then(() => respondRpc(msg, { result: entry.keys[0] }));
      },
    }),
  );
  return () => subs.forEach((s) => s.unsubscribe());
}

beforeAll(async () => {
  nc = await connectNats(NATS_URL, 'synthetic-directory-int');
});

beforeEach(async () => {
  topo = topology(`t${randomBytes(4).toString('hex')}`);
  await ensureTopology(nc, topo, { storage: 'memory' });
  requests.length = 0;
});

afterEach(async () => {
  await destroyTopology(nc, topo);
});

afterAll(async () => {
  await nc?.close();
});

describe('synthetic directory registration', () => {
  it('imports the whole directory in one all-or-nothing request, waiting for a registry that is not answering yet', async () => {
    const agencies = syntheticDirectory(SHAPE);
    const importing = importSyntheticDirectory(nc, topo, agencies, CALLER_TOKEN);
    // the first request finds no responders; the helper retries until the registry subscribes
    await new Promise((r) => setTimeout(r, 300));
    const stop = standInRegistry();
    try {
      await expect(importing).resolves.toMatchObject({ created: agencies.length, failed: 0 });
      expect(requests).toHaveLength(1);
      expect(requests[0]).toMatchObject({ body: { action: 'once', mode: 'all-or-nothing' }, token: CALLER_TOKEN });
      expect(String(requests[0]!.body.csv).split('\r\n')[1]).toBe('000.00.00.G01,Bộ số 1,central,');
    } finally {
      stop();
    }
  });

  it('throws, naming the counts, when the registry does not create every agency', async () => {
    const stop = standInRegistry({ failImport: true });
    try {
      await expect(importSyntheticDirectory(nc, topo, syntheticDirectory(SHAPE), CALLER_TOKEN)).rejects.toThrow(/created 0 of 7, failed 1/);
    } finally {
      stop();
    }
  });

  it('registers a fresh key per agency through key.add and resolves once every key is in KV', async () => {
    const stop = standInRegistry();
    try {
      const codes = syntheticDirectory(SHAPE).map((a) => a.code);
      const keys = await registerSyntheticKeys(nc, topo, codes, { callerToken: CALLER_TOKEN, keyId: 'bench1', parallel: 4 });
      expect([...keys.keys()]).toEqual(codes);
      expect(new Set([...keys.values()].map((k) => JSON.stringify(k.publicJwk))).size).toBe(codes.length);
      expect(requests.map((r) => [r.body.code, r.token])).toEqual(codes.map((c) => [c, CALLER_TOKEN]));
      const kv = await openAgencyKv(nc, topo);
      for (const code of codes) {
        const entry = (await kv.get(codeToSubjectTokens(code)))!.json<AgencyKvEntry>();
        expect(entry.keys).toEqual([expect.objectContaining({ kid: `${code}#bench1`, publicJwk: keys.get(code)!.publicJwk })]);
      }
    } finally {
      stop();
    }
  });
});
