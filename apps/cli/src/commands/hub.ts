import type { Command } from 'commander';
import { HUB_KEY_PURPOSES, HUB_KEYS_KV_KEY, isHubKeyPurpose, LtError, topology, type HubKeyPurpose, type PublishedHubKey } from '@lt/contracts';
import { connectHub, describeMissingHubKeys, openAgencyKv, publishHubKeys, setUpHub, type HubKeysPublication } from '@lt/messaging';
import { hubKeyPaths, loadHubPublicKeys, loadStreamSettings, rotateHubKey } from '@lt/platform';
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
  if (!isHubKeyPurpose(v))
    throw new LtError('VALIDATION_FAILED', `--purpose must be one of ${HUB_KEY_PURPOSES.join(', ')}, got ${JSON.stringify(v)}`, { field: 'purpose' });
  return v;
}

/** Publishes the data folder's public hub keys into the agencies bucket of the namespace. */
export async function publishLocalHubKeys(c: CliContext): Promise<HubKeysPublication> {
  const keys = loadHubPublicKeys(c.dataDir);
  if (keys.length === 0)
    throw new LtError('UNKNOWN_KEY', `no hub keys in ${hubKeyPaths.dir(c.dataDir)}: run \`npm start\` (creates them) or restore the folder from a backup`);
  let nc;
  try {
    nc = await connectHub(c.natsSettings, 'lienthong-cli-hub-keys');
  } catch (err) {
    throw new LtError(
      'UNAVAILABLE',
      `cannot reach NATS at ${c.natsUrl} to publish the hub keys (${(err as Error).message}); run \`lienthong hub keys publish\` once it is up`,
    );
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
      const result = {
        purpose,
        active: active.keyId,
        retired: retired?.keyId ?? null,
        published: published !== null,
        publishError,
        restart: restart.services,
        note: restart.note,
      };
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

  hub
    .command('init')
    .description(
      'set up a new hub (compose, systemd): streams and buckets at LT_STREAM_REPLICAS, hub keys in the data folder, their public halves published; idempotent',
    )
    .option('--replicas <n>', 'replicas of every stream and bucket (1, 3 or 5; default LT_STREAM_REPLICAS)')
    .option('--wait <seconds>', 'how long to wait for NATS and its JetStream (a cluster elects its leader first)', '60')
    .action(async (o: { replicas?: string; wait: string }) => {
      const c = ctx();
      const waitSeconds = Number(o.wait);
      if (!Number.isInteger(waitSeconds) || waitSeconds < 0 || waitSeconds > 3600) {
        throw new LtError('VALIDATION_FAILED', `--wait must be a whole number of seconds from 0 to 3600, got ${JSON.stringify(o.wait)}`, { field: 'wait' });
      }
      // the schema validates --replicas like the variable it stands for
      const streams = loadStreamSettings(o.replicas === undefined ? process.env : { ...process.env, LT_STREAM_REPLICAS: o.replicas });
      const lines: string[] = [];
      const say = (line: string) => (c.opts.json ? lines.push(line) : process.stderr.write(`${line}\n`));
      const nc = await connectWithin(c, waitSeconds, say);
      try {
        const topo = topology(c.ns);
        const setup = await retryUntilJetStream(() => setUpHub(nc, topo, c.dataDir, streams, say), waitSeconds, say);
        const result = {
          namespace: c.ns,
          replicas: streams.replicas,
          streams: Object.values(topo.streams),
          buckets: [topo.kvAgencies, topo.kvTokenRevocations],
          hubKeys: Object.fromEntries(Object.entries(setup.hubKeys).map(([purpose, k]) => [purpose, k.keyId])),
          keysDir: hubKeyPaths.dir(c.dataDir),
          published: setup.published.keys.length,
          notes: lines,
        };
        c.print(result, () =>
          [
            `hub ${c.ns} ready on ${c.natsUrl}: ${result.streams.length} streams and ${result.buckets.length} buckets at ${streams.replicas} replica(s)`,
            `hub keys in ${result.keysDir}: ${Object.entries(result.hubKeys)
              .map(([p, id]) => `${p} ${id}`)
              .join(', ')}; ${result.published} published`,
            'next: start the services (each connects with its own seed and only reads these settings)',
          ].join('\n'),
        );
      } finally {
        await nc.drain().catch(() => undefined);
      }
    });

  const keys = hub.command('keys').description('list or publish the public hub keys');
  keys
    .command('list')
    .description('public hub keys of the data folder: purpose, status and validity')
    .action(() => {
      const c = ctx();
      const list = loadHubPublicKeys(c.dataDir);
      c.print({ keys: list }, (v: { keys: PublishedHubKey[] }) =>
        v.keys.length ? v.keys.map(keyLine).join('\n') : `no hub keys in ${hubKeyPaths.dir(c.dataDir)}`,
      );
    });
  keys
    .command('publish')
    .description(`publish the data folder's public hub keys in KV ${HUB_KEYS_KV_KEY} (published keys the folder lacks stay, as retired)`)
    .action(async () => {
      const c = ctx();
      const r = await publishLocalHubKeys(c);
      c.print(r, (v: HubKeysPublication) =>
        [
          v.written
            ? `published ${v.keys.length} hub keys in KV ${HUB_KEYS_KV_KEY}${v.added.length ? ` (new: ${v.added.join(', ')})` : ''}`
            : 'KV already lists exactly these keys',
          ...(v.missingLocally.length ? [describeMissingHubKeys(v.missingLocally)] : []),
        ].join('\n'),
      );
    });
}

/** Connects as the operator, retrying while the servers come up (compose starts everything at once). */
async function connectWithin(c: CliContext, waitSeconds: number, say: (line: string) => void): Promise<Awaited<ReturnType<typeof connectHub>>> {
  const deadline = Date.now() + waitSeconds * 1000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await connectHub(c.natsSettings, 'lienthong-hub-init');
    } catch (err) {
      if (Date.now() >= deadline)
        throw new LtError('UNAVAILABLE', `cannot reach NATS at ${c.natsUrl} (${(err as Error).message}); waited ${waitSeconds} s (--wait)`);
      if (attempt === 1) say(`waiting for NATS at ${c.natsUrl} (${(err as Error).message})`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

/**
 * Runs `step` until JetStream answers: a new cluster has no meta leader for its first seconds, and
 * stream requests then time out or get "JetStream not enabled"/no responders.
 */
async function retryUntilJetStream<T>(step: () => Promise<T>, waitSeconds: number, say: (line: string) => void): Promise<T> {
  const deadline = Date.now() + waitSeconds * 1000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (err) {
      const message = (err as Error).message ?? '';
      const notYet = /timeout|no responders|jetstream not (enabled|available)|temporarily unavailable|no suitable peers|insufficient resources/i.test(message);
      if (!notYet || Date.now() >= deadline) throw err;
      if (attempt === 1) say(`waiting for JetStream (${message})`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}
