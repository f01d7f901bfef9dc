// The stream benchmark's command line and schedule (pure, no I/O): argv in, checked options out;
// options in, the ordered list of single-server runs and an estimate of how long they take.
// Feeds stream-vs-icecast.ts, which executes the runs; stream-bench-report.ts summarizes them.

import { ArgReader } from './cli-args.ts';

export type ServerKey = 'icecast' | 'aircheck';
export const SERVER_NAMES: Record<ServerKey, string> = { icecast: 'icecast2', aircheck: 'Aircheck' };

export interface StreamBenchOptions {
  /** like-for-like loads: each is ramped at ratePerS so that both servers admit everyone */
  listeners: number[];
  /** listeners started per second in the like-for-like rows */
  ratePerS: number;
  /** runs of each server at each load (paired: run r of icecast2 with run r of Aircheck) */
  runs: number;
  /** the "admission under a burst" row: this many listeners started within burstRampS; null = none */
  burst: number | null;
  burstRampS: number;
  /** seconds every listener is held after the ramp */
  holdS: number;
  only: ServerKey | null;
  icy: boolean;
  /** where the JSON (every run) and the Markdown tables go; null = the default under test-artifacts/ */
  jsonFile: string | null;
  markdownFile: string | null;
  /** passed on to loadtest when set */
  readEveryMs: number | null;
  workers: number | null;
}

/**
 * The default like-for-like rate. icecast2 accepts through a backlog of 5 (compiled in) and one
 * accept per poll, so a fast ramp loses SYNs; measured here (2 cores, 2026-12): 100/s admitted
 * all 5,000 listeners in every run (see test/bench/README.md).
 */
export const DEFAULT_RATE_PER_S = 100;
export const DEFAULT_LISTENERS = [1000, 5000];
export const DEFAULT_RUNS = 3;
export const DEFAULT_HOLD_S = 30;
export const DEFAULT_BURST_RAMP_S = 10;
/** one client address to one server port: loadtest refuses more (ephemeral ports, fd limit) */
const MAX_LISTENERS = 19_936;
const MAX_RUNS = 50;

export const USAGE = `usage: npm run bench:stream -- [--listeners N[,N…]] [--runs R] [--rate L] [--burst N] [options]

Runs Debian's icecast2 2.4.4 and Aircheck on this machine, one at a time, each fed by the same
ffmpeg MP3 source and loaded by loadtest.ts; prints Markdown tables (min / median / max over runs)
and writes every run as JSON.

  --listeners N,N…  like-for-like loads (default ${DEFAULT_LISTENERS.join(',')}); each is started at
                    --rate listeners per second so that icecast2's backlog of 5 admits everyone
  -n N,N…           the same as --listeners
  --runs R          runs of each server at each load (default ${DEFAULT_RUNS}); the order alternates
                    per run (icecast2 first in even runs, Aircheck first in odd ones)
  --rate L          listeners started per second in the like-for-like rows (default ${DEFAULT_RATE_PER_S})
  --burst N         also the "admission under a burst" row: N listeners within --burst-ramp
                    seconds (e.g. --burst 10000); reports admitted, unserved and TTFB, not CPU
  --burst-ramp S    seconds of the burst's ramp (default ${DEFAULT_BURST_RAMP_S})
  -d, --hold S      seconds to hold every listener after its ramp (default ${DEFAULT_HOLD_S})
  --only WHICH      run one server: icecast or aircheck (no ratios)
  --icy             listeners ask for ICY metadata (Icy-MetaData: 1)
  --json FILE       where the JSON with every run goes (default test-artifacts/bench-stream-DATE.json)
  --md FILE         where the Markdown tables go (default: beside the JSON, .md)
  --read-every MS, --workers W   passed on to loadtest (see npm run loadtest -- --help)
`;

export type BenchArgsResult = { kind: 'help' } | { kind: 'ok'; options: StreamBenchOptions } | { kind: 'error'; problems: string[] };

