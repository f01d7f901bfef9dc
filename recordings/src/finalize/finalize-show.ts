// Finalizes one ended show: status finalizing, the spool's segments joined into `show.opus`
// (concatenate.ts), then the store's putAndVerify; verified or failed with the store's reason.
// Nothing in the spool is deleted here (old verified spools are cleaned by recover.ts). Fed by the
// recorder when a show ends and by recovery at start; every step is persisted in the manifest first,
// so a crash at any point is finished by the next start.
import { randomInt } from 'node:crypto';
import { rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { AircheckError, isAircheckError } from '../../../shared/src/errors.ts';
import { persistMove } from '../recording-catalog.ts';
import { FINAL_FILE, writeManifest, type ShowManifest } from '../show-manifest.ts';
import type { RecordingStore } from '../store-contract.ts';
import { fsyncDir, spoolError } from '../spool/spool-fs.ts';
import { recordingKey } from '../store/recording-key.ts';
import { concatenateSegments } from './concatenate.ts';

export interface FinalizeDeps {
  /** null: the show is finalized locally and waits (status finalizing) for a store. */
  store: RecordingStore | null;
  log: Logger;
  now?: () => Date;
}

export async function finalizeShow(dir: string, manifest: ShowManifest, deps: FinalizeDeps): Promise<ShowManifest> {
  const now = () => (deps.now ?? (() => new Date()))().toISOString();
  const log = deps.log.child({ show: manifest.showId });
  const m = manifest;
  try {
    if (m.status !== 'finalizing') await persistMove(dir, m, 'finalizing', now());
    if (!m.final || !(await sizeMatches(join(dir, m.final.file), m.final.sizeBytes))) {
      if (m.segments.length === 0) throw new AircheckError('REC_FINALIZE_FAILED', `show ${m.showId} has no complete segment in "${dir}": nothing was recorded to finalize`);
      const tmp = join(dir, `.${FINAL_FILE}.tmp`);
      const r = await concatenateSegments({
        segmentPaths: m.segments.map((s) => join(dir, s.file)),
        opusHead: new Uint8Array(Buffer.from(m.opusHead, 'base64')),
        gaps: m.gaps,
        outPath: tmp,
        serial: randomInt(1, 0xffff_ffff),
        tags: { artist: m.dj, title: `${m.dj} ${m.startedAt}` },
      }).catch((err) => {
        throw spoolError(err, 'writing the finalized show', tmp);
      });
      await rename(tmp, join(dir, FINAL_FILE));
      await fsyncDir(dir);
      m.final = { file: FINAL_FILE, sizeBytes: r.sizeBytes, sha256: r.sha256, crc32c: r.crc32c, durationSamples: r.durationSamples };
      await writeManifest(dir, m);
      log.info({ durationMs: Math.round(r.durationSamples / 48), sizeBytes: r.sizeBytes, segments: m.segments.length, gaps: m.gaps.length }, 'recording finalized');
    }
    if (!deps.store) {
      log.warn('no recording store configured: the finalized show stays in the spool');
      return m;
    }
    const result = await deps.store.putAndVerify({
      key: recordingKey(m.showId, new Date(m.startedAt)),
      filePath: join(dir, m.final.file),
      sizeBytes: m.final.sizeBytes,
      sha256: m.final.sha256,
      crc32c: m.final.crc32c,
      durationSamples: m.final.durationSamples,
      manifest: m,
    });
    if (result.verified) {
      m.storeLocation = result.location;
      await persistMove(dir, m, 'verified', now());
      log.info({ location: result.location }, 'recording verified in the store');
    } else {
      await persistMove(dir, m, 'failed', now(), { reason: `store did not verify the recording: ${result.reason}` });
      log.error({ reason: result.reason }, 'recording not verified by the store; the spool is kept');
    }
  } catch (err) {
    const error = isAircheckError(err) ? err : new AircheckError('REC_FINALIZE_FAILED', `finalizing show ${m.showId} failed: ${(err as Error).message}`, { cause: err });
    log.error({ code: error.code, err: error.message }, 'recording could not be finalized; the spool is kept');
    if (m.status !== 'failed') await persistMove(dir, m, 'failed', now(), { reason: error.message, code: error.code }).catch(() => {});
  }
  return m;
}

async function sizeMatches(path: string, sizeBytes: number): Promise<boolean> {
  try {
    return (await stat(path)).size === sizeBytes;
  } catch {
    return false;
  }
}
