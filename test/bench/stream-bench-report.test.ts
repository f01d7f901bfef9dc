// Unit tests for the stream benchmark's tables (pure, no sockets): like-for-like figures only from
// runs where both servers admitted everyone, ratios taken per pair, the burst without CPU.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LoadtestSummary } from './loadtest.ts';
import type { ServerKey } from './stream-bench-plan.ts';
import { burstTable, equalLoadTable, fmtRatio, fmtSpread, markdownReport, spread } from './stream-bench-report.ts';
import type { RunRecord, ServerResult } from './stream-bench-report.ts';

const HEADER = ['Machine: 2 × Test CPU; icecast2 2.4.4, ffmpeg 5.1.  ', 'Commit abc1234, 2026-12-02 10:00 UTC.'];

function result(f: { admitted: number; unserved?: number; cpuPerLh?: number; peakRss?: number; ttfbP50?: number }): ServerResult {
  const load = {
    admitted: f.admitted,
    failed: 0,
    dropped: 0,
    unserved: f.unserved ?? 0,
    unservedConnecting: 0,
    holdS: 30,
    connectMs: { count: f.admitted, p50: 1, p95: 2, p99: 3, max: 4 },
    ttfbMs: { count: f.admitted, p50: f.ttfbP50 ?? 1, p95: 2, p99: 3, max: 4 },
    steadyKiBps: { count: f.admitted, mean: 15.6, p1: 15.5, p5: 15.5, p50: 15.6 },
    probeBytesPerRead: 1400,
    probeReadsPerSecond: 11,
    loadtest: { wallSeconds: 40, cpuSeconds: 3, cpuPercentOfOneCore: 7, maxRssMiB: 80, loopDelayMs: { p50: 1, p99: 12, max: 20 } },
  } as unknown as LoadtestSummary;
  return {
    server: '',
    load,
    serverCpuSeconds: 1,
    serverCpuPerListenerHour: f.cpuPerLh ?? 0.5,
    serverHoldCpuPercent: 10,
    serverIdleCpuPercent: 1,
    serverRssBeforeMiB: 17,
    serverPeakRssMiB: f.peakRss ?? 20,
    machineHoldBusyPercent: 30,
    machineHoldStealPercent: 0,
    otherHoldCpuPercent: 5,
    sourceHoldCpuPercent: 2,
    sourceHoldKiBps: 15.6,
    loadAverageBefore: 1,
    loadtestCpuSeconds: 3,
    loadtestHoldCpuPercent: 7,
    loadtestUserSeconds: 2,
    loadtestSysSeconds: 1,
    tcp: { ListenOverflows: 0, ListenDrops: 0, SyncookiesSent: 0, TCPReqQFullDrop: 0, TCPBacklogDrop: 0, PruneCalled: 0 },
    sourceAliveAtEnd: true,
    phaseSeconds: 40,
  };
}

function rec(kind: 'equal' | 'burst', listeners: number, run: number, server: ServerKey, r: ServerResult | null, error: string | null = null): RunRecord {
  const icecastFirst = run % 2 === 0;
  const position = (server === 'icecast') === icecastFirst ? 0 : 1;
  return { kind, listeners, rampS: kind === 'equal' ? listeners / 100 : 10, holdS: 30, run, server, position, startedAt: '', result: r, error };
}

/** The cells of the row whose label starts with `label`. */
function row(table: string, label: string): string[] {
  const line = table.split('\n').find((l) => l.startsWith(`| ${label}`));
  assert.ok(line !== undefined, `no row "${label}" in\n${table}`);
  return line.split('|').slice(2, -1).map((c) => c.trim());
}

test('spread: min / median / max of the finite values, the median of an even count is the mean of the middle two', () => {
  assert.deepEqual(spread([3, 1, 2]), { n: 3, min: 1, median: 2, max: 3 });
  assert.deepEqual(spread([4, 1, NaN, 2, 10]), { n: 4, min: 1, median: 3, max: 10 });
  assert.equal(spread([NaN]).n, 0);
  assert.equal(fmtSpread(spread([0.25, 0.5, 0.125]), 3, '×'), '0.125 / 0.250 / 0.500×');
  assert.equal(fmtSpread(spread([5000, 5000]), 0), '5,000');
  assert.equal(fmtSpread(spread([]), 0), '–');
  assert.equal(fmtSpread(spread([0.0071, 0.012, 0.5]), 2, '×', fmtRatio), '0.0071 / 0.012 / 0.50×');
});

