// One connected listener: its socket, its bounded queue (the socket's own write buffer, capped), its
// ICY metadata state and which mount currently feeds it. Created by listener-request.ts; fed by the
// Mount it is attached to (Mount.flush); dropped when it cannot keep up.
import type { Socket } from 'node:net';
import type { StreamFormat } from '../../../shared/src/audio-unit.ts';
import { EMPTY_ICY_BLOCK, IcyInterleaver, buildIcyMetadataBlock } from './icy-metadata.ts';
import { OggContinuity, type OggChainSeed } from '../../../shared/src/ogg/ogg-continuity.ts';

/** StreamTitle='': clears a title the player shows. */
const CLEARED_ICY_BLOCK = buildIcyMetadataBlock('');

let nextListenerId = 1;

export type DropReason = 'slow' | 'closed' | 'killed' | 'source-ended' | 'format-mismatch' | 'shutdown' | 'moved';

export interface ListenerInfo {
  id: number;
  ip: string;
  userAgent: string;
  referer: string;
  connectedAtMs: number;
  httpVersion: '1.0' | '1.1';
}

export class Listener {
  readonly id = nextListenerId++;
  readonly socket: Socket;
  readonly format: StreamFormat;
  readonly info: ListenerInfo;
  /** The mount the listener asked for (or was moved to by an admin); the feed may be a fallback. */
  requestedPath: string;
  /** The mount whose audio the listener hears now, or null when detached. */
  feedPath: string | null = null;
  /** True until the listener reaches a unit it may start on (after joining or switching feeds). */
  needsSync = false;
  bytesSent = 0;
  closed = false;
  private readonly icy: IcyInterleaver | null;
  /** Ogg: re-muxes into one logical stream from the first chain change on; null while bytes pass untouched. */
  private ogg: OggContinuity | null = null;
  private icyBlock: Uint8Array = EMPTY_ICY_BLOCK;
  private readonly onClose: (listener: Listener, reason: DropReason) => void;

  constructor(opts: {
    socket: Socket;
    format: StreamFormat;
    requestedPath: string;
    icyMetaIntBytes: number | null;
    info: Omit<ListenerInfo, 'id'>;
    onClose: (listener: Listener, reason: DropReason) => void;
  }) {
    this.socket = opts.socket;
    this.format = opts.format;
    this.requestedPath = opts.requestedPath;
    this.icy = opts.icyMetaIntBytes ? new IcyInterleaver(opts.icyMetaIntBytes) : null;
    this.info = { id: this.id, ...opts.info };
    this.onClose = opts.onClose;
    this.socket.on('close', () => this.close('closed'));
    this.socket.on('error', () => this.close('closed'));
  }

  get usesIcy(): boolean {
    return this.icy !== null;
  }

  /** Sets the ICY block to interleave from now on (MP3 listeners that asked for metadata). */
  setIcyBlock(block: Uint8Array): void {
    // No title after a title (the show ended, or moved to an untitled feed): say StreamTitle='', since
    // an empty block means "no change" and the player would go on showing the old title.
    this.icyBlock = block === EMPTY_ICY_BLOCK && this.icyBlock !== EMPTY_ICY_BLOCK ? CLEARED_ICY_BLOCK : block;
  }

  /**
   * Ogg listeners: a chain change comes next (a move to another feed, or a new chain or an EOS page
   * in this feed), `seed` describing the chain the listener is on. From now on its pages are
   * re-muxed into one logical stream (README.md "Ogg listeners keep one stream"). Idempotent.
   */
  continueOggStream(seed: OggChainSeed): void {
    if (this.ogg !== null || (this.format !== 'ogg-opus' && this.format !== 'ogg-vorbis')) return;
    try {
      this.ogg = OggContinuity.resume(seed);
    } catch {
      // Header pages it cannot read: chains reach the player as they are (as before re-muxing).
    }
  }

  /** Whether this listener's pages are re-muxed (after its first chain change). */
  get remuxesOgg(): boolean {
    return this.ogg !== null;
  }

  /**
   * Queues bytes for the listener. Returns false (and drops the listener) when its queue is over
   * `queueLimitBytes`: a slow listener is cut loose, it never holds back the source or others.
   */
  send(chunk: Uint8Array, queueLimitBytes: number): boolean {
    if (this.closed) return false;
    if (this.socket.writableLength > queueLimitBytes) {
      this.close('slow');
      return false;
    }
    if (this.ogg !== null) {
      chunk = this.ogg.push(chunk);
      if (chunk.byteLength === 0) return true;
    }
    if (this.icy) {
      const slices = this.icy.interleave(chunk, this.icyBlock);
      if (slices.length === 1) {
        // Most chunks end before the next metadata point: one write, no cork.
        this.socket.write(slices[0]!);
      } else {
        this.socket.cork();
        for (const s of slices) this.socket.write(s);
        this.socket.uncork();
      }
    } else {
      this.socket.write(chunk);
    }
    this.bytesSent += chunk.byteLength;
    return true;
  }

  /** Ends the connection after what is queued (graceful) or at once. */
  close(reason: DropReason, graceful = false): void {
    if (this.closed) return;
    this.closed = true;
    if (graceful) this.socket.end();
    else this.socket.destroy();
    this.onClose(this, reason);
  }
}
