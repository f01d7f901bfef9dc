// The recording pipeline's front: creates one ShowSpool per DJ show (the FrameConsumer the bridge's
// composition root adds to each session), finalizes a show when it ends, runs start-up recovery and
// the hourly cleanup, and reports disk errors to the bridge (metric, alert). Fed by
// bridge/src/bridge.ts; feeds the spool, finalize/ and the injected RecordingStore.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { failureGoesToCaller, isAircheckError, type AircheckError, type ErrorCode } from '../../shared/src/errors.ts';
import type { Mp3BitrateKbps } from '../../shared/src/mp3/opus-to-mp3.ts';
import { finalizeShow } from './finalize/finalize-show.ts';
import { listRecordings } from './recording-catalog.ts';
import { join } from 'node:path';
import { DEFAULT_RETENTION_MS, adoptTrailingSegments, recoverSpool, type RecoveryReport } from './recover.ts';
import { isVerified, manifestDurationSamples, readManifest, recorderGaps, writeManifest, type RecordingStatus, type ShowInfoEntry, type ShowManifest, type SourceEntry } from './show-manifest.ts';
import type { StreamFormat } from '../../shared/src/audio-unit.ts';
import type { FrameConsumer, RecordingHealth, ShowInfo as StudioShowInfo } from '../../shared/src/show-contract.ts';
import { SegmentUploader, type SegmentUploadStats } from './spool/segment-uploader.ts';
import { ShowSpool } from './spool/show-spool.ts';
import { SourceRecording } from './source-recording.ts';
import type { SpoolFs } from './spool/spool-fs.ts';
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
  onError?: (code: ErrorCode) => void;
  /** A recording reached a final status (verified, verified_with_gaps or failed). */
  onSettled?: (status: RecordingStatus) => void;
  /** A show's recording started failing (disk error): fire the alert now, not when the show ends. */
  onRecordingFailed?: (failure: RecordingFailure) => void;
  /** The spool's file system (a seam for fault tests: spool/limited-space-fs.ts). */
  spoolFs?: SpoolFs;
  /** How often a failing spool tries its disk again (default 5 s). */
  spoolRetryMs?: number;
  /**
   * The bridge tells each studio show when it reaches /live (RecordingConsumer.onWentLive): a new
   * studio show then starts as a soundcheck (manifest wentLiveAt null) until it does. Default false:
   * wentLiveAt is left out, and no show is taken for a soundcheck.
   */
  tracksGoingLive?: boolean;
  /** A segment upload's outcome (failures are retried; the local spool keeps the segment). */
  onSegmentUpload?: (result: 'stored' | 'failed') => void;
}

/** A show as the recorder takes it: the studio's (shared ShowInfo), or a source's stream kept as received. */
export interface ShowInfo extends StudioShowInfo {
  /** A source's stream kept as received (source-recording.ts): its format, who sent it, its chain's header pages. */
  sourceFormat?: StreamFormat;
  source?: SourceEntry;
  chainHeaders?: () => readonly Uint8Array[];
}

export type { RecordingHealth };

export interface RecordingFailure {
  showId: string;
  dj: string;
  startedAt: string;
  code: ErrorCode;
  reason: string;
}

/** The recorder's FrameConsumer (shared/src/show-contract.ts), with everything a recording needs required. */
export interface RecordingConsumer extends FrameConsumer {
  /** reason: the manifest's endReason (default "show ended"). */
  onEnd(reason?: string): void;
  /** Frames of this show the recorder received but could not record (the session's lostFrames adds them). */
  readonly lostFrames: number;
  /** The recording's show id (a session that survives a restart continues it). */
  readonly showId: string;
  /**
   * Every frame up to this seq is written to the spool (a crash of the bridge keeps it): the studio's
   * acknowledgements never pass it. +Infinity when nothing is held back (no spool yet, ended, failed).
   */
  safeSeq(): number;
  onMetadata(nowPlaying: { artist: string; title: string }): void;
  onShow(show: ShowInfoEntry): void;
  /** The show reached /live (the studio's push went on air): kept as the manifest's wentLiveAt, the first time. */
  onWentLive(): void;
  onStudioGap(cause: ErrorCode, reason: string): void;
  flush(): void;
  onSafe: (() => void) | null;
  /** A source's show: its source was away this long (it came back within the grace period). */
  onSourceGap(durationSamples: number, cause: ErrorCode, reason: string): void;
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
  /** Audio the recording holds (durationMs less the silence standing in for gaps). */
  recordedMs: number;
  /** Frames the recorder received but could not record: their length, and each cause (ErrorCode). */
  lostMs: number;
  lostCauses: ErrorCode[];
  /** The MP3 rendition: verified in the store, failed (reason in the manifest), made locally, or none. */
  mp3: 'verified' | 'failed' | 'made' | null;
  /** Rebuilt from the store's spool copy after the local spool was lost. */
  restored: boolean;
  /** The show's name and description as the DJ set them in the studio ('' when never set). */
  showName: string;
  showDescription: string;
  /** The recording's format: the studio's Ogg Opus, or a source's stream as received. */
  format: StreamFormat;
  /** Who made it (absent in manifests written before sources were recorded: the studio). */
  source: SourceEntry | null;
}

