// The recorder of one DJ show: a FrameConsumer that places the studio's frames by seq (resends
// ignored, gaps recorded with their length) into a segmented spool, `<spool_dir>/<show-id>/`:
// `segment-000001.opus`, … (see segment-writer.ts) and `manifest.json`, rewritten atomically when a
// segment closes, a gap appears or the status changes. A crash loses at most the segment in progress.
// Fed by the DJ session (bridge/src/shows/dj-session.ts); its manifest feeds finalize and recovery.
// A disk error stops the recording at once: status failed (with its code and reason), onFailed; the
// frames that were not written, and every frame after, form a gap with that cause. The spool probes
// the disk every retryMs (re-creating its reserve file); when it has room again, recording goes on
// in a new segment (status recording again, onResumed) and the gap is closed.
import { randomInt } from 'node:crypto';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { AircheckError, ignoreCleanupError, type ErrorCode } from '../../../shared/src/errors.ts';
import type { AudioFrame } from '../../../shared/src/protocol/audio-frame.ts';
import { moveTo } from '../recording-catalog.ts';
import type { StreamFormat } from '../../../shared/src/audio-unit.ts';
import { MANIFEST_VERSION, manifestDurationSamples, recordingExt, segmentFileName, writeManifest, type GapEntry, type SegmentEntry, type ShowManifest, type SourceEntry } from '../show-manifest.ts';
import { SegmentWriter } from './segment-writer.ts';
import { PassthroughSegment } from './passthrough-segment.ts';
import { fsyncDir, nodeSpoolFs, spoolError, type SpoolFs } from './spool-fs.ts';

/** Bytes waiting for the disk before the spool counts as stuck (≈ 60 s at 510 kbps): the recording fails. */
export const MAX_QUEUED_BYTES = 4 * 1024 * 1024;
/**
 * A file of this size is kept in each recording show's directory and removed when the disk fills,
 * so that the manifest (status failed, the gap and its cause) can still be written; re-creating it
 * is how the spool tests that the disk has room again.
 */
export const RESERVE_BYTES = 1024 * 1024;
export const RESERVE_FILE = '.reserve';
const PROBE_FILE = '.probe';
/** How often a failing spool tries the disk again. */
export const DEFAULT_RETRY_MS = 5000;

export interface ShowSpoolOptions {
  spoolDir: string;
  showId: string;
  dj: string;
  opusHead: Uint8Array;
  channels: number;
  preSkipSamples: number;
  /** Close a segment once it holds this much audio (48 kHz samples); default 480 000 (10 s). */
  segmentSamples: number;
  log: Logger;
  now?: () => Date;
  /** The recording failed (disk error): the error is already logged; count it, alert, tell the DJ. */
  onFailed?: (err: AircheckError) => void;
  /** The disk took writes again: recording goes on after the gap. */
  onResumed?: () => void;
  /** The file system (a seam for fault tests: limited-space-fs.ts). */
  fs?: SpoolFs;
  /** How often a failing spool tries the disk again (default DEFAULT_RETRY_MS). */
  retryMs?: number;
  /** Size of the reserve file (default RESERVE_BYTES). */
  reserveBytes?: number;
  /** A segment was closed (fsync'd) and the manifest on disk lists it: copy it to the store. */
  onSegmentClosed?: (dir: string, segment: SegmentEntry) => void;
  /** The show ended and its manifest carries the end marker: finalize it. */
  onEnded?: (dir: string, manifest: ShowManifest) => void;
  /**
   * Continue this unfinished show (after a restart, recover.ts adoptTrailingSegments already listed
   * what the disk holds): new frames go into a new segment after the last listed one.
   */
  resume?: ShowManifest;
  /** Frames up to seq are in the segment file (they survive a crash of the process): writtenSeq moved. */
  onWritten?: (seq: number) => void;
  /**
   * A source's stream kept as received (show-manifest.ts sourceFormat): each frame is one MP3 frame
   * or Ogg page, written byte for byte (passthrough-segment.ts); gaps hold no silence.
   */
  sourceFormat?: StreamFormat;
  source?: SourceEntry;
  /** Ogg source: the current chain's header pages, copied at the start of a segment that opens inside it. */
  chainHeaders?: () => readonly Uint8Array[];
}

