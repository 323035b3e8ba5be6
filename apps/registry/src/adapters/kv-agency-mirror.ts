import { codeToSubjectTokens, type AgencyKvEntry } from '@lt/contracts';
import type { KV } from '@nats-io/kv';
import type { AgencyMirror } from '../ports';
import { forEachInFlight } from './in-flight';

const enc = new TextEncoder();

/** The `<ns>-agencies` bucket: key = subject tokens of the code (`H41.05.12.000`), value = AgencyKvEntry JSON. */
export class KvAgencyMirror implements AgencyMirror {
  constructor(
    private readonly kv: KV,
    private readonly inFlight = 1_000,
  ) {}

  async put(entries: readonly AgencyKvEntry[]): Promise<void> {
    await forEachInFlight(entries, this.inFlight, (e) => this.kv.put(codeToSubjectTokens(e.agency.code), enc.encode(JSON.stringify(e))));
  }

  async count(): Promise<number> {
    // keys, not values: the bucket keeps history; keys starting with '_' are the hub's own (hub keys)
    let n = 0;
    for await (const k of await this.kv.keys()) if (!k.startsWith('_')) n++;
    return n;
  }
}

/** Opens the bucket on first use and again after a failure (the bucket may be created after boot). */
export class LazyKvAgencyMirror implements AgencyMirror {
  private kv?: Promise<KV>;
  constructor(private readonly open: () => Promise<KV>) {}

  async put(entries: readonly AgencyKvEntry[]): Promise<void> {
    this.kv ??= this.open();
    try {
      await new KvAgencyMirror(await this.kv).put(entries);
    } catch (err) {
      this.kv = undefined;
      throw err;
    }
  }

  async count(): Promise<number> {
    this.kv ??= this.open();
    try {
      return await new KvAgencyMirror(await this.kv).count();
    } catch (err) {
      this.kv = undefined;
      throw err;
    }
  }
}

export function kvKeyOf(code: string): string {
  return codeToSubjectTokens(code);
}
