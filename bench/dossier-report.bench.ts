/**
 * Dossier reports over 1,000,000 dossiers (100 communes and 10 districts, one year), through the
 * report use case and its SQL aggregates, against a raw `SELECT count(*)` baseline measured in the
 * same run. Numbers, not pass/fail.
 *   npm run bench:dossier-report        (builds, then runs dist/bench/dossier-report.bench.js)
 * Needs PostgreSQL (TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres; a
 * throwaway lt_test_* database is created and dropped). BENCH_ROWS sets the dossier count,
 * BENCH_RUNS the runs per query (median and best are printed); BENCH_KEEP=1 keeps the database.
 */
import { performance } from 'node:perf_hooks';
import type { DossierReport, DossierReportQuery } from '@lt/contracts';
import { createTestDatabase, type TestDatabase } from '@lt/database';
import { FixedClock } from '@lt/platform';
import { PostgresDossierRepository } from '../apps/dossier/src/adapters/postgres-dossier.repository';
import { DossierReportUseCase } from '../apps/dossier/src/use-cases/dossier-report/dossier-report.use-case';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

/** One year of dossiers: state mix of a busy one-stop system, stored columns as the service writes them. */
const GENERATE = `
  WITH g AS (
    SELECT i, i % 110 AS a, (i / 110) % 365 AS dayoff, (i / (110 * 365)) + 1 AS seq,
           random() AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r5
    FROM generate_series(0, $1::int - 1) AS i
  ), b AS (
    SELECT g.*,
      CASE WHEN a < 100 THEN format('000.%s.%s.H41', lpad((a / 10 + 1)::text, 2, '0'), lpad((a % 10 + 1)::text, 2, '0'))
           ELSE format('000.00.%s.H41', lpad((a - 99)::text, 2, '0')) END AS agency,
      CASE WHEN a < 100 THEN 'commune' ELSE 'district' END AS tier,
      timestamptz '2025-01-01 08:00:00+07' + make_interval(days => dayoff) + make_interval(mins => (r1 * 540)::int) AS received_at,
      CASE WHEN r3 < 0.05 THEN 1 WHEN r3 < 0.10 THEN 3 WHEN r3 < 0.15 THEN 7 WHEN r3 < 0.25 THEN 4 WHEN r3 < 0.30 THEN 5
           WHEN r4 < 0.5 THEN 9 ELSE 10 END AS state
    FROM g
  ), c AS (
    SELECT b.*,
      date_trunc('day', received_at AT TIME ZONE 'Asia/Ho_Chi_Minh') AT TIME ZONE 'Asia/Ho_Chi_Minh'
        + make_interval(days => 3 + (r2 * 25)::int) + interval '1 day' - interval '1 millisecond' AS due_at,
      CASE WHEN state IN (9, 10) THEN received_at + make_interval(hours => 2 + (r5 * 24 * 35)::int) END AS settled_at
    FROM b
  )
  INSERT INTO dossiers (code, procedure_code, receiving_agency, receiving_tier, holder, state, received_at, initial_due_at, due_at,
                        accepted_at, paused_since, settled_at, settled_class, settlement_working_days, closed_at, result_returned_at,
                        next_deadline_at, participants, submit_envelope_id, version, updated_at)
  SELECT agency || '-' || to_char(received_at AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYMMDD') || '-' || lpad(seq::text, 4, '0'),
         CASE WHEN r2 < 0.5 THEN 'DEMO-HT-XNTTHN' ELSE 'DEMO-DD-GCN-LANDAU' END,
         agency, tier, agency, state, received_at, due_at, due_at,
         CASE WHEN state NOT IN (1, 3) THEN received_at + interval '1 hour' END,
         CASE WHEN state = 5 THEN received_at + interval '2 days' END,
         settled_at,
         CASE WHEN settled_at IS NULL THEN NULL
              WHEN (settled_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date < (due_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date THEN 'early'
              WHEN (settled_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date = (due_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date THEN 'on_time'
              ELSE 'late' END,
         CASE WHEN settled_at IS NOT NULL THEN 1 + (r5 * 24)::int END,
         CASE WHEN state IN (3, 7) THEN received_at + interval '3 hours' END,
         CASE WHEN state = 10 THEN settled_at + interval '1 day' END,
         CASE WHEN state IN (1, 2, 4, 5, 6, 8) THEN due_at END,
         ARRAY[agency]::varchar[], gen_random_uuid(), 3,
         COALESCE(CASE WHEN state = 10 THEN settled_at + interval '1 day' END, settled_at,
                  CASE WHEN state IN (3, 7) THEN received_at + interval '3 hours' END,
                  CASE WHEN state = 5 THEN received_at + interval '2 days' END, received_at + interval '1 hour')
  FROM c`;

