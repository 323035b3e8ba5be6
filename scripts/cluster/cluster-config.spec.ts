import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { topology } from '@lt/contracts';
import { createUserNkey, renderNatsConfig, SERVICE_ROLES } from '@lt/messaging';
import { renderClusterConfigs, renderStandaloneConfig, threeNodes } from './cluster-config';
import { countDeliveries, parseClusterOptions } from './options';

/*
 * The local cluster of `npm run test:cluster` and `npm run bench -- --cluster`: the node configs
 * form a full mesh and nats-server 2.9 accepts them with the generated users; the run's knobs and
 * its loss/duplicate count.
 */
const ports = [4101, 6101, 4102, 6102, 4103, 6103];

describe('renderClusterConfigs', () => {
  const nodes = threeNodes('lt-nats', '/var/lib/nats', ports);
  const configs = renderClusterConfigs({ cluster: 'lt-hub', nodes, accountsFile: 'accounts.conf' });

  it('gives each of three nodes its name, client port, store and route listener, and routes to the two other nodes only', () => {
    expect(configs.map((c) => c.node.name)).toEqual(['lt-nats-1', 'lt-nats-2', 'lt-nats-3']);
    for (const [i, { node, text }] of configs.entries()) {
      expect(text).toContain(`server_name: "${node.name}"`);
      expect(text).toContain(`port: ${ports[2 * i]}`);
      expect(text).toContain(`listen: "127.0.0.1:${ports[2 * i + 1]}"`);
      expect(text).toContain(`store_dir: "/var/lib/nats/${node.name}/store"`);
      expect(text).toContain('name: "lt-hub"');
      const routes = [...text.matchAll(/"nats-route:\/\/127\.0\.0\.1:(\d+)"/g)].map((m) => Number(m[1]));
      expect(routes.sort()).toEqual(
        nodes
          .filter((n) => n !== node)
          .map((n) => n.clusterPort)
          .sort(),
      );
      expect(text).toMatch(/^include "accounts.conf"$/m);
    }
  });

  it('refuses fewer than three nodes and ports used twice', () => {
    expect(() => renderClusterConfigs({ cluster: 'x', nodes: nodes.slice(0, 2) })).toThrow(/at least 3 nodes/);
    expect(() => renderClusterConfigs({ cluster: 'x', nodes: [nodes[0]!, nodes[1]!, { ...nodes[2]!, clusterPort: nodes[0]!.port }] })).toThrow(/port/);
  });

  it('has no include (anonymous) when no accounts file is given', () => {
    for (const { text } of renderClusterConfigs({ cluster: 'x', nodes })) expect(text).not.toMatch(/^include /m);
  });
});

const hasNatsServer = spawnSync('nats-server', ['--version'], { encoding: 'utf8' }).status === 0;
(hasNatsServer ? describe : describe.skip)('nats-server -t (nats-server installed)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lt-cluster-config-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('accepts each node config with the users renderNatsConfig generates, and the standalone config', () => {
    const topo = topology('lt');
    const accounts = renderNatsConfig({
      topo,
      services: SERVICE_ROLES.map((role) => ({ user: `service-${role}`, role, nkey: createUserNkey().publicKey })),
      agencies: [{ code: '000.00.05.H41', nkey: createUserNkey().publicKey }],
      accountsOnly: true,
    });
    writeFileSync(join(dir, 'accounts.conf'), accounts);
    const nodes = threeNodes('lt-nats', dir, ports);
    const files = renderClusterConfigs({ cluster: 'lt-hub', nodes, accountsFile: 'accounts.conf' }).map(({ node, text }) => {
      const file = join(dir, `${node.name}.conf`);
      writeFileSync(file, text);
      return file;
    });
    const single = join(dir, 'single.conf');
    writeFileSync(single, renderStandaloneConfig({ name: 'single', port: 4199, clusterPort: 0, storeDir: join(dir, 'single') }));
    for (const file of [...files, single]) {
      const r = spawnSync('nats-server', ['-t', '-c', file], { encoding: 'utf8' });
      expect({ file, status: r.status, out: r.stderr + r.stdout }).toEqual({ file, status: 0, out: expect.stringContaining('is valid') });
    }
  });
});

describe('parseClusterOptions', () => {
  it('defaults to 20,000 documents; a flag wins over its variable', () => {
    expect(parseClusterOptions([], {})).toMatchObject({ docs: 20_000, rate: 250, recipients: 2, settleMs: 600_000, keep: false });
    expect(parseClusterOptions(['--docs', '500', '--keep'], { CLUSTER_DOCS: '900', CLUSTER_RATE: '40' })).toMatchObject({ docs: 500, rate: 40, keep: true });
  });

  it('refuses a value out of range and an unknown flag', () => {
    expect(() => parseClusterOptions(['--docs', '0'], {})).toThrow(/--docs \/ CLUSTER_DOCS/);
    expect(() => parseClusterOptions([], { CLUSTER_RATE: 'fast' })).toThrow(/CLUSTER_RATE/);
    expect(() => parseClusterOptions(['--doc', '5'], {})).toThrow();
  });
});

describe('countDeliveries', () => {
  it('names the lost, the handed over twice and the unexpected copies', () => {
    const expected = new Set(['a:X', 'b:X', 'c:Y']);
    const r = countDeliveries(
      expected,
      new Map([
        ['a:X', 1],
        ['b:X', 2],
        ['z:Y', 1],
      ]),
    );
    expect(r).toEqual({ expected: 3, delivered: 2, lost: ['c:Y'], duplicated: [{ key: 'b:X', times: 2 }], unexpected: ['z:Y'] });
  });
});
