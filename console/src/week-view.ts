// The schedule's week (Monday to Sunday) in the viewer's time zone: where a week starts, its days,
// and which day each slot falls on. Slots arrive as absolute times (the bridge expands each show in
// its own zone, DST included); the viewer's Date arithmetic keeps local midnights right across DST.
// Pure (apart from the zone the runtime is in).
import type { ScheduleSlot } from './api/api-types.ts';

/** Monday 00:00 local of the week holding `at`. */
export function weekStart(at: Date): Date {
  const d = new Date(at.getTime());
  d.setHours(0, 0, 0, 0);
  d.setDate(d.getDate() - ((d.getDay() + 6) % 7));
  return d;
}

/** `2026-11-30` (local date) of a Date. */
export function localDateKey(d: Date): string {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** The week of a `?week=YYYY-MM-DD` parameter (any day in it), or of now when absent or invalid. */
export function weekFromParam(param: string | undefined, now = new Date()): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(param ?? '');
  if (!m) return weekStart(now);
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return Number.isNaN(d.getTime()) ? weekStart(now) : weekStart(d);
}

/** The seven local midnights of the week, and the one after. */
export function weekDays(start: Date): Date[] {
  return Array.from({ length: 8 }, (_, i) => {
    const d = new Date(start.getTime());
    d.setDate(d.getDate() + i);
    return d;
  });
}

/** Shifts a week by n weeks (DST-safe: by calendar days). */
export function addWeeks(start: Date, n: number): Date {
  const d = new Date(start.getTime());
  d.setDate(d.getDate() + 7 * n);
  return d;
}

/** Slots per day (index 0 = Monday), each day's sorted by start; slots outside the week are left out. */
export function slotsByDay<T extends Pick<ScheduleSlot, 'startAt'>>(slots: readonly T[], start: Date): T[][] {
  const days = weekDays(start);
  const out: T[][] = Array.from({ length: 7 }, () => []);
  for (const slot of slots) {
    const t = Date.parse(slot.startAt);
    for (let i = 0; i < 7; i++) {
      if (t >= days[i]!.getTime() && t < days[i + 1]!.getTime()) {
        out[i]!.push(slot);
        break;
      }
    }
  }
  for (const day of out) day.sort((a, b) => Date.parse(a.startAt) - Date.parse(b.startAt));
  return out;
}
