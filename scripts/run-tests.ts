// npm test's runner, after the setup.
//
// Checks: the type-check (`npm run typecheck`) and the lint (`npm run lint`) run beside phase 2 at
// the lowest CPU priority (nice 19): they take the cycles its real-time part leaves idle (it keeps a
// core mostly free), not the tests' own, so they add almost no wall time (beside phase 1, whose unit
// tests keep both cores busy, they slowed it by ~15 s). A check that fails is printed as soon as it
// ends and fails the run.
//
// Phase 1: the unit tests (every *.test.ts outside test/e2e and test/integration) in one
// `node --test`, two files at a time: they are CPU-bound and short.
//
// Phase 2: the integration and browser files, each in its own `node --test`, scheduled by the load
// it puts on this 2-core machine. A file says its load in a header comment `// test-load: <class> [~<seconds>s]`:
//   realtime  a test whose figures are real time (glass-to-glass latency, stalls, beeps and pauses
//             after a cut): run one at a time, first, with at most one light file beside it
//   browser   any other browser test (the default in test/e2e): weight 1
//   heavy     a CPU-bound integration test (ladders, 1,000 connections, many processes): weight 1
//   light     an integration test that mostly waits on real time (the default in test/integration): ½
// Once the realtime files are done, files run while their weights add up to at most 2, three at most.
// The longest (the `~<seconds>s` hint, 20 s without one) start first, so the run does not end with
// one long file alone. The run fails if any file fails.
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const NODE = process.execPath;
const TIMEOUT = ['--test-timeout=240000'];
/** Beside a realtime file: its weight plus one light file. */
const REALTIME_CAPACITY = 2;
/**
 * Otherwise: two browser or heavy files, or one and two light ones. More does not finish sooner:
 * the suite keeps both cores busy (Chromium, Ceph, ffmpeg, icecast2 and the bridges), and files
 * beside more files only take longer and miss their real-time bounds.
 */
const CAPACITY = 2;
const MAX_FILES = 3;
const WEIGHT = { realtime: 1.5, browser: 1, heavy: 1, light: 0.5 } as const;
type Load = keyof typeof WEIGHT;

interface Planned {
  file: string;
  load: Load;
  estimateS: number;
}

interface Done extends Planned {
  ok: boolean;
  seconds: number;
  pass: number;
  fail: number;
  failures: string[];
}

function testFiles(): string[] {
  const out: string[] = [];
  for (const top of ['bridge', 'shared', 'config', 'studio', 'station', 'console', 'recordings', 'test']) {
    let names: string[];
    try {
      names = readdirSync(join(ROOT, top), { recursive: true }) as string[];
    } catch {
      continue;
    }
    for (const name of names) {
      const path = join(top, name);
      if (path.endsWith('.test.ts') && !path.split(sep).includes('node_modules')) out.push(path.split(sep).join('/'));
    }
  }
  return out.sort();
}

const isPhase2 = (file: string) => file.startsWith('test/e2e/') || file.startsWith('test/integration/');

/** The file's `// test-load:` header, or its folder's default. */
export function planOf(file: string, text: string): Planned {
  const m = /^\/\/ test-load: (\w+)(?: ~(\d+)s)?\s*$/m.exec(text.split('\n').slice(0, 40).join('\n'));
  const fallback: Load = file.startsWith('test/e2e/') ? 'browser' : 'light';
  if (m && !(m[1]! in WEIGHT)) throw new Error(`${file}: test-load "${m[1]}" is none of ${Object.keys(WEIGHT).join(', ')}`);
  return { file, load: (m?.[1] as Load | undefined) ?? fallback, estimateS: m?.[2] ? Number(m[2]) : 20 };
}

/** Runs one `node --test` over files; resolves with its exit status and buffered output. */
function runNodeTest(args: string[], onOutput?: (chunk: string) => void): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(NODE, ['--test', '--test-reporter=tap', ...TIMEOUT, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const take = (d: Buffer) => {
      const s = d.toString('utf8');
      out += s;
      onOutput?.(s);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', (err) => {
      out += `\n# could not start node --test: ${err.message}\n`;
    });
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), out }));
  });
}

function counts(out: string): { pass: number; fail: number; failures: string[] } {
  const num = (name: string) => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(out)?.[1] ?? 0);
  const failures = [...out.matchAll(/^(?: {4})*not ok \d+ - (.*)$/gm)].map((m) => m[1]!);
  return { pass: num('pass'), fail: num('fail'), failures };
}

