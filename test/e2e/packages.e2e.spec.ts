import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type LienThongClient } from '@lt/sdk';
import { packPackages, type PackedPackage } from '../../scripts/pack-packages';
import { receive } from '../support/agencies';
import { freePort, ROOT } from '../support/hub-harness';
import { NpmStartHub } from '../support/npm-start-hub';

/**
 * The packages `npm run pack` makes, installed the way an agency installs them: into an empty
 * Node project outside the repository, their dependencies fetched by npm. A plain CommonJS script
 * sends with `@lienthong/sdk`, the `lienthong` bin sends and reads, and a TypeScript file
 * type-checks against the shipped declarations — all against a hub started as `npm start` does,
 * with the agency's own key file and NATS seed.
 *
 * Packs from dist/ (`npm run build` first, as npm test does); LT_PACK_BUILD_DIR names another
 * build folder (one built by `npx swc apps libs scripts -d <dir>`).
 */
const PROVINCE = '000.00.00.H41';
const DISTRICT = '000.00.30.H41';
const BUILD_DIR = process.env.LT_PACK_BUILD_DIR ?? join(ROOT, 'dist');

interface Ran {
  code: number | null;
  out: string;
  err: string;
  ms: number;
}

function run(cmd: string, args: string[], opts: { cwd: string; env?: Record<string, string | undefined>; timeoutMs?: number }): Promise<Ran> {
  const started = Date.now();
  return new Promise((done, fail) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.once('error', fail);
    child.once('close', (code) => {
      clearTimeout(timer);
      done({ code, out, err, ms: Date.now() - started });
    });
  });
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? filesUnder(join(dir, d.name)) : [join(dir, d.name)]));
}

