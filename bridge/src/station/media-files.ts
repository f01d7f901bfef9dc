// The media folder (<data_dir>/media/) as the console edits it: audio uploaded through PUT
// /api/v1/media/{name} streamed to a temporary file under a size limit, checked as playable by the
// fallback's own loader (a probe bridge.ts gives), then renamed into place; listing with size and
// duration; removal. Fed by the REST API through bridge.ts; feeds the fallback choices (mount-settings.ts).
import { createWriteStream, renameSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AircheckError, isAircheckError } from '../../../shared/src/errors.ts';
import { BUNDLED_FALLBACK, MEDIA_EXTENSIONS, NO_FALLBACK, listMedia, type MediaFile } from './mount-settings.ts';

/**
 * Largest upload: the fallback loader's own limit (bridge/src/mounts/file-feed.ts MAX_FILE_BYTES,
 * kept equal by media-files.test.ts): a bigger file could never be played.
 */
export const MEDIA_MAX_BYTES = 64 * 1024 * 1024;
const MAX_UPLOAD_NAME_CHARS = 128;
/** Letters, digits, '.', '_', '-' and spaces, starting with a letter or digit. */
const UPLOAD_NAME_RE = /^[\p{L}\p{N}][\p{L}\p{N}._ -]*$/u;

/** What the fallback loader says of a file: its format and loop length, or it throws FALLBACK_FILE_INVALID. */
export type MediaProbe = (file: string) => { format: string; durationMs: number };

export interface UploadedMedia extends MediaFile {
  /** An existing file of that name was replaced. */
  replaced: boolean;
}

/**
 * Why `name` cannot be the name of an uploaded file, or null: a plain file name of letters, digits,
 * '.', '_', '-' and spaces with an audio extension (no path, no hidden file, not a reserved word).
 */
export function uploadNameProblem(name: string): string | null {
  if (name === '') return 'it is empty';
  if (name.includes('/') || name.includes('\\')) return 'it is a path, and only a plain file name is allowed';
  if (name.startsWith('.')) return 'it is a hidden file name (starting with ".")';
  if (name.length > MAX_UPLOAD_NAME_CHARS) return `it is longer than ${MAX_UPLOAD_NAME_CHARS} characters`;
  if (!UPLOAD_NAME_RE.test(name)) return 'it may hold only letters, digits, ".", "_", "-" and spaces, starting with a letter or digit';
  if (name.includes('..')) return 'it contains ".."';
  if (name !== name.trim()) return 'it ends with a space';
  if (name === BUNDLED_FALLBACK || name === NO_FALLBACK) return `"${name}" is a reserved fallback choice`;
  if (!MEDIA_EXTENSIONS.some((ext) => name.toLowerCase().endsWith(ext))) return `it does not end in an audio extension (${MEDIA_EXTENSIONS.join(', ')})`;
  return null;
}

/** API_BAD_REQUEST naming the upload's name, its value and the fix, when the name is not allowed. */
export function checkUploadName(name: string): void {
  const problem = uploadNameProblem(name);
  if (problem) {
    throw new AircheckError('API_BAD_REQUEST', `path field "name" is ${JSON.stringify(name.slice(0, 80))}: ${problem}; name the file like "night-loop.mp3" (letters, digits, ".", "_", "-", spaces; ${MEDIA_EXTENSIONS.join(', ')})`);
  }
}

function tooLarge(bytes: number, maxBytes: number): AircheckError {
  return new AircheckError('MEDIA_TOO_LARGE', `the upload has ${bytes} bytes or more, at most ${maxBytes} bytes (${Math.round(maxBytes / 1024 / 1024)} MiB) are accepted: upload a shorter loop or a lower bitrate`);
}

/**
 * Streams `body` into `file` (created new, never overwriting), stopping with MEDIA_TOO_LARGE as soon
 * as more than `maxBytes` arrived; never holds more than a chunk in memory. On any failure the file
 * is removed. Resolves to the bytes written.
 */
export async function writeLimited(body: Readable, file: string, maxBytes: number): Promise<number> {
  let total = 0;
  const limiter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      total += chunk.length;
      if (total > maxBytes) done(tooLarge(total, maxBytes));
      else done(null, chunk);
    },
  });
  try {
    await pipeline(body, limiter, createWriteStream(file, { flags: 'wx', mode: 0o644 }));
    return total;
  } catch (err) {
    rmSync(file, { force: true });
    if (isAircheckError(err)) throw err;
    throw new AircheckError('API_BAD_REQUEST', `the upload did not arrive whole (${(err as Error).message}): send it again`, { cause: err });
  }
}

