// The recording pipeline's front: creates one ShowSpool per DJ show (the FrameConsumer the bridge's
// composition root adds to each session), finalizes a show when it ends, runs start-up recovery and
// the hourly cleanup, and reports disk errors to the bridge (metric, alert). Fed by
// bridge/src/bridge.ts; feeds the spool, finalize/ and the injected RecordingStore.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { AircheckError } from '../../shared/src/errors.ts';
import type { AudioFrame } from '../../shared/src/protocol/audio-frame.ts';
import type { Mp3BitrateKbps } from '../../shared/src/mp3/opus-to-mp3.ts';
import { finalizeShow } from './finalize/finalize-show.ts';
import { listRecordings } from './recording-catalog.ts';
import { DEFAULT_RETENTION_MS, recoverSpool, type RecoveryReport } from './recover.ts';
import { manifestDurationSamples, type RecordingStatus, type ShowManifest } from './show-manifest.ts';
import { SegmentUploader, type SegmentUploadStats } from './spool/segment-uploader.ts';
import { ShowSpool } from './spool/show-spool.ts';
import type { RecordingStore } from './store-contract.ts';

const CLEANUP_INTERVAL_MS = 3600 * 1000;

export interface RecorderOptions {
  spoolDir: string;
  segmentSeconds: number;
  store: RecordingStore | null;
  log: Logger;
  retentionMs?: number;
  /** Copy each closed segment to the store during the show (default true when there is a store). */
  uploadSegments?: boolean;
  /** Pause before a failed segment upload is retried (default 10 s). */
  segmentRetryDelayMs?: number;
  /** An MP3 rendition of every recording at this bitrate; null or absent: none. */
  mp3BitrateKbps?: Mp3BitrateKbps | null;
  now?: () => Date;
  /** A recording failed (disk error, finalize, verification): count it and alert. */
  onError?: (code: string) => void;
  /** A recording reached a final status (verified or failed). */
  onSettled?: (status: RecordingStatus) => void;
  /** A segment upload's outcome (failures are retried; the local spool keeps the segment). */
  onSegmentUpload?: (result: 'stored' | 'failed') => void;
}

export interface ShowInfo {
  dj: string;
  opusHead: Uint8Array;
  channels: number;
  preSkipSamples: number;
}

/** The shape of the bridge's FrameConsumer (declared here so recordings/ does not import bridge/). */
export interface RecordingConsumer {
  onFrame(frame: AudioFrame): void;
  onEnd(): void;
}

export interface RecordingSummary {
  showId: string;
  dj: string;
  startedAt: string;
  endedAt: string | null;
  durationMs: number;
  status: RecordingStatus;
  reason: string | null;
  gaps: number;
  /** The MP3 rendition: verified in the store, failed (reason in the manifest), made locally, or none. */
  mp3: 'verified' | 'failed' | 'made' | null;
  /** Rebuilt from the store's spool copy after the local spool was lost. */
  restored: boolean;
}

export class Recorder {
  readonly #opts: RecorderOptions;
  readonly #active = new Map<string, { spool: ShowSpool; uploader: SegmentUploader | null }>();
  readonly #work = new Set<Promise<unknown>>();
  #cleanupTimer: NodeJS.Timeout | null = null;

  constructor(opts: RecorderOptions) {
    this.#opts = opts;
  }

