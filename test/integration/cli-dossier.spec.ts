import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import {
  HUB_KEYS_KV_KEY,
  LtError,
  codeToSubjectTokens,
  toVnLocalDate,
  uuidv7,
  type DossierBody,
  type DossierView,
  type Envelope,
  type FlattenedJws,
  type StatusBody,
} from '@lt/contracts';
import { HubSigner, importPrivateKey, issueToken } from '@lt/crypto';
import { testAgency } from '@lt/directory';
import { HubInboxWriter, JetStreamPublisher, openAgencyKv } from '@lt/messaging';
import { hubKeyPaths, keyPaths, writeKeyFile, type HubKeyFile, type KeyFile } from '@lt/platform';
import { AGENCIES, DossierFixture, applicantFor } from '../../apps/dossier/src/testing/dossier-fixture';
import { createGatewayApp } from '../../apps/gateway/src/app';
import { runCli } from '../../apps/cli/src/testing/run-cli';

jest.setTimeout(60_000);

const SHORT = 'DEMO-HT-XNTTHN';
const LAND = 'DEMO-DD-GCN-LANDAU';

/**
 * The dossier verbs end to end without the real router: a stand-in takes each submission, has
 * the dossier service apply it (as the router will) and bounces a hub-signed 02 on refusal. The
 * CLI signs with the agency key from the data folder, waits for the hub's answer in the agency's
 * inbox, and reads through the real gateway.
 */
