// The pull relays of every mount ([mounts.relay]): builds one PullRelay per configured relay, runs
// them (on-demand ones only while someone listens), checks them every half second (stalls, paused
// upstreams), nudges a preempted relay when its mount's source leaves, and on a reload keeps relays
// whose settings did not change, restarts changed ones and stops removed ones. Created by bridge.ts;
// feeds the registry (through each relay's InProcessSource), status and metrics.
import { readFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import type { Logger } from 'pino';
import { AircheckError, type ErrorCode } from '../../../../shared/src/errors.ts';
import type { MountConfig } from '../../../../config/src/config-schema.ts';
import { PullRelay, type PullRelayDeps, type PullRelaySettings, type RelayHost, type RelayStatus } from './pull-relay.ts';
import { connectUpstream, type ConnectUpstream } from './upstream-connection.ts';

/** An on-demand relay disconnects this long after its last listener left. */
export const ON_DEMAND_IDLE_MS = 10_000;
export const CHECK_INTERVAL_MS = 500;

export interface RelayMetricsHooks {
  connected(mount: string, connected: boolean): void;
  bytes(mount: string, bytes: number): void;
  reconnect(mount: string): void;
  error(mount: string, code: ErrorCode): void;
  /** The relay is gone from the config: its series go too. */
  removed(mount: string): void;
}

/** The registry as the manager sees it: sources, and who listens where (on-demand relays). */
export interface RelayRegistry extends RelayHost {
  countListenersOf(path: string): number;
  all(): readonly { path: string; settings: { fallback_mount?: string } }[];
}

export interface RelayManagerDeps {
  registry: RelayRegistry;
  log: Logger;
  stallMs(): number;
  userAgent?: string;
  metrics?: RelayMetricsHooks;
  refuseNewWork?: (what: string) => void;
  /** Upstream connections (default: the real HTTP(S) client). */
  connect?: ConnectUpstream;
  now?: () => number;
}

/** The relays a config asks for, by mount path, with passwords read (password_file too). */
export type RelayPlan = ReadonlyMap<string, PullRelaySettings>;

/**
 * The settings of every relay in `mounts`: credentials from user/password (or password_file, its first
 * line; relative paths from baseDir), else from the url's user:password@. Throws CONFIG_INVALID naming
 * the key and the fix when a password_file cannot be read or an on-demand relay has no fallback.
 */
export function planRelays(mounts: readonly MountConfig[], baseDir: string): RelayPlan {
  const plan = new Map<string, PullRelaySettings>();
  const problems: string[] = [];
  for (const m of mounts) {
    const r = m.relay;
    if (!r) continue;
    const url = new URL(r.url);
    let user: string | null = url.username ? decodeURIComponent(url.username) : null;
    let password: string | null = url.password ? decodeURIComponent(url.password) : null;
    url.username = '';
    url.password = '';
    if (r.user !== undefined) user = r.user;
    if (r.password !== undefined) password = r.password;
    if (r.password_file !== undefined) {
      const file = resolvePath(baseDir, r.password_file);
      try {
        password = readFileSync(file, 'utf8').split(/\r?\n/)[0]!;
      } catch (cause) {
        problems.push(`mounts "${m.path}" relay.password_file: ${file} cannot be read (${(cause as NodeJS.ErrnoException).code ?? 'error'}): check the path and that the bridge may read it`);
        continue;
      }
      if (password === '') {
        problems.push(`mounts "${m.path}" relay.password_file: ${file} has an empty first line: write the password on it`);
        continue;
      }
    }
    if (password !== null && user === null) user = 'source';
    if (r.on_demand && !m.fallback_file && !m.fallback_mount) {
      problems.push(`mounts "${m.path}" relay.on_demand = true needs something for listeners to hear while the relay connects: set fallback_file or fallback_mount on the mount, or on_demand = false`);
      continue;
    }
    plan.set(m.path, { mountPath: m.path, url: url.href, user, password, onDemand: r.on_demand, icyMetadata: r.icy_metadata });
  }
  if (problems.length > 0) throw new AircheckError('CONFIG_INVALID', `configuration is invalid:\n  - ${problems.join('\n  - ')}`);
  return plan;
}

/** Whether anyone listens to `path`: on it, or on a mount whose fallback chain reaches it. */
export function hasAudience(registry: Pick<RelayRegistry, 'countListenersOf' | 'all'>, path: string): boolean {
  if (registry.countListenersOf(path) > 0) return true;
  const byPath = new Map(registry.all().map((m) => [m.path, m]));
  for (const m of byPath.values()) {
    if (m.path === path || registry.countListenersOf(m.path) === 0) continue;
    const seen = new Set<string>([m.path]);
    let next = m.settings.fallback_mount;
    while (next !== undefined && !seen.has(next)) {
      if (next === path) return true;
      seen.add(next);
      next = byPath.get(next)?.settings.fallback_mount;
    }
  }
  return false;
}

interface Running {
  settings: PullRelaySettings;
  relay: PullRelay;
  /** On demand: when the audience was last seen (ms), null before any. */
  lastAudienceMs: number | null;
}

export class RelayManager {
  readonly #deps: RelayManagerDeps;
  readonly #running = new Map<string, Running>();
  readonly #now: () => number;
  #timer: NodeJS.Timeout | null = null;

  constructor(deps: RelayManagerDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
  }

  /** Runs the plan: unchanged relays keep their connection, changed ones restart, removed ones stop. */
  apply(plan: RelayPlan): void {
    for (const [path, run] of this.#running) {
      const wanted = plan.get(path);
      if (wanted && JSON.stringify(wanted) === JSON.stringify(run.settings)) continue;
      this.#end(path, run, wanted ? 'relay settings changed' : 'relay removed from the config', !wanted);
    }
    for (const [path, settings] of plan) if (!this.#running.has(path)) this.#start(path, settings);
    if (this.#running.size > 0 && !this.#timer) {
      this.#timer = setInterval(() => this.check(), CHECK_INTERVAL_MS);
      this.#timer.unref();
    }
  }

  /** A relay's status for its mount, or null when the mount has no relay. */
  statusOf(mountPath: string): RelayStatus | null {
    return this.#running.get(mountPath)?.relay.status() ?? null;
  }

  get size(): number {
    return this.#running.size;
  }

  /** A source left `path`: a preempted relay there takes the mount back now. */
  sourceEnded(path: string): void {
    const run = this.#running.get(path);
    if (run) queueMicrotask(() => run.relay.nudge());
  }

  /** Every CHECK_INTERVAL_MS: on-demand start/stop, stall and pause checks, preempted relays whose mount is free. */
  check(): void {
    const now = this.#now();
    for (const run of this.#running.values()) {
      const { relay, settings } = run;
      if (settings.onDemand) {
        if (hasAudience(this.#deps.registry, settings.mountPath)) {
          run.lastAudienceMs = now;
          if (relay.state === 'stopped') relay.start();
        } else if (relay.state !== 'stopped' && (run.lastAudienceMs === null || now - run.lastAudienceMs >= ON_DEMAND_IDLE_MS)) {
          relay.stop('no listeners (on demand)');
        }
      }
      relay.nudge();
      relay.tick(now);
    }
  }

  close(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    for (const [path, run] of this.#running) this.#end(path, run, 'server shutting down', false);
  }

  #start(path: string, settings: PullRelaySettings): void {
    const { log, metrics } = this.#deps;
    const deps: PullRelayDeps = {
      host: this.#deps.registry,
      connect: this.#deps.connect ?? connectUpstream,
      log,
      stallMs: this.#deps.stallMs,
      userAgent: this.#deps.userAgent,
      now: this.#deps.now,
      refuseNewWork: this.#deps.refuseNewWork,
      onConnected: (up) => metrics?.connected(path, up),
      onBytes: (bytes) => metrics?.bytes(path, bytes),
      onReconnect: () => metrics?.reconnect(path),
      onError: (code) => metrics?.error(path, code),
    };
    const relay = new PullRelay(settings, deps);
    this.#running.set(path, { settings, relay, lastAudienceMs: null });
    metrics?.connected(path, false);
    log.info({ mount: path, upstream: settings.url, onDemand: settings.onDemand }, 'relay configured');
    if (!settings.onDemand) relay.start();
  }

  #end(path: string, run: Running, reason: string, removed: boolean): void {
    run.relay.stop(reason);
    this.#running.delete(path);
    if (removed) this.#deps.metrics?.removed(path);
  }
}
