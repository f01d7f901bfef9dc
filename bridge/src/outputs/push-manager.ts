// The pushes of every mount ([[mounts.push]]): builds one PushTarget per configured target, attaches
// it to the registry as a 'heard' output of its mount, and on a reload keeps the targets whose
// settings did not change (their connections stay up), starts new ones and ends removed ones.
// Created by bridge.ts; feeds status (admin status.json) and metrics.
import { readFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import type { Logger } from 'pino';
import type { StreamFormat } from '../../../shared/src/audio-unit.ts';
import { AircheckError, type ErrorCode } from '../../../shared/src/errors.ts';
import type { MountConfig, PushConfig } from '../../../config/src/config-schema.ts';
import type { MountOutput } from '../mounts/mount-output.ts';
import { IcecastSourceClient, updateSourceMetadata } from './icecast-source-client.ts';
import { PushTarget, type PushConnection, type PushTargetDeps, type PushTargetSettings, type PushTargetStatus } from './push-target.ts';

export interface PushMetricsHooks {
  connected(mount: string, target: string, connected: boolean): void;
  bytes(mount: string, target: string, bytes: number): void;
  reconnect(mount: string, target: string): void;
  error(mount: string, target: string, code: ErrorCode): void;
  dropped(mount: string, target: string, bytes: number): void;
  /** The target is gone from the config: its series go too. */
  removed(mount: string, target: string): void;
}

export interface PushManagerDeps {
  attachHeardOutput(path: string, output: MountOutput, format: StreamFormat | null): () => void;
  log: Logger;
  metrics?: PushMetricsHooks;
  /** Source connections (default: the real Icecast source client). */
  connect?: (target: Parameters<PushTargetDeps['connect']>[0]) => Promise<PushConnection>;
}

/** The pushes a config asks for, with passwords read (from password_file too): what apply() runs. */
export type PushPlan = ReadonlyMap<string, PushTargetSettings>;

interface Running {
  settings: PushTargetSettings;
  target: PushTarget;
  detach: () => void;
}

const keyOf = (mountPath: string, name: string) => `${mountPath}\u0000${name}`;

function nameOf(p: PushConfig): string {
  return p.name ?? `${p.host}:${p.port}${p.mount}`;
}

/**
 * The settings of every push in `mounts`, reading each password_file (its first line; relative paths
 * from baseDir). Throws CONFIG_INVALID naming the key and the file when one cannot be read.
 */
export function planPushes(mounts: readonly MountConfig[], baseDir: string): PushPlan {
  const plan = new Map<string, PushTargetSettings>();
  const problems: string[] = [];
  // What a push may carry: a configured mount, or a derived mount (a ladder rung) of one.
  const paths = new Set<string>();
  for (const m of mounts) {
    paths.add(m.path);
    for (const rung of m.ladder ?? []) paths.add(rung.path);
  }
  for (const m of mounts) {
    (m.push ?? []).forEach((p, i) => {
      if (p.from !== undefined && !paths.has(p.from)) {
        problems.push(`mounts "${m.path}" push[${i}].from: "${p.from}" is not a mount or a ladder rung: list it under [[mounts]] (or [[mounts.ladder]]), or remove from`);
        return;
      }
      let password = p.password ?? '';
      if (p.password_file !== undefined) {
        const file = resolvePath(baseDir, p.password_file);
        try {
          password = readFileSync(file, 'utf8').split(/\r?\n/)[0]!;
        } catch (cause) {
          problems.push(`mounts "${m.path}" push[${i}].password_file: ${file} cannot be read (${(cause as NodeJS.ErrnoException).code ?? 'error'}): check the path and that the bridge may read it`);
          return;
        }
        if (password === '') {
          problems.push(`mounts "${m.path}" push[${i}].password_file: ${file} has an empty first line: write the password on it`);
          return;
        }
      }
      const name = nameOf(p);
      plan.set(keyOf(m.path, name), {
        name,
        mountPath: m.path,
        fromPath: p.from ?? m.path,
        host: p.host,
        port: p.port,
        mount: p.mount,
        user: p.user,
        password,
        tls: p.tls,
        format: p.format ?? null,
        public: p.public,
      });
    });
  }
  if (problems.length > 0) throw new AircheckError('CONFIG_INVALID', `configuration is invalid:\n  - ${problems.join('\n  - ')}`);
  return plan;
}

export class PushManager {
  readonly #deps: PushManagerDeps;
  readonly #running = new Map<string, Running>();

  constructor(deps: PushManagerDeps) {
    this.#deps = deps;
  }

  /** Runs the plan: unchanged targets keep their connection, changed ones restart, removed ones end. */
  apply(plan: PushPlan): void {
    for (const [key, run] of this.#running) {
      const wanted = plan.get(key);
      if (wanted && JSON.stringify(wanted) === JSON.stringify(run.settings)) continue;
      this.#end(key, run, !wanted);
    }
    for (const [key, settings] of plan) if (!this.#running.has(key)) this.#start(key, settings);
  }

  /** Every push's status, for the mount it belongs to. */
  statusOf(mountPath: string): PushTargetStatus[] {
    const out: PushTargetStatus[] = [];
    for (const run of this.#running.values()) if (run.settings.mountPath === mountPath) out.push(run.target.status());
    return out;
  }

  get size(): number {
    return this.#running.size;
  }

  close(): void {
    for (const [key, run] of this.#running) this.#end(key, run, false);
  }

  #start(key: string, settings: PushTargetSettings): void {
    const { log, metrics } = this.#deps;
    const m = settings.mountPath;
    const n = settings.name;
    const connect = this.#deps.connect ?? ((t) => IcecastSourceClient.connect(t));
    const target = new PushTarget(settings, {
      connect,
      updateMetadata: updateSourceMetadata,
      log,
      onConnected: (up) => metrics?.connected(m, n, up),
      onBytes: (bytes) => metrics?.bytes(m, n, bytes),
      onReconnect: () => metrics?.reconnect(m, n),
      onError: (code) => metrics?.error(m, n, code),
      onDropped: (bytes) => metrics?.dropped(m, n, bytes),
    });
    metrics?.connected(m, n, false);
    const detach = this.#deps.attachHeardOutput(settings.fromPath, target, settings.format);
    this.#running.set(key, { settings, target, detach });
    log.info({ mount: m, push: n, from: settings.fromPath, format: settings.format ?? 'any' }, 'push configured');
  }

  #end(key: string, run: Running, removed: boolean): void {
    run.detach();
    run.target.close();
    this.#running.delete(key);
    if (removed) this.#deps.metrics?.removed(run.settings.mountPath, run.settings.name);
  }
}
