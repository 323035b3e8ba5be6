import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { uuidv7 } from '@lt/contracts';
import { HandledRegister } from './handled-register';

const HOUR = 3_600_000;
const NOW = Date.parse('2026-11-22T08:00:00.000Z');

describe('HandledRegister', () => {
  let dir: string;
  let file: string;
  let now: number;
  const open = (limit = 100) => HandledRegister.open({ file, limit, maxAgeMs: 24 * HOUR, now: () => now });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lt-handled-'));
    file = join(dir, 'state', 'handled.jsonl');
    now = NOW;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('remembers ids across a reopen of the same file (an application restart)', () => {
    const ids = [uuidv7(), uuidv7()];
    const first = open();
    for (const id of ids) first.add(id, NOW - HOUR);
    first.close();

    const second = open();
    expect(ids.map((id) => second.has(id))).toEqual([true, true]);
    expect(second.has(uuidv7())).toBe(false);
    second.close();
  });

  it('forgets ids issued before the window when it opens: those copies are refused anyway', () => {
    const old = uuidv7();
    const recent = uuidv7();
    const r = open();
    r.add(old, NOW - 23 * HOUR);
    r.add(recent, NOW - HOUR);
    r.close();
    now = NOW + 2 * HOUR; // `old` is now 25 h old
    const again = open();
    expect([again.has(old), again.has(recent)]).toEqual([false, true]);
    again.close();
    // and the file was rewritten without it
    expect(readFileSync(file, 'utf8')).not.toContain(old);
  });

  it('keeps at most `limit` ids, the oldest going first', () => {
    const ids = Array.from({ length: 5 }, () => uuidv7());
    const r = open(3);
    for (const id of ids) r.add(id, NOW);
    expect(ids.map((id) => r.has(id))).toEqual([false, false, true, true, true]);
    r.close();
    const again = open(3);
    expect(ids.map((id) => again.has(id))).toEqual([false, false, true, true, true]);
    again.close();
  });

  it('skips a line torn by a crash and goes on appending', () => {
    const kept = uuidv7();
    const r = open();
    r.add(kept, NOW);
    r.close();
    appendFileSync(file, '["0190a5b2-torn');
    const again = open();
    expect(again.has(kept)).toBe(true);
    const next = uuidv7();
    again.add(next, NOW);
    again.close();
    const third = open();
    expect(third.has(next)).toBe(true);
    third.close();
  });

  it('rewrites the file when it has grown to twice what it remembers', () => {
    const r = HandledRegister.open({ file, limit: 1_000, maxAgeMs: 24 * HOUR, now: () => now });
    for (let i = 0; i < 3_000; i++) r.add(uuidv7(), NOW);
    r.close();
    const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean).length;
    expect(lines).toBeLessThanOrEqual(2_000);
    expect(lines).toBeGreaterThanOrEqual(1_000);
  });

  it('in memory only without a file', () => {
    const id = uuidv7();
    const r = HandledRegister.open({ limit: 10, maxAgeMs: HOUR, now: () => now });
    r.add(id, NOW);
    expect(r.has(id)).toBe(true);
    expect(HandledRegister.open({ limit: 10, maxAgeMs: HOUR, now: () => now }).has(id)).toBe(false);
  });

  it('refuses a file it cannot read (VALIDATION_FAILED naming it)', () => {
    writeFileSync(join(dir, 'state'), 'a file where the folder should be');
    expect(() => open()).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED', details: { field: 'stateDir', file } }));
  });
});
