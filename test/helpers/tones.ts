// Generates test audio (sine tones) with ffmpeg into a per-run temp dir, cached per
// (format, tones, title). Feeds the file-based peers (shout, ezstream) and analysis unit tests.
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type ToneFormat = 'mp3' | 'ogg-opus' | 'ogg-vorbis' | 'wav';

export interface ToneSegment {
  frequencyHz: number;
  durationS: number;
}

export interface ToneFileOptions {
  /** Embedded as the file's title tag (ID3 / Vorbis comment). */
  title?: string;
}

/** The Content-Type a source would announce for each format. */
export const TONE_CONTENT_TYPES: Readonly<Record<ToneFormat, string>> = {
  mp3: 'audio/mpeg',
  'ogg-opus': 'audio/ogg',
  'ogg-vorbis': 'audio/ogg',
  wav: 'audio/wav',
};

const EXTENSIONS: Readonly<Record<ToneFormat, string>> = {
  mp3: 'mp3',
  'ogg-opus': 'opus',
  'ogg-vorbis': 'ogg',
  wav: 'wav',
};

/** ffmpeg output options per format: MP3 128k CBR 44.1 kHz, Opus 96k 48 kHz, Vorbis q4, 16-bit WAV. */
export const ENCODER_ARGS: Readonly<Record<ToneFormat, readonly string[]>> = {
  mp3: ['-ar', '44100', '-ac', '2', '-c:a', 'libmp3lame', '-b:a', '128k', '-f', 'mp3'],
  'ogg-opus': ['-ar', '48000', '-ac', '2', '-c:a', 'libopus', '-b:a', '96k', '-f', 'ogg'],
  'ogg-vorbis': ['-ar', '44100', '-ac', '2', '-c:a', 'libvorbis', '-q:a', '4', '-f', 'ogg'],
  wav: ['-ar', '44100', '-ac', '2', '-c:a', 'pcm_s16le', '-f', 'wav'],
};

let dir: string | undefined;
const cache = new Map<string, Promise<string>>();

/** The per-run directory holding generated files (world-readable, removed at exit). */
export function toneDir(): string {
  if (dir === undefined) {
    const created = mkdtempSync(join(tmpdir(), 'aircheck-tones-'));
    chmodSync(created, 0o755); // peers running as other users (icecast2) may read these
    process.on('exit', () => rmSync(created, { recursive: true, force: true }));
    dir = created;
  }
  return dir;
}

/** A file holding one sine tone. */
export function toneFile(format: ToneFormat, frequencyHz: number, durationS: number, opts: ToneFileOptions = {}): Promise<string> {
  return toneSequenceFile(format, [{ frequencyHz, durationS }], opts);
}

/** A file holding tones back to back (e.g. A then B then A, for timeline tests). */
export function toneSequenceFile(format: ToneFormat, segments: readonly ToneSegment[], opts: ToneFileOptions = {}): Promise<string> {
  if (segments.length === 0) throw new Error('toneSequenceFile: give at least one segment');
  const key = JSON.stringify([format, segments.map((s) => [s.frequencyHz, s.durationS]), opts.title ?? null]);
  let file = cache.get(key);
  if (file === undefined) {
    file = generate(format, segments, opts, cache.size);
    cache.set(key, file);
    file.catch(() => cache.delete(key));
  }
  return file;
}

async function generate(format: ToneFormat, segments: readonly ToneSegment[], opts: ToneFileOptions, index: number): Promise<string> {
  const name = segments.map((s) => `${s.frequencyHz}hz-${s.durationS}s`).join('_');
  const path = join(toneDir(), `${index}-${name}.${EXTENSIONS[format]}`);
  const sources = segments.map((s, i) => `sine=frequency=${s.frequencyHz}:duration=${s.durationS}:sample_rate=48000[s${i}]`);
  const graph =
    segments.length === 1
      ? sources[0]!.replace('[s0]', '[out]')
      : `${sources.join(';')};${segments.map((_, i) => `[s${i}]`).join('')}concat=n=${segments.length}:v=0:a=1[out]`;
  const args = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y', '-filter_complex', graph, '-map', '[out]', '-map_metadata', '-1'];
  if (opts.title !== undefined) args.push('-metadata', `title=${opts.title}`);
  args.push(...ENCODER_ARGS[format], path);
  await new Promise<void>((resolve, reject) => {
    execFile('ffmpeg', args, { timeout: 60_000 }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`ffmpeg could not generate ${path}: ${stderr || err.message}`, { cause: err }));
      else resolve();
    });
  });
  return path;
}