async function phase2(plan: Planned[], log: (s: string) => void): Promise<Done[]> {
  // Realtime files first, back to back with light ones beside them; then the rest, longest first.
  const rank = (p: Planned) => (p.load === 'realtime' ? 0 : 1);
  const queue = [...plan].sort((a, b) => rank(a) - rank(b) || b.estimateS - a.estimateS || a.file.localeCompare(b.file));
  const running = new Map<string, Planned>();
  const done: Done[] = [];
  return new Promise((resolve) => {
    const used = () => [...running.values()].reduce((n, p) => n + WEIGHT[p.load], 0);
    const realtimeRunning = () => [...running.values()].some((p) => p.load === 'realtime');
    const fill = () => {
      for (let i = 0; i < queue.length && running.size < MAX_FILES; ) {
        const p = queue[i]!;
        // Beside a realtime file only light ones; a realtime file waits until it fits.
        const capacity = realtimeRunning() || p.load === 'realtime' ? REALTIME_CAPACITY : CAPACITY;
        const fits = used() + WEIGHT[p.load] <= capacity && !(realtimeRunning() && p.load !== 'light');
        // A realtime file that does not fit yet holds the queue: the files running drain until it does.
        if (!fits && p.load === 'realtime' && !realtimeRunning()) break;
        if (!fits) {
          i++;
          continue;
        }
        queue.splice(i, 1);
        start(p);
      }
      if (!queue.length && !running.size) resolve(done);
    };
    const start = (p: Planned) => {
      running.set(p.file, p);
      const t0 = performance.now();
      void runNodeTest([p.file]).then(({ code, out }) => {
        running.delete(p.file);
        const seconds = (performance.now() - t0) / 1000;
        const c = counts(out);
        const d: Done = { ...p, ok: code === 0, seconds, ...c };
        done.push(d);
        log(`# ── ${p.file} (${p.load}): ${d.ok ? 'ok' : `FAILED (exit ${code})`} in ${seconds.toFixed(1)} s, ${c.pass} passed, ${c.fail} failed\n${out.trimEnd()}\n`);
        fill();
      });
    };
    fill();
  });
}

interface CheckResult {
  name: string;
  ok: boolean;
  seconds: number;
  out: string;
}

/** Runs a command at nice 19; resolves with its status and output. */
function runNiced(name: string, command: string[]): Promise<CheckResult> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn('nice', ['-n', '19', ...command], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => void (out += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => void (out += d.toString('utf8')));
    child.on('error', (err) => void (out += `could not start ${command.join(' ')}: ${err.message}\n`));
    child.on('close', (code) => resolve({ name, ok: code === 0, seconds: (performance.now() - t0) / 1000, out }));
  });
}

/** The type-check, then the lint, one after the other at the lowest priority, each reported when it ends. */
export async function checks(write: (s: string) => void): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const [name, command] of [
    ['typecheck', [NODE, join(ROOT, 'scripts', 'typecheck.ts')]],
    ['lint', [join(ROOT, 'node_modules', '.bin', 'eslint'), '--max-warnings', '0', '.']],
  ] as const) {
    const r = await runNiced(name, [...command]);
    write(`# check ${name}: ${r.ok ? 'ok' : 'FAILED'} in ${r.seconds.toFixed(1)} s (beside the tests, nice 19)\n${r.ok ? '' : r.out}`);
    results.push(r);
  }
  return results;
}

async function main(): Promise<number> {
  const t0 = performance.now();
  const files = testFiles();
  const units = files.filter((f) => !isPhase2(f));
  const plan = files.filter(isPhase2).map((f) => planOf(f, readFileSync(join(ROOT, f), 'utf8')));
  const write = (s: string) => process.stdout.write(s);

  write(`# phase 1: ${units.length} unit test files, two at a time\n`);
  const unit = await runNodeTest(['--test-concurrency=2', ...units], write);
  const unitCounts = counts(unit.out);
  write(`# phase 1: ${unit.code === 0 ? 'ok' : `FAILED (exit ${unit.code})`} in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);

  // From here: the unit tests keep both cores busy, the real-time phase that starts now does not.
  const checked = checks(write);
  const byLoad = (l: Load) => plan.filter((p) => p.load === l).length;
  write(`# phase 2: ${plan.length} integration and browser files (${(Object.keys(WEIGHT) as Load[]).map((l) => `${byLoad(l)} ${l}`).join(', ')}), by load\n`);
  const t1 = performance.now();
  const done = await phase2(plan, write);

  const checkResults = await checked;
  const failed = done.filter((d) => !d.ok);
  const pass = unitCounts.pass + done.reduce((n, d) => n + d.pass, 0);
  const fail = unitCounts.fail + done.reduce((n, d) => n + d.fail, 0);
  write(`\n# ════ summary\n# phase 1 (units): ${unitCounts.pass} passed, ${unitCounts.fail} failed\n`);
  write(`# phase 2: ${((performance.now() - t1) / 1000).toFixed(0)} s; the longest files:\n`);
  for (const d of [...done].sort((a, b) => b.seconds - a.seconds).slice(0, 12)) write(`#   ${d.seconds.toFixed(0).padStart(4)} s  ${d.file} (${d.load}, hint ~${d.estimateS}s)\n`);
  write(`# tests passed ${pass}, failed ${fail}; wall ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
  for (const c of checkResults) write(`# check ${c.name}: ${c.ok ? 'ok' : 'FAILED (its output is above)'} in ${c.seconds.toFixed(0)} s\n`);
  for (const f of unitCounts.failures) write(`# failed (unit): ${f}\n`);
  for (const d of failed) {
    write(`# failed: ${d.file}${d.failures.length ? '' : ' (the file itself: see its output above)'}\n`);
    for (const f of d.failures) write(`#   not ok - ${f}\n`);
  }
  return unit.code === 0 && failed.length === 0 && checkResults.every((c) => c.ok) ? 0 : 1;
}

if (process.argv[1] && relative(process.argv[1], fileURLToPath(import.meta.url)) === '') {
  main().then((code) => process.exit(code), (err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
