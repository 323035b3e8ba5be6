import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Inject, Injectable } from '@nestjs/common';
import { LtError, isLtError, structuralParent, type Actor, type Agency, type ImportLineError, type ImportResult } from '@lt/contracts';
import type { RegistryChange } from '../../domain/agency';
import { planCreate, planUpdate, type AgencyPatch } from '../../domain/agency-plans';
import { describe, invalid } from '../../domain/input';
import { makeChange, REGISTRY_CONTEXT, type RegistryContext } from '../shared/registry-context';
import { TxAgencyLookup } from '../shared/tx-lookup';
import { CsvParser, type CsvRecord } from './csv-parser';
import { isLineError, readHeader, readRow, type CsvHeader, type ImportRow } from './csv-rows';

export type ImportMode = ImportResult['mode'];
export const IMPORT_MODES: readonly ImportMode[] = ['partial', 'all-or-nothing'];

/** ImportResult plus what the wire needs to stay small and honest. */
export interface ImportReport extends ImportResult {
  /** only the first MAX_REPORTED_ERRORS errors are listed; `failed` is the true count */
  errorsTruncated: boolean;
  /** events published and KV mirrored before the reply (else the outbox retries in the background) */
  published: boolean;
}

export const IMPORT_OPTIONS = Symbol('IMPORT_OPTIONS');
export interface ImportOptions {
  /** sessions idle longer than this are dropped */
  idleMs?: number;
  maxBytes?: number;
  maxRows?: number;
  /** prefix of import ids, naming the replica that holds the session (no `_`) */
  instanceId?: string;
}

/** A replica id: prefix of its import ids and suffix of its own import subject. */
export function newReplicaId(): string {
  return randomBytes(4).toString('hex');
}

export const MAX_REPORTED_ERRORS = 1_000;

export function parseMode(value: unknown): ImportMode {
  if (value === undefined || value === null || value === '') return 'partial';
  if (!IMPORT_MODES.includes(value as ImportMode)) throw invalid('mode', `must be partial or all-or-nothing, got ${describe(value)}`);
  return value as ImportMode;
}

/** Rows and per-line errors read so far from one CSV text, fed in chunks. */
export class CsvImportReader {
  private readonly parser = new CsvParser();
  private header: CsvHeader | undefined;
  readonly rows: ImportRow[] = [];
  readonly errors: ImportLineError[] = [];
  total = 0;
  bytes = 0;

  constructor(private readonly limits: { maxBytes: number; maxRows: number }) {}

  feed(text: string): void {
    this.bytes += Buffer.byteLength(text, 'utf8');
    if (this.bytes > this.limits.maxBytes) {
      throw new LtError('PAYLOAD_TOO_LARGE', `CSV import is larger than ${this.limits.maxBytes} bytes; split the file`, { maxBytes: this.limits.maxBytes });
    }
    this.accept(this.parser.feed(text));
  }

  end(): void {
    this.accept(this.parser.end());
    if (!this.header) throw new LtError('BAD_REQUEST', 'CSV import is empty: the first line must be a header such as code,name,tier,parent_code');
  }

  private accept(records: CsvRecord[]): void {
    for (const r of records) {
      if (!this.header) {
        this.header = readHeader(r);
        continue;
      }
      this.total++;
      if (this.total > this.limits.maxRows) {
        throw new LtError('PAYLOAD_TOO_LARGE', `CSV import has more than ${this.limits.maxRows} rows; split the file`, { maxRows: this.limits.maxRows });
      }
      const row = readRow(this.header, r);
      if (isLineError(row)) this.errors.push(row);
      else this.rows.push(row);
    }
  }
}

interface Session {
  id: string;
  mode: ImportMode;
  actor: Actor;
  reader: CsvImportReader;
  lastActive: number;
  busy: boolean;
}

/**
 * CSV import of agencies: each row follows the create rules (its parent may come earlier in the
 * file); an existing code with identical fields is `unchanged`, with different fields `updated`.
 * Valid rows go in with multi-row statements in one transaction; then one event per change is
 * published and every agency mirrored into KV (through the outbox) before the reply.
 */
@Injectable()
export class ImportAgenciesUseCase {
  private readonly sessions = new Map<string, Session>();
  private sweeper?: NodeJS.Timeout;
  private readonly idleMs: number;
  private readonly limits: { maxBytes: number; maxRows: number };
  readonly instanceId: string;

