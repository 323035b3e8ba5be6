import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { topology } from '@lt/contracts';
import { connectHub } from '@lt/messaging';
import { checkExternalNats, startHubNats, type HubNats } from '../../scripts/lib/hub-nats';
import { MissingPrerequisite } from '../../scripts/lib/infra';
import { makeCertificates } from '../support/certificates';
import { freePort } from '../support/hub-harness';

/**
 * The NATS server `npm start` runs (scripts/lib/hub-nats.ts) on Debian's nats-server: TLS is one
 * setting (LT_NATS_TLS_DIR), proven with a CA made here by openssl; a taken port and an
 * anonymous NATS_URL stop the start with a message naming the fix.
 */
describe('the hub NATS server of npm start', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lt-hub-nats-'));
  const topo = topology('lt');
  const quiet = () => undefined;
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves TLS only, with a certificate clients verify against the CA in LT_NATS_TLS_DIR', async () => {
    const tlsDir = join(dir, 'tls');
    makeCertificates(tlsDir);
    const dataDir = join(dir, 'tls-data');
    const port = await freePort();
    let hub: HubNats | undefined;
    try {
      hub = await startHubNats({ dataDir, port, topo, tlsDir, log: quiet });
      const operatorSeed = hub.seeds.servicePath('operator');
      const nc = await connectHub({ natsUrl: hub.url, natsSeedFile: operatorSeed, natsTlsDir: tlsDir }, 'tls-check');
      expect(nc.info?.tls_required).toBe(true);
      await nc.close();
      // a client that does not trust the CA, and one that does not speak TLS, are both refused
      const untrusted = join(dir, 'untrusted');
      makeCertificates(untrusted);
      await expect(connectHub({ natsUrl: hub.url, natsSeedFile: operatorSeed, natsTlsDir: untrusted }, 'tls-untrusted', { reconnect: false })).rejects.toThrow(
        /TLS failed/,
      );
      await expect(connect({ servers: hub.url, reconnect: false, tls: null })).rejects.toThrow();
    } finally {
      hub?.stop();
    }
  });

  it('names the fix when its port is taken by another program', async () => {
    const server: Server = createServer();
    const port = await freePort();
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    try {
      const err = await startHubNats({ dataDir: join(dir, 'taken'), port, topo, log: quiet }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MissingPrerequisite);
      expect((err as Error).message).toContain(`port ${port}`);
      expect((err as Error).message).toContain('LT_NATS_PORT');
    } finally {
      server.close();
    }
  });

  it('refuses a NATS_URL that admits anonymous clients unless the setup is declared throwaway', async () => {
    const anonymous = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
    const err = await checkExternalNats(anonymous, { dataDir: join(dir, 'anon'), allowAnonymous: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MissingPrerequisite);
    expect((err as Error).message).toContain('admits clients without credentials');
    expect((err as Error).message).toContain('LT_NATS_ALLOW_ANONYMOUS=throwaway');
    await expect(checkExternalNats(anonymous, { dataDir: join(dir, 'anon'), allowAnonymous: true })).resolves.toBeUndefined();
  });

  it('asks for the service seeds when NATS_URL requires credentials and none are in the data folder', async () => {
    const dataDir = join(dir, 'external');
    const port = await freePort();
    let hub: HubNats | undefined;
    try {
      hub = await startHubNats({ dataDir, port, topo, log: quiet });
      const err = await checkExternalNats(hub.url, { dataDir: join(dir, 'no-seeds'), allowAnonymous: false }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MissingPrerequisite);
      expect((err as Error).message).toMatch(/requires credentials.*no seed for service-router/s);
      // with the seeds of the folder that configured the server, it goes on
      await expect(checkExternalNats(hub.url, { dataDir, allowAnonymous: false })).resolves.toMatchObject({ dir: join(dataDir, 'nats-seeds') });
    } finally {
      hub?.stop();
    }
  });
});

