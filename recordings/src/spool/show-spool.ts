// The recorder of one DJ show: a FrameConsumer that places the studio's frames by seq (resends
// ignored, gaps recorded with their length) into a segmented spool, `<spool_dir>/<show-id>/`:
// `segment-000001.opus`, … (see segment-writer.ts) and `manifest.json`, rewritten atomically when a
// segment closes, a gap appears or the status changes. A crash loses at most the segment in progress.
// Fed by the DJ session (bridge/src/ingest/dj-session.ts); its manifest feeds finalize and recovery.
// A disk error stops the recording at once: status failed (with its code and reason), onFailed.
import { randomInt } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { AircheckError } from '../../../shared/src/errors.ts';
import type { AudioFrame } from '../../../shared/src/protocol/audio-frame.ts';
import { moveTo } from '../recording-catalog.ts';
import { MANIFEST_VERSION, segmentFileName, writeManifest, type SegmentEntry, type ShowManifest } from '../show-manifest.ts';
import { SegmentWriter } from './segment-writer.ts';
import { fsyncDir, spoolError } from './spool-fs.ts';

/** Bytes waiting for the disk before the spool counts as stuck (≈ 60 s at 510 kbps): the recording fails. */
export const MAX_QUEUED_BYTES = 4 * 1024 * 1024;

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
  /** The recording failed (disk error): the error is already logged; count it, alert. */
  onFailed?: (err: AircheckError) => void;
  /** A segment was closed (fsync'd) and the manifest on disk lists it: copy it to the store. */
  onSegmentClosed?: (dir: string, segment: SegmentEntry) => void;
  /** The show ended and its manifest carries the end marker: finalize it. */
  onEnded?: (dir: string, manifest: ShowManifest) => void;
}

export class ShowSpool {
  readonly dir: string;
  readonly manifest: ShowManifest;
  readonly #opts: ShowSpoolOptions;
  readonly #log: Logger;
  readonly #now: () => Date;
  readonly #serial = randomInt(1, 0xffff_ffff);
  #segment: SegmentWriter | null = null;
  /** Segments whose file may be open (not closed yet): closed when the spool fails. */
  readonly #open = new Set<SegmentWriter>();
  #segmentIndex = 0;
  #segmentFirstSeq = 0;
  #segmentLastSeq = 0;
  #nextSeq: number | null = null;
  #lastTimestampUs = 0;
  #lastDurationSamples = 0;
  #framesWritten = 0;
  #queue: Promise<void>;
  #queuedBytes = 0;
  #failure: AircheckError | null = null;
  #ended = false;
  #droppedFrames = 0;
  #duplicates = 0;

