// The ladder's ffmpeg encoder: one child process per parent stream that decodes the parent's audio
// once (stdin) and encodes every rung to its own pipe (fd 3, 4, …), off the event loop. Fed by
// ladder.ts (parent bytes, through a bounded OutputQueue with drop-oldest); feeds each rung's framer.
// The next stream's process is started ahead (FfmpegStarter): it waits on its stdin, so a fallback
// or a return does not wait for ffmpeg to start. Also probes which encoders the system ffmpeg has
// (ffmpegEncoders), for the ladder's codec choice.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { AircheckError } from '../../../shared/src/errors.ts';
import { OutputQueue } from '../mounts/mount-output.ts';
import type { RungConfig } from '../../../config/src/config-schema.ts';
import { SPARE_DELAY_MS, type EncoderBackend, type EncoderInput, type EncoderEvents } from './encoder-backend.ts';
import { rungSampleRate } from './rung-format.ts';

/** ffmpeg's encoder for each rung codec. */
export const FFMPEG_ENCODERS: Readonly<Record<RungConfig['codec'], string>> = { mp3: 'libmp3lame', aac: 'aac', vorbis: 'libvorbis', opus: 'libopus' };

/** Ogg pages of about this much audio, so a rung's listeners get audio every flush or two. */
const OGG_PAGE_DURATION_US = 200_000;
/** Parent bytes waiting for ffmpeg's stdin: about 30 s of 128 kbps, then the oldest go. */
const STDIN_QUEUE_BYTES = 512 * 1024;
const STDERR_KEEP_CHARS = 2000;

let probed: { path: string; encoders: ReadonlySet<string> | null } | null = null;

/**
 * The encoders the ffmpeg at `path` has (of FFMPEG_ENCODERS), or null when it does not run.
 * Probed once per process (`ffmpeg -encoders`, ≈ 50 ms, at start or reload, never per stream).
 */
export function ffmpegEncoders(path = 'ffmpeg'): ReadonlySet<string> | null {
  if (probed && probed.path === path) return probed.encoders;
  const run = spawnSync(path, ['-hide_banner', '-encoders'], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] });
  let encoders: Set<string> | null = null;
  if (run.status === 0 && typeof run.stdout === 'string') {
    encoders = new Set();
    for (const name of Object.values(FFMPEG_ENCODERS)) if (new RegExp(`^\\s*A\\S*\\s+${name}\\s`, 'm').test(run.stdout)) encoders.add(name);
  }
  probed = { path, encoders };
  return encoders;
}

/** The ffmpeg arguments for one stream: input format, then one output per rung on fd 3 + index. */
export function ffmpegLadderArgs(input: EncoderInput, rungs: readonly RungConfig[], title: string): string[] {
  const args = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-probesize', '4096', '-analyzeduration', '0', '-fflags', '+nobuffer'];
  args.push('-f', input.format === 'mp3' ? 'mp3' : 'ogg', '-i', 'pipe:0');
  rungs.forEach((r, i) => {
    args.push('-map', '0:a:0', '-c:a', FFMPEG_ENCODERS[r.codec], '-b:a', `${r.bitrate_kbps}k`, '-ar', String(rungSampleRate(r)), '-ac', String(r.channels));
    if (r.codec === 'mp3') args.push('-f', 'mp3', '-write_xing', '0', '-id3v2_version', '0');
    else if (r.codec === 'aac') args.push('-f', 'adts');
    else {
      if (title) args.push('-metadata', `title=${title}`);
      args.push('-f', 'ogg', '-page_duration', String(OGG_PAGE_DURATION_US));
    }
    args.push('-flush_packets', '1', `pipe:${3 + i}`);
  });
  return args;
}

const stdioFor = (rungs: number): ('pipe' | 'ignore')[] => ['pipe', 'ignore', 'pipe', ...Array.from({ length: rungs }, () => 'pipe' as const)];

/**
 * Starts a ladder's ffmpeg processes, one ahead: after each start, a spare with the same arguments
 * (the next stream is most often like this one: the fallback file and the source share a format)
 * waits on its stdin, asleep. A start with other arguments (another format, a new Ogg title) kills
 * the spare and starts its own. Owned by one ladder; dispose() when the ladder stops.
 */
export class FfmpegStarter {
  readonly path: string;
  #spare: { key: string; child: ChildProcess } | null = null;
  #timer: NodeJS.Timeout | null = null;
  #disposed = false;

  constructor(path: string) {
    this.path = path;
  }