/** What a segment file is written through: the studio's Opus muxer, or a source's stream as received. */
type SpoolSegment = SegmentWriter | PassthroughSegment;

export class ShowSpool {
  readonly dir: string;
  readonly manifest: ShowManifest;
  readonly #opts: ShowSpoolOptions;
  readonly #log: Logger;
  readonly #now: () => Date;
  readonly #serial = randomInt(1, 0xffff_ffff);
  #segment: SpoolSegment | null = null;
  /** Segments whose file may be open (not closed yet): closed when the spool fails. */
  readonly #open = new Set<SpoolSegment>();
  #segmentIndex = 0;
  #segmentFirstSeq = 0;
  #segmentLastSeq = 0;
  #nextSeq: number | null = null;
  #lastTimestampUs = 0;
  #lastDurationSamples = 0;
  #framesWritten = 0;
  #queue: Promise<void>;
  #queuedBytes = 0;
  /** The disk error the spool is failing with now (null while it records). */
  #failure: AircheckError | null = null;
  /** The gap that grows while the spool fails (frames received but not recorded). */
  #gap: GapEntry | null = null;
  /** Why the studio will skip the next frames (onStudioGap), for the next gap. */
  #studioGapCause: { cause: ErrorCode; reason: string } | null = null;
  /** Bumped when the spool fails: queued writes of the segments lost with the failure are skipped. */
  #epoch = 0;
  #probeAtMs = 0;
  #probing = false;
  #dirReady = false;
  #samplesWritten = 0;
  /** The show's audio position (48 kHz samples): every frame placed, recorded or a gap (silence in the final file). */
  #positionSamples = 0;
  #ended = false;
  /** Frames the bridge received that the recording does not hold (every recorder gap). */
  #droppedFrames = 0;
  #duplicates = 0;
  /** The highest seq whose page is written to the segment file (-1 before the first). */
  #writtenSeq = -1;

  constructor(opts: ShowSpoolOptions) {
    this.#opts = opts;
    this.#now = opts.now ?? (() => new Date());
    this.dir = join(opts.spoolDir, opts.showId);
    this.#log = opts.log.child({ show: opts.showId });
    const at = this.#now().toISOString();
    this.#queue = Promise.resolve();
    if (opts.resume) {
      // A show continued after a restart: its directory and manifest exist; numbering goes on.
      const m = (this.manifest = opts.resume);
      this.#positionSamples = manifestDurationSamples(m);
      this.#segmentIndex = m.segments.reduce((n, s) => Math.max(n, s.index), 0);
      this.#framesWritten = m.segments.reduce((n, s) => n + s.frames, 0);
      if (m.lastSeq !== null) this.#nextSeq = this.#writtenSeq = m.lastSeq;
      if (this.#nextSeq !== null) this.#nextSeq++;
      this.#log.info({ dj: opts.dj, dir: this.dir, segments: m.segments.length, nextSeq: this.#nextSeq }, 'recording continued after a restart');
      this.#dirReady = true;
      return;
    }
    this.manifest = {
      version: MANIFEST_VERSION, showId: opts.showId, dj: opts.dj,
      startedAt: at, endedAt: null, endReason: null,
      opusHead: Buffer.from(opts.opusHead).toString('base64'), channels: opts.channels, preSkipSamples: opts.preSkipSamples,
      segmentSamples: opts.segmentSamples,
      ...(opts.sourceFormat ? { sourceFormat: opts.sourceFormat } : {}),
      ...(opts.source ? { source: opts.source } : {}),
      status: 'recording', reason: null, errorCode: null, history: [{ status: 'recording', at }],
      firstSeq: null, lastSeq: null, segments: [], gaps: [], final: null, storeLocation: null, spoolRemovedAt: null,
    };
    this.#queue = Promise.resolve();
    this.#enqueue('create the show directory', () => this.#prepareDir());
    this.#log.info({ dj: opts.dj, dir: this.dir }, 'recording started');
  }

  /** The disk error the recording is failing with now; null while it records. */
  get failure(): AircheckError | null {
    return this.#failure;
  }

  /** Frames the bridge received that the recording does not hold (disk errors, frames it could not take). */
  get lostFrames(): number {
    return this.#droppedFrames;
  }

  get #fs(): SpoolFs {
    return this.#opts.fs ?? nodeSpoolFs;
  }

