import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { codeToSubjectTokens, topology, type AgencyKvEntry } from '@lt/contracts';
import { connectNats, destroyTopology, ensureTopology, openAgencyKv, type NatsConnection } from '@lt/messaging';
import { AGENCIES, agencyEntry } from '../testing/dossier-fixture';
import { KvAgencyLookup } from './kv-agency-lookup';

/** The dossier service's agency facts, read from the registry's KV bucket on a real NATS. */
jest.setTimeout(60_000);

const topo = topology(`t${randomBytes(4).toString('hex')}`);
const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
let nc: NatsConnection;

async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`gave up waiting for ${what}`);
}

beforeAll(async () => {
  nc = await connectNats(process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222', `dossier-agencies-int-${topo.ns}`);
  await ensureTopology(nc, topo, { storage: 'memory' });
});

afterAll(async () => {
  await destroyTopology(nc, topo);
  await nc.drain();
});

describe('KvAgencyLookup', () => {
  it('knows the agencies in the bucket once started and follows registry changes until stopped', async () => {
    const kv = await openAgencyKv(nc, topo);
    const put = (e: AgencyKvEntry) => kv.put(codeToSubjectTokens(e.agency.code), JSON.stringify(e));
    await put(agencyEntry(AGENCIES.province, 'UBND tỉnh Nghệ An', 'province', null));
    await put(agencyEntry(AGENCIES.district, 'UBND huyện 05', 'district', AGENCIES.province));

    const lookup = new KvAgencyLookup(nc, topo, log);
    expect(lookup.agency(AGENCIES.district)).toBeUndefined();
    await lookup.start();
    expect(lookup.size).toBe(2);
    expect(lookup.agency(AGENCIES.district)).toMatchObject({
      code: AGENCIES.district,
      name: 'UBND huyện 05',
      tier: 'district',
      parentCode: AGENCIES.province,
      status: 'active',
      successorCode: null,
    });
    expect(lookup.agency(AGENCIES.commune)).toBeUndefined();

    // the registry closes the district (merged into the province): the next lookup says so
    const closed = agencyEntry(AGENCIES.district, 'UBND huyện 05', 'district', AGENCIES.province, 'closed', AGENCIES.province);
    await put({ ...closed, agency: { ...closed.agency, version: 2 } });
    await until('the closed district', () => lookup.agency(AGENCIES.district)?.status === 'closed');
    expect(lookup.agency(AGENCIES.district)?.successorCode).toBe(AGENCIES.province);

    await lookup.stop();
    // what was loaded stays readable after the watch stopped
    expect(lookup.agency(AGENCIES.province)?.status).toBe('active');
  });
});