export class Recorder {
  readonly #opts: RecorderOptions;
  readonly #active = new Map<string, { spool: ShowSpool; uploader: SegmentUploader | null }>();
  readonly #work = new Set<Promise<unknown>>();
  #cleanupTimer: NodeJS.Timeout | null = null;

  constructor(opts: RecorderOptions) {
    this.#opts = opts;
  }

  /**
   * A new show's recorder: from its first frame to onEnd(), whatever the push target. resume: a show
   * continued after a restart (resumeConsumer), with its spool's manifest when it has one.
   */
  createConsumer(show: ShowInfo, resume?: { showId: string; manifest: ShowManifest | null }): RecordingConsumer {
    const now = this.#opts.now ?? (() => new Date());
    const showId = resume?.showId ?? `${now().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${show.dj}-${randomBytes(3).toString('hex')}`;
    let spool: ShowSpool | null = null;
    const titlesBeforeAudio: { artist: string; title: string }[] = [];
    let showBeforeAudio: ShowInfoEntry | null = null;
    let liveBeforeAudio: string | null = null;
    let uploader: SegmentUploader | null = null;
    const store = this.#opts.store;
    const start = () => {
      const s = new ShowSpool({
        spoolDir: this.#opts.spoolDir, showId, dj: show.dj, opusHead: show.opusHead, channels: show.channels,
        preSkipSamples: show.preSkipSamples, segmentSamples: Math.round(this.#opts.segmentSeconds * 48000),
        log: this.#opts.log, now, resume: resume?.manifest ?? undefined, onWritten: () => consumer.onSafe?.(),
        fs: this.#opts.spoolFs, retryMs: this.#opts.spoolRetryMs,
        sourceFormat: show.sourceFormat, source: show.source, chainHeaders: show.chainHeaders,
        onFailed: (err: AircheckError) => {
          this.#opts.onError?.(err.code);
          const m = s.manifest;
          this.#opts.onRecordingFailed?.({ showId, dj: m.dj, startedAt: m.startedAt, code: err.code, reason: err.message });
          show.onHealth?.({
            status: 'failing', code: err.code, lostFrames: s.lostFrames, lostMs: lostMsOf(m),
            message: `${err.message.slice(0, 700)}; the broadcast goes on, but it is not being recorded`,
          });
        },
        onResumed: () => show.onHealth?.({
          status: 'ok', code: null, lostFrames: s.lostFrames, lostMs: lostMsOf(s.manifest),
          message: `recording again; the ${(lostMsOf(s.manifest) / 1000).toFixed(1)} s not recorded are listed as a gap in the recording`,
        }),
        onSegmentClosed: (_dir, segment) => uploader?.segmentClosed(segment),
        onEnded: (dir, manifest) => {
          this.#background((async () => {
            // The finalized show replaces the spool copy: no upload may land after it is removed.
            await uploader?.stop();
            try {
              return await finalizeShow(dir, manifest, { store, log: this.#opts.log, now, mp3BitrateKbps: this.#opts.mp3BitrateKbps });
            } finally {
              this.#active.delete(showId); // listed (finalizing) until then, and kept out of recovery's way
            }
          })().then((m) => this.#settled(m)), 'finalizing a show', 'REC_FINALIZE_FAILED');
        },
      });
      // A new studio show has not been on air yet (a soundcheck until onWentLive); written with its first manifest.
      if (this.#opts.tracksGoingLive && !resume?.manifest && !show.sourceFormat) s.manifest.wentLiveAt = liveBeforeAudio;
      if (store && this.#opts.uploadSegments !== false) {
        uploader = new SegmentUploader({
          store, dir: s.dir, manifest: s.manifest, log: this.#opts.log,
          retryDelayMs: this.#opts.segmentRetryDelayMs, onResult: this.#opts.onSegmentUpload,
        });
      }
      return s;
    };
    const open = () => {
      spool = start();
      this.#active.set(showId, { spool, uploader });
      this.#background(spool.idle(), "writing a show's spool", 'REC_SPOOL_UNWRITABLE');
    };
    const consumer: RecordingConsumer = {
      showId,
      onSafe: null,
      safeSeq: () => (!spool || spool.failure ? Number.POSITIVE_INFINITY : spool.writtenSeq),
      flush: () => spool?.completePage(),
      // The spool (and its directory) starts with the first frame, not with the session.
      onFrame: (frame) => {
        if (!spool) {
          open();
          // Titles set before the first frame: at the show's start.
          for (const t of titlesBeforeAudio.splice(0)) spool!.onTitle(t.artist, t.title);
          if (showBeforeAudio) spool!.onShow(showBeforeAudio);
        }
        spool!.onFrame(frame);
      },
      onStudioGap: (cause, reason) => {
        if (spool) spool.onStudioGap(cause, reason);
      },
      onSourceGap: (durationSamples, cause, reason) => {
        if (spool) spool.onSourceGap(durationSamples, cause, reason);
      },
      onShow: (show) => {
        if (spool) spool.onShow(show);
        else showBeforeAudio = { ...show };
      },
      onWentLive: () => {
        const at = now().toISOString();
        // Written with the next manifest write (a closed segment, the end).
        if (spool) spool.manifest.wentLiveAt ??= at;
        else liveBeforeAudio ??= at;
      },
      onMetadata: ({ artist, title }) => {
        if (spool) spool.onTitle(artist, title);
        else titlesBeforeAudio.push({ artist, title });
      },
      get lostFrames() {
        return spool?.lostFrames ?? 0;
      },
      onEnd: (reason) => {
        if (!spool) return;
        const s = spool;
        s.onEnd(reason);
        this.#background(s.idle().then(async () => {
          // Finalized when it holds any audio (the spool calls onEnded); otherwise it stays failed.
          if (!s.failure || s.manifest.segments.length > 0) return;
          this.#opts.onSettled?.('failed');
          await uploader?.stop();
          this.#active.delete(showId);
        }), 'ending a show', 'REC_FINALIZE_FAILED');
      },
    };
    if (resume?.manifest) {
      // A continued show: open at once (recovery leaves it alone while it is active) and copy the
      // segments listed so far again (the store's copy is a gap-free run from the first).
      open();
      for (const segment of resume.manifest.segments) (uploader as SegmentUploader | null)?.segmentClosed(segment);
    }
    return consumer;
  }

