// Deterministic object keys: the same show always lands at the same key, so a retried or recovered
// upload overwrites its own earlier attempt instead of leaving a second copy. Pure.

/**
 * `recordings/YYYY/MM/DD/<show-id>.opus`, the date being the show's start in UTC; a source's stream
 * kept as received ends in its own extension (`.mp3`, `.ogg`, `.opus`: show-manifest.ts finalFileName).
 */
export function recordingKey(showId: string, startedAt: Date, prefix = 'recordings/', ext = 'opus'): string {
  checkShowId(showId);
  const y = startedAt.getUTCFullYear();
  const m = String(startedAt.getUTCMonth() + 1).padStart(2, '0');
  const d = String(startedAt.getUTCDate()).padStart(2, '0');
  return `${prefix}${y}/${m}/${d}/${showId}.${ext}`;
}

/** The MP3 rendition next to a recording: `….opus` → `….mp3`. */
export function renditionKey(key: string): string {
  return `${key.replace(RECORDING_EXT_RE, '')}.mp3`;
}

/** The manifest stored next to a recording: `….opus` → `….manifest.json`. */
export function manifestKey(key: string): string {
  return `${key.replace(RECORDING_EXT_RE, '')}.manifest.json`;
}

/** The waveform (peaks for the console's player) next to a recording: `….opus` → `….waveform.json`. */
export function waveformKey(key: string): string {
  return `${key.replace(RECORDING_EXT_RE, '')}.waveform.json`;
}

/** The CUE sheet next to a recording: `….opus` → `….cue`. */
export function cueKey(key: string): string {
  return `${key.replace(RECORDING_EXT_RE, '')}.cue`;
}

/** The extensions a recording's key ends in. */
const RECORDING_EXT_RE = /\.(opus|mp3|ogg)$/;

const SHOW_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function checkShowId(showId: string): void {
  if (!SHOW_ID_RE.test(showId)) throw new RangeError(`show id "${showId}" must be letters, digits, '.', '_' or '-'`);
}

/**
 * The spool copy of a show still being recorded: `<prefix>spool/<show-id>/`, holding its closed
 * segments and a manifest listing them. Removed once the finalized show is verified.
 */
export function spoolCopyPrefix(showId: string, prefix = 'recordings/'): string {
  checkShowId(showId);
  return `${prefix}spool/${showId}/`;
}

export const SPOOL_COPY_MANIFEST = 'manifest.json';

/** The show id of a key under `<prefix>spool/`, or null for any other key. */
export function showIdOfSpoolKey(key: string, prefix = 'recordings/'): string | null {
  const base = `${prefix}spool/`;
  if (!key.startsWith(base)) return null;
  const id = key.slice(base.length).split('/')[0] ?? '';
  return SHOW_ID_RE.test(id) ? id : null;
}
