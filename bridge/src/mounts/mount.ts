// A mount point: the audio released by its feed (a source connection or a looped file), the header
// pages of its current Ogg chain, its burst buffer and the listeners it feeds. Fed by SourceSession /
// FileFeed (append); feeds Listener (flush, burst). Owned by MountRegistry.
import type { MountConfig } from '../../../config/src/config-schema.ts';
import type { AudioUnit, StreamFormat } from '../../../shared/src/audio-unit.ts';
import { BurstBuffer } from './burst-buffer.ts';
import type { Listener } from '../listeners/listener.ts';
import { EMPTY_ICY_BLOCK, buildIcyMetadataBlock } from '../listeners/icy-metadata.ts';
import { buildOggEosPage, readOggPagePosition, titleFromCommentPage, type OggPagePosition } from '../../../shared/src/ogg/ogg-eos.ts';
import { cleanTitle } from '../sources/stream-info.ts';
import type { OggChainSeed } from '../../../shared/src/ogg/ogg-continuity.ts';
import { commentTagsFromOggHeaderPage, nominalFromMp3Frame, nominalFromOggHeaderPage, type CommentTags, type NominalAudio } from '../sources/formats/nominal-audio.ts';
import type { MountOutput } from './mount-output.ts';
import type { ErrorCode } from '../../../shared/src/errors.ts';

export interface StreamInfo {
  name: string;
  description: string;
  genre: string;
  url: string;
  public: boolean;
  bitrateKbps: number | null;
  sampleRateHz: number | null;
  channels: number | null;
  audioInfo: string;
  userAgent: string;
  /**
   * The MP3 bitrate this source asks of its mount's `bitrate_from_studio` ladder rung (the DJ's choice
   * in the studio; ladder/ladder.ts). Absent: the rung's configured bitrate.
   */
  companionMp3Kbps?: number;
}

export const CONTENT_TYPES: Record<StreamFormat, string> = {
  mp3: 'audio/mpeg',
  'ogg-opus': 'application/ogg',
  'ogg-vorbis': 'application/ogg',
  aac: 'audio/aac',
};

export interface MountStats {
  listenerPeak: number;
  listenerConnections: number;
  drops: number;
  bytesSent: number;
  bytesReceived: number;
}

/** One flush of a mount: its released units as one chunk, for the listeners attached when it was taken. */
export interface FlushJob {
  readonly mount: Mount;
  /** The units, coalesced: every listener is written the same buffer (or a view of it). */
  readonly chunk: Uint8Array;
  /** Where the first unit a listener may start on begins in `chunk`, -1 when none does. */
  readonly syncOffset: number;
  /** The Ogg chain the listeners were on, when a unit in `chunk` starts or ends one. */
  readonly chainSeed: OggChainSeed | null;
  /** Queue limit of a listener, bytes. */
  readonly limit: number;
  readonly listeners: readonly Listener[];
  /** Index of the next listener to write. */
  next: number;
}

