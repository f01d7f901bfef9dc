// Scheduled shows → concrete slots (start and end instants). Pure: the config's [[schedule]] entries
// and a time range in, slots out; weekly slots are resolved in their IANA time zone (DST included).
// Fed by dead-mans-switch.ts.
import { WEEKDAYS, type ScheduleEntry } from '../../../config/src/alerts-schema.ts';

export interface ShowSlot {
  /** Stable identity of this occurrence: the show's name and its start instant. */
  key: string;
  show: string;
  dj: string | null;
  startMs: number;
  endMs: number;
}

const DAY_MS = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Offset of timeZone from UTC at the instant, in ms (positive east of Greenwich). */
export function zoneOffsetMs(timeZone: string, instantMs: number): number {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(timeZone, f);
  }
  const p = Object.fromEntries(f.formatToParts(new Date(instantMs)).map((x) => [x.type, x.value]));
  const asUtc = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second));
  return asUtc - Math.floor(instantMs / 1000) * 1000;
}

/**
 * The instant a local wall-clock time happens in timeZone. A time skipped by a DST change (02:30 on
 * the spring-forward night) is shifted forward by the change; a repeated one takes its first occurrence.
 */
export function zonedTimeToUtcMs(timeZone: string, y: number, monthIndex: number, d: number, h: number, min: number): number {
  const wall = Date.UTC(y, monthIndex, d, h, min);
  // The offsets in force a day before and a day after: at most one change lies between them.
  const before = wall - zoneOffsetMs(timeZone, wall - DAY_MS);
  const after = wall - zoneOffsetMs(timeZone, wall + DAY_MS);
  const valid = [before, after].filter((c) => c + zoneOffsetMs(timeZone, c) === wall);
  // Neither shows this wall time: it was skipped; the offset before the change puts it after the jump.
  return valid.length > 0 ? Math.min(...valid) : before;
}

/** Every slot of the entries whose end lies in [fromMs, toMs], ordered by start. */
export function slotsEndingBetween(entries: readonly ScheduleEntry[], fromMs: number, toMs: number): ShowSlot[] {
  const slots: ShowSlot[] = [];
  for (const e of entries) {
    const durationMs = e.duration_minutes * 60_000;
    const push = (startMs: number) => {
      const endMs = startMs + durationMs;
      if (endMs >= fromMs && endMs <= toMs) {
        slots.push({ key: `${e.name}@${new Date(startMs).toISOString()}`, show: e.name, dj: e.dj ?? null, startMs, endMs });
      }
    };
    if (e.at !== undefined) {
      push(Date.parse(e.at));
      continue;
    }
    const tz = e.timezone ?? 'UTC';
    const [h, min] = e.start!.split(':').map(Number) as [number, number];
    const days = new Set(e.days!.map((d) => WEEKDAYS.indexOf(d)));
    // Walk the local calendar from a day before the earliest possible start to a day after toMs.
    const first = new Date(fromMs - durationMs - DAY_MS + zoneOffsetMs(tz, fromMs - durationMs));
    const last = toMs + zoneOffsetMs(tz, toMs) + DAY_MS;
    for (let day = Date.UTC(first.getUTCFullYear(), first.getUTCMonth(), first.getUTCDate()); day <= last; day += DAY_MS) {
      const date = new Date(day);
      if (!days.has(date.getUTCDay())) continue;
      push(zonedTimeToUtcMs(tz, date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate(), h, min));
    }
  }
  return slots.sort((a, b) => a.startMs - b.startMs || a.show.localeCompare(b.show));
}