describe('lienthong dossier (CLI -> SDK -> dossier service; show/report through the gateway)', () => {
  let f: DossierFixture;
  let app: NestExpressApplication;
  let base: string;
  let dataDir: string;
  const keys = new Map<string, KeyFile>();
  let stopRouter: () => void;

  const cli = (...args: string[]) => runCli(['--gateway', base, '--data-dir', dataDir, ...args]);

  beforeAll(async () => {
    f = await DossierFixture.create();
    f.clock.set(new Date());
    dataDir = mkdtempSync(join(tmpdir(), 'lt-dossier-cli-'));
    // the fixture's hub key doubles as the token key here: the gateway verifies and the CLI mints with it
    const tokenKey: HubKeyFile = { ...f.hubKey, purpose: 'token', notBefore: new Date().toISOString() };
    writeKeyFile(hubKeyPaths.active(dataDir, 'token'), tokenKey);

    // the directory as the registry mirrors it into KV, with the hub key for hub-signed answers
    const kv = await openAgencyKv(f.nc, f.topo);
    const tiers: Record<string, 'province' | 'district' | 'commune' | 'central'> = {
      [AGENCIES.province]: 'province',
      [AGENCIES.district]: 'district',
      [AGENCIES.commune]: 'commune',
      [AGENCIES.otherCommune]: 'commune',
      [AGENCIES.closedDistrict]: 'district',
    };
    for (const [code, tier] of Object.entries(tiers)) {
      const agency = testAgency(code, { name: code, tier, status: code === AGENCIES.closedDistrict ? 'closed' : 'active' });
      keys.set(code, agency.key);
      writeKeyFile(keyPaths.agency(dataDir, code), agency.key);
      await kv.put(codeToSubjectTokens(code), JSON.stringify(agency.entry));
    }
    const signer = new HubSigner(f.hubKey);
    await kv.put(HUB_KEYS_KV_KEY, JSON.stringify({ keys: [{ kid: signer.kid, alg: 'EdDSA', publicJwk: f.hubKey.publicJwk }] }));

    // stand-in router: apply dossier submissions, bounce refusals as a hub-signed status 02
    const hubInbox = new HubInboxWriter(new JetStreamPublisher(f.nc, f.topo), f.topo, signer);
    const sub = f.nc.subscribe(f.topo.submitWildcard, {
      callback: (_e, m) => {
        const jws = JSON.parse(new TextDecoder().decode(m.data)) as FlattenedJws;
        const envelope = JSON.parse(Buffer.from(jws.payload, 'base64url').toString('utf8')) as Envelope<DossierBody>;
        const request = { envelope, envelopeId: envelope.id, from: envelope.from, to: envelope.to as string[], receivedAt: new Date().toISOString() };
        void f.uc.applyDossierMessage.execute(request).catch(async (err: unknown) => {
          const e = err as LtError;
          const bounce: Envelope<StatusBody> = {
            id: uuidv7(),
            kind: 'status',
            from: '000.00.00.G22',
            to: [envelope.from],
            issuedAt: new Date().toISOString(),
            body: { responseFor: envelope.id, statusCode: '02', reasonCode: e.code, description: e.message },
          };
          await hubInbox.deliver(bounce, { responseFor: envelope.id, statusCode: '02' });
        });
      },
    });
    stopRouter = () => sub.unsubscribe();

    Object.assign(process.env, {
      LT_NAMESPACE: f.topo.ns,
      LT_DATA_DIR: dataDir,
      DATABASE_URL: f.db.url,
      NATS_URL: process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222',
    });
    app = await createGatewayApp({ logger: false });
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  });

  afterAll(async () => {
    stopRouter?.();
    await app?.close();
    await f.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('submit prints the code the hub issued; status, transfer and return move it; refusals exit 1 with the stable code', async () => {
    const s = await cli(
      'dossier',
      'submit',
      '--as',
      AGENCIES.commune,
      '--procedure',
      LAND,
      '--applicant',
      JSON.stringify(applicantFor(LAND)),
      '--timeout',
      '20',
    );
    expect(s.err).toBe('');
    expect(s.code).toBe(0);
    const code = /^(000\.12\.05\.H41-\d{6}-\d{4})\s+registered/.exec(s.out)?.[1];
    expect(code).toBeDefined();

    const illegal = await cli('dossier', 'status', code!, '--as', AGENCIES.commune, '--state', '9');
    expect(illegal.code).toBe(1);
    expect(illegal.err).toMatch(/^error ILLEGAL_TRANSITION: .*state 1 \(newly_registered\)/);

    expect((await cli('dossier', 'status', code!, '--as', AGENCIES.commune, '--state', '2')).code).toBe(0);
    const started = await cli('--json', 'dossier', 'status', code!, '--as', AGENCIES.commune, '--state', '4');
    expect(JSON.parse(started.out).outcome).toMatchObject({ action: 'applied', dossierCode: code, state: 4 });

    const closed = await cli('dossier', 'transfer', code!, '--as', AGENCIES.commune, '--to', AGENCIES.closedDistrict, '--step-days', '5');
    expect(closed.code).toBe(1);
    expect(closed.err).toContain('error AGENCY_CLOSED');

    // step budget from the procedure (district step: 20 working days) when --step-days is not given
    const moved = await cli('dossier', 'transfer', code!, '--as', AGENCIES.commune, '--to', AGENCIES.district);
    expect(moved.code).toBe(0);
    expect(moved.out).toContain(`held by ${AGENCIES.district}`);
    expect((await cli('dossier', 'return', code!, '--as', AGENCIES.district)).code).toBe(0);

    const show = await cli('dossier', 'show', code!);
    expect(show.code).toBe(0);
    expect(show.out).toContain(`held by      ${AGENCIES.commune}`);
    expect(show.out).toMatch(/step 1 +000\.12\.05\.H41 -> 000\.00\.05\.H41 .*returned/);

    f.clock.set(new Date(Date.now() + 1_000)); // the service's clock (asOf) after the steps above
    const around = (days: number) => toVnLocalDate(new Date(Date.now() + days * 86_400_000));
    const report = await cli('--json', 'dossier', 'report', '--agency', AGENCIES.commune, '--from', around(-1), '--to', around(1));
    expect(report.code).toBe(0);
    expect(JSON.parse(report.out)).toMatchObject({ agency: AGENCIES.commune, received: 1, inProgress: 1 });
  });

  it('refuses an unknown procedure with UNKNOWN_PROCEDURE', async () => {
    const r = await cli('dossier', 'submit', '--as', AGENCIES.commune, '--procedure', 'DEMO-NO-SUCH', '--applicant', JSON.stringify(applicantFor(SHORT)));
    expect(r.code).toBe(1);
    expect(r.err).toContain('error UNKNOWN_PROCEDURE');
  });

  it('GET /v1/dossiers/:code: agencies taking part and auditors read it, other agencies get 404', async () => {
    const page = await f.uc.listDossiers.execute({ agency: AGENCIES.commune });
    const code = page.items[0]!.code;
    const hub = importPrivateKey(f.hubKey.privateJwk, f.hubKey.alg);
    const get = async (role: string) => {
      const token = issueToken({ sub: 't', role: role as never, ttlSeconds: 600 }, hub, f.hubKey.keyId);
      const res = await fetch(`${base}/v1/dossiers/${encodeURIComponent(code)}`, { headers: { authorization: `Bearer ${token}` } });
      return { status: res.status, body: (await res.json()) as DossierView & { error?: { code: string } } };
    };
    expect((await get('auditor')).body.code).toBe(code);
    expect((await get(`agency:${AGENCIES.district}`)).status).toBe(200);
    const stranger = await get(`agency:${AGENCIES.otherCommune}`);
    expect(stranger.status).toBe(404);
    expect(stranger.body.error?.code).toBe('UNKNOWN_DOSSIER');
    const noToken = await fetch(`${base}/v1/reports/dossiers`);
    expect(noToken.status).toBe(401);
  });
});
