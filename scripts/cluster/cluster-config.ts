import { join } from 'node:path';

/**
 * The server settings of a local three-node JetStream cluster, in the shape of
 * deploy/nats/cluster/nats-<n>.conf: settings written here, users included from the file
 * `renderNatsConfig({ accountsOnly: true })` writes (the same users and permissions `npm start`
 * and `lienthong nats config` make). Pure: the caller writes the files and starts the servers.
 */
export interface ClusterNode {
  /** server_name, also the name a route announces */
  name: string;
  /** client port */
  port: number;
  /** route port of the cluster */
  clusterPort: number;
  /** JetStream store folder */
  storeDir: string;
}

export interface ClusterConfigInput {
  /** cluster name, the same on every node */
  cluster: string;
  nodes: readonly ClusterNode[];
  /**
   * file holding the accounts block, included by every node: a name relative to the nodes' files
   * (nats-server 2.9 joins include paths to the including file's folder). Unset: no users, the
   * servers admit anonymous clients (the cluster bench only)
   */
  accountsFile?: string;
  host?: string;
  /** bytes; 2 MiB as the submit and inbox streams' max_msg_size */
  maxPayload?: number;
}

const q = (s: string) => {
  if (/[\x00-\x1f"\\]/.test(s)) throw new Error(`config value ${JSON.stringify(s)} contains a quote, backslash or control character`);
  return `"${s}"`;
};

/** One configuration per node: each names the route of every other node (a full mesh, as 2.9 wants for JetStream). */
export function renderClusterConfigs(input: ClusterConfigInput): Array<{ node: ClusterNode; text: string }> {
  const host = input.host ?? '127.0.0.1';
  if (input.nodes.length < 3) throw new Error(`a JetStream cluster with replicas needs at least 3 nodes (got ${input.nodes.length})`);
  const names = new Set(input.nodes.map((n) => n.name));
  if (names.size !== input.nodes.length) throw new Error('node names must differ');
  const ports = new Set(input.nodes.flatMap((n) => [n.port, n.clusterPort]));
  if (ports.size !== input.nodes.length * 2) throw new Error('every client and route port must differ');
  return input.nodes.map((node) => {
    const routes = input.nodes.filter((n) => n !== node).map((n) => `nats-route://${host}:${n.clusterPort}`);
    const text = [
      `# node ${node.name} of the local cluster "${input.cluster}" (scripts/cluster); ${input.accountsFile ? 'users from the included file' : 'no users: anonymous clients'}`,
      `server_name: ${q(node.name)}`,
      `host: ${q(host)}`,
      `port: ${node.port}`,
      `max_payload: ${input.maxPayload ?? 2 * 1024 * 1024}`,
      '',
      'jetstream {',
      `  store_dir: ${q(node.storeDir)}`,
      '}',
      '',
      'cluster {',
      `  name: ${q(input.cluster)}`,
      `  listen: ${q(`${host}:${node.clusterPort}`)}`,
      '  routes: [',
      ...routes.map((r) => `    ${q(r)}`),
      '  ]',
      '}',
      '',
      ...(input.accountsFile ? [`include ${q(input.accountsFile)}`, ''] : []),
    ].join('\n');
    return { node, text };
  });
}

/** A single server with the same settings and no cluster block (the cluster bench's R1 leg), anonymous. */
export function renderStandaloneConfig(node: ClusterNode, host = '127.0.0.1', maxPayload = 2 * 1024 * 1024): string {
  return [
    `server_name: ${q(node.name)}`,
    `host: ${q(host)}`,
    `port: ${node.port}`,
    `max_payload: ${maxPayload}`,
    '',
    'jetstream {',
    `  store_dir: ${q(node.storeDir)}`,
    '}',
    '',
  ].join('\n');
}

/** Three nodes named `<prefix>-1..3` with their stores under `dir`, on the given ports (client and route per node). */
export function threeNodes(prefix: string, dir: string, ports: readonly number[]): ClusterNode[] {
  if (ports.length !== 6) throw new Error('three nodes need six ports (client and route each)');
  return [0, 1, 2].map((i) => ({
    name: `${prefix}-${i + 1}`,
    port: ports[2 * i]!,
    clusterPort: ports[2 * i + 1]!,
    storeDir: join(dir, `${prefix}-${i + 1}`, 'store'),
  }));
}
