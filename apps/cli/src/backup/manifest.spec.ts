import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MANIFEST_FORMAT, MANIFEST_VERSION, partOf, readManifest, verifyParts, type BackupManifest } from './manifest';

describe('backup manifest', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lt-manifest-'));
    mkdirSync(join(dir, 'data'));
    writeFileSync(join(dir, 'data', 'a.json'), '{"k":1}');
    writeFileSync(join(dir, 'database.dump'), Buffer.alloc(1000, 7));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const write = async (over: Partial<BackupManifest> = {}) => {
    const m = {
      format: MANIFEST_FORMAT,
      version: MANIFEST_VERSION,
      namespace: 'lt',
      streams: [],
      database: { name: 'lienthong', file: 'database.dump', serverVersion: '15' },
      dataFiles: ['a.json'],
      parts: [await partOf(dir, 'data/a.json', 'file'), await partOf(dir, 'database.dump', 'database')],
      ...over,
    };
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m));
    return m;
  };

  it('passes an untouched folder and names a changed, a resized and a missing file', async () => {
    await write();
    await expect(verifyParts(dir, readManifest(dir))).resolves.toBeUndefined();

    writeFileSync(join(dir, 'data', 'a.json'), '{"k":2}');
    await expect(verifyParts(dir, readManifest(dir))).rejects.toMatchObject({
      code: 'BACKUP_CORRUPT',
      details: { file: 'data/a.json' },
      message: /SHA-256 differs/,
    });

    writeFileSync(join(dir, 'data', 'a.json'), '{"k":1}');
    writeFileSync(join(dir, 'database.dump'), Buffer.alloc(999, 7));
    await expect(verifyParts(dir, readManifest(dir))).rejects.toMatchObject({
      code: 'BACKUP_CORRUPT',
      details: { file: 'database.dump' },
      message: /999 bytes, manifest says 1000/,
    });

    unlinkSync(join(dir, 'database.dump'));
    await expect(verifyParts(dir, readManifest(dir))).rejects.toMatchObject({ code: 'BACKUP_CORRUPT', message: /database.dump is missing/ });
  });

  it('refuses a folder without a manifest, another format or version, and a part outside the folder', async () => {
    expect(() => readManifest(dir)).toThrow(expect.objectContaining({ code: 'BACKUP_CORRUPT', message: expect.stringMatching(/not a backup folder/) }));
    writeFileSync(join(dir, 'manifest.json'), '{"format":"other"}');
    expect(() => readManifest(dir)).toThrow(/not a lienthong backup manifest/);
    await write({ version: 2 as never });
    expect(() => readManifest(dir)).toThrow(/format version 2/);
    await write({ parts: [{ path: '../../etc/passwd', kind: 'file', bytes: 1, sha256: 'x' }] });
    expect(() => readManifest(dir)).toThrow(/outside the backup folder/);
    // a data file restore would copy must be a checked part
    await write({ dataFiles: ['a.json', '../escape'] });
    expect(() => readManifest(dir)).toThrow(/"data\/..\/escape", which is not among its checked files/);
  });
});
