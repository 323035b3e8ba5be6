import { chmodSync, copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';

/**
 * The data folder's key and credential files a hub cannot be rebuilt without: the hub's signing
 * keys (active and retired), the NATS nkey seeds of its users, and the secrets (database role
 * passwords, service DATABASE_URL files). The NATS store and the embedded PostgreSQL cluster are
 * not copied: the stream snapshots and the dump stand for them.
 */
export const DATA_FOLDER_PARTS = ['keys/hub', 'keys/hub.json.migrated', 'nats-seeds', 'secrets'] as const;

/** Regular files under the parts that exist, as `/`-separated paths relative to the data folder (symlinks are not followed). */
export function listDataFiles(dataDir: string): string[] {
  const out: string[] = [];
  const walk = (abs: string) => {
    const st = lstatSync(abs);
    if (st.isDirectory()) {
      for (const name of readdirSync(abs).sort()) walk(join(abs, name));
    } else if (st.isFile()) {
      out.push(relative(dataDir, abs).split(sep).join('/'));
    }
  };
  for (const part of DATA_FOLDER_PARTS) {
    const abs = join(dataDir, ...part.split('/'));
    if (existsSync(abs)) walk(abs);
  }
  return out;
}

/** Copies `rel` from one root to the other: folders 0700, the file 0600 (keys and passwords). */
export function copyPrivate(fromRoot: string, toRoot: string, rel: string): void {
  const to = join(toRoot, ...rel.split('/'));
  ensurePrivateDir(toRoot, dirname(to));
  copyFileSync(join(fromRoot, ...rel.split('/')), to);
  chmodSync(to, 0o600);
}

/** Creates `dir` (under `root`) with every folder below root set to 0700 (root itself is the caller's). */
export function ensurePrivateDir(root: string, dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (let d = dir; d !== root && d.startsWith(root + sep); d = dirname(d)) chmodSync(d, 0o700);
}

/** The data files of the backup that already exist in the data folder with other content. */
export function conflictingDataFiles(backupDataRoot: string, dataDir: string, rels: readonly string[]): string[] {
  return rels.filter((rel) => {
    const target = join(dataDir, ...rel.split('/'));
    if (!existsSync(target)) return false;
    return !readFileSync(target).equals(readFileSync(join(backupDataRoot, ...rel.split('/'))));
  });
}
