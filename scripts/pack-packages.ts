/**
 * `npm run pack`: the agency SDK and the agency connector + CLI as npm tarballs that install
 * outside this repository (dist/packages/lienthong-sdk-<version>.tgz, …-connector-<version>.tgz).
 *
 * Each package is the built JS that its entry points reach, in the same tree as dist/ (swc has
 * already rewritten the `@lt/*` aliases to relative requires, so the tree must stay as it is),
 * found by @vercel/nft, which also names the npm packages that JS requires: those become the
 * package's dependencies, at the versions of the root package.json. The SDK also ships its
 * declarations: tsc (tsconfig.pack.json), then tsc-alias rewrites `@lt/*` to relative paths.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { nodeFileTrace } from '@vercel/nft';
import { replaceTscAliasPaths } from 'tsc-alias';
import ts from 'typescript';

export interface PackageEntry {
  /** path of the built JS, relative to the build folder */
  file: string;
  /** command name installed by npm (`bin`) */
  bin?: string;
  /**
   * npm packages that a dependency loads by name on this entry's behalf, which tracing our JS
   * cannot see (NestFactory.create loads @nestjs/platform-express; our code imports only its types)
   */
  loadsByName?: string[];
}

export interface PackageSpec {
  name: string;
  /** file name stem of the tarball, as npm pack names a scoped package */
  tarballStem: string;
  description: string;
  entries: PackageEntry[];
  /** the entry that `require('<name>')` loads */
  main?: string;
  /** emit declarations (tsconfig.pack.json) next to the JS and point `types` at this one */
  types?: string;
  /** README.md of the package, relative to the repository root */
  readme: string;
}

export const PACKAGES: PackageSpec[] = [
  {
    name: '@lienthong/sdk',
    tarballStem: 'lienthong-sdk',
    description: 'LienThong agency SDK: send signed documents through the hub and read a verified inbox',
    entries: [{ file: 'libs/sdk/src/index.js' }],
    main: 'libs/sdk/src/index.js',
    types: 'libs/sdk/src/index.d.ts',
    readme: 'scripts/package-readmes/sdk.md',
  },
  {
    name: '@lienthong/connector',
    tarballStem: 'lienthong-connector',
    description: 'LienThong agency connector (lienthong-connector) and operator CLI (lienthong)',
    entries: [
      { file: 'apps/cli/src/main.js', bin: 'lienthong' },
      {
        file: 'apps/connector/src/main.js',
        bin: 'lienthong-connector',
        loadsByName: ['@nestjs/platform-express'],
      },
    ],
    readme: 'scripts/package-readmes/connector.md',
  },
];

export interface PackOptions {
  /** repository root (package.json, tsconfig.pack.json, node_modules) */
  root?: string;
  /** built JS (`npm run build` writes dist/) */
  buildDir?: string;
  /** where the .tgz files go */
  outDir?: string;
  packages?: PackageSpec[];
  log?: (line: string) => void;
}

export interface PackedPackage {
  name: string;
  version: string;
  tarball: string;
  files: number;
  dependencies: Record<string, string>;
  /** entries left out because their source is not in the repository yet */
}

interface RootManifest {
  version: string;
  license?: string;
  engines?: Record<string, string>;
  dependencies?: Record<string, string>;
}

/** Walks up from here to the folder whose package.json is this repository's (works from scripts/ and dist/scripts/). */
export function findRepoRoot(start = __dirname): string {
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'lienthong') return dir;
    if (dirname(dir) === dir) throw new Error(`no lienthong package.json above ${start}`);
  }
}

export async function packPackages(opts: PackOptions = {}): Promise<PackedPackage[]> {
  const root = opts.root ?? findRepoRoot();
  const buildDir = resolve(opts.buildDir ?? join(root, 'dist'));
  const outDir = resolve(opts.outDir ?? join(root, 'dist', 'packages'));
  const log = opts.log ?? ((line: string) => process.stdout.write(`pack | ${line}\n`));
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as RootManifest;
  mkdirSync(outDir, { recursive: true });
  const packed: PackedPackage[] = [];
  for (const spec of opts.packages ?? PACKAGES) packed.push(await packOne(spec, { root, buildDir, outDir, manifest, log }));
  return packed;
}

interface PackContext {
  root: string;
  buildDir: string;
  outDir: string;
  manifest: RootManifest;
  log: (line: string) => void;
}