/** Paused dossiers have an open pause; one settled dossier in five had a pause of two days. */
const PAUSES = `
  INSERT INTO dossier_pauses (dossier_code, seq, state, started_at, ended_at, working_days, due_at_after)
  SELECT code, 0, 5, received_at + interval '1 day',
         CASE WHEN state = 5 THEN NULL ELSE received_at + interval '3 days' END,
         CASE WHEN state = 5 THEN NULL ELSE 2 END,
         CASE WHEN state = 5 THEN NULL ELSE due_at END
  FROM dossiers WHERE state = 5 OR (state IN (9, 10) AND abs(hashtext(code)) % 5 = 0)`;

function ms(t0: number): number {
  return Math.round((performance.now() - t0) * 10) / 10;
}

async function time(runs: number, fn: () => Promise<unknown>): Promise<{ best: number; median: number }> {
  await fn(); // warm the cache and the plan
  const xs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    xs.push(ms(t0));
  }
  xs.sort((a, b) => a - b);
  return { best: xs[0]!, median: xs[Math.floor(xs.length / 2)]! };
}

async function main(): Promise<void> {
  let db: TestDatabase | undefined;
  try {
    db = await createTestDatabase();
    const [{ version }] = await db.ds.query(`SELECT current_setting('server_version') AS version`);
    console.log(
      `dossier reports over ${ROWS.toLocaleString('en')} dossiers; PostgreSQL ${version}, node ${process.version}, ${RUNS} runs per line (after one warm-up)`,
    );

    let t0 = performance.now();
    await db.ds.query(GENERATE, [ROWS]);
    const insertMs = ms(t0);
    t0 = performance.now();
    await db.ds.query(PAUSES);
    const pausesMs = ms(t0);
    t0 = performance.now();
    await db.ds.query(`VACUUM ANALYZE dossiers`);
    await db.ds.query(`VACUUM ANALYZE dossier_pauses`);
    const [{ pauses }] = await db.ds.query(`SELECT count(*)::int AS pauses FROM dossier_pauses`);
    const [{ size }] = await db.ds.query(`SELECT pg_size_pretty(pg_total_relation_size('dossiers')) AS size`);
    console.log(
      `insert ${insertMs} ms (${Math.round(ROWS / (insertMs / 1000)).toLocaleString('en')} rows/s, generate_series), ${pauses.toLocaleString('en')} pauses ${pausesMs} ms, vacuum analyze ${ms(t0)} ms; table + indexes ${size}`,
    );

    const baseline = await time(RUNS, () => db!.ds.query(`SELECT count(*) FROM dossiers`));
    console.log(
      `${'baseline: SELECT count(*) FROM dossiers'.padEnd(64)} median ${String(baseline.median).padStart(7)} ms  best ${String(baseline.best).padStart(7)} ms`,
    );

    const clock = new FixedClock(new Date('2026-01-15T03:00:00.000Z'));
    const report = new DossierReportUseCase({ repo: new PostgresDossierRepository(db.ds), clock });
    const cases: Array<[string, DossierReportQuery]> = [
      ['whole year, every agency', { from: '2025-01-01', to: '2025-12-31' }],
      ['whole year, every agency, as of 30 June (history path)', { from: '2025-01-01', to: '2025-12-31', asOf: '2025-06-30T10:00:00.000Z' }],
      ['whole year, grouped by agency (110 groups)', { from: '2025-01-01', to: '2025-12-31', groupBy: 'agency' }],
      ['whole year, grouped by tier', { from: '2025-01-01', to: '2025-12-31', groupBy: 'tier' }],
      ['one quarter, commune tier', { from: '2025-04-01', to: '2025-06-30', tier: 'commune' }],
      ['whole year, one commune', { from: '2025-01-01', to: '2025-12-31', agency: '000.01.01.H41' }],
      ['one month, one district', { from: '2025-03-01', to: '2025-03-31', agency: '000.00.01.H41' }],
    ];
    for (const [name, q] of cases) {
      const t = await time(RUNS, () => report.execute(q));
      const r = (await report.execute(q)) as DossierReport & { groups?: unknown[] };
      const summary = r.groups
        ? `${r.groups.length} groups`
        : `received ${r.received}, settled ${r.settled.total}, on time ${(100 * (r.onTimeRate ?? 0)).toFixed(1)}%, p90 ${r.settlementWorkingDays.p90}`;
      console.log(`${name.padEnd(64)} median ${String(t.median).padStart(7)} ms  best ${String(t.best).padStart(7)} ms  (${summary})`);
    }
  } finally {
    if (process.env.BENCH_KEEP && db) console.log(`kept database ${db.name} (BENCH_KEEP)`);
    else await db?.drop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
