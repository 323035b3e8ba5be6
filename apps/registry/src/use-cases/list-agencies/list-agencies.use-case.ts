import { Inject, Injectable } from '@nestjs/common';
import { AGENCY_STATUSES, LtError, type Agency, type AgencyStatus, type ListAgenciesQuery, type Page } from '@lt/contracts';
import { asObject, describe, invalid, parseCodeField, rejectUnknownFields } from '../../domain/input';
import { AGENCY_REPOSITORY, type AgencyRepository, type ListFilter } from '../../ports';
import { parseTier } from '../create-agency/create-agency.use-case';

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;

/** Opaque to callers: base64url of `{"after": "<last code of the page>"}`. */
export function encodeCursor(afterCode: string): string {
  return Buffer.from(JSON.stringify({ after: afterCode })).toString('base64url');
}

export function decodeCursor(cursor: unknown): string {
  if (typeof cursor !== 'string' || !/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) throw invalid('cursor', 'is not a cursor returned by this service');
  try {
    const o = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { after?: unknown };
    return parseCodeField(o.after, 'cursor');
  } catch {
    throw invalid('cursor', 'is not a cursor returned by this service');
  }
}

/** Accepts numbers and numeric strings (HTTP query parameters arrive as strings). */
export function parseLimit(value: unknown, max = MAX_LIMIT, fallback = DEFAULT_LIMIT): number {
  if (value === undefined || value === null || value === '') return fallback;
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > max) throw invalid('limit', `must be an integer from 1 to ${max}, got ${describe(value)}`);
  return n;
}

export function parseListQuery(value: unknown): ListFilter {
  const o = value === undefined || value === null ? {} : asObject(value, 'query');
  rejectUnknownFields(o, ['parent', 'tier', 'status', 'q', 'cursor', 'limit'], 'query');
  const f: ListFilter = { limit: parseLimit(o.limit) };
  if (o.parent !== undefined && o.parent !== '') f.parent = parseCodeField(o.parent, 'parent');
  if (o.tier !== undefined && o.tier !== '') f.tier = parseTier(o.tier);
  if (o.status !== undefined && o.status !== '') {
    if (!(AGENCY_STATUSES as readonly unknown[]).includes(o.status)) {
      throw new LtError('VALIDATION_FAILED', `status must be one of ${AGENCY_STATUSES.join(', ')}, got ${describe(o.status)}`, { field: 'status' });
    }
    f.status = o.status as AgencyStatus;
  }
  if (o.q !== undefined && o.q !== '') {
    if (typeof o.q !== 'string' || o.q.length > 200) throw invalid('q', `must be a string of at most 200 characters, got ${describe(o.q)}`);
    f.q = o.q;
  }
  if (o.cursor !== undefined && o.cursor !== '') f.after = decodeCursor(o.cursor);
  return f;
}

/** Keyset pagination on code: stable under concurrent inserts, no OFFSET scans. */
@Injectable()
export class ListAgenciesUseCase {
  constructor(@Inject(AGENCY_REPOSITORY) private readonly repo: AgencyRepository) {}

  async execute(query: ListAgenciesQuery | Record<string, unknown> = {}): Promise<Page<Agency>> {
    const f = parseListQuery(query);
    const rows = await this.repo.list({ ...f, limit: f.limit + 1 });
    const items = rows.slice(0, f.limit);
    const nextCursor = rows.length > f.limit ? encodeCursor(items[items.length - 1]!.code) : null;
    return { items, nextCursor };
  }
}
