import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ImportResult } from '@lt/contracts';
import { connect, type InboxMessage, type LienThongClient } from '@lt/sdk';
import { newEd25519KeyFile, type KeyFile } from '@lt/platform';
import { HubHarness, ROOT } from './hub-harness';

/** Demo directory + one registered Ed25519 key per agency, through the real gateway. */
export async function seedDemoDirectory(hub: HubHarness): Promise<void> {
  const csv = readFileSync(join(ROOT, 'deploy/demo/agencies-demo.csv'), 'utf8');
  const r = await hub.http<ImportResult>('POST', '/v1/agencies/import?mode=all-or-nothing', { body: csv, contentType: 'text/csv' });
  if (r.status !== 201 || r.body.failed) throw new Error(`demo import failed: ${JSON.stringify(r.body)}`);
}

export async function registerKey(hub: HubHarness, code: string, keyId = 'k1'): Promise<KeyFile> {
  const key = newEd25519KeyFile(keyId);
  const r = await hub.http('POST', `/v1/agencies/${code}/keys`, { body: { keyId: key.keyId, alg: key.alg, publicJwk: key.publicJwk } });
  if (r.status !== 201) throw new Error(`key registration for ${code} failed: ${JSON.stringify(r.body)}`);
  return key;
}

export async function agencyClient(hub: HubHarness, code: string, key: KeyFile, extra: Partial<Parameters<typeof connect>[0]> = {}): Promise<LienThongClient> {
  return connect({ natsUrl: hub.natsUrl, ns: hub.ns, agencyCode: code, privateJwk: key.privateJwk, keyId: key.keyId, alg: key.alg, ...extra });
}

/** Reads `n` verified messages matching `filter` (acking everything it reads), failing after `timeoutMs`. */
export async function receive(client: LienThongClient, n: number, timeoutMs = 20_000, filter: (m: InboxMessage) => boolean = () => true): Promise<InboxMessage[]> {
  const got: InboxMessage[] = [];
  const deadline = Date.now() + timeoutMs;
  while (got.length < n && Date.now() < deadline) {
    for await (const m of client.inbox({ follow: false, max: n - got.length + 50 })) {
      await m.ack();
      if (filter(m)) got.push(m);
      if (got.length >= n) break;
    }
  }
  if (got.length < n) throw new Error(`received ${got.length} of ${n} messages for ${client.agencyCode} within ${timeoutMs} ms`);
  return got;
}
