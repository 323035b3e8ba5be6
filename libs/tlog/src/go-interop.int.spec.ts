import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { MemoryLog, createNoteSigner, encodeVerifierKey, generateNoteKey, leafHash, proveRecord, proveTree, signCheckpoint, treeHash } from './index';

/*
 * Cross-checks @lt/tlog against an implementation nobody here wrote: Go's golang.org/x/mod/sumdb/note
 * and sumdb/tlog, via test/interop/tlogcheck. Needs the Debian packages golang-go and
 * golang-golang-x-mod-dev (sources under /usr/share/gocode); builds offline in GOPATH mode.
 */

const GO_PROGRAM_DIR = resolve(__dirname, '../../../test/interop/tlogcheck');
const DEBIAN_GOPATH = '/usr/share/gocode';
const INSTALL_HINT = 'install the Go toolchain and x/mod sources: apt-get install -y golang-go golang-golang-x-mod-dev';
const ORIGIN = 'lienthong.test/audit';

interface GoInput {
  origin: string;
  vkey: string;
  leaves: string[];
  leafHashes: string[];
  storedHashes: string[];
  checkpoints: string[];
  inclusionProofs: { treeSize: number; index: number; proof: string[] }[];
  consistencyProofs: { oldSize: number; newSize: number; proof: string[] }[];
}

const b64 = (b: Buffer) => b.toString('base64');

