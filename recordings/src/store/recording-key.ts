// Deterministic object keys: the same show always lands at the same key, so a retried or recovered
// upload overwrites its own earlier attempt instead of leaving a second copy. Pure.

/** `recordings/YYYY/MM/DD/<show-id>.opus`, the date being the show's start in UTC. */
export function recordingKey(showId: string, startedAt: Date, prefix = 'recordings/'): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(showId)) {
    throw new RangeError(`recordingKey: show id "${showId}" must be letters, digits, '.', '_' or '-'`);
  }
  const y = startedAt.getUTCFullYear();
  const m = String(startedAt.getUTCMonth() + 1).padStart(2, '0');
  const d = String(startedAt.getUTCDate()).padStart(2, '0');
  return `${prefix}${y}/${m}/${d}/${showId}.opus`;
}

/** The manifest stored next to a recording: `….opus` → `….manifest.json`. */
export function manifestKey(key: string): string {
  return `${key.replace(/\.opus$/, '')}.manifest.json`;
}
