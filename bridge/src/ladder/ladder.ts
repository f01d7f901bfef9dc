// A transcoded ladder: the derived mounts (rungs) of one parent mount. Attached to the parent as a
// 'heard' output (mount-output.ts), so it follows what the parent's listeners hear — its source, the
// fallback while the source is away, the source again — and feeds each rung's mount as an in-process
// source (mount-source.ts). The parent's audio is decoded once and every rung encoded by one encoder
// off the event loop (encoder-backend.ts: ffmpeg child process or WebAssembly worker). The encoder
// goes on across a switch of feed or a new Ogg chain whenever its decoder can decode what comes (Ogg:
// the chains are joined into one logical stream by OggContinuity, as for Ogg listeners; MP3: the same
// MPEG version, layer, sample rate and channels), so the rungs play through a fallback and a return
// without the pause of an encoder start. A chain or frames the decoder cannot take (another channel
// count, Vorbis setup, MP3 sample rate) start a new encoder and the old one's tail is handed over; a
// switch to another format or studio bitrate stops the old one. The rungs' sources, and so their
// listeners' connections, stay. Titles: ICY for MP3/AAC rungs; Ogg rungs get a
// new chain whose comment header carries the title (the encoder restarts on a title change). Fed by
// the registry's tick; feeds the rungs' mounts.
import type { Logger } from 'pino';
import { AircheckError } from '../../../shared/src/errors.ts';
import type { AudioUnit, StreamFramer } from '../../../shared/src/audio-unit.ts';
import { mpegFrameInfo } from '../../../shared/src/mp3/mp3-framer.ts';
import { OggContinuity } from '../../../shared/src/ogg/ogg-continuity.ts';
import type { RungConfig } from '../../../config/src/config-schema.ts';
import type { MountOutput, StreamStart } from '../mounts/mount-output.ts';
import { InProcessSource, type MountSourceHost } from '../mounts/mount-source.ts';
import type { StreamInfo } from '../mounts/mount.ts';
import type { EncoderBackend, EncoderEvents, EncoderInput } from './encoder-backend.ts';
import { rungFormat, rungFramer, rungInfo, rungSampleRate, rungUsesIcy } from './rung-format.ts';

/** The registry as the ladder sees it. */
export interface LadderHost extends MountSourceHost {
  attachHeardOutput(path: string, output: MountOutput, format: null): () => void;
  /** Listeners of a mount (on-demand encoding of the parent's fallback). */
  countListenersOf(path: string): number;
}

export type CreateEncoder = (input: EncoderInput, rungs: readonly RungConfig[], title: string, events: EncoderEvents) => EncoderBackend;

export interface LadderOptions {
  parentPath: string;
  rungs: readonly RungConfig[];
  /** Which encoder: engine.ts chooseEncoder(). */
  createEncoder: CreateEncoder;
  /** For logs and status: 'ffmpeg' or 'wasm'. */
  engineName: string;
  log: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** After an encoder failure, the next start waits this long (default 5 s). */
  retryAfterMs?: number;
  now?: () => number;
}

export interface LadderStatus {
  /** 'ffmpeg' or 'wasm'. */
  engine: string;
  /** An encoder runs now (none while the parent has nothing to play, or while one waits to retry). */
  encoding: boolean;
  encoderStarts: number;
  failures: number;
  lastError: { code: string; message: string } | null;
  /** Parent bytes dropped because an encoder fell behind (since start). */
  droppedInputBytes: number;
  rungs: { path: string; codec: string; bitrateKbps: number; sampleRateHz: number; channels: number; streaming: boolean; droppedUnits: number }[];
}

/** A handed-over encoder has this long to deliver its tail before it is killed. */
const DRAIN_MS = 1000;

interface Rung {
  /** As configured. */
  readonly config: RungConfig;
  /** As encoded for the current parent stream (a studio show's MP3 bitrate on a `bitrate_from_studio` rung). */
  effective: RungConfig;
  source: InProcessSource | null;
  framer: StreamFramer;
  /** Units the rung's mount refused (its queue full): counted, never waited for. */
  droppedUnits: number;
}