export class MediaFiles {
  readonly dir: string;
  readonly maxBytes: number;
  readonly #probe: MediaProbe;
  /** Durations by name, valid while the file's size and mtime stay: listing reads each file once. */
  readonly #durations = new Map<string, { key: string; durationMs: number | null }>();

  constructor(opts: { dir: string; probe: MediaProbe; maxBytes?: number }) {
    this.dir = opts.dir;
    this.#probe = opts.probe;
    this.maxBytes = opts.maxBytes ?? MEDIA_MAX_BYTES;
  }

  /** "bundled" and the audio files of the folder, each with its size and loop duration (null: not playable). */
  list(): MediaFile[] {
    return listMedia(this.dir).map((f) => (f.bundled ? f : { ...f, durationMs: this.#durationOf(f.name) }));
  }

  #durationOf(name: string): number | null {
    const file = join(this.dir, name);
    let key: string;
    try {
      const st = statSync(file);
      key = `${st.size}:${st.mtimeMs}`;
    } catch {
      return null;
    }
    const known = this.#durations.get(name);
    if (known?.key === key) return known.durationMs;
    let durationMs: number | null = null;
    try {
      durationMs = this.#probe(file).durationMs;
    } catch {
      // Not playable: listed without a duration (choosing it is refused with the reason).
    }
    this.#durations.set(name, { key, durationMs });
    return durationMs;
  }

  exists(name: string): boolean {
    try {
      return statSync(join(this.dir, name)).isFile();
    } catch {
      return false;
    }
  }

  /**
   * Stores an upload under `name`: MEDIA_EXISTS when the name is taken and `replace` is false,
   * MEDIA_TOO_LARGE when `declaredBytes` or the bytes that arrive pass the limit, API_BAD_REQUEST
   * when the audio is not something the fallback loader plays. Only a checked file is renamed into
   * place; nothing is left behind otherwise.
   */
  async upload(name: string, body: Readable, opts: { declaredBytes: number | null; replace: boolean }): Promise<UploadedMedia> {
    checkUploadName(name);
    const existed = this.exists(name);
    if (existed && !opts.replace) throw this.#exists(name);
    if (opts.declaredBytes !== null && opts.declaredBytes > this.maxBytes) throw tooLarge(opts.declaredBytes, this.maxBytes);
    // A hidden name: never listed, never choosable, while it is written and checked.
    const temp = join(this.dir, `.upload-${randomBytes(6).toString('hex')}.part`);
    const sizeBytes = await writeLimited(body, temp, this.maxBytes);
    try {
      if (sizeBytes === 0) throw new AircheckError('API_BAD_REQUEST', `the upload of ${JSON.stringify(name)} is empty: send the audio file as the request body`);
      let probed: { format: string; durationMs: number };
      try {
        probed = this.#probe(temp);
      } catch (err) {
        // The loader's message names the temporary file: the answer names the upload instead.
        const reason = (err as Error).message.split(temp).join(name);
        // Its messages end with what to do ("use an MP3, Ogg Opus or Ogg Vorbis file").
        throw new AircheckError('API_BAD_REQUEST', `the upload of ${JSON.stringify(name)} is not audio we can play: ${reason}`, { cause: err });
      }
      // Another upload may have taken the name meanwhile.
      if (!existed && !opts.replace && this.exists(name)) throw this.#exists(name);
      renameSync(temp, join(this.dir, name));
      const st = statSync(join(this.dir, name));
      this.#durations.set(name, { key: `${st.size}:${st.mtimeMs}`, durationMs: probed.durationMs });
      return { name, sizeBytes, durationMs: probed.durationMs, bundled: false, replaced: existed };
    } finally {
      rmSync(temp, { force: true });
    }
  }

  /** Removes a file of the folder (MEDIA_NOT_FOUND when there is none). The caller checks it is unused. */
  remove(name: string): void {
    if (!this.exists(name)) throw new AircheckError('MEDIA_NOT_FOUND', `there is no media file ${JSON.stringify(name.slice(0, 80))}: list them with GET /api/v1/media`);
    unlinkSync(join(this.dir, name));
    this.#durations.delete(name);
  }

  #exists(name: string): AircheckError {
    return new AircheckError('MEDIA_EXISTS', `a media file named ${JSON.stringify(name)} exists already: upload with ?replace=1 to replace it, or choose another name`);
  }
}