  constructor(
    @Inject(REGISTRY_CONTEXT) private readonly ctx: RegistryContext,
    @Inject(IMPORT_OPTIONS) opts: ImportOptions = {},
  ) {
    this.idleMs = opts.idleMs ?? 10 * 60_000;
    this.limits = { maxBytes: opts.maxBytes ?? 64 * 1024 * 1024, maxRows: opts.maxRows ?? 200_000 };
    this.instanceId = opts.instanceId ?? newReplicaId();
  }

  start(): void {
    this.sweeper = setInterval(() => this.sweep(), Math.min(30_000, this.idleMs));
    this.sweeper.unref();
  }

  stop(): void {
    clearInterval(this.sweeper);
    this.sessions.clear();
  }

  /** Drops sessions idle for longer than the limit; returns how many. */
  sweep(now = Date.now()): number {
    let n = 0;
    for (const [id, s] of this.sessions) {
      if (!s.busy && now - s.lastActive > this.idleMs) {
        this.sessions.delete(id);
        n++;
      }
    }
    return n;
  }

  begin(actor: Actor, mode: unknown): { importId: string; idleTimeoutMs: number } {
    const id = `${this.instanceId}_${randomBytes(12).toString('hex')}`;
    this.sessions.set(id, { id, mode: parseMode(mode), actor, reader: new CsvImportReader(this.limits), lastActive: Date.now(), busy: false });
    return { importId: id, idleTimeoutMs: this.idleMs };
  }

  /** Feeds the next piece of CSV text (any split: the parser keeps a partial line for the next chunk). */
  chunk(importId: unknown, text: unknown): { received: number; errorsSoFar: number } {
    const s = this.session(importId);
    if (typeof text !== 'string') throw invalid('text', `must be a string of CSV text, got ${describe(text)}`);
    try {
      s.reader.feed(text);
    } catch (err) {
      this.sessions.delete(s.id); // the file as a whole is refused (header, size): the session cannot go on
      throw err;
    }
    s.lastActive = Date.now();
    return { received: s.reader.total, errorsSoFar: s.reader.errors.length };
  }

  async commit(importId: unknown): Promise<ImportReport> {
    const s = this.session(importId);
    if (s.busy) throw new LtError('BAD_REQUEST', `import ${s.id} is already being committed`, { importId: s.id });
    s.busy = true;
    try {
      s.reader.end();
      return await this.apply(s.actor, s.mode, s.reader);
    } finally {
      this.sessions.delete(s.id);
    }
  }

  abort(importId: unknown): { aborted: boolean } {
    return { aborted: typeof importId === 'string' && this.sessions.delete(importId) };
  }

  /** A whole CSV text, or a stream of text chunks (files, HTTP bodies), in one call. */
  async importCsv(actor: Actor, mode: unknown, csv: string | AsyncIterable<string>): Promise<ImportReport> {
    const m = parseMode(mode);
    const reader = new CsvImportReader(this.limits);
    if (typeof csv === 'string') reader.feed(csv);
    else for await (const chunk of csv) reader.feed(chunk);
    reader.end();
    return this.apply(actor, m, reader);
  }

  private session(importId: unknown): Session {
    const s = typeof importId === 'string' ? this.sessions.get(importId) : undefined;
    if (!s) {
      throw new LtError('NOT_FOUND', `import session ${describe(importId)} is unknown or expired (sessions expire after ${Math.round(this.idleMs / 60_000)} minutes idle)`, {
        importId,
      });
    }
    return s;
  }

