import type { ImportResult } from '@lt/contracts';
import { CSV_CASES, type CsvCase } from './corpus';
import { errorCodeOf, HostileHub, rawHttp } from './support';

/**
 * The CSV import (POST /v1/agencies/import, streamed by the gateway to the registry) against the
 * hostile corpus: broken headers and quoting, odd encodings, huge fields and files, formula and SQL
 * injection cells, duplicates and parent cycles. A whole-file problem is refused with its status and
 * stable code; anything else is imported with per-line errors, and what is stored is byte for byte
 * what the file said. One hub (registry and gateway processes) for the whole file.
 */
describe('csv import: hostile files (registry + gateway processes)', () => {
  const hub = new HostileHub();
  let agenciesBefore = 0;
  /** agencies each answered import says it created */
  let reportedCreated = 0;

  beforeAll(async () => {
    await hub.setup();
    await hub.start('registry');
    await hub.start('gateway');
    agenciesBefore = await hub.agencyCount();
  }, 60_000);
  afterAll(() => hub.teardown());

  const pad = (n: number, w: number) => String(n).padStart(w, '0');

  /** n distinct, well-formed commune rows: a file refused for its size, not for its content */
  function generatedRows(n: number): string {
    const lines = ['code,name,tier,parent_code'];
    for (let i = 0; i < n; i++) {
      lines.push(`${pad(1 + Math.floor(i / 9801), 3)}.${pad(1 + (Math.floor(i / 99) % 99), 2)}.${pad(1 + (i % 99), 2)}.H80,Xã số ${i},commune,`);
    }
    return `${lines.join('\n')}\n`;
  }

  function fileOf(c: CsvCase): Buffer {
    const f = c.input.csv;
    if ('text' in f) return Buffer.from(f.text, 'utf8');
    if ('hex' in f) return Buffer.from(f.hex, 'hex');
    return Buffer.from(generatedRows(f.rows), 'utf8');
  }

  it('runs the whole csv corpus (at least 15 cases)', () => {
    expect(CSV_CASES.length).toBeGreaterThanOrEqual(15);
    expect(new Set(CSV_CASES.map((c) => c.id)).size).toBe(CSV_CASES.length);
  });

  it.each(CSV_CASES.map((c) => [c.id, c] as const))(
    '%s',
    async (_id, c) => {
      const r = await rawHttp(
        hub.gatewayUrl,
        'POST',
        `/v1/agencies/import?mode=${c.input.mode ?? 'partial'}`,
        { authorization: `Bearer ${hub.token('admin', 'hostile-csv')}`, 'content-type': c.input.contentType ?? 'text/csv; charset=utf-8' },
        fileOf(c),
      );
      if (r.status === 201) reportedCreated += (r.json as ImportResult).created;
      const got = { status: r.status, code: r.status >= 400 ? (errorCodeOf(r) ?? null) : null };
      if (got.status !== c.expected.status || got.code !== c.expected.code) {
        throw new Error(
          `expected ${JSON.stringify({ status: c.expected.status, code: c.expected.code })}, got ${JSON.stringify(got)}: ${r.text.slice(0, 400)}`,
        );
      }
      if (c.expected.outcome === 'refused') return;
      const report = r.json as ImportResult;
      expect(report.errors.map((e) => [e.line, e.code])).toEqual(c.expected.lines ?? []);
      expect(report.failed).toBe((c.expected.lines ?? []).length);
      expect(report.created).toBe(c.expected.created);
      expect(report.rolledBack).toBe(c.input.mode === 'all-or-nothing' && (c.expected.lines ?? []).length > 0);
      for (const [code, name] of Object.entries(c.expected.stored ?? {})) {
        const a = await hub.http<{ name: string }>('GET', `/v1/agencies/${code}`);
        expect([code, a.status, a.body.name]).toEqual([code, 200, name]);
      }
    },
    60_000,
  );

  it('still answers /health, and no service crashed', async () => {
    const r = await hub.http<{ status: string }>('GET', '/health', { token: null });
    // only the registry and the gateway run here: /health is degraded by the services that do not
    expect(r.body).toMatchObject({ nats: { ok: true }, postgres: { ok: true }, services: { registry: { live: true, ready: true }, gateway: { live: true, ready: true } } });
    expect(hub.deadServices()).toEqual([]);
  });

  it('holds exactly the rows the import reports said they created (refused files left nothing behind)', async () => {
    expect(await hub.agencyCount()).toBe(agenciesBefore + reportedCreated);
  });
});
