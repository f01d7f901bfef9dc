// One connected source client: decodes its body (raw, chunked or sized), frames the audio, paces
// it to real time, pauses a source that runs ahead, times out a source that stalls. Fed by the
// stream server after authentication; feeds its Mount through the bridge tick (tick()).
import type { Socket } from 'node:net';
import { AircheckError, isAircheckError } from '../../../shared/src/errors.ts';
import type { AudioUnit, StreamFormat, StreamFramer } from '../../../shared/src/audio-unit.ts';
import { containerForContentType, createFramer, sniffFormat } from './formats/create-framer.ts';
import { ChunkedDecoder } from '../http/chunked-decoder.ts';
import { Pacer } from './pacer.ts';
import type { MountSource } from '../mounts/mount-source.ts';

export type BodyMode = { kind: 'stream' } | { kind: 'chunked' } | { kind: 'length'; bytes: number };

export interface SourceEvents {
  /** The first audio is due: the mount should start a stream of this format. */
  onStart(session: SourceSession, format: StreamFormat): void;
  /** Units due now, in order. */
  onUnits(session: SourceSession, units: AudioUnit[]): void;
  /** The source is gone and everything it sent has been released. */
  onEnd(session: SourceSession, reason: string, error: AircheckError | null): void;
  onBytes(session: SourceSession, bytes: number): void;
}

export interface SourceLimits {
  sourceTimeoutMs: number;
  sourceLeadMs: number;
}

const SNIFF_BYTES = 4;

export class SourceSession implements MountSource {
  readonly kind = 'socket' as const;
  readonly mountPath: string;
  readonly socket: Socket;
  readonly remoteAddress: string;
  readonly connectedAtMs = Date.now();
  readonly declaredContentType: string;
  format: StreamFormat | null = null;
  bytesReceived = 0;
  state: 'streaming' | 'draining' | 'ended' = 'streaming';
  private framer: StreamFramer | null = null;
  private readonly pacer = new Pacer();
  private readonly chunked: ChunkedDecoder | null;
  private remainingBodyBytes: number;
  private sniffBuffer: Uint8Array | null = new Uint8Array(0);
  private lastDataMs = Date.now();
  private paused = false;
  private started = false;
  private endReason = '';
  private endError: AircheckError | null = null;
  private readonly events: SourceEvents;
  private readonly limits: SourceLimits;
  private readonly released: AudioUnit[] = [];

  constructor(opts: {
    mountPath: string;
    socket: Socket;
    contentType: string;
    body: BodyMode;
    firstBytes: Uint8Array;
    events: SourceEvents;
    limits: SourceLimits;
  }) {
    this.mountPath = opts.mountPath;
    this.socket = opts.socket;
    this.remoteAddress = opts.socket.remoteAddress ?? '';
    this.declaredContentType = opts.contentType;
    this.events = opts.events;
    this.limits = opts.limits;
    this.chunked = opts.body.kind === 'chunked' ? new ChunkedDecoder() : null;
    this.remainingBodyBytes = opts.body.kind === 'length' ? opts.body.bytes : Number.POSITIVE_INFINITY;
    this.socket.on('data', (buf: Buffer) => this.onData(buf));
    this.socket.on('end', () => this.finish('source disconnected', null));
    this.socket.on('close', () => this.finish('source disconnected', null));
    // The network failed, not the audio (a reset, a broken pipe): counted apart from SOURCE_BAD_AUDIO.
    this.socket.on('error', (err) => this.finish('connection lost', new AircheckError('SOURCE_CONNECTION_LOST', `the source's connection failed: ${err.message}`, { cause: err })));
    if (opts.firstBytes.byteLength > 0) this.onData(opts.firstBytes);
  }

