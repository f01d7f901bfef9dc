// Unit tests for loadtest's argument parsing (pure, no sockets).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseLoadtestArgs } from './loadtest-args.ts';

const LIMITS = { fdLimit: 20_000, ephemeralPorts: 28_232 };

test('a full command line becomes options with the token in the query', () => {
  const r = parseLoadtestArgs(['http://127.0.0.1:8000/live?x=1', '-n', '500', '-r', '2.5', '-d', '7', '--icy', '--token', 'a b', '--json', 'out.json'], LIMITS);
  assert.equal(r.kind, 'ok');
  if (r.kind !== 'ok') return;
  assert.equal(r.options.host, '127.0.0.1');
  assert.equal(r.options.port, 8000);
  assert.equal(r.options.target, '/live?x=1&token=a%20b');
  assert.equal(r.options.listeners, 500);
  assert.equal(r.options.rampS, 2.5);
  assert.equal(r.options.holdS, 7);
  assert.equal(r.options.icy, true);
  assert.equal(r.options.jsonFile, 'out.json');
  assert.equal(r.options.workers, 1);
  assert.equal(r.options.readEveryMs, 1000);
});

test('long flags with = and the default worker count for a large load', () => {
  const r = parseLoadtestArgs(['--listeners=10000', '--read-every=0', 'http://localhost:9/m'], LIMITS);
  assert.equal(r.kind, 'ok');
  if (r.kind !== 'ok') return;
  assert.equal(r.options.listeners, 10_000);
  assert.equal(r.options.workers, 2);
  assert.equal(r.options.readEveryMs, 0);
  assert.equal(r.options.target, '/m');
});

test('every problem is reported together, each naming the flag, the value and the fix', () => {
  const r = parseLoadtestArgs(['-n', 'many', '-r', '-3', '--workers', '99', '--bogus', 'ftp://h/x'], LIMITS);
  assert.equal(r.kind, 'error');
  if (r.kind !== 'error') return;
  assert.equal(r.problems.length, 5);
  assert.match(r.problems[0]!, /^-n "many" is not a whole number from 1 to 1000000: e\.g\. -n 1000/);
  assert.match(r.problems[1]!, /^-r "-3" is not a number of seconds \(from 0, at most 3600\): e\.g\. -r 10/);
  assert.match(r.problems[2]!, /^--workers "99" is not a whole number from 1 to 8: e\.g\. --workers 2/);
  assert.match(r.problems[3]!, /^unknown flag "--bogus"/);
  assert.match(r.problems[4]!, /uses ftp:.*only plain http/);
});

test('a missing value, a missing URL and a URL without a mount are explained', () => {
  const r1 = parseLoadtestArgs(['http://h:1/live', '-d'], LIMITS);
  assert.deepEqual(r1.kind === 'error' && r1.problems, ['-d needs a value: write it after the flag, e.g. -d 30']);
  const r2 = parseLoadtestArgs(['-n', '5'], LIMITS);
  assert.match(r2.kind === 'error' ? r2.problems[0]! : '', /^no URL given/);
  const r3 = parseLoadtestArgs(['http://h:1/'], LIMITS);
  assert.match(r3.kind === 'error' ? r3.problems[0]! : '', /has no mount path: add the mount, e.g. http:\/\/h:1\/live/);
});

test('more listeners than file descriptors or ephemeral ports is refused with the limit named', () => {
  const r = parseLoadtestArgs(['http://h:1/live', '-n', '30000'], LIMITS);
  assert.equal(r.kind, 'error');
  if (r.kind !== 'error') return;
  assert.match(r.problems[0]!, /limit \(ulimit -n\) is 20000: use -n 19936 or less/);
  assert.match(r.problems[1]!, /28232 ephemeral ports/);
});

test('--help wins over everything else', () => {
  assert.equal(parseLoadtestArgs(['-n', 'x', '--help'], LIMITS).kind, 'help');
});