test('like-for-like: a run where a server admitted fewer is excluded for both servers and named with its counts', () => {
  const records = [
    rec('equal', 5000, 0, 'icecast', result({ admitted: 5000, cpuPerLh: 0.4, peakRss: 26 })),
    rec('equal', 5000, 0, 'aircheck', result({ admitted: 5000, cpuPerLh: 0.2, peakRss: 200 })),
    rec('equal', 5000, 1, 'aircheck', result({ admitted: 5000, cpuPerLh: 9, peakRss: 900 })),
    rec('equal', 5000, 1, 'icecast', result({ admitted: 4870, unserved: 130, cpuPerLh: 9, peakRss: 900 })),
    rec('equal', 5000, 2, 'icecast', result({ admitted: 5000, cpuPerLh: 0.5, peakRss: 28 })),
    rec('equal', 5000, 2, 'aircheck', result({ admitted: 5000, cpuPerLh: 0.05, peakRss: 210 })),
  ];
  const table = equalLoadTable(records, HEADER);
  assert.match(table, /^### Like-for-like: 5,000 listeners, 50 s ramp \(100 listeners\/s\), hold 30 s/);
  assert.ok(table.includes(HEADER.join('\n')), 'the machine and commit lines are under the title');
  assert.match(table, /Complete pairs: \*\*2 of 3\*\*/);
  assert.doesNotMatch(table, /smoke test/);
  assert.deepEqual(row(table, 'admitted of 5,000, every run'), ['4,870 / 5,000 / 5,000', '5,000', '']);
  // run 2's 9 CPU-s and 900 MiB are nowhere in the figures
  assert.deepEqual(row(table, 'server CPU-s per listener-hour'), ['0.400 / 0.450 / 0.500', '0.050 / 0.125 / 0.200', '0.10 / 0.30 / 0.50×']);
  assert.deepEqual(row(table, 'server peak RSS (VmHWM, MiB)').slice(0, 2), ['26 / 27 / 28', '200 / 205 / 210']);
  assert.match(table, /run 1 \(icecast2 → Aircheck\): CPU-s per listener-hour 0\.400 \/ 0\.200;/);
  assert.match(table, /run 2 \(Aircheck → icecast2\): .* — \*\*excluded\*\*: icecast2 admitted 4,870 of 5,000 \(130 unserved, 0 failed\)/);
  assert.match(table, /Excluded from the figures and ratios above: 1 run/);
});

test('like-for-like ratios are taken within each pair, not as a ratio of medians', () => {
  // medians: icecast2 0.5, Aircheck 0.5 → a ratio of medians would say 1.00×; per pair: 2, 0.25, 1
  const records = [
    rec('equal', 1000, 0, 'icecast', result({ admitted: 1000, cpuPerLh: 0.25 })),
    rec('equal', 1000, 0, 'aircheck', result({ admitted: 1000, cpuPerLh: 0.5 })),
    rec('equal', 1000, 1, 'aircheck', result({ admitted: 1000, cpuPerLh: 0.25 })),
    rec('equal', 1000, 1, 'icecast', result({ admitted: 1000, cpuPerLh: 1 })),
    rec('equal', 1000, 2, 'icecast', result({ admitted: 1000, cpuPerLh: 0.5 })),
    rec('equal', 1000, 2, 'aircheck', result({ admitted: 1000, cpuPerLh: 0.5 })),
  ];
  assert.deepEqual(row(equalLoadTable(records, HEADER), 'server CPU-s per listener-hour')[2], '0.25 / 1.00 / 2.00×');
});

test('a run that failed outright is excluded and its error shown', () => {
  const records = [
    rec('equal', 1000, 0, 'icecast', result({ admitted: 1000 })),
    rec('equal', 1000, 0, 'aircheck', null, 'Aircheck did not start: no "ready" line within 30000 ms'),
  ];
  const table = equalLoadTable(records, HEADER);
  assert.match(table, /Complete pairs: \*\*0 of 1\*\*/);
  assert.match(table, /Only 1 run: a smoke test, not a result/);
  assert.match(table, /excluded\*\*: Aircheck failed: Aircheck did not start/);
  assert.deepEqual(row(table, 'server CPU-s per listener-hour'), ['–', '–', '–']);
});

test('the burst row reports admission and waiting over every run, and no CPU', () => {
  const records = [
    rec('burst', 10000, 0, 'icecast', result({ admitted: 6452, unserved: 3543, ttfbP50: 300 })),
    rec('burst', 10000, 0, 'aircheck', result({ admitted: 10000, ttfbP50: 1.1 })),
    rec('burst', 10000, 1, 'aircheck', result({ admitted: 10000, ttfbP50: 1.3 })),
    rec('burst', 10000, 1, 'icecast', result({ admitted: 5351, unserved: 4600, ttfbP50: 380 })),
  ];
  const table = burstTable(records, HEADER);
  assert.match(table, /^### Admission under a burst: 10,000 listeners started within 10 s, hold 30 s/);
  assert.match(table, /Not a CPU comparison/);
  assert.doesNotMatch(table, /CPU-s|CPU %|RSS/);
  assert.deepEqual(row(table, 'admitted (of 10,000)'), ['5,351 / 5,902 / 6,452', '10,000']);
  assert.deepEqual(row(table, 'unserved at the end'), ['3,543 / 4,072 / 4,600', '0']);
  assert.deepEqual(row(table, 'TTFB p50 (ms)'), ['300.0 / 340.0 / 380.0', '1.1 / 1.2 / 1.3']);
  assert.match(table, /run 2 \(Aircheck → icecast2\): admitted Aircheck 10,000, icecast2 5,351/);
});

test('the report has the like-for-like loads in ascending order, then the burst', () => {
  const records = [
    rec('equal', 5000, 0, 'icecast', result({ admitted: 5000 })),
    rec('equal', 1000, 0, 'icecast', result({ admitted: 1000 })),
    rec('burst', 10000, 0, 'icecast', result({ admitted: 6000 })),
  ];
  const titles = markdownReport(records, HEADER).split('\n').filter((l) => l.startsWith('### '));
  assert.deepEqual(titles.map((t) => t.split(':')[0]! + ':' + (/ ([\d,]+) listeners/.exec(t)?.[1] ?? '')), [
    '### Like-for-like:1,000',
    '### Like-for-like:5,000',
    '### Admission under a burst:10,000',
  ]);
});