export class Mount {
  readonly path: string;
  settings: MountConfig;
  /** True for hidden internal mounts that loop a fallback file. */
  readonly isFileFeed: boolean;
  /** Format of the audio being released, null while nothing plays. */
  format: StreamFormat | null = null;
  /** Format the last source used (kept after it leaves, to pick a matching fallback). */
  lastFormat: StreamFormat | null = null;
  hasSource = false;
  streamStartMs = 0;
  info: StreamInfo = emptyInfo();
  title = '';
  /** What the stream's own headers say (nominal bitrate, channels, rate, Ogg codec); null until known. */
  nominal: NominalAudio | null = null;
  /** TITLE and ARTIST of the current Ogg chain's comments, while they are the title; else null. */
  commentTags: CommentTags | null = null;
  icyBlock: Uint8Array = EMPTY_ICY_BLOCK;
  readonly listeners = new Set<Listener>();
  /** Outputs of this mount's own source (the recorder): never fed a fallback (mount-output.ts). */
  readonly outputs = new Set<MountOutput>();
  readonly stats: MountStats = { listenerPeak: 0, listenerConnections: 0, drops: 0, bytesSent: 0, bytesReceived: 0 };
  private headerPages: Uint8Array[] = [];
  private headerBytes: Uint8Array = new Uint8Array(0);
  private burst: BurstBuffer;
  private pending: AudioUnit[] = [];
  private lastOggPosition: OggPagePosition | null = null;
  /** The current stream has released audio, not only Ogg header pages (listeners moved here hear it at once). */
  hasReleasedAudio = false;
  /** Granule position of the last released Ogg page that had one (-1n before the first). */
  private lastOggGranule = -1n;
  /** Set when a unit waiting for the next flush starts or ends a chain: what its listeners were on. */
  private pendingChainSeed: OggChainSeed | null = null;
  /** The burst (header pages + recent audio) as one buffer, shared by listeners joining before the next append. */
  private burstCache: { bytes: Uint8Array; empty: boolean } | null = null;
  /** Bytes per second of the audio, measured over released units (for queue limits). */
  private byteRate = 16_000;

  constructor(settings: MountConfig, isFileFeed = false) {
    this.path = settings.path;
    this.settings = settings;
    this.isFileFeed = isFileFeed;
    this.burst = new BurstBuffer(settings.burst_seconds);
  }

  /** A mount is live when audio of a known format flows into it. */
  get isLive(): boolean {
    return this.format !== null;
  }

  get contentType(): string {
    return this.format ? CONTENT_TYPES[this.format] : 'application/octet-stream';
  }

  get bytesPerSecond(): number {
    return this.byteRate;
  }

  applySettings(settings: MountConfig): void {
    if (settings.burst_seconds !== this.settings.burst_seconds) {
      this.burst = new BurstBuffer(settings.burst_seconds);
      this.burstCache = null;
    }
    this.settings = settings;
  }

  /** Starts a new stream on this mount (a source connected, a file started). */
  startStream(format: StreamFormat, info: StreamInfo): void {
    this.format = format;
    this.lastFormat = format;
    this.info = info;
    this.streamStartMs = Date.now();
    this.headerPages = [];
    this.headerBytes = new Uint8Array(0);
    this.burst.clear();
    this.burstCache = null;
    this.pending = [];
    this.lastOggPosition = null;
    this.lastOggGranule = -1n;
    this.pendingChainSeed = null;
    this.hasReleasedAudio = false;
    this.nominal = null;
    this.commentTags = null;
    for (const o of this.outputs) o.streamStarted({ mountPath: this.path, feedPath: this.path, format, info, headerPages: [] });
  }

  /** The stream ended: nothing more is released until the next start. */
  endStream(reason = 'source ended', code: ErrorCode | null = null): void {
    const wasLive = this.format !== null;
    this.format = null;
    this.pending = [];
    this.burst.clear();
    this.burstCache = null;
    if (wasLive) for (const o of this.outputs) o.streamEnded(reason, code);
  }

  /** Units released since the last flush (what 'heard' outputs get before listeners). */
  get pendingUnits(): readonly AudioUnit[] {
    return this.pending;
  }

  /** The header pages of the current Ogg chain (empty for MP3). */
  get currentHeaderPages(): readonly Uint8Array[] {
    return this.headerPages;
  }

  setTitle(title: string): void {
    this.title = title;
    this.commentTags = null;
    this.icyBlock = title ? buildIcyMetadataBlock(title, this.info.url || undefined) : EMPTY_ICY_BLOCK;
    for (const l of this.listeners) if (l.usesIcy) l.setIcyBlock(this.icyBlock);
    for (const o of this.outputs) o.title?.(title);
  }

