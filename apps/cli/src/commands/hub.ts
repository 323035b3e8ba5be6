import type { Command } from 'commander';
import { HUB_KEY_PURPOSES, HUB_KEYS_KV_KEY, isHubKeyPurpose, LtError, topology, type HubKeyPurpose, type PublishedHubKey } from '@lt/contracts';
import { connectHub, describeMissingHubKeys, openAgencyKv, publishHubKeys, type HubKeysPublication } from '@lt/messaging';
import { hubKeyPaths, loadHubPublicKeys, rotateHubKey } from '@lt/platform';
import type { CliContext } from '../context';

/** Who signs with each purpose's key, hence what must restart after a rotation to sign with the new one. */
export const RESTART_AFTER_ROTATION: Record<HubKeyPurpose, { services: string[]; note: string }> = {
  token: {
    services: ['gateway'],
    note: 'tokens signed with the old key are refused once the gateway restarts: issue new ones (`lienthong token issue`)',
  },
  envelope: {
    services: ['router', 'audit', 'dossier'],
    note: 'refusals, receipts and notices signed with the old key keep verifying: it stays published as retired',
  },
  checkpoint: {
    services: ['audit'],
    note: 'checkpoints signed with the old key keep verifying: the audit service and `GET /v1/hub/keys` list it as retired',
  },
};

function parsePurpose(v: string | undefined): HubKeyPurpose {
  if (!isHubKeyPurpose(v)) throw new LtError('VALIDATION_FAILED', `--purpose must be one of ${HUB_KEY_PURPOSES.join(', ')}, got ${JSON.stringify(v)}`, { field: 'purpose' });
  return v;
}

/** Publishes the data folder's public hub keys into the agencies bucket of the namespace. */
export async function publishLocalHubKeys(c: CliContext): Promise<HubKeysPublication> {
  const keys = loadHubPublicKeys(c.dataDir);
  if (keys.length === 0) throw new LtError('UNKNOWN_KEY', `no hub keys in ${hubKeyPaths.dir(c.dataDir)}: run \`npm start\` (creates them) or restore the folder from a backup`);
  let nc;
  try {
    nc = await connectHub(c.natsSettings, 'lienthong-cli-hub-keys');
  } catch (err) {
    throw new LtError('UNAVAILABLE', `cannot reach NATS at ${c.natsUrl} to publish the hub keys (${(err as Error).message}); run \`lienthong hub keys publish\` once it is up`);
  }
  try {
    return await publishHubKeys(await openAgencyKv(nc, topology(c.ns)), keys);
  } finally {
    await nc.drain().catch(() => undefined);
  }
}

function keyLine(k: PublishedHubKey): string {
  return `${k.status.padEnd(8)} ${k.purpose.padEnd(11)} ${k.kid}  from ${k.notBefore}${k.notAfter ? ` until ${k.notAfter}` : ''}${k.legacy ? '  (pre-split hub key)' : ''}`;
}

export function registerHubCommands(program: Command, ctx: () => CliContext): void {
  const hub = program.command('hub').description("the hub's own signing keys (run on the hub machine: they live in the data folder)");

  hub
    .command('rotate-key')
    .description('make a new key for one purpose, keep the old one as retired (public half) and publish both')
    .requiredOption('--purpose <purpose>', HUB_KEY_PURPOSES.join(' | '))
    .action(async (o: { purpose?: string }) => {
      const c = ctx();
      const purpose = parsePurpose(o.purpose);
      const { retired, active } = rotateHubKey(c.dataDir, purpose);
      const restart = RESTART_AFTER_ROTATION[purpose];
      let published: HubKeysPublication | null = null;
      let publishError: string | null = null;
      try {
        published = await publishLocalHubKeys(c);
      } catch (err) {
        publishError = (err as Error).message;
      }
      const result = { purpose, active: active.keyId, retired: retired?.keyId ?? null, published: published !== null, publishError, restart: restart.services, note: restart.note };
      c.print(result, () =>
        [
          `new ${purpose} key ${active.keyId} (${hubKeyPaths.active(c.dataDir, purpose)})`,
          retired ? `retired ${retired.keyId} (public half kept in ${hubKeyPaths.retired(c.dataDir, retired.keyId)})` : 'there was no earlier key',
          published ? `published in KV ${HUB_KEYS_KV_KEY} (namespace ${c.ns})` : `NOT published: ${publishError}`,
          `restart: ${restart.services.join(', ')} (they sign with the old key until then)`,
          restart.note,
        ].join('\n'),
      );
      if (!published) process.exitCode = 1;
    });

  const keys = hub.command('keys').description('list or publish the public hub keys');
  keys
    .command('list')
    .description('public hub keys of the data folder: purpose, status and validity')
    .action(() => {
      const c = ctx();
      const list = loadHubPublicKeys(c.dataDir);
      c.print({ keys: list }, (v: { keys: PublishedHubKey[] }) => (v.keys.length ? v.keys.map(keyLine).join('\n') : `no hub keys in ${hubKeyPaths.dir(c.dataDir)}`));
    });
  keys
    .command('publish')
    .description(`publish the data folder's public hub keys in KV ${HUB_KEYS_KV_KEY} (published keys the folder lacks stay, as retired)`)
    .action(async () => {
      const c = ctx();
      const r = await publishLocalHubKeys(c);
      c.print(r, (v: HubKeysPublication) =>
        [
          v.written ? `published ${v.keys.length} hub keys in KV ${HUB_KEYS_KV_KEY}${v.added.length ? ` (new: ${v.added.join(', ')})` : ''}` : 'KV already lists exactly these keys',
          ...(v.missingLocally.length ? [describeMissingHubKeys(v.missingLocally)] : []),
        ].join('\n'),
      );
    });
}
