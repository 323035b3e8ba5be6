import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { uuidv7, type AgencyReport, type CheckpointResponse, type InclusionProofResponse, type MessageTrace } from '@lt/contracts';
import { JetStreamPublisher } from '@lt/messaging';
import { createLogger, loadOrCreateHubKey } from '@lt/platform';
import { createAuditService, type AuditService } from '../../apps/audit/src/index';
import { fakeJws, inboxHeaders } from '../../apps/audit/src/testing/fixtures';
import { GatewayFixture } from '../support/gateway-fixture';

jest.setTimeout(60_000);

const A = '000.00.00.H41';
const B = '000.00.05.H41';

let f: GatewayFixture;
let audit: AuditService;
let docId: string;

function get<T>(path: string, role: 'auditor' | 'admin' | `agency:${string}` = 'auditor') {
  return f.get<T>(path, f.token(role));
}

const cli = (...args: string[]) => f.cli(...args);

beforeAll(async () => {
  f = await GatewayFixture.create({ name: 'audit-gateway-test' });
  audit = createAuditService({
    nc: f.nc,
    ds: f.db.ds,
    ns: f.topo.ns,
    log: createLogger('audit', 'silent'),
    checkpointKey: loadOrCreateHubKey(f.dataDir, 'checkpoint'),
    receiptKey: loadOrCreateHubKey(f.dataDir, 'envelope'),
    options: { checkpointEvery: 10, checkpointIntervalMs: 200, verifyIntervalMs: 0, receipts: false },
  });
  await audit.start();

  const publisher = new JetStreamPublisher(f.nc, f.topo);
  docId = uuidv7();
  const now = Date.now();
  const copies = [
    { envelopeId: docId, from: A, to: B, routedAt: new Date(now).toISOString(), issuedAt: new Date(now - 20).toISOString() },
    { envelopeId: uuidv7(), from: B, to: A, statusCode: '01', responseFor: docId, routedAt: new Date(now + 1000).toISOString() },
    ...Array.from({ length: 30 }, () => ({ envelopeId: uuidv7(), from: B, to: A })),
  ];
  for (const spec of copies) {
    const data = fakeJws(spec);
    await publisher.publish(f.topo.inboxSubject(spec.to), data, `${spec.envelopeId}:${spec.to}`, inboxHeaders(spec, data));
  }
  for (let i = 0; i < 200 && (await audit.treeSize()) < copies.length; i++) await new Promise((r) => setTimeout(r, 50));
  expect(await audit.treeSize()).toBe(copies.length);
  await audit.cutCheckpoint();
  await f.startGateway();
});

afterAll(async () => {
  await audit?.stop();
  await f?.close();
});

describe('audit routes on the gateway', () => {
  it('serves the trace to auditors, and to the agencies the message concerns only', async () => {
    const ok = await get<MessageTrace>(`/v1/messages/${docId}/trace`);
    expect(ok.status).toBe(200);
    expect(ok.body.recipients[0]).toMatchObject({ code: B, msTo01: 1000, confirmedSameDay: expect.any(Boolean) });
    // A sent it; the scoping itself is covered by gateway-agency-access.spec.ts
    expect((await get(`/v1/messages/${docId}/trace`, `agency:${A}`)).status).toBe(200);
    expect((await get(`/v1/messages/${docId}/trace`, 'agency:000.00.99.H41')).status).toBe(403);
    expect((await get<{ error: { code: string } }>(`/v1/messages/${uuidv7()}/trace`)).body.error.code).toBe('UNKNOWN_MESSAGE');
  });

  it('serves checkpoints and proofs to auditors and agencies', async () => {
    const cp = await get<CheckpointResponse>('/v1/audit/checkpoint', `agency:${A}`);
    expect(cp.status).toBe(200);
    expect(cp.body.treeSize).toBe(32);
    const proof = await get<InclusionProofResponse>('/v1/audit/proof/3?treeSize=32');
    expect(proof.body.proof.length).toBe(5);
    expect((await get<{ error: { code: string } }>('/v1/audit/proof/abc')).body.error.code).toBe('BAD_REQUEST');
    const c = await get<{ proof: string[] }>('/v1/audit/consistency?from=10&to=32');
    expect(c.status).toBe(200);
    expect(c.body.proof.length).toBeGreaterThan(0);
  });

  it('serves the agency report', async () => {
    const r = await get<AgencyReport>(`/v1/reports/agencies/${A}?from=${new Date(Date.now() - 3_600_000).toISOString()}`);
    expect(r.status).toBe(200);
    expect(r.body.sent).toMatchObject({ copies: 1, arrived: 1 });
    expect(r.body.received.copies).toBe(30);
  });

  it('CLI: trace, report, export then verify offline; a doctored bundle exits non-zero naming the entry', async () => {
    const t = await cli('trace', docId);
    expect(t.code).toBe(0);
    expect(t.out).toContain(`delivered`);
    const r = await cli('--json', 'audit', 'report', '--agency', B);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).received.copies).toBe(1);

    const file = join(f.dataDir, 'bundle.jsonl');
    const ex = await cli('audit', 'export', '--from', '0', '--out', file, '--page', '7');
    expect(ex.code).toBe(0);
    expect(ex.out).toContain('wrote 32 entries');
    const cp = JSON.parse((await cli('--json', 'audit', 'checkpoint')).out) as CheckpointResponse;
    const ok = await cli('audit', 'verify', file, '--vkey', cp.vkey);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('OK: 32 entries');

    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    const e = JSON.parse(lines[9]);
    e.entry.at = new Date(Date.parse(e.entry.at) + 1).toISOString();
    lines[9] = JSON.stringify(e);
    writeFileSync(file, lines.join('\n') + '\n');
    const bad = await cli('audit', 'verify', file, '--vkey', cp.vkey);
    expect(bad.code).not.toBe(0);
    expect(bad.err).toContain('first bad entry 8 (entry_altered)');

    const server = await cli('audit', 'verify', '--server');
    expect(server.code).toBe(0);
    expect(server.out).toContain('OK: 32 entries');
    const proof = await cli('audit', 'proof', '5');
    expect(proof.code).toBe(0);
    expect(proof.out).toContain('proof of');
  });
});