  /** Takes a unit released at real time by the feed. */
  append(unit: AudioUnit): void {
    // Ogg listeners re-mux from their first chain change on (listeners/README.md): note the chain they are on.
    if (this.pendingChainSeed === null && this.lastOggPosition !== null && (unit.newStream || ((unit.data[5] ?? 0) & 0x04) !== 0)) {
      this.pendingChainSeed = this.oggChainSeed();
    }
    if (!unit.isHeader) this.hasReleasedAudio = true;
    if (unit.newStream) {
      this.headerPages = [];
      this.nominal = null; // a new Ogg chain may change codec, rate and bitrate
    }
    if (this.nominal === null) this.nominal = this.format === 'mp3' ? nominalFromMp3Frame(unit.data) : unit.isHeader ? nominalFromOggHeaderPage(unit.data) : null;
    if (unit.isHeader) {
      this.headerPages.push(unit.data);
      this.headerBytes = concat(this.headerPages);
      // In-stream now-playing of Ogg sources (a new chain with fresh comments).
      const comment = titleFromCommentPage(unit.data);
      const title = comment === null ? null : cleanTitle(comment); // source text, normalised as it enters
      if (title !== null && title !== this.title) this.setTitle(title);
      const tags = title === null ? null : commentTagsFromOggHeaderPage(unit.data);
      if (tags) this.commentTags = { title: cleanTitle(tags.title), artist: cleanTitle(tags.artist) };
    }
    if (this.format !== 'mp3' && this.format !== 'aac') this.lastOggPosition = readOggPagePosition(unit.data) ?? this.lastOggPosition;
    if (this.lastOggPosition !== null && this.lastOggPosition.granulePosition >= 0n) this.lastOggGranule = this.lastOggPosition.granulePosition;
    if (unit.durationUs > 0) {
      // Exponential average over roughly 5 s of audio.
      const rate = (unit.data.byteLength * 1_000_000) / unit.durationUs;
      const w = Math.min(1, unit.durationUs / 5_000_000);
      this.byteRate = this.byteRate * (1 - w) + rate * w;
    }
    this.burst.push(unit);
    this.burstCache = null;
    this.pending.push(unit);
    if (this.outputs.size > 0) {
      const one = [unit];
      for (const o of this.outputs) o.units(one);
    }
  }

  /** Queue limit of one listener in bytes: some seconds of this mount's audio. */
  queueLimitBytes(queueSeconds: number): number {
    return Math.max(64 * 1024, Math.round(this.byteRate * queueSeconds));
  }

  /**
   * Writes what was released since the last flush to every listener, as one coalesced chunk
   * (write size dominates the cost of a listener), all at once. Returns the listeners dropped for
   * being slow. The registry's tick uses takeFlush()/writeFlush() instead, to spread the writes.
   */
  flush(queueSeconds: number): number {
    const job = this.takeFlush(queueSeconds);
    if (job === null) return 0;
    return this.writeFlush(job, job.listeners.length).dropped;
  }

  /**
   * Takes what was released since the last flush as one job for the listeners attached now (one
   * shared chunk for all). Its writes may then be spread over several event-loop turns (writeFlush):
   * a listener that joins meanwhile is not in it, its burst already holds these units.
   */
  takeFlush(queueSeconds: number): FlushJob | null {
    if (this.pending.length === 0) return null;
    const units = this.pending;
    this.pending = [];
    const chainSeed = this.pendingChainSeed;
    this.pendingChainSeed = null;
    // A Buffer (a view when one unit): socket.write() would otherwise wrap a Uint8Array anew for each listener.
    const chunk = asBuffer(units.length === 1 ? units[0]!.data : concat(units.map((u) => u.data)));
    let syncOffset = -1;
    let offset = 0;
    for (const u of units) {
      if (syncOffset < 0 && (u.isSyncPoint || u.newStream)) syncOffset = offset;
      offset += u.data.byteLength;
    }
    return { mount: this, chunk, syncOffset, chainSeed, limit: this.queueLimitBytes(queueSeconds), listeners: [...this.listeners], next: 0 };
  }