  start(args: string[], rungs: number): ChildProcess {
    const key = JSON.stringify(args);
    let child: ChildProcess;
    if (this.#spare && this.#spare.key === key && this.#spare.child.exitCode === null && this.#spare.child.signalCode === null) {
      child = this.#spare.child;
      child.ref();
      this.#spare = null;
    } else {
      this.#killSpare();
      child = spawn(this.path, args, { stdio: stdioFor(rungs) });
    }
    // The spare starts a little later, so it never competes with the start it follows for the CPU.
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      if (this.#disposed || this.#spare) return;
      const spare = spawn(this.path, args, { stdio: stdioFor(rungs) });
      // A spare that cannot start or dies while it waits is simply not used; its pipes' errors are not the stream's.
      spare.on('error', () => {});
      for (const stream of spare.stdio) stream?.on('error', () => {});
      spare.unref();
      this.#spare = { key, child: spare };
    }, SPARE_DELAY_MS);
    this.#timer.unref();
    return child;
  }

  dispose(): void {
    this.#disposed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#killSpare();
  }

  #killSpare(): void {
    const spare = this.#spare?.child;
    this.#spare = null;
    if (spare && spare.exitCode === null && spare.signalCode === null) spare.kill('SIGKILL');
  }
}

/** One ffmpeg process for one parent stream (see the top of this file). */
export class FfmpegLadder implements EncoderBackend {
  readonly #child: ChildProcess;
  readonly #stdin: Writable;
  readonly #queue = new OutputQueue<Uint8Array>(STDIN_QUEUE_BYTES, 'drop-oldest');
  readonly #events: EncoderEvents;
  #stderr = '';
  #closed = false;
  #done = false;

  constructor(starter: FfmpegStarter | string, input: EncoderInput, rungs: readonly RungConfig[], title: string, events: EncoderEvents) {
    this.#events = events;
    const path = typeof starter === 'string' ? starter : starter.path;
    const args = ffmpegLadderArgs(input, rungs, title);
    this.#child = typeof starter === 'string' ? spawn(path, args, { stdio: stdioFor(rungs.length) }) : starter.start(args, rungs.length);
    this.#child.on('error', (err) => this.#finish(new AircheckError('LADDER_ENCODER_FAILED', `ffmpeg could not run (${path}): ${err.message}`)));
    this.#child.on('exit', (code, signal) => {
      if (this.#closed && (code === 0 || signal !== null)) this.#finish(null);
      else this.#finish(new AircheckError('LADDER_ENCODER_FAILED', `ffmpeg exited (${signal ?? `code ${code}`}): ${this.#stderr.trim().split('\n').slice(-3).join(' | ') || 'no message'}`));
    });
    this.#stdin = this.#child.stdin!;
    this.#stdin.on('error', () => {}); // EPIPE when ffmpeg exits: reported by 'exit'
    this.#stdin.on('drain', () => this.#pump());
    const stderr = this.#child.stdio[2] as Readable;
    stderr.setEncoding('utf8');
    stderr.on('data', (s: string) => (this.#stderr = (this.#stderr + s).slice(-STDERR_KEEP_CHARS)));
    stderr.on('error', () => {});
    rungs.forEach((_, i) => {
      const out = this.#child.stdio[3 + i] as Readable;
      out.on('error', () => {});
      out.on('data', (chunk: Buffer) => {
        if (!this.#done) this.#events.output(i, chunk);
      });
    });
  }

  /** Parent bytes queued to parent drops (oldest first) when ffmpeg cannot keep up. */
  get droppedBytes(): number {
    return this.#queue.droppedBytes;
  }

  write(bytes: Uint8Array): void {
    if (this.#closed) return;
    this.#queue.push(bytes);
    this.#pump();
  }

  /** No more input: ffmpeg encodes what it has and exits. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#pump();
    this.#stdin.end();
  }

  /** Stops at once; no more output events. */
  kill(): void {
    this.#closed = true;
    this.#done = true;
    this.#queue.clear();
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGKILL');
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  #pump(): void {
    while (!this.#stdin.writableNeedDrain && this.#queue.length > 0 && !this.#stdin.destroyed) this.#stdin.write(this.#queue.shift()!);
  }

  #finish(error: AircheckError | null): void {
    if (this.#done && error === null) return;
    const wasDone = this.#done;
    this.#done = true;
    this.#queue.clear();
    if (!wasDone) this.#events.exited(error);
  }
}