  private async apply(actor: Actor, mode: ImportMode, reader: CsvImportReader): Promise<ImportReport> {
    const started = performance.now();
    const now = this.ctx.clock.now().toISOString();
    const errors = [...reader.errors];
    const firstLine = new Map<string, number>();
    for (const r of reader.rows) if (!firstLine.has(r.code)) firstLine.set(r.code, r.line);
    for (const e of reader.errors) if (e.agencyCode && !firstLine.has(e.agencyCode)) firstLine.set(e.agencyCode, e.line);
    const failedLine = new Map<string, number>();
    for (const e of reader.errors) if (e.agencyCode) failedLine.set(e.agencyCode, e.line);

    const outcome = await this.ctx.repo.transaction(async (tx) => {
      const lookup = new TxAgencyLookup(tx);
      const wanted = new Set<string>();
      for (const r of reader.rows) {
        wanted.add(r.code);
        if (r.parentCode) wanted.add(r.parentCode);
        const sp = structuralParent(r.code);
        if (sp) wanted.add(sp);
      }
      await lookup.preload(wanted);

      const seen = new Map<string, number>();
      const creates: Agency[] = [];
      const updates = new Map<string, Agency>();
      /** children decided in this file, by parent, for tier changes of existing agencies */
      const newChildren = new Map<string, Set<string>>();
      let unchanged = 0;

      const childrenOf = async (code: string) => {
        const codes = new Set((await tx.childrenOf([code])).map((c) => c.code));
        for (const c of newChildren.get(code) ?? []) codes.add(c);
        const out: Agency[] = [];
        for (const c of codes) {
          const a = await lookup.get(c);
          if (a && a.parentCode === code) out.push(a);
        }
        return out;
      };
      const noteChild = (a: Agency) => {
        if (!a.parentCode) return;
        const set = newChildren.get(a.parentCode) ?? new Set<string>();
        set.add(a.code);
        newChildren.set(a.parentCode, set);
      };

      for (const row of reader.rows) {
        try {
          const earlier = seen.get(row.code);
          if (earlier !== undefined) {
            throw new LtError('DUPLICATE', `agency ${row.code} already appears on line ${earlier} of this file`, { code: row.code, line: earlier });
          }
          seen.set(row.code, row.line);
          const existing = await lookup.get(row.code);
          if (!existing) {
            const agency = await planCreate(lookup, { code: row.code, name: row.name, tier: row.tier, parentCode: row.parentCode, contact: row.contact }, now);
            lookup.set(agency);
            noteChild(agency);
            creates.push(agency);
            continue;
          }
          // an empty parent_code keeps an existing agency where it is
          const patch: AgencyPatch = { name: row.name, tier: row.tier, contact: row.contact, ...(row.parentCode ? { parentCode: row.parentCode } : {}) };
          const next = await planUpdate(lookup, existing, patch, now, () => childrenOf(row.code));
          if (!next) {
            unchanged++;
            continue;
          }
          lookup.set(next);
          noteChild(next);
          updates.set(next.code, next);
        } catch (err) {
          if (!isLtError(err)) throw err;
          if (err.code !== 'DUPLICATE') failedLine.set(row.code, row.line);
          errors.push({ line: row.line, code: err.code, message: explain(err, row, firstLine, failedLine), agencyCode: row.code });
        }
      }

      if (mode === 'all-or-nothing' && errors.length > 0) {
        return { created: 0, updated: 0, unchanged, rolledBack: true, changed: false };
      }
      await tx.insertAgencies(creates);
      await tx.updateAgencies([...updates.values()]);
      const keys = await tx.findKeys([...updates.keys()]);
      const changes: RegistryChange[] = [
        ...creates.map((a) => makeChange(this.ctx, 'registry.agency.created', actor, a, [], now)),
        ...[...updates.values()].map((a) => makeChange(this.ctx, 'registry.agency.updated', actor, a, keys.get(a.code) ?? [], now)),
      ];
      await tx.appendChanges(changes);
      return { created: creates.length, updated: updates.size, unchanged, rolledBack: false, changed: changes.length > 0 };
    });

    const published = outcome.changed ? await this.ctx.outbox.flushQuietly() : true;
    errors.sort((a, b) => a.line - b.line);
    return {
      mode,
      total: reader.total,
      created: outcome.created,
      updated: outcome.updated,
      unchanged: outcome.unchanged,
      failed: errors.length,
      errors: errors.slice(0, MAX_REPORTED_ERRORS),
      errorsTruncated: errors.length > MAX_REPORTED_ERRORS,
      rolledBack: outcome.rolledBack,
      published,
      durationMs: Math.round(performance.now() - started),
    };
  }
}

/** Adds what only the file knows: a parent that failed on its own line, or that comes later. */
function explain(err: LtError, row: ImportRow, firstLine: Map<string, number>, failedLine: Map<string, number>): string {
  const parentless = err.code === 'TIER_MISMATCH' && err.details?.parentCode === null;
  if (err.code !== 'UNKNOWN_PARENT' && !parentless) return err.message;
  const parent = row.parentCode ?? structuralParent(row.code);
  if (!parent) return err.message;
  const failed = failedLine.get(parent);
  if (failed !== undefined && failed !== row.line) return `${err.message} (parent ${parent} failed on line ${failed})`;
  const at = firstLine.get(parent);
  if (at !== undefined && at > row.line) return `${err.message} (parent ${parent} comes later, on line ${at}: parents must come before their children)`;
  return err.message;
}
