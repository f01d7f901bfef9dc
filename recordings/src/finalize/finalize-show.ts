// Finalizes one ended show: status finalizing, the spool's segments joined into `show.opus`
// (concatenate.ts), the store's putAndVerify; verified or failed with the store's reason. Once the
// show is verified its spool copy in the store (segments uploaded during the show) is removed, and the
// MP3 rendition, when configured, is made (on a worker thread), stored, verified and added to the
// stored manifest. The waveform (waveform.ts, on a worker thread) is made once from the finalized
// file, written beside the manifest and, once verified, beside the stored recording. Nothing in the
// local spool is deleted here (old verified spools are cleaned by recover.ts). Fed by the recorder
// when a show ends and by recovery at start; every step is persisted in the manifest first, so a
// crash at any point is finished by the next start.
import { randomInt } from 'node:crypto';
import { readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { AircheckError, isAircheckError } from '../../../shared/src/errors.ts';
import type { Mp3BitrateKbps } from '../../../shared/src/mp3/opus-to-mp3.ts';
import { persistMove } from '../recording-catalog.ts';
import { isVerified, RENDITION_FILE, finalFileName, recorderGaps, recordingExt, writeManifest, type ShowManifest } from '../show-manifest.ts';
import type { RecordingStore } from '../store-contract.ts';
import { fsyncDir, spoolError, writeFileDurably } from '../spool/spool-fs.ts';
import { CUE_FILE, buildCueSheet } from './cue-sheet.ts';
import { cueKey, manifestKey, recordingKey, renditionKey, spoolCopyPrefix, waveformKey } from '../store/recording-key.ts';
import { WAVEFORM_FILE, type Waveform } from './waveform.ts';
import { computeWaveformOffThread } from './waveform-worker.ts';
import { concatenateSegments } from './concatenate.ts';
import { concatenateStream } from './concatenate-stream.ts';
import { renderMp3OffThread } from './mp3-rendition-worker.ts';

export interface FinalizeDeps {
  /** null: the show is finalized locally and waits (status finalizing) for a store. */
  store: RecordingStore | null;
  log: Logger;
  now?: () => Date;
  /** Make and store an MP3 rendition at this bitrate; null or absent: none. */
  mp3BitrateKbps?: Mp3BitrateKbps | null;
  /** The waveform of the finalized file (a seam for tests); default: decoded on a worker thread. */
  computeWaveform?: (inPath: string, m: ShowManifest) => Promise<Waveform>;
}

/**
 * The key a show's recording is stored under: the date of its start and its own format's extension.
 * The one function the finalizer stores it with and the console (catalog/) reads it back with.
 */
export function recordingKeyOf(m: Pick<ShowManifest, 'showId' | 'startedAt' | 'sourceFormat'>, prefix: string): string {
  return recordingKey(m.showId, new Date(m.startedAt), prefix, recordingExt(m));
}

export async function finalizeShow(dir: string, manifest: ShowManifest, deps: FinalizeDeps): Promise<ShowManifest> {
  const now = () => (deps.now ?? (() => new Date()))().toISOString();
  const log = deps.log.child({ show: manifest.showId });
  const m = manifest;
  try {
    if (m.status !== 'finalizing') await persistMove(dir, m, 'finalizing', now());
    if (!m.final || !(await sizeMatches(join(dir, m.final.file), m.final.sizeBytes))) {
      if (m.segments.length === 0) throw new AircheckError('REC_FINALIZE_FAILED', `show ${m.showId} has no complete segment in "${dir}": nothing was recorded to finalize`);
      const finalFile = finalFileName(m);
      const tmp = join(dir, `.${finalFile}.tmp`);
      // A source's stream is joined as received (MP3 stays MP3, Ogg Vorbis stays Vorbis); the studio's frames into Ogg Opus.
      const r = m.sourceFormat ? await concatenateStream({
        segments: m.segments.map((s) => ({ path: join(dir, s.file), prefixBytes: s.prefixBytes ?? 0 })), format: m.sourceFormat, outPath: tmp,
      }).catch((err) => {
        throw spoolError(err, 'writing the finalized show', tmp);
      }) : await concatenateSegments({
        segmentPaths: m.segments.map((s) => join(dir, s.file)),
        opusHead: new Uint8Array(Buffer.from(m.opusHead, 'base64')),
        gaps: m.gaps,
        outPath: tmp,
        serial: randomInt(1, 0xffff_ffff),
        tags: { artist: m.dj, title: `${m.dj} ${m.startedAt}` },
      }).catch((err) => {
        throw spoolError(err, 'writing the finalized show', tmp);
      });
      await rename(tmp, join(dir, finalFile));
      await fsyncDir(dir);
      m.final = { file: finalFile, sizeBytes: r.sizeBytes, sha256: r.sha256, crc32c: r.crc32c, durationSamples: r.durationSamples };
      m.rendition = null; // made from the final file: a new final file needs a new rendition
      await rm(join(dir, WAVEFORM_FILE), { force: true }); // and a new waveform
      await writeManifest(dir, m);
      log.info({ durationMs: Math.round(r.durationSamples / 48), sizeBytes: r.sizeBytes, segments: m.segments.length, gaps: m.gaps.length }, 'recording finalized');
    }
    // The CUE sheet (the tracklist's titles at their times) next to the final file; not the record:
    // a sheet that cannot be written is logged and the show goes on to the store.
    const finalFile = m.final.file;
    await writeFileDurably(join(dir, CUE_FILE), (fh) => fh.writeFile(buildCueSheet(m, finalFile))).catch((err: unknown) => {
      log.warn({ err: (err as Error).message }, 'the CUE sheet could not be written; the tracklist stays in the manifest');
    });
    if (!deps.store) {
      await finishWaveform(dir, m, deps, null);
      log.warn('no recording store configured: the finalized show stays in the spool');
      return m;
    }
    const key = recordingKeyOf(m, deps.store.keyPrefix);
    const result = await deps.store.putAndVerify({
      key,
      filePath: join(dir, m.final.file),
      sizeBytes: m.final.sizeBytes,
      sha256: m.final.sha256,
      crc32c: m.final.crc32c,
      durationSamples: m.final.durationSamples,
      ...(m.sourceFormat ? { format: `stream:${m.sourceFormat}` as const } : {}),
      // Stored only once verified: it says so, and whether the recorder left gaps (each with its cause).
      manifest: { ...m, status: recorderGaps(m).length > 0 ? 'verified_with_gaps' : 'verified' },
    });
    if (result.verified) {
      m.storeLocation = result.location;
      // Frames the recorder received but could not record: never plain verified.
      const lost = recorderGaps(m);
      if (lost.length > 0) {
        const causes = [...new Set(lost.map((g) => g.cause!))];
        const lostS = lost.reduce((n, g) => n + g.durationSamples, 0) / 48000;
        await persistMove(dir, m, 'verified_with_gaps', now(), {
          reason: `verified with ${lost.length} gap(s) the recorder could not record: ${lostS.toFixed(1)} s (${causes.join(', ')})`, code: causes[0]!,
        });
      } else await persistMove(dir, m, 'verified', now());
      log.info({ location: result.location }, 'recording verified in the store');
      // The CUE sheet beside the stored recording, naming the stored file; not the record (the
      // tracklist is in the stored manifest), so a failure is logged and the show stays verified.
      await deps.store.putText(cueKey(key), buildCueSheet(m, key.slice(key.lastIndexOf('/') + 1)), 'application/x-cue').catch((err: unknown) => {
        log.warn({ err: (err as Error).message }, 'the CUE sheet could not be stored beside the recording; the tracklist is in its stored manifest');
      });
      // The spool copy is redundant from the moment the show is verified: removed before anything slower.
      await removeSpoolCopy(deps.store, m.showId, log);
      await finishWaveform(dir, m, deps, key);
      // The MP3 rendition is made from the studio's Opus; a source's recording is kept in its own format only.
      if (deps.mp3BitrateKbps && !m.sourceFormat) await finishRendition(dir, m, { ...deps, mp3BitrateKbps: deps.mp3BitrateKbps });
    } else {
      await persistMove(dir, m, 'failed', now(), { reason: `store did not verify the recording: ${result.reason}`, code: result.code });
      log.error({ code: result.code, reason: result.reason }, 'recording not verified by the store; the spool is kept');
      await finishWaveform(dir, m, deps, null);
    }
  } catch (err) {
    const error = isAircheckError(err) ? err : new AircheckError('REC_FINALIZE_FAILED', `finalizing show ${m.showId} failed: ${(err as Error).message}`, { cause: err });
    log.error({ code: error.code, err: error.message }, 'recording could not be finalized; the spool is kept');
    if (m.status !== 'failed') {
      // moveTo marks it failed in memory first: the recorder counts it even when the manifest cannot be written.
      await persistMove(dir, m, 'failed', now(), { reason: error.message, code: error.code }).catch((e: unknown) => {
        log.error({ code: error.code, err: (e as Error).message }, 'the failed status could not be written to the manifest; recovery finalizes the show again at the next start');
      });
    }
  }
  return m;
}

/** Whether a verified show still lacks its stored MP3 rendition (recovery finishes it). */
export function renditionPending(m: ShowManifest, mp3BitrateKbps: Mp3BitrateKbps | null | undefined): boolean {
  return !!mp3BitrateKbps && !m.sourceFormat && isVerified(m.status) && m.spoolRemovedAt === null && m.final !== null
    && !m.renditionError && !(m.rendition?.storeLocation && m.rendition.bitrateKbps === mp3BitrateKbps);
}

/**
 * The MP3 rendition of a verified show: made from the finalized file, stored and verified, then
 * listed in the stored manifest. It is a copy for listeners, not the record: when it cannot be made
 * or stored, the reason goes to the manifest (`renditionError`) and the log, and the show stays
 * verified (the rendition can be made again from the Ogg Opus file at any time).
 */
export async function finishRendition(dir: string, m: ShowManifest, deps: FinalizeDeps & { mp3BitrateKbps: Mp3BitrateKbps }): Promise<void> {
  const log = deps.log.child({ show: m.showId });
  const store = deps.store;
  const bitrateKbps = deps.mp3BitrateKbps;
  if (!store || !m.final) return;
  try {
    if (!m.rendition || m.rendition.bitrateKbps !== bitrateKbps || !(await sizeMatches(join(dir, m.rendition.file), m.rendition.sizeBytes))) {
      const tmp = join(dir, `.${RENDITION_FILE}.tmp`);
      const started = performance.now();
      const r = await renderMp3OffThread({ inPath: join(dir, m.final.file), outPath: tmp, bitrateKbps, artist: m.dj, title: `${m.dj} ${m.startedAt}` });
      await rename(tmp, join(dir, RENDITION_FILE));
      await fsyncDir(dir);
      m.rendition = {
        file: RENDITION_FILE, bitrateKbps, sizeBytes: r.sizeBytes, sha256: r.sha256, crc32c: r.crc32c,
        durationSamples: r.durationSamples, storeLocation: null,
      };
      await writeManifest(dir, m);
      log.info({ bitrateKbps, sizeBytes: r.sizeBytes, durationMs: Math.round(r.durationSamples / 48), tookMs: Math.round(performance.now() - started) }, 'MP3 rendition made');
    }
    const r = m.rendition;
    const key = recordingKeyOf(m, store.keyPrefix);
    const result = await store.putAndVerify({
      key: renditionKey(key), filePath: join(dir, r.file), sizeBytes: r.sizeBytes, sha256: r.sha256, crc32c: r.crc32c,
      // Checked against the show, not against what the renderer reported: playable samples of show.opus.
      durationSamples: m.final.durationSamples - m.preSkipSamples, format: 'mp3',
    });
    if (!result.verified) throw new Error(`the store did not verify it: ${result.reason}`);
    r.storeLocation = result.location;
    m.renditionError = null;
    // The stored manifest (written with the verified show) now lists the rendition too.
    const stored = await store.getJson(manifestKey(key));
    await store.putJson(manifestKey(key), { ...(stored as object | null ?? m), rendition: r, renditionError: null });
    await writeManifest(dir, m);
    log.info({ location: result.location }, 'MP3 rendition verified in the store');
  } catch (err) {
    m.renditionError = `MP3 rendition at ${bitrateKbps} kbps: ${(err as Error).message}`;
    const cause = isAircheckError(err) ? err.code : null;
    log.error({ code: 'REC_RENDITION_FAILED', cause, err: (err as Error).message }, 'MP3 rendition failed; the verified Ogg Opus recording is not affected');
    await writeManifest(dir, m).catch((e: unknown) => {
      log.error({ code: 'REC_RENDITION_FAILED', err: (e as Error).message }, 'the rendition failure could not be written to the manifest; the rendition is tried again at the next start');
    });
  }
}

/**
 * The waveform of the finalized file (waveform.ts), once: `waveform.json` beside the manifest, and
 * beside the stored recording when key is given (the show is verified). Not the record: a failure is
 * logged and the recording goes on without a waveform.
 */
async function finishWaveform(dir: string, m: ShowManifest, deps: FinalizeDeps, key: string | null): Promise<void> {
  if (!m.final) return;
  const log = deps.log.child({ show: m.showId });
  const path = join(dir, WAVEFORM_FILE);
  try {
    let waveform: Waveform;
    try {
      waveform = JSON.parse(await readFile(path, 'utf8')) as Waveform;
    } catch {
      const started = performance.now();
      const compute = deps.computeWaveform ?? ((inPath: string, show: ShowManifest) => computeWaveformOffThread(inPath, show.sourceFormat ?? 'ogg-opus'));
      waveform = await compute(join(dir, m.final.file), m);
      // Compact: a four-hour show has 144,000 peaks.
      await writeFileDurably(path, (fh) => fh.writeFile(JSON.stringify(waveform)));
      log.info({ peaks: waveform.peaks.length, tookMs: Math.round(performance.now() - started) }, 'waveform made');
    }
    if (key && deps.store) await deps.store.putText(waveformKey(key), JSON.stringify(waveform), 'application/json');
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'the waveform could not be made or stored; the recording is not affected');
  }
}

/** The segments uploaded during the show are redundant once the show is verified. */
async function removeSpoolCopy(store: RecordingStore, showId: string, log: Logger): Promise<void> {
  try {
    const keys = await store.listKeys(spoolCopyPrefix(showId, store.keyPrefix));
    if (keys.length === 0) return;
    await store.deleteKeys(keys);
    log.debug({ objects: keys.length }, 'spool copy removed from the store');
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'could not remove the spool copy from the store; recovery removes it at the next start');
  }
}

async function sizeMatches(path: string, sizeBytes: number): Promise<boolean> {
  try {
    return (await stat(path)).size === sizeBytes;
  } catch {
    return false;
  }
}