  private onData(buf: Uint8Array): void {
    if (this.state !== 'streaming') return;
    this.lastDataMs = Date.now();
    this.bytesReceived += buf.byteLength;
    this.events.onBytes(this, buf.byteLength);
    try {
      let body: Uint8Array[];
      if (this.chunked) {
        body = this.chunked.push(buf);
      } else {
        if (buf.byteLength > this.remainingBodyBytes) buf = buf.subarray(0, this.remainingBodyBytes);
        this.remainingBodyBytes -= buf.byteLength;
        body = [buf];
      }
      for (const part of body) this.frame(part);
      if ((this.chunked && this.chunked.done) || this.remainingBodyBytes === 0) {
        this.finish('source finished its body', null);
        this.socket.end();
      }
    } catch (err) {
      const error = isAircheckError(err)
        ? err
        : new AircheckError('SOURCE_BAD_AUDIO', `source audio could not be read: ${(err as Error).message}`, { cause: err });
      this.finish('bad audio', error);
      this.socket.destroy();
    }
  }

  private frame(part: Uint8Array): void {
    if (part.byteLength === 0) return;
    if (!this.framer) {
      // Look at the first bytes: a source whose declared type disagrees with its bytes is framed by its bytes.
      const sniff = Buffer.concat([this.sniffBuffer!, part]);
      if (sniff.byteLength < SNIFF_BYTES) {
        this.sniffBuffer = sniff;
        return;
      }
      this.sniffBuffer = null;
      const sniffed = sniffFormat(sniff);
      const declared = containerForContentType(this.declaredContentType);
      this.framer = createFramer(sniffed && sniffed !== declared ? (sniffed === 'ogg' ? 'application/ogg' : 'audio/mpeg') : this.declaredContentType);
      part = sniff;
    }
    const units = this.framer.push(part);
    if (units.length > 0) {
      if (!this.format && this.framer.format) this.format = this.framer.format;
      this.pacer.enqueue(units, nowUs());
    }
  }

  /** Called by the bridge tick: releases due audio, pauses a source running ahead, times out a stall. */
  tick(nowMs: number): void {
    if (this.state === 'ended') return;
    const now = nowMs * 1000;
    this.released.length = 0;
    if (this.state === 'draining' && this.pacer.queuedUnits === 0) {
      this.end();
      return;
    }
    this.pacer.releaseDue(now, this.released);
    if (this.released.length > 0) {
      if (!this.started && this.format) {
        this.started = true;
        this.events.onStart(this, this.format);
      }
      if (this.started) this.events.onUnits(this, this.released);
    }
    if (this.state !== 'streaming') return;
    const lead = this.pacer.leadUs(now);
    if (!this.paused && lead > this.limits.sourceLeadMs * 1000) {
      this.paused = true;
      this.socket.pause();
    } else if (this.paused && lead < (this.limits.sourceLeadMs * 1000) / 2) {
      this.paused = false;
      this.lastDataMs = nowMs;
      this.socket.resume();
    }
    if (!this.paused && nowMs - this.lastDataMs > this.limits.sourceTimeoutMs) {
      this.finish(
        'source stalled',
        new AircheckError('SOURCE_TIMEOUT', `source on ${this.mountPath} sent nothing for ${this.limits.sourceTimeoutMs} ms: check its network and encoder`),
      );
      this.socket.destroy();
    }
  }

  /** Stops reading; what is queued still plays out, then the session ends. */
  private finish(reason: string, error: AircheckError | null): void {
    if (this.state !== 'streaming') return;
    this.state = 'draining';
    this.endReason = reason;
    this.endError = error;
    // Nothing queued: nothing to play out. Otherwise the tick plays the queue out, then ends.
    if (this.pacer.queuedUnits === 0) this.end();
  }

  /** Ends at once, dropping anything still queued (an admin kill, a new source taking over). */
  kill(reason: string): void {
    if (this.state === 'ended') return;
    if (this.state === 'streaming') {
      this.endReason = reason;
      this.endError = null;
    }
    this.socket.destroy();
    this.end();
  }

  private end(): void {
    if (this.state === 'ended') return;
    this.state = 'ended';
    this.pacer.reset();
    this.events.onEnd(this, this.endReason || 'ended', this.endError);
  }

  get isStarted(): boolean {
    return this.started;
  }
}

function nowUs(): number {
  return Date.now() * 1000;
}
