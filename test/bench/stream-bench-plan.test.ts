// Unit tests for the stream benchmark's command line and schedule (pure, no sockets).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_RATE_PER_S, RUN_OVERHEAD_S, estimateSeconds, formatDuration, parseStreamBenchArgs, planRuns } from './stream-bench-plan.ts';
import type { StreamBenchOptions } from './stream-bench-plan.ts';

function parse(argv: string[]): StreamBenchOptions {
  const r = parseStreamBenchArgs(argv);
  assert.equal(r.kind, 'ok', r.kind === 'error' ? r.problems.join('\n') : '');
  return (r as { options: StreamBenchOptions }).options;
}

test('no arguments: like-for-like 1,000 and 5,000 at 100 listeners/s, 3 runs, 30 s hold, no burst', () => {
  const o = parse([]);
  assert.deepEqual(o.listeners, [1000, 5000]);
  assert.equal(o.ratePerS, DEFAULT_RATE_PER_S);
  assert.equal(o.runs, 3);
  assert.equal(o.holdS, 30);
  assert.equal(o.burst, null);
  assert.equal(o.only, null);
});

test('the documented command line becomes options; -n and --flag=value work too', () => {
  const o = parse(['--listeners', '1000,5000', '--runs', '4', '--burst', '10000', '--burst-ramp', '10', '--rate=50', '-d', '20', '--json', 'x.json', '--md', 'x.md']);
  assert.deepEqual(o.listeners, [1000, 5000]);
  assert.equal(o.runs, 4);
  assert.equal(o.burst, 10_000);
  assert.equal(o.burstRampS, 10);
  assert.equal(o.ratePerS, 50);
  assert.equal(o.holdS, 20);
  assert.equal(o.jsonFile, 'x.json');
  assert.equal(o.markdownFile, 'x.md');
  assert.deepEqual(parse(['-n', '200']).listeners, [200]);
  assert.equal(parseStreamBenchArgs(['--help']).kind, 'help');
});

test('every problem is reported together, each naming the flag, the value and the fix; the old -r is explained', () => {
  const r = parseStreamBenchArgs(['--listeners', '1000,lots', '--runs', '0', '-r', '10', '--only', 'nginx', '--burst', '--bogus']);
  assert.equal(r.kind, 'error');
  if (r.kind !== 'error') return;
  assert.equal(r.problems.length, 6, r.problems.join('\n'));
  assert.match(r.problems[0]!, /^--listeners "1000,lots" has "lots", not a listener count .*e\.g\. --listeners 1000,5000/);
  assert.match(r.problems[1]!, /^--runs "0" is not a whole number from 1 to 50/);
  assert.match(r.problems[2]!, /^-r is gone: like-for-like loads ramp at --rate .*--burst N --burst-ramp S/);
  assert.match(r.problems[3]!, /^--only "nginx" is not a server: use --only icecast or --only aircheck/);
  assert.match(r.problems[4]!, /^--burst needs a value: .*--burst 10000/);
  assert.match(r.problems[5]!, /^unknown argument "--bogus"/);
});

test('like-for-like ramps are listeners ÷ rate; the burst keeps its own ramp', () => {
  const plan = planRuns(parse(['--listeners', '1000,5000', '--runs', '1', '--burst', '10000']));
  assert.deepEqual(
    plan.map((p) => [p.kind, p.listeners, p.rampS]),
    [
      ['equal', 1000, 10], ['equal', 1000, 10],
      ['equal', 5000, 50], ['equal', 5000, 50],
      ['burst', 10000, 10], ['burst', 10000, 10],
    ],
  );
});

test('servers alternate per run at every load (A B B A A B B A), and each run pairs both servers once', () => {
  const plan = planRuns(parse(['--listeners', '1000,5000', '--runs', '4', '--burst', '10000']));
  assert.equal(plan.length, 4 * 3 * 2);
  for (const [kind, n] of [['equal', 1000], ['equal', 5000], ['burst', 10000]] as const) {
    const seq = plan.filter((p) => p.kind === kind && p.listeners === n);
    assert.deepEqual(
      seq.map((p) => p.server),
      ['icecast', 'aircheck', 'aircheck', 'icecast', 'icecast', 'aircheck', 'aircheck', 'icecast'],
      `${kind} ${n}`,
    );
    for (let run = 0; run < 4; run++) {
      const pair = seq.filter((p) => p.run === run);
      assert.deepEqual(pair.map((p) => p.position), [0, 1]);
      assert.deepEqual(new Set(pair.map((p) => p.server)), new Set(['icecast', 'aircheck']));
    }
  }
  // runs are the outer loop: all of run 0 comes before any of run 1
  const firstOfRun1 = plan.findIndex((p) => p.run === 1);
  assert.ok(plan.slice(firstOfRun1).every((p) => p.run >= 1));
});

test('--only runs one server per load and run', () => {
  const plan = planRuns(parse(['--only', 'icecast', '--listeners', '5000', '--runs', '3']));
  assert.deepEqual(plan.map((p) => [p.server, p.run]), [['icecast', 0], ['icecast', 1], ['icecast', 2]]);
});

test('the estimate is ramp + hold + fixed overhead per server run', () => {
  const plan = planRuns(parse(['--listeners', '1000,5000', '--runs', '3', '--burst', '10000']));
  // per run of each server: (10 + 30) + (50 + 30) + (10 + 30) s, plus overhead, × 2 servers × 3 runs
  assert.equal(estimateSeconds(plan), 6 * (40 + 80 + 40 + 3 * RUN_OVERHEAD_S));
  assert.equal(formatDuration(45), '45 s');
  assert.equal(formatDuration(86), '1 min 26 s');
  assert.equal(formatDuration(1230), '21 min');
  assert.equal(formatDuration(3900), '1 h 5 min');
});
