import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { callerTokenHeaders, REGISTRY_RPC, type AgencyKey, type ImportResult, type topology } from '@lt/contracts';
import type { RpcClient } from '@lt/messaging';
import { issueLocalToken, jwkThumbprint, keyPaths, newEd25519KeyFile, readKeyFile, writeKeyFile } from '@lt/platform';

export interface DemoSeedOptions {
  /** repository root (deploy/demo lives there) */
  root: string;
  dataDir: string;
  log: (s: string) => void;
}

/**
 * Imports the demo directory and registers one demo key per demo agency, both idempotent. The
 * registry takes its caller from a verified token only: the requests carry a short-lived admin
 * token (sub `npm-start`) signed with the data folder's token key.
 */
export async function seedDemo(client: RpcClient, topo: ReturnType<typeof topology>, { root, dataDir, log }: DemoSeedOptions): Promise<void> {
  const rpc = client.withHeaders(callerTokenHeaders(issueLocalToken(dataDir, { sub: 'npm-start' })));
  const csvPath = join(root, 'deploy', 'demo', 'agencies-demo.csv');
  const csv = readFileSync(csvPath, 'utf8');
  const result = await retry(() =>
    rpc.call<ImportResult>(topo.rpcSubject('registry', REGISTRY_RPC.importCsv), { action: 'once', mode: 'all-or-nothing', csv }),
  );
  if (result.failed > 0) throw new Error(`demo directory import failed: ${JSON.stringify(result.errors.slice(0, 3))}`);
  const codes = csv
    .split(/\r?\n/)
    .slice(1)
    .map((l) => l.split(',')[0]!)
    .filter(Boolean);
  let added = 0;
  for (const code of codes) {
    const path = keyPaths.agency(dataDir, code);
    // ids unique per key: after a wiped data folder the new key is registered beside the old one
    const key = existsSync(path) ? readKeyFile(path) : demoKey();
    if (!existsSync(path)) writeKeyFile(path, key);
    const keys = await rpc.call<AgencyKey[]>(topo.rpcSubject('registry', REGISTRY_RPC.listKeys), { code });
    if (!keys.some((k) => k.keyId === key.keyId)) {
      await rpc.call(topo.rpcSubject('registry', REGISTRY_RPC.addKey), { code, keyId: key.keyId, alg: key.alg, publicJwk: key.publicJwk });
      added++;
    }
  }
  log(`demo directory: ${result.created} created, ${result.updated} updated, ${result.unchanged} unchanged; demo keys added: ${added} (private keys in ${join(dataDir, 'keys', 'agencies')})`);
}

function demoKey(): ReturnType<typeof newEd25519KeyFile> {
  const key = newEd25519KeyFile('demo');
  return { ...key, keyId: `demo-${jwkThumbprint(key.publicJwk).slice(0, 8)}` };
}

async function retry<T>(fn: () => Promise<T>, attempts = 60): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (i >= attempts || (code !== 'UNAVAILABLE' && code !== 'TIMEOUT')) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