  /**
   * The recording of a source client's show, its stream kept as received (source-recording.ts):
   * same spool, finalize, store and verify as a studio show. dj: a name safe in a show id (the mount's).
   */
  createSourceRecording(show: { dj: string; format: StreamFormat; channels: number; source: SourceEntry }): SourceRecording {
    return new SourceRecording(show.format, (chainHeaders) => this.createConsumer({
      dj: show.dj, opusHead: new Uint8Array(0), channels: show.channels, preSkipSamples: 0,
      sourceFormat: show.format, source: show.source, chainHeaders,
    }));
  }

  /**
   * After a restart: continues the recording of a show whose studio session is still resumable
   * (bridge/src/shows/dj-session.ts). What the disk holds is listed first (a trailing segment cut to
   * its last whole page, recover.ts adoptTrailingSegments); the show stays active, so recovery leaves
   * it alone, until the session ends (onEnd: finalized as usual). nextSeq: the seq after the last
   * frame on disk (what the studio must resend from), null when no frame reached the disk. Null when
   * the show cannot be continued (no spool left to continue: it ended, failed or is unreadable).
   */
  async resumeConsumer(showId: string, show: ShowInfo): Promise<{ consumer: RecordingConsumer; nextSeq: number | null } | null> {
    if (this.#active.has(showId) || !/^[\w.-]+$/.test(showId)) return null;
    const dir = join(this.#opts.spoolDir, showId);
    let manifest: ShowManifest | null = null;
    try {
      manifest = await readManifest(dir);
    } catch (err) {
      // No directory: the show had no frame yet (the spool starts with the first one).
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.#opts.log.warn({ show: showId, err: (err as Error).message }, 'cannot continue the recording of a resumable show: its manifest is unreadable; recovery handles it');
        return null;
      }
    }
    if (manifest) {
      if (manifest.showId !== showId || manifest.status !== 'recording' || manifest.endedAt !== null) return null;
      await adoptTrailingSegments(dir, manifest, { forResume: true });
      await writeManifest(dir, manifest);
    }
    const consumer = this.createConsumer(show, { showId, manifest });
    return { consumer, nextSeq: manifest?.lastSeq !== null && manifest?.lastSeq !== undefined ? manifest.lastSeq + 1 : null };
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
        this.#background(run(), 'spool cleanup', 'REC_SPOOL_UNWRITABLE');
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
  activeShows(): {
    showId: string; dj: string; status: RecordingStatus; reason: string | null; errorCode: ErrorCode | null; segments: number;
    lostFrames: number; lostMs: number; gaps: ShowManifest['gaps']; segmentUploads: SegmentUploadStats | null;
  }[] {
    return [...this.#active.values()].map(({ spool, uploader }) => ({
      showId: spool.manifest.showId, dj: spool.manifest.dj, status: spool.manifest.status, reason: spool.manifest.reason,
      errorCode: spool.manifest.errorCode, segments: spool.manifest.segments.length,
      // Frames the recorder received but could not record, and every gap with its cause and length.
      lostFrames: spool.lostFrames, lostMs: lostMsOf(spool.manifest), gaps: spool.manifest.gaps,
      segmentUploads: uploader?.stats ?? null,
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
    // A failed show always carries its code now; one written by an older version without it failed in the store.
    if (m.status === 'failed') this.#opts.onError?.(m.errorCode ?? 'REC_STORE_FAILED');
    if (m.renditionError) this.#opts.onError?.('REC_RENDITION_FAILED');
    if (isVerified(m.status) || m.status === 'failed') this.#opts.onSettled?.(m.status);
  }

  /** Work idle() waits for; the caller gets its rejection. */
  #track<T>(p: Promise<T>): Promise<T> {
    this.#work.add(p);
    void p.finally(() => this.#work.delete(p)).catch(failureGoesToCaller);
    return p;
  }

  /** Work nobody awaits (a show's spool, its finalization): a failure is logged with its code and counted here. */
  #background(p: Promise<unknown>, what: string, code: ErrorCode): void {
    this.#track(p).catch((err: unknown) => {
      const error = isAircheckError(err) ? err.code : code;
      this.#opts.log.error({ code: error, err: (err as Error).message }, `${what} failed`);
      this.#opts.onError?.(error);
    });
  }
}

export function summarize(m: ShowManifest): RecordingSummary {
  return {
    showId: m.showId, dj: m.dj, startedAt: m.startedAt, endedAt: m.endedAt,
    durationMs: Math.round(manifestDurationSamples(m) / 48), status: m.status, reason: m.reason, gaps: m.gaps.length,
    recordedMs: Math.round((manifestDurationSamples(m) - m.gaps.reduce((n, g) => n + g.durationSamples, 0)) / 48),
    lostMs: lostMsOf(m), lostCauses: [...new Set(recorderGaps(m).map((g) => g.cause!))],
    mp3: m.rendition?.storeLocation ? 'verified' : m.renditionError ? 'failed' : m.rendition ? 'made' : null,
    restored: !!m.restoredFromStoreAt,
    showName: m.show?.name ?? '', showDescription: m.show?.description ?? '',
    format: m.sourceFormat ?? 'ogg-opus', source: m.source ?? null,
  };
}

/** Length of the frames the recorder received but could not record (its gaps with a cause). */
export function lostMsOf(m: ShowManifest): number {
  return Math.round(recorderGaps(m).reduce((n, g) => n + g.durationSamples, 0) / 48);
}