export class Ladder implements MountOutput {
  readonly name: string;
  readonly parentPath: string;
  readonly engineName: string;
  readonly #host: LadderHost;
  readonly #opts: LadderOptions;
  readonly #rungs: Rung[];
  readonly #now: () => number;
  #detach: (() => void) | null = null;
  #encoder: EncoderBackend | null = null;
  #encoderStarts = 0;
  #input: EncoderInput | null = null;
  #info: StreamInfo | null = null;
  /** The parent plays its fallback (no source of its own): encoded only while a rung has listeners. */
  #onFallback = false;
  #title = '';
  /** Header pages of the parent's current Ogg chain (copies): a restarted decoder needs them first. */
  #oggHeaders: Uint8Array[] = [];
  /**
   * Ogg input: every byte the encoder gets goes through this re-muxer (made with the encoder), so a
   * later chain its decoder can decode reaches it as more pages of the one stream it knows.
   */
  #joiner: OggContinuity | null = null;
  /** MP3 input: the frame parameters the running encoder decodes (version, layer, rate, channels), '' before its first frame. */
  #mp3Key = '';
  /** MP3 input: a new feed's first frame is compared with #mp3Key before the encoder takes it. */
  #checkMp3 = false;
  #restartNeeded = false;
  #retryAtMs = 0;
  /** Parent bytes dropped by encoders no longer running. */
  #droppedInputBytes = 0;
  /** The encoder being handed over (closed, its tail still going to the rungs), or null. */
  #draining: EncoderBackend | null = null;
  #drainTimer: ReturnType<typeof setTimeout> | null = null;
  /** The new encoder's output while the old one drains, in order. */
  #held: { rung: number; bytes: Uint8Array }[] = [];
  /** Encoder failures since start (status, tests). */
  failures = 0;
  lastError: AircheckError | null = null;

  constructor(host: LadderHost, opts: LadderOptions) {
    this.#host = host;
    this.#opts = opts;
    this.parentPath = opts.parentPath;
    this.engineName = opts.engineName;
    this.name = `ladder of ${opts.parentPath}`;
    this.#now = opts.now ?? Date.now;
    this.#rungs = opts.rungs.map((config) => ({ config, effective: config, source: null, framer: rungFramer(config), droppedUnits: 0 }));
  }

