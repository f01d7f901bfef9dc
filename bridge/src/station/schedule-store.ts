// The schedule: the config's [[schedule]] entries (origin 'config', replaced at every bootstrap)
// and the shows added in the console (origin 'console', kept). A config show edited in the console
// becomes the console's; one removed there stays removed until its config entry changes. Fed by the
// config (bootstrap at start and reload) and the console; read by the dead-man's switch (entries()),
// the schedule API and the station page's "today".
import { createHash, randomBytes } from 'node:crypto';
import { AircheckError } from '../../../shared/src/errors.ts';
import { ScheduleEntrySchema, type ScheduleEntry, type Weekday } from '../../../config/src/alerts-schema.ts';
import { slotsEndingBetween } from '../../../recordings/src/alerts/show-schedule.ts';
import type { StationDb } from './station-db.ts';

/** How far ahead conflicts() looks. */
export const CONFLICT_HORIZON_MS = 28 * 86_400_000;
const MAX_SHOWS = 1000;

export interface ScheduledShow {
  id: string;
  name: string;
  dj: string | null;
  days?: Weekday[];
  /** HH:MM, local time in timezone */
  start?: string;
  timezone?: string;
  /** one-off: ISO 8601 with an offset */
  at?: string;
  duration_minutes: number;
  origin: 'config' | 'console';
}

export type ScheduleInput = Omit<ScheduledShow, 'id' | 'origin'>;
/** A change: null clears a field. Setting `at` alone turns a weekly show into a one-off, and days/start alone the other way. */
export type ScheduleChange = {
  name?: string;
  dj?: string | null;
  days?: Weekday[] | null;
  start?: string | null;
  timezone?: string | null;
  at?: string | null;
  duration_minutes?: number;
};

interface ScheduleRow {
  id: string;
  name: string;
  dj: string | null;
  days: string | null;
  start: string | null;
  timezone: string | null;
  at: string | null;
  duration_minutes: number;
  origin: 'config' | 'console';
}

function show(row: ScheduleRow): ScheduledShow {
  return {
    id: row.id,
    name: row.name,
    dj: row.dj,
    ...(row.days !== null ? { days: JSON.parse(row.days) as Weekday[] } : {}),
    ...(row.start !== null ? { start: row.start } : {}),
    ...(row.timezone !== null ? { timezone: row.timezone } : {}),
    ...(row.at !== null ? { at: row.at } : {}),
    duration_minutes: row.duration_minutes,
    origin: row.origin,
  };
}

/** The config's shape of a show, fields in a fixed order (also its identity for the removed list). */
function toEntry(s: ScheduleInput | ScheduleEntry): ScheduleEntry {
  return {
    name: s.name,
    ...(s.dj ? { dj: s.dj } : {}),
    ...(s.days !== undefined ? { days: s.days } : {}),
    ...(s.start !== undefined ? { start: s.start } : {}),
    ...(s.timezone !== undefined ? { timezone: s.timezone } : {}),
    ...(s.at !== undefined ? { at: s.at } : {}),
    duration_minutes: s.duration_minutes,
  };
}

/** A config show's id: the same across reloads, so console links keep working. */
function configId(name: string): string {
  return `cfg-${createHash('sha256').update(name).digest('base64url').slice(0, 16)}`;
}

function validate(input: ScheduleInput): ScheduleEntry {
  const parsed = ScheduleEntrySchema.safeParse(toEntry(input));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.join('.') || 'entry';
    throw new AircheckError('SCHEDULE_INVALID', `show "${String(input.name).slice(0, 80)}": ${field}: ${issue.message}`);
  }
  return parsed.data;
}

export class ScheduleStore {
  readonly #store: StationDb;
  readonly #now: () => number;

  constructor(db: StationDb, opts: { now?: () => number } = {}) {
    this.#store = db;
    this.#now = opts.now ?? Date.now;
  }