  get duplicates(): number {
    return this.#duplicates;
  }

  /** Every frame up to this seq is written to a segment file: a crash of the bridge keeps it (-1: none yet). */
  get writtenSeq(): number {
    return this.#writtenSeq;
  }

  /** Completes the page being filled and writes it (an acknowledgement to the studio waits for it). */
  completePage(): void {
    if (this.#ended || this.#failure || !this.#segment) return;
    const bytes = this.#segment.completePage();
    if (bytes > 0) this.#flushSoon(this.#segment, bytes, this.#segmentLastSeq);
  }

  /** Resolves once everything handed in so far reached the disk (or failed). */
  async idle(): Promise<void> {
    // A failure appends its cleanup to the queue: wait until nothing more was appended.
    for (let q = this.#queue; ; q = this.#queue) {
      await q;
      if (q === this.#queue) return;
    }
  }

  /**
   * The studio set the now-playing title: kept in the manifest's tracklist at the show's audio
   * position now (the end of the last frame placed), written with the next manifest write.
   */
  onTitle(artist: string, title: string): void {
    if (this.#ended) return;
    (this.manifest.tracklist ??= []).push({
      offsetMs: Math.round(this.#positionSamples / 48), at: this.#now().toISOString(), artist, title,
    });
  }

  /** The DJ named or described the show: kept in the manifest, written with the next manifest write. */
  onShow(show: { name: string; description: string }): void {
    if (this.#ended) return;
    this.manifest.show = { name: show.name, description: show.description };
  }

  /** One frame of the show, in the order the session delivers them. */
  onFrame(frame: AudioFrame): void {
    if (this.#ended) return;
    if (this.#failure) {
      this.#drop(frame);
      return;
    }
    // 1. Place by seq: a resend is ignored; a jump forward is a gap the show continues across.
    if (this.#nextSeq !== null && frame.seq < this.#nextSeq) {
      this.#duplicates++;
      return;
    }
    if (this.#nextSeq !== null && frame.seq > this.#nextSeq) this.#recordGap(frame);
    if (this.manifest.firstSeq === null) this.manifest.firstSeq = frame.seq;
    if (this.#nextSeq === null) this.#writtenSeq = frame.seq - 1;
    this.#nextSeq = frame.seq + 1;
    this.#lastTimestampUs = frame.timestampUs;
    this.#lastDurationSamples = frame.durationSamples;
    this.manifest.lastSeq = frame.seq;
    this.#positionSamples += frame.durationSamples;

    // 2. Into the open segment (a new one when none is open).
    if (!this.#segment) {
      this.#segmentIndex++;
      this.#segmentFirstSeq = frame.seq;
      const file = join(this.dir, segmentFileName(this.#segmentIndex, recordingExt(this.manifest)));
      if (this.#opts.sourceFormat) {
        // An Ogg segment opening inside a chain starts with a copy of its header pages (not at a BOS page).
        const insideChain = this.#opts.sourceFormat !== 'mp3' && !((frame.packet[5] ?? 0) & 0x02);
        this.#segment = new PassthroughSegment(file, insideChain ? (this.#opts.chainHeaders?.() ?? []) : [], this.#fs);
      } else this.#segment = new SegmentWriter(file, this.#opts.opusHead, this.#serial, this.#fs);
      this.#open.add(this.#segment);
    }
    const segment = this.#segment;
    let completedBytes: number;
    try {
      completedBytes = segment.append(frame.packet, frame.durationSamples);
    } catch (err) {
      this.#rejected(frame, err);
      return;
    }
    this.#segmentLastSeq = frame.seq;
    this.#framesWritten++;
    this.#samplesWritten += frame.durationSamples;
    if (completedBytes > 0) this.#flushSoon(segment, completedBytes, frame.seq - segment.pendingPackets);

    // 3. A full segment closes: fsync, then the manifest lists it.
    if (segment.durationSamples >= this.#opts.segmentSamples) this.#closeSegment();
  }

  /** The show ended: the open segment closes and the manifest gets its end marker. */
  onEnd(reason = 'show ended'): void {
    if (this.#ended) return;
    this.#ended = true;
    if (this.#failure) {
      // The show ended during the failure: the gap runs to its end; what was recorded is finalized.
      this.#gap!.open = false;
      this.#log.warn({ code: this.#failure.code, lostFrames: this.#droppedFrames }, 'show ended while its recording was failing: the frames since the failure are a gap in the recording');
    }
    if (this.#segment) this.#closeSegment();
    const end = async () => {
      this.manifest.endedAt = this.#now().toISOString();
      this.manifest.endReason = reason;
      await writeManifest(this.dir, this.manifest, this.#fs);
      await this.#fs.rm(join(this.dir, RESERVE_FILE), { force: true });
      this.#log.info({ segments: this.manifest.segments.length, gaps: this.manifest.gaps.length, duplicates: this.#duplicates, lostFrames: this.#droppedFrames }, 'recording ended');
    };
    if (this.#failure) {
      this.#queue = this.#queue.then(() => end().catch((err) => {
        this.#log.warn({ err: (err as Error).message }, 'the end marker could not be written (the disk is still failing); recovery closes the show at the next start');
      }));
    } else this.#enqueue('write the end marker', end);
    void this.#queue.then(() => {
      // A show that recorded nothing stays failed with its cause; anything recorded is finalized.
      if (this.manifest.segments.length > 0 || !this.#failure) this.#opts.onEnded?.(this.dir, this.manifest);
    });
  }

  /**
   * A source's show: its source was away for durationSamples (it left and a source came back within
   * the grace period) — a gap with the reason it stopped; no silence is kept for it.
   */
  onSourceGap(durationSamples: number, cause: ErrorCode, reason: string): void {
    if (this.#ended) return;
    const afterSeq = this.#nextSeq !== null ? this.#nextSeq - 1 : -1;
    const gap: GapEntry = {
      afterSeq, missingFrames: 0, framesBefore: this.#framesWritten, durationSamples: Math.max(0, Math.round(durationSamples)),
      sourceCause: cause, reason, offsetMs: Math.round(this.#positionSamples / 48), since: this.#now().toISOString(),
    };
    this.manifest.gaps.push(gap);
    this.#log.warn({ ...gap }, 'recording has a gap: the source was away and came back within the grace period; the show continues');
    this.#enqueue('record a gap in the manifest', () => writeManifest(this.dir, this.manifest, this.#fs));
  }

  /** The studio said why the frames it skips next never came: the next gap carries the cause. */
  onStudioGap(cause: ErrorCode, reason: string): void {
    if (!this.#ended) this.#studioGapCause = { cause, reason };
  }

  #recordGap(frame: AudioFrame): void {
    const afterSeq = this.#nextSeq! - 1;
    const missingFrames = frame.seq - this.#nextSeq!;
    // The capture clock says how long the studio's lost frames lasted; fall back to frame count.
    const expectedUs = this.#lastTimestampUs + (this.#lastDurationSamples * 1000) / 48;
    const byClockSamples = Math.round(((frame.timestampUs - expectedUs) * 48) / 1000);
    const byCountSamples = missingFrames * this.#lastDurationSamples;
    const durationSamples = byClockSamples > 0 && byClockSamples < byCountSamples * 4 ? byClockSamples : byCountSamples;
    const studio = this.#studioGapCause;
    this.#studioGapCause = null;
    const gap: GapEntry = { afterSeq, missingFrames, framesBefore: this.#framesWritten, durationSamples,
      ...(studio ? { studioCause: studio.cause, reason: studio.reason } : {}) };
    this.#positionSamples += durationSamples;
    this.manifest.gaps.push(gap);
    this.#log.warn({ ...gap }, 'recording has a gap: frames the studio could not resend; the show continues');
    this.#enqueue('record a gap in the manifest', () => writeManifest(this.dir, this.manifest, this.#fs));
  }

  /** pagedSeq: the last seq in the completed pages (written once the flush is done). */
  #flushSoon(segment: SpoolSegment, bytes: number, pagedSeq: number): void {
    this.#queuedBytes += bytes;
    if (this.#queuedBytes > MAX_QUEUED_BYTES) {
      this.#fail(spoolError(Object.assign(new Error('spool writes are not completing'), { code: 'ETIMEDOUT' }), `writing segment (${this.#queuedBytes} bytes waiting)`, segment.path));
      return;
    }
    this.#enqueue('write a segment', async () => {
      try {
        await segment.flush();
      } finally {
        this.#queuedBytes -= bytes;
      }
      this.#written(pagedSeq);
    }, segment.path);
  }

  #closeSegment(): void {
    const segment = this.#segment!;
    this.#segment = null;
    const entry = { index: this.#segmentIndex, file: segmentFileName(this.#segmentIndex, recordingExt(this.manifest)), firstSeq: this.#segmentFirstSeq, lastSeq: this.#segmentLastSeq };
    this.#enqueue('close a segment', async () => {
      const summary = await segment.close();
      this.#open.delete(segment);
      if (entry.index === 1) await fsyncDir(this.dir, this.#fs); // the first file's directory entry
      const closed = { ...entry, ...summary };
      this.manifest.segments.push(closed);
      await writeManifest(this.dir, this.manifest, this.#fs);
      this.#opts.onSegmentClosed?.(this.dir, closed);
      this.#written(entry.lastSeq);
      this.#log.debug({ segment: entry.file, durationSamples: summary.durationSamples, sizeBytes: summary.sizeBytes }, 'segment closed');
    }, segment.path);
  }

  #written(seq: number): void {
    if (seq <= this.#writtenSeq) return;
    this.#writtenSeq = seq;
    this.#opts.onWritten?.(seq);
  }

  #enqueue(what: string, op: () => Promise<void>, path = this.dir): void {
    const epoch = this.#epoch;
    this.#queue = this.#queue.then(async () => {
      // Writes queued before a failure belong to segments lost with it (they are in the gap).
      if (this.#failure || epoch !== this.#epoch) return;
      try {
        await op();
      } catch (err) {
        this.#fail(spoolError(err, what, path));
      }
    });
  }

  /** The show's directory, its first manifest and the reserve file. */
  async #prepareDir(): Promise<void> {
    if (!this.#dirReady) {
      await this.#fs.mkdir(this.#opts.spoolDir, { recursive: true });
      await this.#fs.mkdir(this.dir); // not recursive: Node reports EROFS as ENOENT for recursive mkdir
      this.#dirReady = true;
      await writeManifest(this.dir, this.manifest, this.#fs);
      await fsyncDir(this.#opts.spoolDir, this.#fs);
    }
    const reserveBytes = this.#opts.reserveBytes ?? RESERVE_BYTES;
    // After a failure: room for the reserve and as much again for audio, or it would fail at once again.
    if (this.#failure) {
      await this.#writeFull(join(this.dir, PROBE_FILE), 2 * reserveBytes);
      await this.#fs.rm(join(this.dir, PROBE_FILE), { force: true });
    }
    await this.#writeFull(join(this.dir, RESERVE_FILE), reserveBytes);
  }

  /** Writes a file of zeros in full, or leaves none (a partial one would hold space for nothing). */
  async #writeFull(path: string, bytes: number): Promise<void> {
    const fh = await this.#fs.open(path, 'w', 0o600);
    try {
      await fh.writeFile(new Uint8Array(bytes));
    } catch (err) {
      await fh.close().catch(ignoreCleanupError); // the write's error is what counts
      await this.#fs.rm(path, { force: true }).catch(ignoreCleanupError);
      throw err;
    }
    await fh.close();
  }

  /**
   * The spool cannot write: every frame not yet in a listed segment, and every frame from now on,
   * is a gap with err's cause; status failed; onFailed. Then, best effort: the lost segments' files
   * and the reserve are removed so that the manifest saying so fits on the disk.
   */
  #fail(err: AircheckError): void {
    if (this.#failure) return;
    this.#failure = err;
    this.#epoch++;
    const at = this.#now().toISOString();
    const listedFrames = this.manifest.segments.reduce((n, s) => n + s.frames, 0);
    const listedSamples = this.manifest.segments.reduce((n, s) => n + s.durationSamples, 0);
    const lostFrames = this.#framesWritten - listedFrames;
    // Studio gaps inside the lost frames are folded into this one.
    const inside = this.manifest.gaps.filter((g) => g.framesBefore > listedFrames);
    this.manifest.gaps = this.manifest.gaps.filter((g) => g.framesBefore <= listedFrames);
    const last = this.manifest.segments.at(-1);
    const afterSeq = last ? last.lastSeq : this.manifest.firstSeq !== null ? this.manifest.firstSeq - 1 : -1;
    this.#gap = {
      afterSeq, missingFrames: this.#nextSeq !== null && afterSeq >= 0 ? this.#nextSeq - 1 - afterSeq : lostFrames, framesBefore: listedFrames,
      durationSamples: this.#samplesWritten - listedSamples + inside.reduce((n, g) => n + g.durationSamples, 0),
      cause: err.code, reason: err.message, since: at, open: true,
    };
    this.manifest.gaps.push(this.#gap);
    this.#droppedFrames += lostFrames;
    this.#framesWritten = listedFrames;
    this.#samplesWritten = listedSamples;
    this.#segment = null;
    this.#probeAtMs = this.#now().getTime() + (this.#opts.retryMs ?? DEFAULT_RETRY_MS);
    if (this.manifest.status === 'recording') moveTo(this.manifest, 'failed', at, { reason: err.message, code: err.code });
    this.#log.error({ code: err.code, err: err.message, cause: (err.cause as Error | undefined)?.message, lostFrames }, 'recording failed: the spool cannot be written; frames are dropped until the disk takes writes again');
    this.#opts.onFailed?.(err);
    const open = [...this.#open];
    this.#open.clear();
    this.#queue = this.#queue.then(async () => {
      await Promise.all(open.map((s) => s.abandon()));
      // Cleanup, best effort: the lost segments' files (their frames are in the gap) and the reserve.
      for (const s of open) await this.#fs.rm(s.path, { force: true }).catch(ignoreCleanupError);
      await this.#fs.rm(join(this.dir, RESERVE_FILE), { force: true }).catch(ignoreCleanupError);
      await this.#saveFailing();
    });
  }

  /** Best effort while failing: the manifest with the gap so far (a restart keeps the cause and length). */
  async #saveFailing(): Promise<void> {
    if (!this.#dirReady) return;
    await writeManifest(this.dir, this.manifest, this.#fs).catch((e) => {
      this.#log.warn({ err: (e as Error).message }, 'the manifest could not be written either; retried with the next probe');
    });
  }

  /** A frame received while failing: part of the gap. Every retryMs the disk is tried again. */
  #drop(frame: AudioFrame): void {
    const gap = this.#gap!;
    if (this.manifest.firstSeq === null) {
      this.manifest.firstSeq = frame.seq;
      gap.afterSeq = frame.seq - 1;
    }
    if (this.#nextSeq !== null && frame.seq < this.#nextSeq) {
      this.#duplicates++;
      return;
    }
    const skipped = this.#nextSeq !== null ? frame.seq - this.#nextSeq : 0; // the studio's own losses, inside this gap
    gap.durationSamples += frame.durationSamples * (1 + skipped);
    this.#positionSamples += frame.durationSamples * (1 + skipped);
    gap.missingFrames = frame.seq - gap.afterSeq;
    this.#nextSeq = frame.seq + 1;
    this.#lastTimestampUs = frame.timestampUs;
    this.#lastDurationSamples = frame.durationSamples;
    this.manifest.lastSeq = frame.seq;
    this.#droppedFrames++;
    const nowMs = this.#now().getTime();
    if (this.#probing || nowMs < this.#probeAtMs) return;
    this.#probing = true;
    this.#probeAtMs = nowMs + (this.#opts.retryMs ?? DEFAULT_RETRY_MS);
    this.#queue = this.#queue.then(async () => {
      try {
        await this.#prepareDir();
      } catch (err) {
        this.#log.debug({ err: (err as Error).message }, 'the spool still cannot be written');
        await this.#saveFailing();
        return;
      } finally {
        this.#probing = false;
      }
      this.#resume();
    });
  }

  /** The disk has room again: the gap is closed, the next frame opens a new segment. */
  #resume(): void {
    if (!this.#failure || this.#ended) return;
    const err = this.#failure;
    this.#failure = null;
    this.#gap!.open = false;
    const gap = this.#gap!;
    this.#gap = null;
    if (this.manifest.status === 'failed') moveTo(this.manifest, 'recording', this.#now().toISOString());
    this.#log.warn({ code: err.code, lostFrames: gap.missingFrames, lostMs: Math.round(gap.durationSamples / 48) }, 'recording resumed: the spool takes writes again; the frames in between are a gap in the recording');
    if (this.#nextSeq !== null) this.#written(this.#nextSeq - 1); // the dropped frames are settled: a gap
    this.#opts.onResumed?.();
    this.#enqueue('record the end of a gap in the manifest', () => writeManifest(this.dir, this.manifest, this.#fs));
  }

  /** A frame the recorder could not take (a bug or a malformed packet): a gap of its own, the show goes on. */
  #rejected(frame: AudioFrame, err: unknown): void {
    const last = this.manifest.gaps.at(-1);
    this.#droppedFrames++;
    if (last && last.cause === 'REC_CONSUMER_FAILED' && last.afterSeq + last.missingFrames === frame.seq - 1 && last.framesBefore === this.#framesWritten) {
      last.missingFrames++;
      last.durationSamples += frame.durationSamples;
      return;
    }
    const error = new AircheckError('REC_CONSUMER_FAILED', `the recorder could not take frame ${frame.seq} (${(err as Error).message}): it is a gap in the recording; the show goes on`, { cause: err });
    const gap: GapEntry = {
      afterSeq: frame.seq - 1, missingFrames: 1, framesBefore: this.#framesWritten, durationSamples: frame.durationSamples,
      cause: error.code, reason: error.message, since: this.#now().toISOString(),
    };
    this.manifest.gaps.push(gap);
    this.#log.error({ code: error.code, err: (err as Error).message, seq: frame.seq }, 'recorder dropped a frame it could not take');
    this.#enqueue('record a gap in the manifest', () => writeManifest(this.dir, this.manifest, this.#fs));
  }
}
