import type { Agency, AgencyKey } from '@lt/contracts';
import type { AgencyWithKeys, RecordedChange, RegistryChange } from '../domain/agency';
import type { AgencyRepository, ListFilter, RegistryTx, SubtreeRow } from '../ports';

const clone = <T>(v: T): T => structuredClone(v);

interface State {
  agencies: Map<string, Agency>;
  keys: Map<string, AgencyKey[]>;
  changes: RecordedChange[];
}

/**
 * The repository port in memory, with the same transaction semantics (all or nothing, one writer at
 * a time): the stub port for unit tests of the use cases.
 */
export class InMemoryAgencyRepository implements AgencyRepository {
  state: State = { agencies: new Map(), keys: new Map(), changes: [] };
  publishedSeq = 0;
  private writer: Promise<unknown> = Promise.resolve();

  transaction<T>(fn: (tx: RegistryTx) => Promise<T>): Promise<T> {
    const run = async () => {
      const draft: State = { agencies: clone(this.state.agencies), keys: clone(this.state.keys), changes: [...this.state.changes] };
      const result = await fn(new InMemoryTx(draft));
      this.state = draft;
      return result;
    };
    const p = this.writer.then(run, run);
    this.writer = p.catch(() => undefined);
    return p;
  }

  async findAgency(code: string): Promise<AgencyWithKeys | null> {
    const a = this.state.agencies.get(code);
    return a ? clone({ ...a, keys: this.state.keys.get(code) ?? [] }) : null;
  }

  async findKeys(code: string): Promise<AgencyKey[]> {
    return clone(this.state.keys.get(code) ?? []);
  }

  async list(f: ListFilter): Promise<Agency[]> {
    const q = f.q?.toLowerCase();
    return [...this.state.agencies.values()]
      .filter(
        (a) =>
          (f.parent === undefined || a.parentCode === f.parent) &&
          (f.tier === undefined || a.tier === f.tier) &&
          (f.status === undefined || a.status === f.status) &&
          (q === undefined || a.code.toLowerCase().includes(q) || a.name.toLowerCase().includes(q)) &&
          (f.after === undefined || a.code > f.after),
      )
      .sort((x, y) => (x.code < y.code ? -1 : 1))
      .slice(0, f.limit)
      .map(clone);
  }

  async subtree(code: string, depth: number): Promise<SubtreeRow[]> {
    const out: SubtreeRow[] = [];
    let level = [code];
    for (let d = 1; d <= depth && level.length; d++) {
      const next = [...this.state.agencies.values()].filter((a) => a.parentCode !== null && level.includes(a.parentCode)).sort((x, y) => (x.code < y.code ? -1 : 1));
      out.push(...next.map((a) => ({ ...clone(a), depth: d })));
      level = next.map((a) => a.code);
    }
    return out;
  }

  async history(code: string, opts: { afterSeq?: number; limit: number }): Promise<RecordedChange[]> {
    return clone(this.state.changes.filter((c) => c.agencyCode === code && c.seq > (opts.afterSeq ?? 0)).slice(0, opts.limit));
  }

  async historyAt(code: string, at: string): Promise<RecordedChange | null> {
    const t = Date.parse(at);
    const hits = this.state.changes.filter((c) => c.agencyCode === code && Date.parse(c.at) <= t);
    hits.sort((x, y) => Date.parse(x.at) - Date.parse(y.at) || x.seq - y.seq);
    return hits.length ? clone(hits[hits.length - 1]!) : null;
  }

  async countAgencies(): Promise<number> {
    return new Set(this.state.changes.map((c) => c.agencyCode)).size;
  }

  async rewindOutbox(): Promise<void> {
    this.publishedSeq = 0;
  }

  async drainOutbox(limit: number, publish: (changes: RecordedChange[]) => Promise<void>): Promise<number> {
    const pending = this.state.changes.filter((c) => c.seq > this.publishedSeq).slice(0, limit);
    if (pending.length === 0) return 0;
    await publish(clone(pending));
    this.publishedSeq = pending[pending.length - 1]!.seq;
    return pending.length;
  }
}

class InMemoryTx implements RegistryTx {
  constructor(private readonly s: State) {}

  async findAgencies(codes: readonly string[]): Promise<Map<string, Agency>> {
    const out = new Map<string, Agency>();
    for (const c of codes) {
      const a = this.s.agencies.get(c);
      if (a) out.set(c, clone(a));
    }
    return out;
  }

  async findKeys(codes: readonly string[]): Promise<Map<string, AgencyKey[]>> {
    const out = new Map<string, AgencyKey[]>();
    for (const c of codes) {
      const k = this.s.keys.get(c);
      if (k?.length) out.set(c, clone(k));
    }
    return out;
  }

  async childrenOf(codes: readonly string[]): Promise<Agency[]> {
    return [...this.s.agencies.values()].filter((a) => a.parentCode !== null && codes.includes(a.parentCode)).map(clone);
  }

  async insertAgencies(rows: readonly Agency[]): Promise<void> {
    for (const a of rows) {
      if (this.s.agencies.has(a.code)) throw new Error(`duplicate key value violates unique constraint "agencies_pkey" (${a.code})`);
      if (a.parentCode && !this.s.agencies.has(a.parentCode)) throw new Error(`foreign key violation: parent ${a.parentCode}`);
      this.s.agencies.set(a.code, clone(a));
    }
  }

  async updateAgencies(rows: readonly Agency[]): Promise<void> {
    for (const a of rows) {
      if (!this.s.agencies.has(a.code)) throw new Error(`update of missing agency ${a.code}`);
      this.s.agencies.set(a.code, clone(a));
    }
  }

  async insertKey(key: AgencyKey): Promise<void> {
    const list = this.s.keys.get(key.agencyCode) ?? [];
    if (list.some((k) => k.keyId === key.keyId)) throw new Error(`duplicate key ${key.kid}`);
    this.s.keys.set(key.agencyCode, [...list, clone(key)]);
  }

  async revokeKey(agencyCode: string, keyId: string, revokedAt: string, reason: string): Promise<void> {
    const list = this.s.keys.get(agencyCode) ?? [];
    this.s.keys.set(
      agencyCode,
      list.map((k) => (k.keyId === keyId ? { ...k, revokedAt, revokedReason: reason } : k)),
    );
  }

  async appendChanges(changes: readonly RegistryChange[]): Promise<void> {
    let seq = this.s.changes.length ? this.s.changes[this.s.changes.length - 1]!.seq : 0;
    for (const c of changes) this.s.changes.push({ ...clone(c), seq: ++seq });
  }
}
