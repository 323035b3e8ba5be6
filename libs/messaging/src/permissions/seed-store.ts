import { chmodSync, existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAgencyCode } from '@lt/contracts';
import { agencyInboxPrefix } from './agency-permissions';
import { createUserNkey, readSeedFile, type UserNkey } from './nkeys';
import type { ServiceRole } from './service-permissions';

/**
 * The folder of NATS user seeds (`<code>.nk` per agency, `service-<role>.nk` per hub service),
 * 0600 files in a 0700 folder. A seed is made once and reused, so regenerating the server config
 * keeps every credential valid; deleting a file and regenerating rotates it.
 */
export class SeedStore {
  constructor(readonly dir: string) {}

  agencyPath(code: string): string {
    return join(this.dir, `${parseAgencyCode(code)}.nk`);
  }

  servicePath(role: ServiceRole): string {
    return join(this.dir, `service-${role}.nk`);
  }

  /** The agency's seed, made on first use; `created` says whether it is new. */
  agency(code: string): UserNkey & { created: boolean } {
    return this.seedAt(this.agencyPath(code), this.agencyWhat(code));
  }

  service(role: ServiceRole): UserNkey & { created: boolean } {
    return this.seedAt(this.servicePath(role), `hub service ${role}`);
  }

  /**
   * A new seed for the agency, replacing the old one in one step (write beside, then rename):
   * the old seed stops working once the server's configuration is regenerated and reloaded
   * (`npm start` does so by itself when a seed file changes).
   */
  rotateAgency(code: string): UserNkey {
    const path = this.agencyPath(code);
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const k = createUserNkey();
    const temp = `${path}.new`;
    writeFileSync(temp, seedFileText(k.seed, this.agencyWhat(code)), { mode: 0o600 });
    chmodSync(temp, 0o600);
    renameSync(temp, path);
    return k;
  }

  private agencyWhat(code: string): string {
    return `agency ${parseAgencyCode(code)}; connect with inboxPrefix ${agencyInboxPrefix(code)}`;
  }

  private seedAt(path: string, what: string): UserNkey & { created: boolean } {
    if (existsSync(path)) return { ...readSeedFile(path), created: false };
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const k = createUserNkey();
    writeFileSync(path, seedFileText(k.seed, what), { mode: 0o600, flag: 'wx' });
    chmodSync(path, 0o600); // in case the umask widened it
    return { ...k, created: true };
  }
}

function seedFileText(seed: string, what: string): string {
  return `# NATS user nkey seed of ${what}. Secret: whoever holds it is this user.\n${seed}\n`;
}
