import { Inject, Injectable } from '@nestjs/common';
import { LtError, type Actor, type Page } from '@lt/contracts';
import type { AgencyWithKeys, RegistryChangeType } from '../../domain/agency';
import { asObject, describe, invalid, parseCodeField, parseTime, rejectUnknownFields } from '../../domain/input';
import { AGENCY_REPOSITORY, type AgencyRepository } from '../../ports';
import { parseLimit } from '../list-agencies/list-agencies.use-case';

export interface HistoryEntry {
  seq: number;
  at: string;
  type: RegistryChangeType;
  actor: Actor;
  keyId: string | null;
  eventId: string;
  /** the agency with all its keys right after this change */
  snapshot: AgencyWithKeys;
}

export interface HistoryQuery {
  code: string;
  /** ISO time: answer with the entry in force at that moment */
  at?: string;
  cursor?: string;
  limit?: number;
}

function encodeSeqCursor(seq: number): string {
  return Buffer.from(JSON.stringify({ seq })).toString('base64url');
}

function decodeSeqCursor(cursor: unknown): number {
  try {
    const o = JSON.parse(Buffer.from(String(cursor), 'base64url').toString('utf8')) as { seq?: unknown };
    if (typeof o.seq === 'number' && Number.isInteger(o.seq) && o.seq >= 0) return o.seq;
  } catch {
    // fall through
  }
  throw invalid('cursor', `is not a cursor returned by this service, got ${describe(cursor)}`);
}

/**
 * "What did the directory say about this agency at time T": the snapshot written by the last change
 * at or before T. Without `at`: every change, oldest first, paginated.
 */
@Injectable()
export class AgencyHistoryUseCase {
  constructor(@Inject(AGENCY_REPOSITORY) private readonly repo: AgencyRepository) {}

  async at(code: string, at: string): Promise<HistoryEntry> {
    const c = parseCodeField(code, 'code');
    const t = parseTime(at, 'at');
    const hit = await this.repo.historyAt(c, t);
    if (hit) return toEntry(hit);
    const first = await this.repo.history(c, { limit: 1 });
    if (first.length === 0) throw new LtError('UNKNOWN_AGENCY', `agency ${c} has never been registered`, { code: c });
    throw new LtError('UNKNOWN_AGENCY', `agency ${c} was not registered yet at ${t} (first registered at ${first[0]!.at})`, { code: c, at: t, firstAt: first[0]!.at });
  }

  async list(code: string, cursor?: unknown, limit?: unknown): Promise<Page<HistoryEntry>> {
    const c = parseCodeField(code, 'code');
    const n = parseLimit(limit);
    const after = cursor === undefined || cursor === null || cursor === '' ? 0 : decodeSeqCursor(cursor);
    const rows = await this.repo.history(c, { afterSeq: after, limit: n + 1 });
    if (rows.length === 0 && after === 0) throw new LtError('UNKNOWN_AGENCY', `agency ${c} has never been registered`, { code: c });
    const items = rows.slice(0, n).map(toEntry);
    return { items, nextCursor: rows.length > n ? encodeSeqCursor(items[items.length - 1]!.seq) : null };
  }

  /** One entry point for the RPC: `{code, at}` -> HistoryEntry, `{code, cursor?, limit?}` -> Page<HistoryEntry>. */
  async execute(query: HistoryQuery | Record<string, unknown>): Promise<HistoryEntry | Page<HistoryEntry>> {
    const o = asObject(query, 'query');
    rejectUnknownFields(o, ['code', 'at', 'cursor', 'limit'], 'query');
    if (o.at !== undefined && o.at !== null && o.at !== '') return this.at(o.code as string, o.at as string);
    return this.list(o.code as string, o.cursor, o.limit);
  }
}

function toEntry(c: { seq: number; at: string; type: RegistryChangeType; actor: Actor; keyId: string | null; eventId: string; snapshot: AgencyWithKeys }): HistoryEntry {
  return { seq: c.seq, at: c.at, type: c.type, actor: c.actor, keyId: c.keyId, eventId: c.eventId, snapshot: c.snapshot };
}
