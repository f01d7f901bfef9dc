// What feeds a mount: the MountSource contract the MountRegistry knows every source by (a socket
// source session, the studio show, a pull relay, a ladder rung), and InProcessSource, the source any
// in-process producer uses to feed a mount without a connection. Fed by producers; feeds the registry.
//
// Using InProcessSource (the studio's live push does this for /live and /live.mp3):
//   const src = InProcessSource.claim(registry, { kind: 'relay', mountPath: '/jazz', remoteAddress: upstreamUrl });
//     // throws AircheckError MOUNT_IN_USE / SOURCE_LIMIT_REACHED, changing nothing
//   src.onEnded = (reason, error) => …;   // ended by someone else: admin killsource, shutdown
//   src.start('mp3', info);               // a stream of this format starts (StreamInfo: ice-name, …)
//   src.push(units);                      // AudioUnits (framed), released at the registry's next tick
//   src.setTitle('Artist - Title');       // ICY now-playing (Ogg sources carry titles in comment pages)
//   src.end('upstream closed');           // what is queued plays out, then listeners move to the fallback
import type { AircheckError } from '../../../shared/src/errors.ts';
import type { AudioUnit, StreamFormat } from '../../../shared/src/audio-unit.ts';
import type { StreamInfo } from './mount.ts';
import { Pacer } from '../sources/pacer.ts';
import { cleanTitle } from '../sources/stream-info.ts';

export type MountSourceKind = 'socket' | 'studio' | 'relay' | 'rung';
export type MountSourceState = 'streaming' | 'draining' | 'ended';

/** What the registry knows of a source. A new kind of source is a new class, not a branch in the registry. */
export interface MountSource {
  readonly kind: MountSourceKind;
  readonly mountPath: string;
  /** Who feeds the mount, for status and "mount in use" messages: a client address, `studio`, an upstream URL. */
  readonly remoteAddress: string;
  readonly state: MountSourceState;
  /** Called by the registry's tick (the flush clock): release the audio due now. */
  tick(nowMs: number): void;
  /** Ends at once, dropping anything queued (an admin kill, a new source taking over, shutdown). */
  kill(reason: string): void;
}

/** The registry's source side, as a source sees it (MountRegistry implements it). */
export interface MountSourceHost {
  /** Throws MOUNT_IN_USE (a streaming source is there) or SOURCE_LIMIT_REACHED; else the mount may be taken. */
  claimSource(path: string, kind?: MountSourceKind): void;
  /** The mount is this source's from now on (after claimSource). */
  attachSource(source: MountSource): void;
  sourceStarted(source: MountSource, format: StreamFormat, info: StreamInfo): void;
  sourceUnits(source: MountSource, units: readonly AudioUnit[]): void;
  sourceEnded(source: MountSource, reason: string, error: AircheckError | null): void;
  /** The source's now-playing title (ICY metadata, status). Ignored unless `source` feeds its mount. */
  sourceTitle(source: MountSource, title: string): void;
  /** The source's stream info changed (a show renamed): status pages and new listeners' headers. */
  sourceInfo(source: MountSource, info: StreamInfo): void;
}

export interface InProcessSourceOptions {
  kind: MountSourceKind;
  mountPath: string;
  remoteAddress: string;
  /**
   * Release units at real time by their duration (a producer that may run ahead: a relay's connect
   * burst). Default false: units go out at the next tick (a producer that is itself real time).
   */
  paced?: boolean;
  /**
   * Bound of the queue between push() and the tick, in µs of audio (default 10 s). Overflow policy:
   * drop newest — push() refuses the units (returns false, counts them in droppedUnits); a producer
   * that can wait should pause while push() returns false, as a socket source pauses its socket.
   */
  maxQueuedUs?: number;
  /** Wall clock in ms (tests pass a fake one). */
  now?: () => number;
}

const DEFAULT_MAX_QUEUED_US = 10_000_000;

/** A source fed in process: claim, start, push units, end. See the top of this file. */
export class InProcessSource implements MountSource {
  readonly kind: MountSourceKind;
  readonly mountPath: string;
  readonly remoteAddress: string;
  readonly connectedAtMs: number;
  state: MountSourceState = 'streaming';
  format: StreamFormat | null = null;
  /** Units refused because the queue was full (push() returned false). */
  droppedUnits = 0;
  /** Set by the producer: the source ended without end() (kill: admin, replaced, shutdown). */
  onEnded: ((reason: string, error: AircheckError | null) => void) | null = null;
  readonly #host: MountSourceHost;
  readonly #paced: boolean;
  readonly #maxQueuedUs: number;
  readonly #now: () => number;
  readonly #pacer = new Pacer();
  #queued: AudioUnit[] = [];
  #queuedUs = 0;
  #endReason = '';
  #endError: AircheckError | null = null;
  #endedByProducer = false;