async function packOne(spec: PackageSpec, cx: PackContext): Promise<PackedPackage> {
  const { root, buildDir, outDir, manifest, log } = cx;
  const present = spec.entries.filter((e) => existsSync(join(buildDir, e.file)));
  const missingRequired = spec.entries.filter((e) => !present.includes(e));
  if (missingRequired.length > 0) {
    throw new Error(
      `${spec.name}: entry ${missingRequired.map((e) => e.file).join(', ')} is not in ${buildDir}; run \`npm run build\` first (\`npm run pack\` does)`,
    );
  }
  const noShebang = present.filter((e) => e.bin && !readFileSync(join(buildDir, e.file), 'utf8').startsWith('#!'));
  if (noShebang.length > 0) {
    throw new Error(`${spec.name}: ${noShebang.map((e) => e.file).join(', ')} is a bin but does not start with #!/usr/bin/env node (add it to the .ts source)`);
  }

  log(`${spec.name}: tracing ${present.map((e) => e.file).join(', ')}`);
  const traced = await traceBuiltFiles(
    present.map((e) => join(buildDir, e.file)),
    buildDir,
    root,
  );

  const stage = mkdtempSync(join(tmpdir(), 'lt-pack-'));
  try {
    for (const file of traced.files) cpSync(join(buildDir, file), join(stage, file));
    const npmPackages = new Set([...traced.npmPackages, ...present.flatMap((e) => e.loadsByName ?? [])]);
    if (spec.types) {
      log(`${spec.name}: declarations (tsc -p tsconfig.pack.json, then tsc-alias)`);
      for (const p of await emitDeclarations(root, stage)) npmPackages.add(p);
    }
    const dependencies = pinnedDependencies(spec.name, npmPackages, manifest);
    log(`${spec.name}: ${traced.files.length} JS files, dependencies ${Object.keys(dependencies).join(', ')}`);
    writeFileSync(join(stage, 'package.json'), JSON.stringify(packageManifest(spec, present, dependencies, manifest), null, 2) + '\n');
    cpSync(join(root, spec.readme), join(stage, 'README.md'));

    const tarball = join(outDir, `${spec.tarballStem}-${manifest.version}.tgz`);
    rmSync(tarball, { force: true });
    const npm = spawnSync('npm', ['pack', '--ignore-scripts', '--pack-destination', outDir], {
      cwd: stage,
      encoding: 'utf8',
      shell: process.platform === 'win32',
    });
    if (npm.status !== 0 || !existsSync(tarball)) throw new Error(`${spec.name}: npm pack failed (${npm.status}): ${npm.stderr.trim() || npm.stdout.trim()}`);
    log(`${spec.name}: wrote ${relative(root, tarball)} (${Math.round(statSync(tarball).size / 1024)} kB)`);
    return { name: spec.name, version: manifest.version, tarball, files: traced.files.length, dependencies };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

/**
 * Files under buildDir that the entries load (relative paths) and the npm packages that those
 * files require directly (a file in node_modules whose parent is one of ours).
 */
async function traceBuiltFiles(entries: string[], buildDir: string, root: string): Promise<{ files: string[]; npmPackages: string[] }> {
  const result = await nodeFileTrace(entries, { base: '/', processCwd: root });
  const abs = (f: string) => resolve('/', f);
  const ours = (f: string) => {
    const p = abs(f);
    return p.startsWith(buildDir + sep) && !p.includes(`${sep}node_modules`);
  };
  const files = [...result.fileList].filter(ours).filter((f) => statSync(abs(f)).isFile());
  const npmPackages = new Set<string>();
  for (const f of result.fileList) {
    if (!f.includes('node_modules/')) continue;
    if (![...(result.reasons.get(f)?.parents ?? [])].some(ours)) continue;
    npmPackages.add(packageNameOf(f.slice(f.lastIndexOf('node_modules/') + 'node_modules/'.length)));
  }
  return { files: files.map((f) => relative(buildDir, abs(f))).sort(), npmPackages: [...npmPackages] };
}

/** `@scope/name/x/y` → `@scope/name`, `name/x` → `name` */
function packageNameOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
}

/**
 * Declarations of the SDK into the staging folder, next to its JS, with `@lt/*` rewritten to
 * relative paths; returns the npm packages the declarations import (their types are part of the
 * SDK's API, e.g. jose's JWK, so they are dependencies too).
 */
async function emitDeclarations(root: string, stage: string): Promise<string[]> {
  const config = join(root, 'tsconfig.pack.json');
  const tsc = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', config, '--outDir', stage], {
    cwd: root,
    encoding: 'utf8',
  });
  if (tsc.status !== 0) throw new Error(`tsc -p tsconfig.pack.json failed:\n${tsc.stdout}${tsc.stderr}`);
  await replaceTscAliasPaths({ configFile: config, outDir: stage });
  const packages = new Set<string>();
  for (const file of walk(stage).filter((f) => f.endsWith('.d.ts'))) {
    for (const { fileName } of ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles) {
      if (fileName.startsWith('@lt/')) throw new Error(`${relative(stage, file)} still imports ${fileName} after tsc-alias`);
      if (!fileName.startsWith('.') && !fileName.startsWith('node:')) packages.add(packageNameOf(fileName));
    }
  }
  return [...packages];
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? walk(join(dir, d.name)) : [join(dir, d.name)]));
}

/** The root package.json's version range of each package; one it does not list is a packaging error. */
function pinnedDependencies(name: string, packages: Set<string>, manifest: RootManifest): Record<string, string> {
  const deps: Record<string, string> = {};
  for (const p of [...packages].sort()) {
    const range = manifest.dependencies?.[p];
    if (!range) throw new Error(`${name} requires ${p}, which is not in the dependencies of the root package.json`);
    deps[p] = range;
  }
  return deps;
}

function packageManifest(spec: PackageSpec, entries: PackageEntry[], dependencies: Record<string, string>, root: RootManifest): Record<string, unknown> {
  const bins = entries.filter((e) => e.bin);
  return {
    name: spec.name,
    version: root.version,
    description: spec.description,
    license: root.license,
    engines: root.engines,
    ...(spec.main ? { main: spec.main } : {}),
    ...(spec.types ? { types: spec.types } : {}),
    ...(bins.length ? { bin: Object.fromEntries(bins.map((e) => [e.bin, e.file])) } : {}),
    dependencies,
  };
}

if (require.main === module) {
  const started = Date.now();
  packPackages().then(
    (packed) =>
      process.stdout.write(
        `pack | done in ${((Date.now() - started) / 1000).toFixed(1)} s: ${packed.map((p) => relative(process.cwd(), p.tarball)).join(', ')}\n`,
      ),
    (err: Error) => {
      process.stderr.write(`pack | failed: ${err.message}\n`);
      process.exit(1);
    },
  );
}
