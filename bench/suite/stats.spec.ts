import { parseAgencyCode } from '@lt/contracts';
import { loadBenchConfig } from './config';
import { benchDirectory } from './directory';
import { natsServerPort } from './procstat';
import { cpuMsPerUnit } from './report';
import { prng } from './scenarios';
import {
  cpuPercent,
  fmtInt,
  fmtMs,
  fmtRatio,
  parseProcStatTicks,
  parseProcStatusRss,
  parseSchedstatWait,
  percentile,
  progressLine,
  ratio,
  summarize,
  table,
} from './stats';

describe('bench statistics', () => {
  it('takes nearest-rank percentiles of a sorted array', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(xs, 50)).toBe(50);
    expect(percentile(xs, 95)).toBe(95);
    expect(percentile(xs, 99)).toBe(99);
    expect(percentile(xs, 100)).toBe(100);
    expect(percentile(xs, 0)).toBe(1);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });

  it('summarizes unsorted latencies without modifying them', () => {
    const input = [30, 10, 20, 40];
    const s = summarize(input);
    expect(s).toEqual({ count: 4, p50: 20, p95: 40, p99: 40, max: 40, mean: 25 });
    expect(input).toEqual([30, 10, 20, 40]);
    expect(summarize([]).count).toBe(0);
  });

  it('formats ratios, rates and durations', () => {
    expect(ratio(3_000, 12_000)).toBe(0.25);
    expect(ratio(1, 0)).toBeNull();
    expect(fmtRatio(0.2512)).toBe('25.1%');
    expect(fmtRatio(null)).toBe('-');
    expect(fmtInt(12345.6)).toBe('12,346');
    expect(fmtMs(4.25)).toBe('4.3 ms');
    expect(fmtMs(1234.4)).toBe('1,234 ms');
    expect(cpuPercent(50, 100, 1000)).toBe(50);
    expect(cpuMsPerUnit(50, 2000, 1000)).toBe(1);
  });

  it('aligns a table: first column left, the others right', () => {
    expect(
      table([
        ['name', 'n'],
        ['router', '5'],
        ['a', '1,234'],
      ]).split('\n'),
    ).toEqual(['name        n', '------  -----', 'router      5', 'a       1,234']);
  });

  it('draws a progress line and clamps overshoot', () => {
    expect(progressLine(5, 10, 'docs', 10)).toBe('[#####.....]  50% 5/10 docs');
    expect(progressLine(12, 10, 'docs', 4)).toBe('[####] 100% 12/10 docs');
  });

  it('reads utime+stime, VmRSS and run-queue wait from /proc texts', () => {
    // the command name may contain spaces and parentheses
    const stat = '1234 (node (router) x) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 11 0 5000 1000000 2000';
    expect(parseProcStatTicks(stat)).toBe(300);
    expect(parseProcStatusRss('Name:\tnode\nVmRSS:\t  204800 kB\nThreads:\t11\n')).toBe(204800 * 1024);
    expect(parseProcStatusRss('Name:\tzombie\n')).toBe(0);
    expect(parseSchedstatWait('7682390823 10423859974 109504\n')).toBe(10423859974);
    expect(() => parseProcStatTicks('garbage')).toThrow(/unexpected/);
  });

  it('finds the port in a nats-server command line', () => {
    expect(natsServerPort(['/usr/sbin/nats-server', '-a', '127.0.0.1', '-p', '4222', '-js'])).toBe('4222');
    expect(natsServerPort(['nats-server', '-js', '-p', '43657'])).toBe('43657');
    expect(natsServerPort(['nats-server', '--port=14222'])).toBe('14222');
    expect(natsServerPort(['nats-server', '-js'])).toBe('4222');
  });
});

describe('bench directory and settings', () => {
  it('builds about 1,200 agencies across the tiers with a district of 1,000 communes, parents first', () => {
    const dir = benchDirectory(1_000);
    const codes = new Set<string>();
    for (const a of dir.agencies) {
      expect(() => parseAgencyCode(a.code)).not.toThrow();
      expect(codes.has(a.code)).toBe(false);
      if (a.parent) expect(codes.has(a.parent)).toBe(true);
      codes.add(a.code);
    }
    expect(dir.agencies.filter((a) => a.parent === dir.broadcastDistrict && a.tier === 'commune')).toHaveLength(1_000);
    expect(dir.tiers).toEqual({ central: 50, province: 30, district: 19, commune: 1_108 });
  });

  it('reads the knobs, with quick defaults and errors naming the variable', () => {
    expect(loadBenchConfig({}).docs).toBe(30_000);
    expect(loadBenchConfig({ BENCH_QUICK: '1' })).toMatchObject({ quick: true, docs: 3_000, seconds: 5 });
    expect(loadBenchConfig({ BENCH_DOCS: '50_000', BENCH_AUDIT: '0' })).toMatchObject({ docs: 50_000, audit: false });
    expect(() => loadBenchConfig({ BENCH_RATE: 'fast' })).toThrow(/BENCH_RATE/);
    expect(() => loadBenchConfig({ BENCH_AUDIT: 'maybe' })).toThrow(/BENCH_AUDIT/);
  });

  it('reads the connector settings: 1 GB by default, 256 MB when quick, and refuses too few senders for them', () => {
    expect(loadBenchConfig({})).toMatchObject({ connector: true, connDocs: 3_000, connInFlight: 32, connRounds: 3, connAttMb: 1_024 });
    expect(loadBenchConfig({ BENCH_QUICK: '1' })).toMatchObject({ connRounds: 1, connAttMb: 256 });
    expect(loadBenchConfig({ BENCH_CONN_ATT_MB: '0', BENCH_CONN_INFLIGHT: '8' })).toMatchObject({ connAttMb: 0, connInFlight: 8 });
    expect(() => loadBenchConfig({ BENCH_CONN_INFLIGHT: '0' })).toThrow(/BENCH_CONN_INFLIGHT/);
    expect(() => loadBenchConfig({ BENCH_SENDERS: '3' })).toThrow(/BENCH_SENDERS: must be at least 4 for the connector runs/);
    expect(loadBenchConfig({ BENCH_SENDERS: '3', BENCH_CONNECTOR: '0' })).toMatchObject({ senders: 3, connector: false });
  });

  it('draws the same pseudo-random sequence for the same seed', () => {
    const a = prng(7);
    const b = prng(7);
    const xs = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(prng(8)()).not.toBe(xs[0]);
  });
});
