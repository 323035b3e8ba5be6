import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findRepoRoot, PACKAGES, packPackages } from './pack-packages';

describe('pack-packages', () => {
  const empty = mkdtempSync(join(tmpdir(), 'lt-pack-empty-'));
  afterAll(() => rmSync(empty, { recursive: true, force: true }));

  it('refuses to pack when a required entry point is not built, naming it and what to run', async () => {
    await expect(packPackages({ buildDir: empty, outDir: join(empty, 'out'), packages: [PACKAGES[0]!], log: () => undefined })).rejects.toThrow(
      `@lienthong/sdk: entry libs/sdk/src/index.js is not in ${empty}; run \`npm run build\` first (\`npm run pack\` does)`,
    );
  });

  it('requires the connector entry once its source is in the repository, and names the missing build', async () => {
    const root = mkdtempSync(join(tmpdir(), 'lt-pack-root-'));
    try {
      writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'lienthong', version: '1.2.3', dependencies: {} }));
      const connector = PACKAGES.find((p) => p.name === '@lienthong/connector')!;
      const onlyConnector = { ...connector, entries: connector.entries.filter((e) => e.bin === 'lienthong-connector') };
      mkdirSync(join(root, 'apps', 'connector', 'src'), { recursive: true });
      writeFileSync(join(root, 'apps', 'connector', 'src', 'main.ts'), '');
      await expect(packPackages({ root, buildDir: empty, outDir: join(empty, 'out'), packages: [onlyConnector], log: () => undefined })).rejects.toThrow(
        `@lienthong/connector: entry apps/connector/src/main.js is not in ${empty}`,
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('finds the repository root from the sources', () => {
    expect(findRepoRoot()).toBe(join(__dirname, '..'));
  });
});