  /**
   * Writes `job` to its next listeners, up to index `end` (exclusive). A listener that left this
   * mount since the job was taken (closed, or moved after the registry finished its jobs) is skipped.
   */
  writeFlush(job: FlushJob, end: number): { sent: number; dropped: number } {
    const { chunk, syncOffset, chainSeed, limit, listeners } = job;
    const stop = Math.min(end, listeners.length);
    let dropped = 0;
    let sent = 0;
    for (let i = job.next; i < stop; i++) {
      const l = listeners[i]!;
      if (l.closed || !this.listeners.has(l)) continue;
      let data = chunk;
      if (chainSeed !== null) l.continueOggStream(chainSeed);
      if (l.needsSync) {
        if (syncOffset < 0) continue;
        data = syncOffset === 0 ? chunk : chunk.subarray(syncOffset);
        l.needsSync = false;
      }
      if (l.send(data, limit)) sent += data.byteLength;
      else dropped++;
    }
    job.next = Math.max(job.next, stop);
    this.stats.bytesSent += sent;
    return { sent, dropped };
  }

  /** Attaches a listener that just connected: header pages (Ogg), then the burst. */
  addNewListener(listener: Listener): void {
    this.attach(listener);
    const burst = this.burstBytes();
    if (burst.empty) listener.needsSync = true;
    if (burst.bytes.byteLength > 0) listener.send(burst.bytes, Number.MAX_SAFE_INTEGER);
  }

  /** Built once per state of the burst buffer: a crowd joining at once shares one buffer. */
  private burstBytes(): { bytes: Uint8Array; empty: boolean } {
    if (this.burstCache) return this.burstCache;
    const { units, startsNewStream } = this.burst.burst(this.settings.burst_seconds);
    const parts: Uint8Array[] = [];
    if (!startsNewStream && this.headerBytes.byteLength > 0) parts.push(this.headerBytes);
    for (const u of units) parts.push(u.data);
    this.burstCache = { bytes: parts.length === 0 ? new Uint8Array(0) : concat(parts), empty: units.length === 0 };
    return this.burstCache;
  }

  /**
   * Attaches a listener coming from another feed on the same connection: it gets this mount's
   * header pages (a new Ogg chain) and continues at the next sync point, without a burst.
   */
  addMovedListener(listener: Listener): void {
    this.attach(listener);
    listener.needsSync = true;
    if (this.headerBytes.byteLength > 0) listener.send(this.headerBytes, Number.MAX_SAFE_INTEGER);
  }

  /**
   * Detaches a listener that moves elsewhere; for Ogg it closes the current chain with an EOS page
   * so the next chain's BOS is a proper chain boundary for players.
   */
  detachForMove(listener: Listener): void {
    this.listeners.delete(listener);
    if (this.lastOggPosition !== null) listener.continueOggStream(this.oggChainSeed());
    if (this.format !== 'mp3' && this.lastOggPosition && !this.lastOggPosition.eos && !listener.closed) {
      listener.send(buildOggEosPage(this.lastOggPosition), Number.MAX_SAFE_INTEGER);
    }
  }

  detach(listener: Listener): void {
    this.listeners.delete(listener);
  }

  /** The Ogg chain this mount's listeners are on: its header pages and the last page released. */
  private oggChainSeed(): OggChainSeed {
    return { headerPages: this.headerPages, last: this.lastOggPosition!, lastGranule: this.lastOggGranule };
  }

  private attach(listener: Listener): void {
    this.listeners.add(listener);
    listener.feedPath = this.path;
    if (listener.usesIcy) listener.setIcyBlock(this.icyBlock);
    if (this.listeners.size > this.stats.listenerPeak) this.stats.listenerPeak = this.listeners.size;
  }
}

export function emptyInfo(): StreamInfo {
  return {
    name: '',
    description: '',
    genre: '',
    url: '',
    public: false,
    bitrateKbps: null,
    sampleRateHz: null,
    channels: null,
    audioInfo: '',
    userAgent: '',
  };
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  return Buffer.concat(parts);
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
