// The recording pipeline's front: creates one ShowSpool per DJ show (the FrameConsumer the bridge's
// composition root adds to each session), finalizes a show when it ends, runs start-up recovery and
// the hourly cleanup, and reports disk errors to the bridge (metric, alert). Fed by
// bridge/src/bridge.ts; feeds the spool, finalize/ and the injected RecordingStore.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { AircheckError } from '../../shared/src/errors.ts';
import type { AudioFrame } from '../../shared/src/protocol/audio-frame.ts';
import { finalizeShow } from './finalize/finalize-show.ts';
import { listRecordings } from './recording-catalog.ts';
import { DEFAULT_RETENTION_MS, recoverSpool, type RecoveryReport } from './recover.ts';
import { manifestDurationSamples, type RecordingStatus, type ShowManifest } from './show-manifest.ts';
import { ShowSpool } from './spool/show-spool.ts';
import type { RecordingStore } from './store-contract.ts';

const CLEANUP_INTERVAL_MS = 3600 * 1000;

export interface RecorderOptions {
  spoolDir: string;
  segmentSeconds: number;
  store: RecordingStore | null;
  log: Logger;
  retentionMs?: number;
  now?: () => Date;
  /** A recording failed (disk error, finalize, verification): count it and alert. */
  onError?: (code: string) => void;
  /** A recording reached a final status (verified or failed). */
  onSettled?: (status: RecordingStatus) => void;
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
}

export class Recorder {
  readonly #opts: RecorderOptions;
  readonly #active = new Map<string, ShowSpool>();
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
    const start = () =>
      new ShowSpool({
        spoolDir: this.#opts.spoolDir, showId, dj: show.dj, opusHead: show.opusHead, channels: show.channels,
        preSkipSamples: show.preSkipSamples, segmentSamples: Math.round(this.#opts.segmentSeconds * 48000),
        log: this.#opts.log, now,
        onFailed: (err: AircheckError) => {
          this.#opts.onError?.(err.code);
          this.#opts.onSettled?.('failed');
        },
        onEnded: (dir, manifest) => {
          this.#active.delete(showId);
          this.#track(finalizeShow(dir, manifest, { store: this.#opts.store, log: this.#opts.log, now }).then((m) => this.#settled(m)));
        },
      });
    return {
      // The spool (and its directory) starts with the first frame, not with the session.
      onFrame: (frame) => {
        if (!spool) {
          spool = start();
          this.#active.set(showId, spool);
          this.#track(spool.idle());
        }
        spool.onFrame(frame);
      },
      onEnd: () => {
        if (!spool) return;
        const s = spool;
        s.onEnd();
        this.#track(s.idle().then(() => {
          if (s.failure) this.#active.delete(showId);
        }));
      },
    };
  }

  /** Start-up recovery, then an hourly cleanup of old verified spools. */
  async recover(): Promise<RecoveryReport> {
    const run = () => recoverSpool({
      spoolDir: this.#opts.spoolDir, store: this.#opts.store, log: this.#opts.log, now: this.#opts.now,
      activeShowIds: new Set(this.#active.keys()), retentionMs: this.#opts.retentionMs ?? DEFAULT_RETENTION_MS,
    });
    const report = await this.#track(run());
    if (!this.#cleanupTimer) {
      this.#cleanupTimer = setInterval(() => {
        this.#track(run()).catch((err) => this.#opts.log.error({ err: (err as Error).message }, 'spool cleanup failed'));
      }, CLEANUP_INTERVAL_MS);
      this.#cleanupTimer.unref();
    }
    if (report.recovered.length + report.finalized.length + report.cleaned.length > 0) this.#opts.log.info(report, 'recording spool recovered');
    return report;
  }

  /** Every recording in the spool with its status. */
  async list(): Promise<RecordingSummary[]> {
    const { entries } = await listRecordings(this.#opts.spoolDir);
    return entries.map((e) => summarize(e.manifest));
  }

  /** Shows being recorded now. */
  activeShows(): { showId: string; dj: string; status: RecordingStatus; reason: string | null }[] {
    return [...this.#active.values()].map((s) => ({ showId: s.manifest.showId, dj: s.manifest.dj, status: s.manifest.status, reason: s.manifest.reason }));
  }

  /** Resolves when every write, finalization and recovery started so far has finished. */
  async idle(): Promise<void> {
    while (this.#work.size > 0) await Promise.allSettled([...this.#work]);
  }

  close(): void {
    if (this.#cleanupTimer) clearInterval(this.#cleanupTimer);
    this.#cleanupTimer = null;
  }

  #settled(m: ShowManifest): void {
    if (m.status === 'failed') this.#opts.onError?.(m.errorCode ?? 'REC_STORE_FAILED');
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
  };
}