  /** A new show's recorder: from its first frame to onEnd(), whatever the push target. */
  createConsumer(show: ShowInfo): RecordingConsumer {
    const now = this.#opts.now ?? (() => new Date());
    const showId = `${now().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${show.dj}-${randomBytes(3).toString('hex')}`;
    let spool: ShowSpool | null = null;
    let uploader: SegmentUploader | null = null;
    const store = this.#opts.store;
    const start = () => {
      const s = new ShowSpool({
        spoolDir: this.#opts.spoolDir, showId, dj: show.dj, opusHead: show.opusHead, channels: show.channels,
        preSkipSamples: show.preSkipSamples, segmentSamples: Math.round(this.#opts.segmentSeconds * 48000),
        log: this.#opts.log, now,
        onFailed: (err: AircheckError) => {
          this.#opts.onError?.(err.code);
          this.#opts.onSettled?.('failed');
        },
        onSegmentClosed: (_dir, segment) => uploader?.segmentClosed(segment),
        onEnded: (dir, manifest) => {
          this.#track((async () => {
            // The finalized show replaces the spool copy: no upload may land after it is removed.
            await uploader?.stop();
            try {
              return await finalizeShow(dir, manifest, { store, log: this.#opts.log, now, mp3BitrateKbps: this.#opts.mp3BitrateKbps });
            } finally {
              this.#active.delete(showId); // listed (finalizing) until then, and kept out of recovery's way
            }
          })().then((m) => this.#settled(m)));
        },
      });
      if (store && this.#opts.uploadSegments !== false) {
        uploader = new SegmentUploader({
          store, dir: s.dir, manifest: s.manifest, log: this.#opts.log,
          retryDelayMs: this.#opts.segmentRetryDelayMs, onResult: this.#opts.onSegmentUpload,
        });
      }
      return s;
    };
    return {
      // The spool (and its directory) starts with the first frame, not with the session.
      onFrame: (frame) => {
        if (!spool) {
          spool = start();
          this.#active.set(showId, { spool, uploader });
          this.#track(spool.idle());
        }
        spool.onFrame(frame);
      },
      onEnd: () => {
        if (!spool) return;
        const s = spool;
        s.onEnd();
        this.#track(s.idle().then(async () => {
          if (!s.failure) return;
          await uploader?.stop();
          this.#active.delete(showId);
        }));
      },
    };
  }

  /** Start-up recovery, then an hourly cleanup of old verified spools. */
  async recover(): Promise<RecoveryReport> {
    const run = () => recoverSpool({
      spoolDir: this.#opts.spoolDir, store: this.#opts.store, log: this.#opts.log, now: this.#opts.now,
      mp3BitrateKbps: this.#opts.mp3BitrateKbps,
      activeShowIds: new Set(this.#active.keys()), retentionMs: this.#opts.retentionMs ?? DEFAULT_RETENTION_MS,
    });
    const report = await this.#track(run());
    if (!this.#cleanupTimer) {
      this.#cleanupTimer = setInterval(() => {
        this.#track(run()).catch((err) => this.#opts.log.error({ err: (err as Error).message }, 'spool cleanup failed'));
      }, CLEANUP_INTERVAL_MS);
      this.#cleanupTimer.unref();
    }
    if (report.restored.length + report.recovered.length + report.finalized.length + report.cleaned.length > 0) this.#opts.log.info(report, 'recording spool recovered');
    return report;
  }

  /** Every recording in the spool with its status. */
  async list(): Promise<RecordingSummary[]> {
    const { entries } = await listRecordings(this.#opts.spoolDir);
    return entries.map((e) => summarize(e.manifest));
  }

  /** Shows being recorded now. */
  activeShows(): { showId: string; dj: string; status: RecordingStatus; reason: string | null; segments: number; segmentUploads: SegmentUploadStats | null }[] {
    return [...this.#active.values()].map(({ spool, uploader }) => ({
      showId: spool.manifest.showId, dj: spool.manifest.dj, status: spool.manifest.status, reason: spool.manifest.reason,
      segments: spool.manifest.segments.length, segmentUploads: uploader?.stats ?? null,
    }));
  }

  /** Resolves when every write, finalization and recovery started so far has finished. */
  async idle(): Promise<void> {
    while (this.#work.size > 0) await Promise.allSettled([...this.#work]);
  }

  /** Stops the cleanup timer and the segment uploads (a show still recording is recovered at the next start). */
  close(): void {
    if (this.#cleanupTimer) clearInterval(this.#cleanupTimer);
    this.#cleanupTimer = null;
    for (const { uploader } of this.#active.values()) void uploader?.stop();
  }

  #settled(m: ShowManifest): void {
    if (m.status === 'failed') this.#opts.onError?.(m.errorCode ?? 'REC_STORE_FAILED');
    if (m.renditionError) this.#opts.onError?.('REC_RENDITION_FAILED');
    if (m.status === 'verified' || m.status === 'failed') this.#opts.onSettled?.(m.status);
  }

  #track<T>(p: Promise<T>): Promise<T> {
    this.#work.add(p);
    void p.finally(() => this.#work.delete(p)).catch(() => {});
    return p;
  }
}

export function summarize(m: ShowManifest): RecordingSummary {
  return {
    showId: m.showId, dj: m.dj, startedAt: m.startedAt, endedAt: m.endedAt,
    durationMs: Math.round(manifestDurationSamples(m) / 48), status: m.status, reason: m.reason, gaps: m.gaps.length,
    mp3: m.rendition?.storeLocation ? 'verified' : m.renditionError ? 'failed' : m.rendition ? 'made' : null,
    restored: !!m.restoredFromStoreAt,
  };
}