describe('Go sumdb/note + sumdb/tlog interop', () => {
  let workDir: string;
  let binary: string;
  let goEnv: NodeJS.ProcessEnv;
  let input: GoInput;

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'lt-tlog-interop-'));
    goEnv = {
      ...process.env,
      GO111MODULE: 'off',
      GOPATH: DEBIAN_GOPATH,
      GOFLAGS: '',
      GOPROXY: 'off',
      GOTOOLCHAIN: 'local',
      GOCACHE: process.env.GOCACHE ?? join(tmpdir(), 'lt-go-build-cache'),
    };
    const version = spawnSync('go', ['version'], { env: goEnv, encoding: 'utf8' });
    if (version.error || version.status !== 0) {
      throw new Error(`'go' is not available (${version.error?.message ?? version.stderr}); ${INSTALL_HINT}`);
    }
    if (!existsSync(join(DEBIAN_GOPATH, 'src/golang.org/x/mod/sumdb/tlog/tlog.go'))) {
      throw new Error(`golang.org/x/mod sources missing under ${DEBIAN_GOPATH}; ${INSTALL_HINT}`);
    }
    binary = join(workDir, 'tlogcheck');
    const build = spawnSync('go', ['build', '-o', binary, '.'], { cwd: GO_PROGRAM_DIR, env: goEnv, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`building ${GO_PROGRAM_DIR} failed: ${build.stderr || build.error?.message}; ${INSTALL_HINT}`);

    input = await buildInput();
  });

  afterAll(() => {
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  /** A 1,000-leaf log appended in uneven batches, signed checkpoints, and proofs between them. */
  async function buildInput(): Promise<GoInput> {
    const leaves = Array.from({ length: 1000 }, (_, i) =>
      i % 97 === 0 ? Buffer.alloc(0) : Buffer.from(JSON.stringify({ seq: i, event: 'message.delivered', pad: 'x'.repeat(i % 50) })),
    );
    const log = new MemoryLog();
    for (let i = 0; i < leaves.length; i += 137) log.appendLeafHashes(leaves.slice(i, i + 137).map(leafHash));

    const key = generateNoteKey(ORIGIN);
    const signer = createNoteSigner(ORIGIN, key.privateKey);
    const checkpointSizes = [1, 2, 7, 64, 500, 999, 1000];
    const checkpoints: string[] = [];
    for (const size of checkpointSizes) {
      checkpoints.push(signCheckpoint({ origin: ORIGIN, treeSize: size, rootHash: await treeHash(size, log) }, signer));
    }

    const inclusionProofs: GoInput['inclusionProofs'] = [];
    for (const treeSize of [...checkpointSizes, 3, 333, 777]) {
      for (let index = 0; index < treeSize; index += Math.max(1, Math.floor(treeSize / 40))) {
        inclusionProofs.push({ treeSize, index, proof: (await proveRecord(treeSize, index, log)).map(b64) });
      }
      inclusionProofs.push({ treeSize, index: treeSize - 1, proof: (await proveRecord(treeSize, treeSize - 1, log)).map(b64) });
    }

    const consistencyProofs: GoInput['consistencyProofs'] = [];
    for (const newSize of checkpointSizes) {
      for (const oldSize of [...checkpointSizes, 5, 123, 640]) {
        if (oldSize > newSize) continue;
        consistencyProofs.push({ oldSize, newSize, proof: (await proveTree(newSize, oldSize, log)).map(b64) });
      }
    }

    return {
      origin: ORIGIN,
      vkey: encodeVerifierKey(ORIGIN, key.publicKey),
      leaves: leaves.map(b64),
      leafHashes: leaves.map((l) => b64(leafHash(l))),
      storedHashes: log.store.readHashes(Array.from({ length: log.store.size }, (_, i) => i)).map(b64),
      checkpoints,
      inclusionProofs,
      consistencyProofs,
    };
  }

  function runGo(data: GoInput, name: string): { status: number | null; stdout: string; stderr: string } {
    const file = join(workDir, `${name}.json`);
    writeFileSync(file, JSON.stringify(data));
    const run = spawnSync(binary, [file], { env: goEnv, encoding: 'utf8' });
    if (run.error) throw run.error;
    return { status: run.status, stdout: run.stdout, stderr: run.stderr };
  }

  function flipBit(hashB64: string): string {
    const raw = Buffer.from(hashB64, 'base64');
    raw[7] ^= 0x04;
    return b64(raw);
  }

  it('accepts the checkpoints, stored hashes and proofs of a 1,000-leaf log', () => {
    expect(input.inclusionProofs.length).toBeGreaterThan(200);
    expect(input.consistencyProofs.length).toBeGreaterThan(30);
    const result = runGo(input, 'valid');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('tlogcheck: OK: 1000 leaves, 1994 stored hashes, 7 checkpoints');
  });

  it('rejects a tampered inclusion proof', () => {
    const proofs = input.inclusionProofs.map((p) => ({ ...p, proof: [...p.proof] }));
    const target = proofs.find((p) => p.treeSize === 1000 && p.index > 0)!;
    target.proof[3] = flipBit(target.proof[3]);
    const result = runGo({ ...input, inclusionProofs: proofs }, 'bad-inclusion');
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/CheckRecord: invalid transparency proof/);
  });

  it('rejects a tampered consistency proof', () => {
    const proofs = input.consistencyProofs.map((p) => ({ ...p, proof: [...p.proof] }));
    const target = proofs.find((p) => p.oldSize === 500 && p.newSize === 1000)!;
    target.proof[0] = flipBit(target.proof[0]);
    const result = runGo({ ...input, consistencyProofs: proofs }, 'bad-consistency');
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/CheckTree: invalid transparency proof/);
  });

  it('rejects a checkpoint whose signed text was altered', () => {
    const checkpoints = [...input.checkpoints];
    checkpoints[3] = checkpoints[3].replace('\n64\n', '\n65\n');
    const result = runGo({ ...input, checkpoints }, 'bad-signature');
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/note\.Open: invalid signature for key lienthong\.test\/audit\+/);
  });

  it('rejects a correctly signed checkpoint with a wrong root', async () => {
    const key = generateNoteKey(ORIGIN);
    const forged = signCheckpoint({ origin: ORIGIN, treeSize: 10, rootHash: leafHash(Buffer.from('not the root')) }, createNoteSigner(ORIGIN, key.privateKey));
    const result = runGo({ ...input, vkey: encodeVerifierKey(ORIGIN, key.publicKey), checkpoints: [forged] }, 'bad-root');
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/root of size 10 is .*, Go computes/);
  });

  it('rejects a stored-hash table that differs from Go tlog.StoredHashes', () => {
    const storedHashes = [...input.storedHashes];
    storedHashes[1500] = flipBit(storedHashes[1500]);
    const result = runGo({ ...input, storedHashes }, 'bad-stored');
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/storedHashes\[1500\]/);
  });
});
