// Pure formatting for the console's pages: sizes, durations, times, checksums. Every value shown to
// a person goes through here, so the pages say the same thing the same way.

export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = -1;
  do {
    v /= 1000;
    i++;
  } while (v >= 1000 && i < units.length - 1);
  return `${v.toFixed(v < 10 ? 2 : 1)} ${units[i]}`;
}

/** 5 230 ms → "0:05"; 3 725 000 → "1:02:05". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** A moment in the viewer's zone: "Thu 3 Dec 2026, 06:12". */
export function formatDateTime(iso: string | null | undefined, timeZone?: string): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat('en-GB', {
    weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false,
    ...(timeZone ? { timeZone } : {}),
  }).format(d);
}

/** "06:12" in the viewer's zone (or the given one). */
export function formatTime(iso: string, timeZone?: string): string {
  return new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hour12: false, ...(timeZone ? { timeZone } : {}) }).format(new Date(iso));
}

/** The first 12 hex digits and an ellipsis: enough to compare by eye, the full value is on the detail page. */
export function shortHash(hex: string | null | undefined): string {
  if (!hex) return '—';
  return hex.length > 12 ? `${hex.slice(0, 12)}…` : hex;
}

/** "1 h 2 min ago"-style ages are not needed; relative "since" is shown as a time. */
export function formatSince(iso: string | null | undefined, nowMs = Date.now()): string {
  if (!iso) return '—';
  const ms = nowMs - Date.parse(iso);
  if (!Number.isFinite(ms)) return iso;
  return `${formatDuration(Math.max(0, ms))} ago`;
}