  /** Follows the parent from now on. */
  start(): void {
    if (this.#detach) return;
    this.#detach = this.#host.attachHeardOutput(this.parentPath, this, null);
  }

  /** Detaches, stops the encoder and ends every rung's source (shutdown, reload). */
  stop(reason = 'ladder stopped'): void {
    this.#detach?.();
    this.#detach = null;
    this.#stopEncoder();
    this.#input = null;
    for (const r of this.#rungs) this.#endRung(r, reason);
  }

  /** How many encoders were started (one per parent stream, plus restarts). */
  get encoderStarts(): number {
    return this.#encoderStarts;
  }

  /** For the admin status: the engine, the encoder's life and each rung as encoded now. */
  get status(): LadderStatus {
    return {
      engine: this.engineName,
      encoding: this.#encoder !== null,
      encoderStarts: this.#encoderStarts,
      failures: this.failures,
      lastError: this.lastError ? { code: this.lastError.code, message: this.lastError.message } : null,
      droppedInputBytes: this.#droppedInputBytes + (this.#encoder?.droppedBytes ?? 0),
      rungs: this.#rungs.map((r) => ({
        path: r.config.path,
        codec: r.config.codec,
        bitrateKbps: r.effective.bitrate_kbps,
        sampleRateHz: rungSampleRate(r.effective),
        channels: r.effective.channels,
        streaming: r.source?.state === 'streaming',
        droppedUnits: r.droppedUnits,
      })),
    };
  }

  get rungPaths(): string[] {
    return this.#rungs.map((r) => r.config.path);
  }

  // ---- MountOutput ----------------------------------------------------------------------------

  streamStarted(start: StreamStart): void {
    if (start.format === 'aac') {
      // Never a parent's format (sources are MP3 or Ogg); a rung of a rung is refused at config load.
      this.#stopEncoder();
      this.#input = null;
      return;
    }
    // effectiveRung() changes a rung's bitrate only (a studio show's MP3 bitrate).
    const sameRungs = this.#rungs.every((r) => r.effective.bitrate_kbps === effectiveRung(r.config, start.info).bitrate_kbps);
    // The running encoder goes on when its decoder takes the new feed (checked as its first audio comes, in units()).
    const goOn = this.#encoder !== null && this.#draining === null && this.#input?.format === start.format && sameRungs;
    if (!goOn) this.#stopEncoder();
    this.#input = { format: start.format };
    this.#info = start.info;
    this.#onFallback = start.feedPath !== start.mountPath;
    for (const r of this.#rungs) r.effective = effectiveRung(r.config, start.info);
    // A new feed brings its own title (the registry calls title() next when it has one): the old one goes.
    if (this.#title !== '') {
      this.#title = '';
      for (const r of this.#rungs) if (rungUsesIcy(r.config)) r.source?.setTitle('');
      // An Ogg rung's chain carries the old title in its comment header: a new chain, handed over.
      if (goOn && this.#rungs.some((r) => !rungUsesIcy(r.config))) this.#restartNeeded = true;
    }
    this.#oggHeaders = start.headerPages.map(copyBytes);
    if (!goOn) this.#restartNeeded = true;
    else if (start.format === 'mp3') this.#checkMp3 = true;
    else if (this.#oggHeaders.length > 0 && !this.#restartNeeded && !this.#writeParent(Buffer.concat(this.#oggHeaders))) this.#restartNeeded = true;
    for (const r of this.#rungs) this.#startRung(r);
  }

  title(title: string): void {
    if (title === this.#title) return;
    this.#title = title;
    for (const r of this.#rungs) if (rungUsesIcy(r.config)) r.source?.setTitle(title);
    // Ogg rungs carry the title in a new chain's comment header: the encoder starts again.
    if (this.#encoder && this.#rungs.some((r) => !rungUsesIcy(r.config))) this.#restartNeeded = true;
  }

  /** The parent's stream info changed (a studio show renamed): the rungs show it; the encoding stays. */
  info(info: StreamInfo): void {
    this.#info = info;
    for (const r of this.#rungs) if (r.source?.state === 'streaming') r.source.setInfo(rungInfo(info, r.effective));
  }

  units(units: readonly AudioUnit[]): void {
    if (!this.#input) return;
    // The parent's fallback with nobody on a rung: no encoder (an idle station spends nothing); the
    // first rung listener starts one with the chain's header pages (kept below), within a tick.
    const idle = this.#onFallback && this.#rungs.every((r) => this.#host.countListenersOf(r.config.path) === 0);
    if (idle && this.#encoder) {
      this.#stopEncoder();
      this.#restartNeeded = true;
    }
    let parts: Uint8Array[] = [];
    const flush = () => {
      if (parts.length === 0) return;
      const bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
      parts = [];
      if (!this.#writeParent(bytes)) {
        // A chain the encoder's decoder cannot take (another channel count or Vorbis setup): a new
        // encoder, handed over, starts with that chain's header pages (#oggHeaders).
        this.#restartEncoder();
      }
    };
    for (const u of units) {
      // A new Ogg chain (a source's title change, a file loop): its header pages are collected; the
      // joiner decides at the last one whether the running decoder takes it (flush() above).
      if (u.newStream) this.#oggHeaders = [];
      if (this.#checkMp3 && this.#encoder && !u.isHeader) {
        this.#checkMp3 = false;
        if (mp3KeyOf(u.data) !== this.#mp3Key) {
          flush();
          this.#restartNeeded = true;
        }
      }
      if (this.#restartNeeded && !idle && this.#now() >= this.#retryAtMs) {
        flush();
        if (this.#restartNeeded) this.#restartEncoder(); // unless flush() just did
      }
      if (!this.#encoder) {
        if (u.isHeader) this.#oggHeaders.push(copyBytes(u.data)); // for an encoder started mid-chain
        continue;
      }
      const copy = copyBytes(u.data);
      if (u.isHeader) this.#oggHeaders.push(copy);
      else if (this.#input?.format === 'mp3' && this.#mp3Key === '') this.#mp3Key = mp3KeyOf(copy);
      parts.push(copy);
      // The header set of a new chain is complete: what the joiner decides applies from the next unit on.
      if (u.isHeader) flush();
    }
    flush();
  }

  /**
   * Writes parent bytes to the encoder: MP3 as they are, Ogg through the joiner. false when the
   * joiner could not join a new chain onto the stream the decoder knows (nothing was written then).
   */
  #writeParent(bytes: Uint8Array): boolean {
    const encoder = this.#encoder;
    if (!encoder) return true;
    const joiner = this.#joiner;
    if (!joiner) {
      encoder.write(bytes);
      return true;
    }
    const chains = joiner.chains;
    const out = joiner.push(bytes);
    if (joiner.chains !== chains) return false;
    if (out.length > 0) encoder.write(out);
    return true;
  }

  streamEnded(reason: string): void {
    this.#stopEncoder();
    this.#input = null;
    for (const r of this.#rungs) this.#endRung(r, `parent ${this.parentPath}: ${reason}`);
  }

  // ---- internals ------------------------------------------------------------------------------

  /**
   * A new encoder for the current parent stream. A running one (a new Ogg chain of the same feed: a
   * title change) is handed over, not killed: it gets no more input, encodes what it holds and its
   * tail reaches the rungs; the new encoder's output waits until then (at most DRAIN_MS), so the
   * rungs' audio goes on without a hole.
   */
  #restartEncoder(): void {
    const old = this.#encoder;
    this.#encoder = null;
    this.#droppedInputBytes += old?.droppedBytes ?? 0;
    if (old && this.#draining === null && this.#input) this.#drain(old);
    else {
      old?.kill();
      this.#held = [];
    }
    this.#restartNeeded = false;
    if (!this.#input) return;
    for (const r of this.#rungs) {
      if (this.#draining === null) r.framer = rungFramer(r.config);
      this.#startRung(r);
    }
    const encoder = this.#opts.createEncoder(this.#input, this.#rungs.map((r) => r.effective), this.#title, {
      output: (i, bytes) => {
        if (this.#draining === encoder) this.#rungOutput(this.#rungs[i]!, bytes);
        if (this.#encoder !== encoder) return;
        if (this.#draining !== null) this.#held.push({ rung: i, bytes });
        else this.#rungOutput(this.#rungs[i]!, bytes);
      },
      exited: (error) => {
        if (this.#draining === encoder) this.#endDrain();
        if (this.#encoder !== encoder) return;
        this.#encoder = null;
        this.#droppedInputBytes += encoder.droppedBytes;
        if (error === null) return;
        this.failures++;
        this.lastError = error;
        this.#retryAtMs = this.#now() + (this.#opts.retryAfterMs ?? 5000);
        this.#restartNeeded = true;
        this.#opts.log.error({ mount: this.parentPath, engine: this.engineName, code: error.code, err: error.message }, 'ladder encoder failed');
        for (const r of this.#rungs) this.#endRung(r, 'ladder encoder failed', error);
      },
    });
    this.#encoder = encoder;
    this.#encoderStarts++;
    this.#joiner = null;
    this.#mp3Key = '';
    this.#checkMp3 = false;
    if (this.#input.format !== 'mp3') {
      this.#joiner = new OggContinuity();
      if (this.#oggHeaders.length > 0) this.#writeParent(Buffer.concat(this.#oggHeaders));
    }
  }

  #stopEncoder(): void {
    const e = this.#encoder;
    this.#encoder = null;
    this.#joiner = null;
    this.#checkMp3 = false;
    this.#droppedInputBytes += e?.droppedBytes ?? 0;
    e?.kill();
    this.#held = []; // the killed encoder's output goes nowhere (kill(): no more events), also what it had made
    if (this.#draining) this.#endDrain();
  }

  #drain(old: EncoderBackend): void {
    this.#draining = old;
    old.close();
    this.#drainTimer = setTimeout(() => this.#endDrain(), DRAIN_MS);
    this.#drainTimer.unref?.();
  }

  /** The handed-over encoder is done (or out of time): the new one's held output follows its tail. */
  #endDrain(): void {
    const old = this.#draining;
    if (!old) return;
    this.#draining = null;
    if (this.#drainTimer) clearTimeout(this.#drainTimer);
    this.#drainTimer = null;
    old.kill();
    for (const r of this.#rungs) r.framer = rungFramer(r.config);
    const held = this.#held;
    this.#held = [];
    for (const h of held) this.#rungOutput(this.#rungs[h.rung]!, h.bytes);
  }

  #rungOutput(r: Rung, bytes: Uint8Array): void {
    let units: AudioUnit[];
    try {
      units = r.framer.push(bytes);
    } catch (err) {
      this.#opts.log.error({ mount: r.config.path, err: (err as Error).message }, 'ladder rung output unreadable');
      r.framer = rungFramer(r.config);
      return;
    }
    if (units.length === 0 || !r.source || r.source.state !== 'streaming') return;
    if (!r.source.push(units)) r.droppedUnits += units.length;
  }

  /** Claims the rung's mount and starts its stream, unless its source already streams. */
  #startRung(r: Rung): void {
    if (!this.#info) return;
    const info = rungInfo(this.#info, r.effective);
    if (r.source && r.source.state === 'streaming') {
      r.source.setInfo(info);
      return;
    }
    try {
      // Paced: an encoder's output comes in bursts (a parent page of up to 1 s — the bundled Ogg
      // fallback's — is encoded at once); listeners get it at real time, as from any source.
      const source = InProcessSource.claim(this.#host, { kind: 'rung', mountPath: r.config.path, remoteAddress: this.name, paced: true, now: this.#now });
      source.onEnded = () => {
        if (r.source === source) r.source = null;
      };
      r.source = source;
      source.start(rungFormat(r.config), info);
      if (this.#title && rungUsesIcy(r.config)) source.setTitle(this.#title);
    } catch (err) {
      r.source = null;
      this.#opts.log.warn({ mount: r.config.path, parent: this.parentPath, err: (err as Error).message }, 'ladder rung cannot take its mount');
    }
  }

  #endRung(r: Rung, reason: string, error: AircheckError | null = null): void {
    const s = r.source;
    r.source = null;
    s?.end(reason, error);
  }
}

/** The rung as encoded for a parent stream: a `bitrate_from_studio` rung takes the bitrate the studio show asks for. */
export function effectiveRung(config: RungConfig, parent: StreamInfo): RungConfig {
  const kbps = parent.companionMp3Kbps;
  return config.bitrate_from_studio && kbps !== undefined && kbps !== config.bitrate_kbps ? { ...config, bitrate_kbps: kbps } : config;
}

/** What an MP3 decoder is set up for by a frame: MPEG version, layer, sample rate, channels ('' for no frame). */
function mp3KeyOf(frame: Uint8Array): string {
  const f = mpegFrameInfo(frame, 0);
  return f ? `${f.mpegVersion}/${f.layer}/${f.sampleRateHz}/${f.channels}` : '';
}

/** A copy with its own memory (Buffer's slice() would be a view). */
function copyBytes(bytes: Uint8Array): Uint8Array {
  return Uint8Array.prototype.slice.call(bytes);
}
