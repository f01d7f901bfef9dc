// The ladders of all mounts: planned from the config (each mount's encoder chosen, or
// LADDER_CODEC_UNAVAILABLE before anything changes), applied at start and on reload (a ladder whose
// settings are unchanged keeps running; its rungs' listeners stay), stopped at shutdown. Used by the
// composition root (bridge.ts).
import type { Logger } from 'pino';
import type { MountConfig } from '../../../config/src/config-schema.ts';
import { chooseEncoder, SYSTEM_PROBE, type EncoderChoice, type EngineProbe } from './engine.ts';
import { Ladder, type LadderHost } from './ladder.ts';

export interface LadderPlanEntry {
  mount: MountConfig;
  choice: EncoderChoice;
  /** What must change for the ladder to be rebuilt. */
  key: string;
}

/** Chooses every ladder's encoder; throws LADDER_CODEC_UNAVAILABLE (nothing applied) when one cannot be made. */
export function planLadders(mounts: readonly MountConfig[], probe: EngineProbe = SYSTEM_PROBE): LadderPlanEntry[] {
  return mounts
    .filter((m) => m.ladder.length > 0)
    .map((m) => ({ mount: m, choice: chooseEncoder(m, probe), key: JSON.stringify([m.ladder, m.ladder_engine]) }));
}

export class LadderManager {
  readonly #host: LadderHost;
  readonly #log: Logger;
  readonly #ladders = new Map<string, { ladder: Ladder; key: string; choice: EncoderChoice }>();

  constructor(host: LadderHost, log: Logger) {
    this.#host = host;
    this.#log = log;
  }

  apply(plan: readonly LadderPlanEntry[]): void {
    const wanted = new Map(plan.map((p) => [p.mount.path, p]));
    for (const [path, { ladder, key, choice }] of this.#ladders) {
      if (wanted.get(path)?.key === key) continue;
      ladder.stop('ladder reconfigured');
      choice.dispose?.();
      this.#ladders.delete(path);
    }
    for (const p of plan) {
      if (this.#ladders.has(p.mount.path)) continue;
      const ladder = new Ladder(this.#host, {
        parentPath: p.mount.path, rungs: p.mount.ladder, createEncoder: p.choice.createEncoder, engineName: p.choice.engineName, log: this.#log,
      });
      p.choice.prewarm?.();
      ladder.start();
      this.#ladders.set(p.mount.path, { ladder, key: p.key, choice: p.choice });
      this.#log.info({ mount: p.mount.path, engine: p.choice.engineName, rungs: ladder.rungPaths }, 'ladder ready');
    }
  }

  /** Parent paths of `plan` that would start a ladder (new, or changed): new work, for the health check. */
  newIn(plan: readonly LadderPlanEntry[]): string[] {
    return plan.filter((p) => this.#ladders.get(p.mount.path)?.key !== p.key).map((p) => p.mount.path);
  }

  get(path: string): Ladder | undefined {
    return this.#ladders.get(path)?.ladder;
  }

  /** The ladder a rung path belongs to. */
  ladderOfRung(path: string): Ladder | undefined {
    for (const { ladder } of this.#ladders.values()) if (ladder.rungPaths.includes(path)) return ladder;
    return undefined;
  }

  close(): void {
    for (const { ladder, choice } of this.#ladders.values()) {
      ladder.stop('server shutting down');
      choice.dispose?.();
    }
    this.#ladders.clear();
  }
}