  constructor(opts: ShowSpoolOptions) {
    this.#opts = opts;
    this.#now = opts.now ?? (() => new Date());
    this.dir = join(opts.spoolDir, opts.showId);
    this.#log = opts.log.child({ show: opts.showId });
    const at = this.#now().toISOString();
    this.manifest = {
      version: MANIFEST_VERSION, showId: opts.showId, dj: opts.dj,
      startedAt: at, endedAt: null, endReason: null,
      opusHead: Buffer.from(opts.opusHead).toString('base64'), channels: opts.channels, preSkipSamples: opts.preSkipSamples,
      segmentSamples: opts.segmentSamples,
      status: 'recording', reason: null, errorCode: null, history: [{ status: 'recording', at }],
      firstSeq: null, lastSeq: null, segments: [], gaps: [], final: null, storeLocation: null, spoolRemovedAt: null,
    };
    this.#queue = Promise.resolve();
    this.#enqueue('create the show directory', async () => {
      await mkdir(opts.spoolDir, { recursive: true });
      await mkdir(this.dir); // not recursive: Node reports EROFS as ENOENT for recursive mkdir
      await writeManifest(this.dir, this.manifest);
      await fsyncDir(opts.spoolDir);
    });
    this.#log.info({ dj: opts.dj, dir: this.dir }, 'recording started');
  }

  get failure(): AircheckError | null {
    return this.#failure;
  }

  get duplicates(): number {
    return this.#duplicates;
  }

  /** Resolves once everything handed in so far reached the disk (or failed). */
  idle(): Promise<void> {
    return this.#queue;
  }

  /** One frame of the show, in the order the session delivers them. */
  onFrame(frame: AudioFrame): void {
    if (this.#ended) return;
    if (this.#failure) {
      this.#droppedFrames++;
      return;
    }
    // 1. Place by seq: a resend is ignored; a jump forward is a gap the show continues across.
    if (this.#nextSeq !== null && frame.seq < this.#nextSeq) {
      this.#duplicates++;
      return;
    }
    if (this.#nextSeq !== null && frame.seq > this.#nextSeq) this.#recordGap(frame);
    if (this.manifest.firstSeq === null) this.manifest.firstSeq = frame.seq;
    this.#nextSeq = frame.seq + 1;
    this.#lastTimestampUs = frame.timestampUs;
    this.#lastDurationSamples = frame.durationSamples;
    this.manifest.lastSeq = frame.seq;

    // 2. Into the open segment (a new one when none is open).
    if (!this.#segment) {
      this.#segmentIndex++;
      this.#segmentFirstSeq = frame.seq;
      this.#segment = new SegmentWriter(join(this.dir, segmentFileName(this.#segmentIndex)), this.#opts.opusHead, this.#serial);
      this.#open.add(this.#segment);
    }
    const segment = this.#segment;
    const completedBytes = segment.append(frame.packet, frame.durationSamples);
    this.#segmentLastSeq = frame.seq;
    this.#framesWritten++;
    if (completedBytes > 0) this.#flushSoon(segment, completedBytes);

    // 3. A full segment closes: fsync, then the manifest lists it.
    if (segment.durationSamples >= this.#opts.segmentSamples) this.#closeSegment();
  }

  /** The show ended: the open segment closes and the manifest gets its end marker. */
  onEnd(reason = 'show ended'): void {
    if (this.#ended) return;
    this.#ended = true;
    if (this.#failure) {
      this.#log.warn({ code: this.#failure.code, droppedFrames: this.#droppedFrames }, 'show ended; its recording had failed, the frames after the failure were not recorded');
      return;
    }
    if (this.#segment) this.#closeSegment();
    this.#enqueue('write the end marker', async () => {
      this.manifest.endedAt = this.#now().toISOString();
      this.manifest.endReason = reason;
      await writeManifest(this.dir, this.manifest);
      this.#log.info({ segments: this.manifest.segments.length, gaps: this.manifest.gaps.length, duplicates: this.#duplicates }, 'recording ended');
    });
    void this.#queue.then(() => {
      if (!this.#failure) this.#opts.onEnded?.(this.dir, this.manifest);
    });
  }

  #recordGap(frame: AudioFrame): void {
    const afterSeq = this.#nextSeq! - 1;
    const missingFrames = frame.seq - this.#nextSeq!;
    // The capture clock says how long the studio's lost frames lasted; fall back to frame count.
    const expectedUs = this.#lastTimestampUs + (this.#lastDurationSamples * 1000) / 48;
    const byClockSamples = Math.round(((frame.timestampUs - expectedUs) * 48) / 1000);
    const byCountSamples = missingFrames * this.#lastDurationSamples;
    const durationSamples = byClockSamples > 0 && byClockSamples < byCountSamples * 4 ? byClockSamples : byCountSamples;
    const gap = { afterSeq, missingFrames, framesBefore: this.#framesWritten, durationSamples };
    this.manifest.gaps.push(gap);
    this.#log.warn({ ...gap }, 'recording has a gap: frames the studio could not resend; the show continues');
    this.#enqueue('record a gap in the manifest', () => writeManifest(this.dir, this.manifest));
  }

  #flushSoon(segment: SegmentWriter, bytes: number): void {
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
    }, segment.path);
  }

  #closeSegment(): void {
    const segment = this.#segment!;
    this.#segment = null;
    const entry = { index: this.#segmentIndex, file: segmentFileName(this.#segmentIndex), firstSeq: this.#segmentFirstSeq, lastSeq: this.#segmentLastSeq };
    this.#enqueue('close a segment', async () => {
      const summary = await segment.close();
      this.#open.delete(segment);
      if (entry.index === 1) await fsyncDir(this.dir); // the first file's directory entry
      const closed = { ...entry, ...summary };
      this.manifest.segments.push(closed);
      await writeManifest(this.dir, this.manifest);
      this.#opts.onSegmentClosed?.(this.dir, closed);
      this.#log.debug({ segment: entry.file, durationSamples: summary.durationSamples, sizeBytes: summary.sizeBytes }, 'segment closed');
    }, segment.path);
  }

  #enqueue(what: string, op: () => Promise<void>, path = this.dir): void {
    this.#queue = this.#queue.then(async () => {
      if (this.#failure) return;
      try {
        await op();
      } catch (err) {
        this.#fail(spoolError(err, what, path));
      }
    });
  }

  #fail(err: AircheckError): void {
    if (this.#failure) return;
    this.#failure = err;
    this.#segment = null;
    moveTo(this.manifest, 'failed', this.#now().toISOString(), { reason: err.message, code: err.code });
    this.#log.error({ code: err.code, err: err.message, cause: (err.cause as Error | undefined)?.message }, 'recording failed: the spool cannot be written');
    this.#opts.onFailed?.(err);
    // Best effort: a disk that refused the audio may still take the small manifest (e.g. quota).
    const open = [...this.#open];
    this.#open.clear();
    this.#queue = this.#queue.then(async () => {
      await Promise.all(open.map((s) => s.abandon()));
      await writeManifest(this.dir, this.manifest).catch(() => {});
    });
  }
}