  /**
   * Takes `opts.mountPath` for a new source. Throws AircheckError MOUNT_IN_USE or SOURCE_LIMIT_REACHED
   * (from the registry), changing nothing.
   */
  static claim(host: MountSourceHost, opts: InProcessSourceOptions): InProcessSource {
    host.claimSource(opts.mountPath, opts.kind);
    const source = new InProcessSource(host, opts);
    host.attachSource(source);
    return source;
  }

  private constructor(host: MountSourceHost, opts: InProcessSourceOptions) {
    this.#host = host;
    this.kind = opts.kind;
    this.mountPath = opts.mountPath;
    this.remoteAddress = opts.remoteAddress;
    this.#paced = opts.paced ?? false;
    this.#maxQueuedUs = opts.maxQueuedUs ?? DEFAULT_MAX_QUEUED_US;
    this.#now = opts.now ?? Date.now;
    this.connectedAtMs = this.#now();
  }

  /** A stream of `format` starts on the mount (again: a new stream, e.g. another format). */
  start(format: StreamFormat, info: StreamInfo): void {
    if (this.state !== 'streaming') return;
    this.format = format;
    this.#host.sourceStarted(this, format, info);
  }

  /** Queues units for the next tick. Returns false (units dropped, counted) when the queue is full or the source is not streaming. */
  push(units: readonly AudioUnit[]): boolean {
    if (this.state !== 'streaming' || this.format === null) return false;
    let us = 0;
    for (const u of units) us += u.durationUs;
    const queued = this.#paced ? Math.max(0, this.#pacer.leadUs(this.#now() * 1000)) : this.#queuedUs;
    if (queued + us > this.#maxQueuedUs) {
      this.droppedUnits += units.length;
      return false;
    }
    if (this.#paced) this.#pacer.enqueue(units, this.#now() * 1000);
    else {
      for (const u of units) this.#queued.push(u);
      this.#queuedUs += us;
    }
    return true;
  }

  setTitle(title: string): void {
    if (this.state === 'ended') return;
    this.#host.sourceTitle(this, cleanTitle(title));
  }

  setInfo(info: StreamInfo): void {
    if (this.state === 'ended') return;
    this.#host.sourceInfo(this, info);
  }

  /** Audio queued and not yet released, in µs. */
  get queuedUs(): number {
    return this.#paced ? Math.max(0, this.#pacer.leadUs(this.#now() * 1000)) : this.#queuedUs;
  }

  tick(nowMs: number): void {
    if (this.state === 'ended') return;
    const out = this.#paced ? this.#pacer.releaseDue(nowMs * 1000) : this.#takeQueued();
    if (out.length > 0) this.#host.sourceUnits(this, out);
    if (this.state === 'draining' && (this.#paced ? this.#pacer.queuedUnits : this.#queued.length) === 0) this.#finish();
  }

  /**
   * The producer is done. Unpaced: what is queued goes to the mount now and the source ends at once
   * (listeners move to the fallback now). Paced: the queue plays out at real time first.
   */
  end(reason: string, error: AircheckError | null = null): void {
    if (this.state !== 'streaming') return;
    this.#endedByProducer = true;
    this.#endReason = reason;
    this.#endError = error;
    this.state = 'draining';
    if (!this.#paced) {
      const out = this.#takeQueued();
      if (out.length > 0) this.#host.sourceUnits(this, out);
    }
    if ((this.#paced ? this.#pacer.queuedUnits : this.#queued.length) === 0) this.#finish();
  }

  kill(reason: string): void {
    if (this.state === 'ended') return;
    if (this.state === 'streaming') {
      this.#endReason = reason;
      this.#endError = null;
    }
    this.#finish();
  }

  #takeQueued(): AudioUnit[] {
    const out = this.#queued;
    this.#queued = [];
    this.#queuedUs = 0;
    return out;
  }

  #finish(): void {
    if (this.state === 'ended') return;
    this.state = 'ended';
    this.#pacer.reset();
    this.#queued = [];
    this.#queuedUs = 0;
    this.#host.sourceEnded(this, this.#endReason || 'ended', this.#endError);
    if (!this.#endedByProducer) this.onEnded?.(this.#endReason || 'ended', this.#endError);
  }
}
