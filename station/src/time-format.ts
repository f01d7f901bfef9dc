// Times as a listener reads them, in the browser's own time zone and locale.

const clock = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });

/** "14:05" (or "2:05 PM"), '' for an unreadable time. */
export function clockTime(iso: string): string {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? '' : clock.format(ms);
}

/** "1 listening", "12 listening". */
export function listenersText(count: number): string {
  return `${count} listening`;
}
