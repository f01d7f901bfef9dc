// The spool copy: while a show is being recorded, each segment the spool closes is uploaded to the
// store (`<prefix>spool/<show-id>/segment-NNNNNN.opus`, verified like any recording: size, checksum,
// duration) and the copy's manifest (`…/manifest.json`) is rewritten to list the segments stored so
// far, always a gap-free run from the first. If the bridge's disk is lost mid-show, recovery on a new
// disk rebuilds the show from this copy (recover.ts). Fed closed segments by the show spool (through
// the recorder); the copy is removed by the finalizer once the finished show is verified.
//
// Uploads are one at a time, in order. A failed upload (after the store's own retries) is not a
// recording failure — the local spool still holds everything — it is logged, counted and retried
// after a pause, before any later segment.
import type { Logger } from 'pino';
import type { ErrorCode } from '../../../shared/src/errors.ts';
import type { SegmentEntry, ShowManifest } from '../show-manifest.ts';
import type { RecordingFormat, RecordingStore } from '../store-contract.ts';
import { SPOOL_COPY_MANIFEST, spoolCopyPrefix } from '../store/recording-key.ts';
import { join } from 'node:path';

export interface SegmentUploaderOptions {
  store: RecordingStore;
  /** The show's spool directory and its live manifest (read, never written, here). */
  dir: string;
  manifest: ShowManifest;
  log: Logger;
  /** Pause before retrying a failed upload. Default 10 s. */
  retryDelayMs?: number;
  /** Each upload's outcome, for the metric. */
  onResult?: (result: 'stored' | 'failed') => void;
}

export interface SegmentUploadStats {
  stored: number;
  pending: number;
  failedAttempts: number;
  lastError: string | null;
}

export class SegmentUploader {
  readonly #opts: SegmentUploaderOptions;
  readonly #log: Logger;
  readonly #prefix: string;
  readonly #pending: SegmentEntry[] = [];
  readonly #stored: SegmentEntry[] = [];
  #running: Promise<void> | null = null;
  #retryTimer: NodeJS.Timeout | null = null;
  #stopped = false;
  #failedAttempts = 0;
  #lastError: string | null = null;

  constructor(opts: SegmentUploaderOptions) {
    this.#opts = opts;
    this.#log = opts.log.child({ show: opts.manifest.showId, component: 'segment-upload' });
    this.#prefix = spoolCopyPrefix(opts.manifest.showId, opts.store.keyPrefix);
  }

  get stats(): SegmentUploadStats {
    return { stored: this.#stored.length, pending: this.#pending.length, failedAttempts: this.#failedAttempts, lastError: this.#lastError };
  }

  /** A closed, fsync'd segment the spool's manifest lists: queued for upload. */
  segmentClosed(segment: SegmentEntry): void {
    if (this.#stopped) return;
    this.#pending.push(segment);
    this.#kick();
  }

  /** Resolves when every segment queued so far is stored, or an upload failed and waits for its retry. */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  /** No more uploads: the pending ones are dropped (the finalized show replaces the copy); waits for the one in flight. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    this.#pending.length = 0;
    await this.idle();
  }

  #kick(): void {
    if (this.#running || this.#stopped || this.#retryTimer) return;
    this.#running = this.#drain().finally(() => {
      this.#running = null;
    });
  }

  async #drain(): Promise<void> {
    while (!this.#stopped && this.#pending.length > 0) {
      const segment = this.#pending[0]!;
      const error = await this.#upload(segment);
      if (error !== null) {
        this.#failedAttempts++;
        this.#lastError = error.reason;
        this.#opts.onResult?.('failed');
        const delayMs = this.#opts.retryDelayMs ?? 10_000;
        this.#log.warn({ code: error.code, segment: segment.file, err: error.reason, retryInMs: delayMs, pending: this.#pending.length },
          'segment could not be copied to the store; the local spool keeps it, retrying');
        if (!this.#stopped) {
          this.#retryTimer = setTimeout(() => {
            this.#retryTimer = null;
            this.#kick();
          }, delayMs); // not unref'd: a pending retry is work; stop() clears it
        }
        return;
      }
      this.#pending.shift();
      this.#opts.onResult?.('stored');
      this.#log.debug({ segment: segment.file, stored: this.#stored.length }, 'segment copied to the store');
    }
  }

  /** Uploads and verifies one segment, then the copy's manifest listing it. null, or why it failed. */
  async #upload(segment: SegmentEntry): Promise<{ code: ErrorCode; reason: string } | null> {
    const { store, dir } = this.#opts;
    if (!segment.crc32c) return { code: 'REC_VERIFY_FAILED', reason: `segment ${segment.file} has no CRC-32C in the manifest` };
    const result = await store.putAndVerify({
      key: this.#prefix + segment.file, filePath: join(dir, segment.file), sizeBytes: segment.sizeBytes,
      sha256: segment.sha256, crc32c: segment.crc32c,
      // A source's segment is a piece of its stream (an Ogg one may open inside a chain): checksums only.
      ...(this.#opts.manifest.sourceFormat ? { format: `stream:${this.#opts.manifest.sourceFormat}` as RecordingFormat, durationSamples: null } : { durationSamples: segment.durationSamples }),
    });
    if (!result.verified) return { code: result.code, reason: result.reason };
    const stored = [...this.#stored, segment];
    try {
      await store.putJson(this.#prefix + SPOOL_COPY_MANIFEST, this.#copyManifest(stored));
    } catch (err) {
      return { code: 'REC_STORE_FAILED', reason: `writing the spool copy's manifest failed: ${(err as Error).message}` };
    }
    this.#stored.push(segment);
    return null;
  }

  /** The spool's manifest as the copy holds it: only the stored segments, and the gaps among them. */
  #copyManifest(stored: SegmentEntry[]): ShowManifest {
    const m = this.#opts.manifest;
    const frames = stored.reduce((n, s) => n + s.frames, 0);
    return {
      ...m, segments: stored, gaps: m.gaps.filter((g) => g.framesBefore < frames),
      lastSeq: stored.at(-1)?.lastSeq ?? null, endedAt: null, endReason: null, final: null, storeLocation: null,
    };
  }
}
