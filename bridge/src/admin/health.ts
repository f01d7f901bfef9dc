// The process's health from what it costs now: CPU (the process, worker threads included, as a
// share of the machine's cores), memory (resident set against the machine's or the cgroup's limit)
// and the event loop's delay (p99 of perf_hooks.monitorEventLoopDelay over the last window). Each
// gives a level — healthy < warning < critical < overloaded — and the worst is the process's. When it
// is critical or worse, new work that would add load (dynamic mounts, relays, ladders) is refused
// with SERVER_OVERLOADED instead of degrading what already runs. Read by /health, /health.json,
// the metrics and the places that start new work.
import { readFileSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { AircheckError } from '../../../shared/src/errors.ts';

export const HEALTH_LEVELS = ['healthy', 'warning', 'critical', 'overloaded'] as const;
export type HealthLevel = (typeof HEALTH_LEVELS)[number];

/** Where each measure enters warning, critical and overloaded. */
export interface HealthThresholds {
  /** CPU share of all cores, percent. */
  cpuPercent: readonly [number, number, number];
  /** Resident memory share of the limit, percent. */
  memoryPercent: readonly [number, number, number];
  /** Event-loop delay p99, milliseconds. */
  eventLoopP99Ms: readonly [number, number, number];
}

export const DEFAULT_HEALTH_THRESHOLDS: HealthThresholds = {
  cpuPercent: [70, 90, 98],
  memoryPercent: [70, 85, 95],
  eventLoopP99Ms: [50, 200, 1000],
};

export interface HealthSample {
  cpuPercent: number;
  memoryPercent: number;
  rssBytes: number;
  memoryLimitBytes: number;
  eventLoopP99Ms: number;
}

export interface HealthReport extends HealthSample {
  level: HealthLevel;
  /** One sentence per measure past healthy, worst first. */
  reasons: string[];
  /** ISO time of the sample. */
  at: string;
}

function levelOf(value: number, [warning, critical, overloaded]: readonly [number, number, number]): HealthLevel {
  return value >= overloaded ? 'overloaded' : value >= critical ? 'critical' : value >= warning ? 'warning' : 'healthy';
}

/** Pure: the level of a sample and why. */
export function classifyHealth(sample: HealthSample, t: HealthThresholds = DEFAULT_HEALTH_THRESHOLDS): { level: HealthLevel; reasons: string[] } {
  const measures: { level: HealthLevel; reason: string }[] = [
    { level: levelOf(sample.cpuPercent, t.cpuPercent), reason: `CPU at ${sample.cpuPercent.toFixed(0)} % of all cores` },
    { level: levelOf(sample.memoryPercent, t.memoryPercent), reason: `memory at ${sample.memoryPercent.toFixed(0)} % (${Math.round(sample.rssBytes / 2 ** 20)} of ${Math.round(sample.memoryLimitBytes / 2 ** 20)} MiB)` },
    { level: levelOf(sample.eventLoopP99Ms, t.eventLoopP99Ms), reason: `event-loop delay p99 ${sample.eventLoopP99Ms.toFixed(1)} ms` },
  ];
  const rank = (l: HealthLevel) => HEALTH_LEVELS.indexOf(l);
  const bad = measures.filter((m) => m.level !== 'healthy').sort((a, b) => rank(b.level) - rank(a.level));
  return { level: bad[0]?.level ?? 'healthy', reasons: bad.map((m) => `${m.level}: ${m.reason}`) };
}

export interface HealthProbes {
  /** process.cpuUsage() (µs of user + system time, all threads). */
  cpuUsage(): { user: number; system: number };
  rssBytes(): number;
  memoryLimitBytes(): number;
  cores(): number;
  /** p99 of the event-loop delay since the last call, ms (and resets the window). */
  eventLoopP99Ms(): number;
  nowMs(): number;
}

export class HealthMonitor {
  readonly #probes: HealthProbes;
  thresholds: HealthThresholds;
  #lastCpu: { user: number; system: number };
  #lastAtMs: number;
  #report: HealthReport;
  #timer: NodeJS.Timeout | null = null;

  constructor(probes: HealthProbes = nodeProbes(), thresholds: HealthThresholds = DEFAULT_HEALTH_THRESHOLDS) {
    this.#probes = probes;
    this.thresholds = thresholds;
    this.#lastCpu = probes.cpuUsage();
    this.#lastAtMs = probes.nowMs();
    this.#report = { level: 'healthy', reasons: [], cpuPercent: 0, memoryPercent: 0, rssBytes: 0, memoryLimitBytes: probes.memoryLimitBytes(), eventLoopP99Ms: 0, at: new Date(this.#lastAtMs).toISOString() };
  }

  /** Samples every intervalMs (unref'd). */
  start(intervalMs = 2000): void {
    this.#timer ??= setInterval(() => this.sample(), intervalMs);
    this.#timer.unref();
  }

  close(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** Measures the window since the last sample. */
  sample(): HealthReport {
    const p = this.#probes;
    const now = p.nowMs();
    const cpu = p.cpuUsage();
    const elapsedUs = Math.max(1, (now - this.#lastAtMs) * 1000);
    const usedUs = cpu.user - this.#lastCpu.user + (cpu.system - this.#lastCpu.system);
    this.#lastCpu = cpu;
    this.#lastAtMs = now;
    const rss = p.rssBytes();
    const limit = Math.max(1, p.memoryLimitBytes());
    const sample: HealthSample = {
      cpuPercent: (100 * usedUs) / (elapsedUs * Math.max(1, p.cores())),
      memoryPercent: (100 * rss) / limit, rssBytes: rss, memoryLimitBytes: limit,
      eventLoopP99Ms: p.eventLoopP99Ms(),
    };
    const { level, reasons } = classifyHealth(sample, this.thresholds);
    this.#report = { ...sample, level, reasons, at: new Date(now).toISOString() };
    return this.report;
  }

  get report(): HealthReport {
    return this.#report;
  }

  get level(): HealthLevel {
    return this.report.level;
  }

  /** Throws SERVER_OVERLOADED when critical or worse: `what` (a new dynamic mount, relay, ladder) would add load. */
  refuseNewWork(what: string): void {
    const r = this.report;
    if (r.level === 'critical' || r.level === 'overloaded') {
      throw new AircheckError('SERVER_OVERLOADED', `the server is ${r.level} (${r.reasons.join('; ')}): ${what} is refused so that what already runs keeps running; try again when /health says ok, or add capacity`);
    }
  }
}

/** The real probes: process CPU and RSS, the machine's (or the cgroup's) memory, monitorEventLoopDelay. */
export function nodeProbes(): HealthProbes {
  let histogram: IntervalHistogram | null = null;
  // Node's histogram records the whole interval between its timer's runs (an idle loop reads about
  // the resolution): the delay is what lies beyond it.
  const resolutionMs = 10;
  const limit = cgroupMemoryLimit() ?? totalmem();
  return {
    cpuUsage: () => process.cpuUsage(),
    rssBytes: () => process.memoryUsage.rss(),
    memoryLimitBytes: () => limit,
    cores: () => availableParallelism(),
    eventLoopP99Ms() {
      if (!histogram) {
        histogram = monitorEventLoopDelay({ resolution: resolutionMs });
        histogram.enable();
        return 0;
      }
      const p99 = histogram.count > 0 ? Math.max(0, histogram.percentile(99) / 1e6 - resolutionMs) : 0;
      histogram.reset();
      return p99;
    },
    nowMs: () => Date.now(),
  };
}

/** cgroup v2 memory.max when set (a container's limit), else null. */
function cgroupMemoryLimit(): number | null {
  try {
    const text = readFileSync('/sys/fs/cgroup/memory.max', 'utf8').trim();
    const n = Number(text);
    return Number.isFinite(n) && n > 0 && n < totalmem() ? n : null;
  } catch {
    return null;
  }
}