export function parseStreamBenchArgs(argv: readonly string[]): BenchArgsResult {
  const o: StreamBenchOptions = {
    listeners: [...DEFAULT_LISTENERS],
    ratePerS: DEFAULT_RATE_PER_S,
    runs: DEFAULT_RUNS,
    burst: null,
    burstRampS: DEFAULT_BURST_RAMP_S,
    holdS: DEFAULT_HOLD_S,
    only: null,
    icy: false,
    jsonFile: null,
    markdownFile: null,
    readEveryMs: null,
    workers: null,
  };
  const a = new ArgReader(argv);
  while (a.next()) {
    const flag = a.flag;
    switch (flag) {
      case '-h':
      case '--help':
        return { kind: 'help' };
      case '-n':
      case '--listeners': {
        const v = a.value('1000,5000');
        if (v === null) break;
        const parts = v.split(',').map((s) => s.trim());
        const bad = parts.filter((s) => !/^\d+$/.test(s) || Number(s) < 1 || Number(s) > MAX_LISTENERS);
        if (bad.length > 0) {
          a.problems.push(`${flag} ${JSON.stringify(v)} has ${bad.map((s) => JSON.stringify(s)).join(', ')}, not a listener count from 1 to ${MAX_LISTENERS}: give counts separated by commas, e.g. ${flag} 1000,5000`);
        } else {
          o.listeners = [...new Set(parts.map(Number))];
        }
        break;
      }
      case '--runs':
        o.runs = a.whole('3', 1, MAX_RUNS) ?? o.runs;
        break;
      case '--rate':
        o.ratePerS = a.whole('100', 1, 100_000) ?? o.ratePerS;
        break;
      case '--burst':
        o.burst = a.whole('10000', 1, MAX_LISTENERS) ?? o.burst;
        break;
      case '--burst-ramp':
        o.burstRampS = a.seconds('10', 3600) ?? o.burstRampS;
        break;
      case '-d':
      case '--hold':
        o.holdS = a.seconds('30', 3600) ?? o.holdS;
        break;
      case '-r':
      case '--ramp':
        a.problems.push(`${flag} is gone: like-for-like loads ramp at --rate listeners per second (e.g. --rate 100), and --burst N --burst-ramp S is the fast ramp`);
        a.skipValue();
        break;
      case '--only': {
        const v = a.value('icecast');
        if (v === 'icecast' || v === 'aircheck') o.only = v;
        else if (v !== null) a.problems.push(`--only ${JSON.stringify(v)} is not a server: use --only icecast or --only aircheck`);
        break;
      }
      case '--icy':
        o.icy = true;
        break;
      case '--read-every':
        o.readEveryMs = a.whole('1000', 0, 60_000);
        break;
      case '--workers':
        o.workers = a.whole('2', 1, 8);
        break;
      case '--json':
        o.jsonFile = a.value('out.json');
        break;
      case '--md':
        o.markdownFile = a.value('out.md');
        break;
      default:
        a.problems.push(`unknown argument ${JSON.stringify(a.arg)}: see npm run bench:stream -- --help`);
    }
  }
  return a.problems.length > 0 ? { kind: 'error', problems: a.problems } : { kind: 'ok', options: o };
}

export type LoadKind = 'equal' | 'burst';

export interface PlannedRun {
  kind: LoadKind;
  listeners: number;
  rampS: number;
  holdS: number;
  /** 0-based run index: run r of one server pairs with run r of the other */
  run: number;
  server: ServerKey;
  /** 0 = this server went first in its pair, 1 = second */
  position: number;
}

/** Ramp seconds of a like-for-like load: listeners / rate. */
export function equalRampS(listeners: number, ratePerS: number): number {
  return Math.round((listeners / ratePerS) * 1000) / 1000;
}

/**
 * Every single-server run in execution order. Runs are the outer loop (machine drift spreads over
 * every load alike); within a run each load's pair is icecast2 → Aircheck when r is even and
 * Aircheck → icecast2 when odd, so over runs the sequence is A B B A A B … at every load.
 */
export function planRuns(o: StreamBenchOptions): PlannedRun[] {
  const servers: ServerKey[] = o.only !== null ? [o.only] : ['icecast', 'aircheck'];
  const loads: { kind: LoadKind; listeners: number; rampS: number }[] = o.listeners.map((n) => ({ kind: 'equal', listeners: n, rampS: equalRampS(n, o.ratePerS) }));
  if (o.burst !== null) loads.push({ kind: 'burst', listeners: o.burst, rampS: o.burstRampS });
  const plan: PlannedRun[] = [];
  for (let run = 0; run < o.runs; run++) {
    for (const load of loads) {
      const order = run % 2 === 0 ? servers : [...servers].reverse();
      order.forEach((server, position) => plan.push({ ...load, holdS: o.holdS, run, server, position }));
    }
  }
  return plan;
}

/**
 * Seconds of fixed cost per single-server run besides ramp + hold: start the server (Aircheck's
 * type stripping ≈ 3–5 s), wait for the mount, settle 4 s, loadtest's start and finish, stop, and
 * the 3 s pause between runs. Measured 9–10 s on this machine (200 and 5,000 listeners); 12 leaves room.
 */
export const RUN_OVERHEAD_S = 12;

/** Estimated wall-clock seconds of the whole plan. */
export function estimateSeconds(plan: readonly PlannedRun[]): number {
  return plan.reduce((sum, p) => sum + p.rampS + p.holdS + RUN_OVERHEAD_S, 0);
}

/** Upper bound of one run's listener phase, after which the bench kills the load generator. */
export function guardSeconds(rampS: number, holdS: number): number {
  return rampS + holdS + 60;
}

export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 600) return s % 60 === 0 ? `${s / 60} min` : `${Math.floor(s / 60)} min ${s % 60} s`;
  const h = Math.floor(s / 3600);
  const m = Math.round((s % 3600) / 60);
  return h > 0 ? `${h} h ${m} min` : `${Math.round(s / 60)} min`;
}
