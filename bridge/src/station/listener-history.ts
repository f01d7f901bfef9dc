// Listeners per mount, sampled once a minute and kept 24 hours (older samples are deleted as new
// ones arrive), for the console's listener graph. Fed by a timer in bridge.ts (the mounts' counts);
// read by GET /api/v1/live/history.
import type { StationDb } from './station-db.ts';

export const LISTENER_HISTORY_MS = 24 * 60 * 60_000;
export const LISTENER_SAMPLE_INTERVAL_MS = 60_000;

export class ListenerHistory {
  readonly #store: StationDb;

  constructor(db: StationDb) {
    this.#store = db;
  }

  /** The counts at atMs (mount path → listeners); deletes samples older than 24 h before atMs. */
  sample(atMs: number, counts: Record<string, number>): void {
    const db = this.#store.db;
    this.#store.transaction(() => {
      const insert = db.prepare('INSERT INTO listener_samples (mount, at_ms, listeners) VALUES (?, ?, ?) ON CONFLICT(mount, at_ms) DO UPDATE SET listeners = excluded.listeners');
      for (const [mount, listeners] of Object.entries(counts)) {
        if (Number.isFinite(listeners)) insert.run(mount.slice(0, 256), Math.floor(atMs), Math.max(0, Math.round(listeners)));
      }
      db.prepare('DELETE FROM listener_samples WHERE at_ms < ?').run(Math.floor(atMs) - LISTENER_HISTORY_MS);
    });
  }

  /** The mount's samples since sinceMs, oldest first. */
  series(mount: string, sinceMs: number): { at: string; listeners: number }[] {
    const rows = this.#store.db.prepare('SELECT at_ms, listeners FROM listener_samples WHERE mount = ? AND at_ms >= ? ORDER BY at_ms').all(mount, Math.floor(sinceMs)) as { at_ms: number; listeners: number }[];
    return rows.map((r) => ({ at: new Date(r.at_ms).toISOString(), listeners: r.listeners }));
  }
}