describe('the npm packages installed outside the repository', () => {
  const hub = new NpmStartHub();
  const outDir = mkdtempSync(join(tmpdir(), 'lt-packages-'));
  const project = mkdtempSync(join(tmpdir(), 'lt-agency-project-'));
  const stateDir = mkdtempSync(join(tmpdir(), 'lt-packages-state-'));
  let packed: PackedPackage[] = [];
  const timings: string[] = [];
  const opened: LienThongClient[] = [];

  /** the environment of an agency's shell: its hub URL and NATS seed, nothing of this repository */
  const agencyEnv = (code: string) => {
    const env: Record<string, string | undefined> = { ...process.env, NATS_URL: hub.natsUrl, LT_NATS_SEED_FILE: hub.seedFile(code) };
    for (const k of ['LT_DATA_DIR', 'LT_TOKEN', 'LT_NAMESPACE', 'LT_GATEWAY_URL']) delete env[k];
    return env;
  };
  /** this repository's SDK, as the recipient */
  const recipient = async (code: string) => {
    const c = await connect({ natsUrl: hub.natsUrl, agencyCode: code, keyFile: hub.keyFile(code), seedFile: hub.seedFile(code), stateDir });
    opened.push(c);
    return c;
  };
  const tarball = (name: string) => packed.find((p) => p.name === name)!.tarball;

  beforeAll(async () => {
    const hubReady = hub.start();
    hubReady.catch(() => undefined); // awaited below; not unhandled while packing
    let t = Date.now();
    packed = await packPackages({ buildDir: BUILD_DIR, outDir, log: () => undefined });
    timings.push(`pack ${Date.now() - t} ms`);
    expect((await run('npm', ['init', '-y'], { cwd: project })).code).toBe(0);
    // @types/node: what a TypeScript project has anyway; the declarations use Node's types
    const typesNode = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }).devDependencies[
      '@types/node'
    ]!;
    const install = await run(
      'npm',
      ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball('@lienthong/sdk'), tarball('@lienthong/connector'), `@types/node@${typesNode}`],
      {
        cwd: project,
        timeoutMs: 300_000,
      },
    );
    if (install.code !== 0) throw new Error(`npm install failed:\n${install.err}`);
    timings.push(`npm install ${install.ms} ms`);
    t = Date.now();
    await hubReady;
    timings.push(`hub ready ${Date.now() - t} ms after that`);
  }, 400_000);

  afterAll(async () => {
    process.stdout.write(`packages e2e: ${timings.join(', ')}\n`);
    for (const c of opened) await c.close().catch(() => undefined);
    await hub.stop();
    for (const d of [outDir, project, stateDir]) rmSync(d, { recursive: true, force: true });
  });

  it('installs both tarballs with their dependencies, and nothing in them refers to the repository aliases', () => {
    const sdk = JSON.parse(readFileSync(join(project, 'node_modules', '@lienthong', 'sdk', 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(sdk).toMatchObject({ main: 'libs/sdk/src/index.js', types: 'libs/sdk/src/index.d.ts', engines: { node: '>=20.19' } });
    expect(Object.keys(sdk.dependencies as object)).toEqual(expect.arrayContaining(['@nats-io/jetstream', '@nats-io/transport-node', 'jose', 'pino']));
    const connector = JSON.parse(readFileSync(join(project, 'node_modules', '@lienthong', 'connector', 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(connector.bin).toMatchObject({ lienthong: 'apps/cli/src/main.js' });
    expect(Object.keys(connector.dependencies as object)).toEqual(expect.arrayContaining(['commander', 'cli-progress']));
    for (const pkg of ['sdk', 'connector']) {
      const shipped = filesUnder(join(project, 'node_modules', '@lienthong', pkg)).filter((f) => /\.(js|d\.ts)$/.test(f));
      expect(shipped.length).toBeGreaterThan(50);
      expect(shipped.filter((f) => /(require\(|from |import\()["']@lt\//.test(readFileSync(f, 'utf8')))).toEqual([]);
    }
  });

  it('sends a document from a plain CommonJS script with require("@lienthong/sdk"), and the recipient receives it', async () => {
    writeFileSync(
      join(project, 'send.js'),
      `const { connect } = require('@lienthong/sdk');
async function main() {
  const [natsUrl, agencyCode, keyFile, seedFile, to] = process.argv.slice(2);
  const lt = await connect({ natsUrl, agencyCode, keyFile, seedFile });
  const body = { code: { codeNumber: '7', codeNotation: 'UBND-VP' }, subject: 'Gửi từ gói npm', otherInfo: { priority: 0 } };
  const { id } = await lt.sendDocument({ to: [to], body });
  await lt.close();
  console.log(JSON.stringify({ id }));
}
main().catch((err) => { console.error(err.code || '', err.message); process.exit(1); });
`,
    );
    const sent = await run(process.execPath, ['send.js', hub.natsUrl, PROVINCE, hub.keyFile(PROVINCE), hub.seedFile(PROVINCE), DISTRICT], {
      cwd: project,
      env: agencyEnv(PROVINCE),
    });
    expect(sent.err).toBe('');
    expect(sent.code).toBe(0);
    const { id } = JSON.parse(sent.out) as { id: string };
    const district = await recipient(DISTRICT);
    const [m] = await receive(district, 1, 30_000, (x) => x.id === id);
    expect(m!.from).toBe(PROVINCE);
    expect((m!.envelope.body as { subject: string }).subject).toBe('Gửi từ gói npm');
    await district.close();
  });

  it('runs the installed `lienthong` bin: help, then send and inbox as the agencies', async () => {
    const help = await run('npx', ['--no', '--', 'lienthong', '--help'], { cwd: project, env: agencyEnv(PROVINCE) });
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/Usage: lienthong/);
    expect(help.out).toMatch(/send \[options\]/);

    const sent = await run(
      'npx',
      ['--no', '--', 'lienthong', 'send', '--as', PROVINCE, '--key', hub.keyFile(PROVINCE), '--to', DISTRICT, '--subject', 'Gửi bằng lienthong', '--json'],
      {
        cwd: project,
        env: agencyEnv(PROVINCE),
      },
    );
    expect(sent.err).toBe('');
    const { id } = JSON.parse(sent.out) as { id: string };
    const inbox = await run(
      'npx',
      ['--no', '--', 'lienthong', 'inbox', '--as', DISTRICT, '--key', hub.keyFile(DISTRICT), '--ack', '--follow', '--max', '1', '--json'],
      {
        cwd: project,
        env: agencyEnv(DISTRICT),
        timeoutMs: 60_000,
      },
    );
    expect(inbox.code).toBe(0);
    const line = JSON.parse(inbox.out.trim().split('\n')[0]!) as Record<string, unknown>;
    expect(line).toMatchObject({ id, from: PROVINCE });
  });

  it('type-checks a TypeScript file against the shipped declarations', async () => {
    writeFileSync(
      join(project, 'check.ts'),
      `import { connect, type ConnectOptions, type InboxMessage, type LienThongClient } from '@lienthong/sdk';
const opts: ConnectOptions = { natsUrl: 'nats://127.0.0.1:4222', agencyCode: '${PROVINCE}', keyFile: 'k.json', seedFile: 's.nk' };
export async function firstSubject(): Promise<string | undefined> {
  const lt: LienThongClient = await connect(opts);
  const sent: { id: string } = await lt.sendDocument({ to: ['${DISTRICT}'], body: { code: { codeNumber: '1', codeNotation: 'X' }, subject: 's', otherInfo: { priority: 0 } } });
  for await (const m of lt.inbox({ follow: false })) {
    const msg: InboxMessage = m;
    await msg.ack();
    return msg.id + sent.id;
  }
  return undefined;
}
// the declarations are real types, not any: each of these must be an error
// @ts-expect-error agencyCode is a string
export const wrongCode: ConnectOptions = { agencyCode: 42 };
// @ts-expect-error there is no such method
export const missing = (lt: LienThongClient) => lt.sendFax();
`,
    );
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { strict: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', noEmit: true, types: ['node'] },
        files: ['check.ts'],
      }),
    );
    const tsc = await run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: project });
    expect(tsc.out + tsc.err).toBe('');
    expect(tsc.code).toBe(0);
  });

  describe('lienthong-connector from the package', () => {
    it('ships the lienthong-connector bin', () => {
      const manifest = JSON.parse(readFileSync(join(project, 'node_modules', '@lienthong', 'connector', 'package.json'), 'utf8')) as {
        bin: Record<string, string>;
      };
      expect(manifest.bin['lienthong-connector']).toBe('apps/connector/src/main.js');
      expect(existsSync(join(project, 'node_modules', '.bin', 'lienthong-connector'))).toBe(true);
    });

    it('starts `lienthong-connector` from the package and POSTs a document, which the recipient receives', async () => {
      const port = await freePort();
      const env = {
        ...agencyEnv(PROVINCE),
        LT_CONNECTOR_AGENCY: PROVINCE,
        LT_CONNECTOR_HOST: '127.0.0.1',
        LT_CONNECTOR_PORT: String(port),
        LT_CONNECTOR_KEY_FILE: hub.keyFile(PROVINCE),
        LT_CONNECTOR_STATE_DIR: join(stateDir, 'connector'),
        LOG_LEVEL: 'info',
      };
      const child = spawn(join(project, 'node_modules', '.bin', 'lienthong-connector'), [], { cwd: project, env, stdio: ['ignore', 'pipe', 'pipe'] });
      const logs: string[] = [];
      const exited = new Promise((r) => child.once('exit', r));
      try {
        await new Promise<void>((ready, fail) => {
          const timer = setTimeout(() => fail(new Error(`lienthong-connector not listening within 30 s:\n${logs.join('')}`)), 30_000);
          for (const s of [child.stdout, child.stderr]) {
            s.on('data', (d: Buffer) => {
              logs.push(d.toString());
              if (logs.join('').includes('connector listening')) {
                clearTimeout(timer);
                ready();
              }
            });
          }
          void exited.then((code) => {
            clearTimeout(timer);
            fail(new Error(`lienthong-connector exited with ${String(code)}:\n${logs.join('')}`));
          });
        });
        const body = { code: { codeNumber: '9', codeNotation: 'UBND-VP' }, subject: 'Gửi qua lienthong-connector', otherInfo: { priority: 0 } };
        const res = await fetch(`http://127.0.0.1:${port}/v1/outbox`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ to: [DISTRICT], body }),
        });
        const accepted = (await res.json()) as { id: string };
        expect(res.status).toBe(202);
        const district = await recipient(DISTRICT);
        const [m] = await receive(district, 1, 30_000, (x) => x.id === accepted.id);
        expect(m!.from).toBe(PROVINCE);
        expect((m!.envelope.body as { subject: string }).subject).toBe('Gửi qua lienthong-connector');
        await district.close();
      } finally {
        child.kill('SIGTERM');
        await exited;
      }
    });
  });
});
