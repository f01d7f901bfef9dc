// The station's name and description as the console sets them; once set they win over the config's
// `server.name` / `server.description` (null = not set, the config's applies). Fed by PATCH
// /api/v1/station; read by the station page's document (GET /api/v1/public/station) and the console.
import { AircheckError } from '../../../shared/src/errors.ts';
import type { StationDb } from './station-db.ts';

export const MAX_STATION_NAME_CHARS = 256;
export const MAX_STATION_DESCRIPTION_CHARS = 1024;

export interface StationText {
  name: string | null;
  description: string | null;
}

export class StationSettings {
  readonly #store: StationDb;

  constructor(db: StationDb) {
    this.#store = db;
  }

  /** What the console set (null where it set nothing). */
  get(): StationText {
    const rows = this.#store.db.prepare("SELECT key, value FROM station_settings WHERE key IN ('name', 'description')").all() as { key: string; value: string }[];
    const by = new Map(rows.map((r) => [r.key, r.value]));
    return { name: by.get('name') ?? null, description: by.get('description') ?? null };
  }

  /** The console's values where set, else the config's. */
  resolve(config: { name: string; description: string }): { name: string; description: string } {
    const set = this.get();
    return { name: set.name ?? config.name, description: set.description ?? config.description };
  }

  /** Sets either or both; null clears one (the config's applies again). API_BAD_REQUEST for an empty name or too long a text. */
  set(change: { name?: string | null; description?: string | null }): void {
    const check = (key: 'name' | 'description', value: unknown, min: number, max: number) => {
      if (value === null || value === undefined) return;
      if (typeof value !== 'string' || value.trim().length < min || value.length > max) {
        throw new AircheckError('API_BAD_REQUEST', `station ${key} ${JSON.stringify(String(value).slice(0, 40))} is invalid: use ${min}–${max} characters`);
      }
    };
    check('name', change.name, 1, MAX_STATION_NAME_CHARS);
    check('description', change.description, 0, MAX_STATION_DESCRIPTION_CHARS);
    const db = this.#store.db;
    this.#store.transaction(() => {
      for (const key of ['name', 'description'] as const) {
        const value = change[key];
        if (value === undefined) continue;
        if (value === null) db.prepare('DELETE FROM station_settings WHERE key = ?').run(key);
        else db.prepare('INSERT INTO station_settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, key === 'name' ? value.trim() : value);
      }
    });
  }
}