  /** At start and on reload: the config's rows become exactly entries; the console's stay (and win over a config entry of the same name). */
  bootstrap(entries: readonly ScheduleEntry[]): void {
    const db = this.#store.db;
    this.#store.transaction(() => {
      const consoleNames = new Set((db.prepare("SELECT name FROM schedule WHERE origin = 'console'").all() as { name: string }[]).map((r) => r.name));
      const removed = new Map((db.prepare('SELECT name, entry FROM schedule_removed').all() as { name: string; entry: string }[]).map((r) => [r.name, r.entry]));
      db.prepare("DELETE FROM schedule WHERE origin = 'config'").run();
      const insert = db.prepare("INSERT INTO schedule (id, name, dj, days, start, timezone, at, duration_minutes, origin, position) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'config', ?)");
      const names = new Set<string>();
      entries.forEach((raw, position) => {
        const e = toEntry(raw);
        if (names.has(e.name)) return;
        names.add(e.name);
        if (consoleNames.has(e.name)) return;
        const gone = removed.get(e.name);
        if (gone === JSON.stringify(e)) return;
        if (gone !== undefined) db.prepare('DELETE FROM schedule_removed WHERE name = ?').run(e.name);
        insert.run(configId(e.name), e.name, e.dj ?? null, e.days ? JSON.stringify(e.days) : null, e.start ?? null, e.timezone ?? null, e.at ?? null, e.duration_minutes, position);
      });
      for (const name of removed.keys()) if (!names.has(name)) db.prepare('DELETE FROM schedule_removed WHERE name = ?').run(name);
    });
  }

  /** Config shows in the config's order, then the console's in the order they were added. */
  list(): ScheduledShow[] {
    return (this.#store.db.prepare("SELECT * FROM schedule ORDER BY origin = 'console', position, rowid").all() as unknown as ScheduleRow[]).map(show);
  }

  get(id: string): ScheduledShow | null {
    const row = this.#store.db.prepare('SELECT * FROM schedule WHERE id = ?').get(id) as ScheduleRow | undefined;
    return row ? show(row) : null;
  }

  /** A console show: SCHEDULE_INVALID for a bad entry, a name already scheduled or a DJ without an account. */
  create(input: ScheduleInput): ScheduledShow {
    const e = validate(input);
    const id = randomBytes(9).toString('base64url');
    const db = this.#store.db;
    this.#store.transaction(() => {
      this.#checkName(e.name, null);
      if (e.dj !== undefined) this.#checkDj(e.dj);
      const { n } = db.prepare('SELECT COUNT(*) AS n FROM schedule').get() as { n: number };
      if (n >= MAX_SHOWS) throw new AircheckError('SCHEDULE_INVALID', `the schedule already has ${n} shows, the most it holds: remove old one-off shows first`);
      this.#write(id, e, 'INSERT');
    });
    return this.get(id)!;
  }

  /** SCHEDULE_NOT_FOUND, SCHEDULE_INVALID. A config show changed here becomes the console's. */
  update(id: string, change: ScheduleChange): ScheduledShow {
    const db = this.#store.db;
    this.#store.transaction(() => {
      const current = this.get(id);
      if (!current) throw notFound(id);
      const merged: Record<string, unknown> = { ...current };
      for (const [key, value] of Object.entries(change)) {
        if (value === undefined) continue;
        if (value === null) merged[key] = key === 'dj' ? null : undefined;
        else merged[key] = value;
      }
      if (change.at != null && change.days === undefined && change.start === undefined) {
        merged.days = undefined;
        merged.start = undefined;
        merged.timezone = undefined;
      }
      if ((change.days != null || change.start != null) && change.at === undefined) merged.at = undefined;
      const e = validate(merged as unknown as ScheduleInput);
      this.#checkName(e.name, id);
      if (e.dj !== undefined && e.dj !== current.dj) this.#checkDj(e.dj);
      if (current.origin === 'config') this.#rememberRemoved(current);
      this.#write(id, e, 'UPDATE');
      db.prepare("UPDATE schedule SET origin = 'console' WHERE id = ?").run(id);
    });
    return this.get(id)!;
  }

  /** SCHEDULE_NOT_FOUND. A config show removed here stays removed until its config entry changes. */
  remove(id: string): void {
    this.#store.transaction(() => {
      const current = this.get(id);
      if (!current) throw notFound(id);
      if (current.origin === 'config') this.#rememberRemoved(current);
      this.#store.db.prepare('DELETE FROM schedule WHERE id = ?').run(id);
    });
  }

  /** Every show in the config's shape, for the dead-man's switch (setSchedule) and the recordings' slots. */
  entries(): ScheduleEntry[] {
    return this.list().map(toEntry);
  }

  /** Pairs of show ids (each pair sorted, the list sorted) whose slots overlap in the next 4 weeks; weekly slots in their time zone, DST included. */
  conflicts(): [string, string][] {
    const now = this.#now();
    const until = now + CONFLICT_HORIZON_MS;
    const slots: { id: string; startMs: number; endMs: number }[] = [];
    for (const s of this.list()) {
      for (const slot of slotsEndingBetween([toEntry(s)], now, until + 86_400_000)) {
        if (slot.startMs < until) slots.push({ id: s.id, startMs: slot.startMs, endMs: slot.endMs });
      }
    }
    slots.sort((a, b) => a.startMs - b.startMs);
    const pairs = new Set<string>();
    const active: typeof slots = [];
    for (const slot of slots) {
      for (let i = active.length - 1; i >= 0; i--) if (active[i]!.endMs <= slot.startMs) active.splice(i, 1);
      for (const other of active) {
        if (other.id !== slot.id) pairs.add(JSON.stringify([other.id, slot.id].sort()));
      }
      active.push(slot);
    }
    return [...pairs].sort().map((p) => JSON.parse(p) as [string, string]);
  }

  /** conflicts() per show: id → the ids it overlaps (every show present, [] when none). */
  conflictsById(): Map<string, string[]> {
    const out = new Map(this.list().map((s) => [s.id, [] as string[]]));
    for (const [a, b] of this.conflicts()) {
      out.get(a)?.push(b);
      out.get(b)?.push(a);
    }
    return out;
  }

  #checkName(name: string, exceptId: string | null): void {
    const clash = this.#store.db.prepare('SELECT id FROM schedule WHERE name = ? AND id IS NOT ?').get(name, exceptId);
    if (clash) throw new AircheckError('SCHEDULE_INVALID', `a show named "${name}" is already scheduled: give this one its own name (one show can list several days)`);
  }

  /** A DJ set in the console is an account (the config's entries may name anyone). */
  #checkDj(dj: string): void {
    if (!this.#store.db.prepare('SELECT 1 FROM users WHERE name = ?').get(dj)) {
      throw new AircheckError('SCHEDULE_INVALID', `dj: "${dj.slice(0, 64)}" has no account: create the DJ first, or leave dj empty`);
    }
  }

  #rememberRemoved(current: ScheduledShow): void {
    this.#store.db.prepare('INSERT INTO schedule_removed (name, entry) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET entry = excluded.entry')
      .run(current.name, JSON.stringify(toEntry(current)));
  }

  #write(id: string, e: ScheduleEntry, how: 'INSERT' | 'UPDATE'): void {
    const values = [e.name, e.dj ?? null, e.days ? JSON.stringify(e.days) : null, e.start ?? null, e.timezone ?? null, e.at ?? null, e.duration_minutes] as const;
    if (how === 'INSERT') {
      this.#store.db.prepare("INSERT INTO schedule (name, dj, days, start, timezone, at, duration_minutes, id, origin, position) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'console', 0)").run(...values, id);
    } else {
      this.#store.db.prepare('UPDATE schedule SET name = ?, dj = ?, days = ?, start = ?, timezone = ?, at = ?, duration_minutes = ? WHERE id = ?').run(...values, id);
    }
  }
}

function notFound(id: string): AircheckError {
  return new AircheckError('SCHEDULE_NOT_FOUND', `no scheduled show with id ${JSON.stringify(String(id).slice(0, 40))}: list the schedule to find its id`);
}
