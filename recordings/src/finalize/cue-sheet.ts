// The CUE sheet of a finalized show (`show.cue`, next to `show.opus`): one TRACK per now-playing
// title of the manifest's tracklist, at the audio position it was set. Pure text; written by
// finalize-show.ts. The FILE line's type word is WAVE, as players (foobar2000, cuetools, VLC) write
// and accept it for any compressed file; INDEX 01 times are mm:ss:ff at 75 frames per second.
import type { ShowManifest } from '../show-manifest.ts';

/** The sheet's name in the show's directory, next to FINAL_FILE (`show.opus`). */
export const CUE_FILE = 'show.cue';

/** CUE times count 75 frames per second (the CD sector rate). */
export const CUE_FRAMES_PER_SECOND = 75;
/** The most tracks a CUE sheet may number (TRACK 01–99); later titles stay in the manifest only. */
export const CUE_MAX_TRACKS = 99;

/** `mm:ss:ff` of an offset in ms (minutes may pass 99 for long shows, as cuetools writes them). */
export function cueTime(offsetMs: number): string {
  const frames = Math.round((Math.max(0, offsetMs) * CUE_FRAMES_PER_SECOND) / 1000);
  const ff = frames % CUE_FRAMES_PER_SECOND;
  const totalSeconds = (frames - ff) / CUE_FRAMES_PER_SECOND;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(Math.floor(totalSeconds / 60))}:${pad(totalSeconds % 60)}:${pad(ff)}`;
}

/**
 * A quoted CUE string. CUE has no escape for `"`: a double quote becomes the typographic ” (as ICY
 * titles turn `'` into ’), and line breaks and other control characters are dropped, so a title can
 * never end its field or start a new command.
 */
export function cueString(value: string): string {
  return `"${value.replace(/[\u0000-\u001f\u007f]/g, '').replaceAll('"', '\u201d')}"`;
}

/**
 * The sheet for audioFile (the recording's file name). Untitled stretches (before the first title,
 * after a title was cleared) are tracks named after the show, so the tracks cover the whole file.
 */
export function buildCueSheet(m: Pick<ShowManifest, 'dj' | 'startedAt' | 'tracklist'>, audioFile: string): string {
  const showTitle = `${m.dj} ${m.startedAt}`;
  const tracks: { offsetMs: number; performer: string; title: string }[] = [];
  for (const t of m.tracklist ?? []) {
    const track = t.title || t.artist ? { offsetMs: t.offsetMs, performer: t.artist || m.dj, title: t.title || t.artist } : { offsetMs: t.offsetMs, performer: m.dj, title: showTitle };
    const last = tracks.at(-1);
    // Two changes in the same CUE frame: the later one is what listeners heard.
    if (last && cueTime(last.offsetMs) === cueTime(track.offsetMs)) tracks[tracks.length - 1] = track;
    else tracks.push(track);
  }
  if (tracks.length === 0 || cueTime(tracks[0]!.offsetMs) !== cueTime(0)) tracks.unshift({ offsetMs: 0, performer: m.dj, title: showTitle });
  const lines = [`PERFORMER ${cueString(m.dj)}`, `TITLE ${cueString(showTitle)}`, `FILE ${cueString(audioFile)} WAVE`];
  tracks.slice(0, CUE_MAX_TRACKS).forEach((t, i) => {
    lines.push(`  TRACK ${String(i + 1).padStart(2, '0')} AUDIO`, `    TITLE ${cueString(t.title)}`, `    PERFORMER ${cueString(t.performer)}`, `    INDEX 01 ${cueTime(t.offsetMs)}`);
  });
  return `${lines.join('\r\n')}\r\n`;
}
