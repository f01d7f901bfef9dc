// Start-up recovery of the spool: a show whose local spool was lost (a dead disk) but whose spool
// copy is in the store (segments uploaded during the show) is rebuilt from that copy; a show left
// unfinished by a crash or power cut (no end marker) is closed at its last complete segment — a
// trailing segment that was being written is cut to its last complete Ogg page, or left out when it
// holds no whole page — and finalized; shows whose finalization or upload was interrupted are
// finished, and so are MP3 renditions of verified shows that a restart cut short. Verified shows
// older than the retention lose their audio files (the manifest stays, so the list keeps them);
// nothing unverified is ever removed.
// Called by the recorder at start (bridge/src/bridge.ts) and by its periodic cleanup.
import { mkdir, readFile, readdir, rename, rm, stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { checkOggPage, readOggPage } from '../../shared/src/ogg/ogg-page.ts';
import type { AudioUnit, StreamFormat } from '../../shared/src/audio-unit.ts';
import { containerOf, framerFor } from '../../shared/src/stream-framer.ts';
import { isOpusHead, isOpusTags, opusPacketSamples } from '../../shared/src/ogg/codec-headers.ts';
import { createHash } from 'node:crypto';
import type { Mp3BitrateKbps } from '../../shared/src/mp3/opus-to-mp3.ts';
import { listRecordings } from './recording-catalog.ts';
import { fsyncDir } from './spool/spool-fs.ts';
import { SPOOL_COPY_MANIFEST, manifestKey, recordingKey, showIdOfSpoolKey, spoolCopyPrefix } from './store/recording-key.ts';
import { digestFile } from './verify/local-digest.ts';
import { CUE_FILE } from './finalize/cue-sheet.ts';
import { FINAL_FILE_RE, RENDITION_FILE, SEGMENT_FILE_RE, isVerified, readManifest, recorderGaps, writeManifest, type SegmentEntry, type ShowManifest } from './show-manifest.ts';
import { RESERVE_FILE } from './spool/show-spool.ts';
import type { RecordingStore } from './store-contract.ts';
import { finalizeShow, finishRendition, renditionPending } from './finalize/finalize-show.ts';
import { crc32c, crc32cToBase64 } from './verify/crc32c.ts';

export const DEFAULT_RETENTION_MS = 24 * 3600 * 1000;

export interface RecoverDeps {
  spoolDir: string;
  store: RecordingStore | null;
  log: Logger;
  now?: () => Date;
  /** Shows being recorded by this process right now: not touched. */
  activeShowIds?: ReadonlySet<string>;
  /** Verified spools older than this lose their audio files; default one day. */
  retentionMs?: number;
  mp3BitrateKbps?: Mp3BitrateKbps | null;
}

export interface RecoveryReport {
  /** Rebuilt from the store's spool copy. */
  restored: string[];
  recovered: string[];
  finalized: string[];
  cleaned: string[];
  unreadable: string[];
}

export async function recoverSpool(deps: RecoverDeps): Promise<RecoveryReport> {
  const now = deps.now ?? (() => new Date());
  const report: RecoveryReport = { restored: [], recovered: [], finalized: [], cleaned: [], unreadable: [] };
  if (deps.store) await restoreSpoolCopies(deps, deps.store, now, report);
  const { entries, unreadable } = await listRecordings(deps.spoolDir);
  for (const u of unreadable) {
    deps.log.error({ dir: u.dir, error: u.error }, 'spool directory without a readable manifest; left as it is');
    report.unreadable.push(u.dir);
  }
  for (const { dir, manifest: m } of entries) {
    if (deps.activeShowIds?.has(m.showId)) continue;
    // A recording that was failing (disk error) when the bridge stopped: its gap is kept, with its cause.
    const failedMidShow = m.status === 'failed' && m.final === null && recorderGaps(m).length > 0 && m.segments.length > 0;
    if ((m.status === 'recording' || failedMidShow) && m.endedAt === null) {
      await closeUnfinished(dir, m, now());
      deps.log.warn({ show: m.showId, segments: m.segments.length, status: m.status }, 'unfinished recording found in the spool (the bridge stopped mid-show); closing it at its last complete page');
      report.recovered.push(m.showId);
    }
    // failedMidShow: what it holds is finalized, verified_with_gaps at best (finalize-show.ts).
    const retry = m.status === 'recording' || m.status === 'finalizing' || m.status === 'uploaded' || (m.status === 'failed' && m.final !== null) || failedMidShow;
    if (retry) {
      await finalizeShow(dir, m, { store: deps.store, log: deps.log, now, mp3BitrateKbps: deps.mp3BitrateKbps });
      report.finalized.push(m.showId);
    }
    if (deps.mp3BitrateKbps && renditionPending(m, deps.mp3BitrateKbps)) {
      await finishRendition(dir, m, { store: deps.store, log: deps.log, now, mp3BitrateKbps: deps.mp3BitrateKbps });
    }
    if (isVerified(m.status) && m.spoolRemovedAt === null && isOlderThan(m, now(), deps.retentionMs ?? DEFAULT_RETENTION_MS)) {
      await removeAudio(dir, m, now());
      deps.log.info({ show: m.showId }, 'verified recording older than the retention: spool audio removed');
      report.cleaned.push(m.showId);
    }
  }
  return report;
}

/**
 * Shows with a spool copy in the store but no local spool directory: the disk that held them was lost.
 * Each is downloaded (segments checked against the copy's manifest) into a hidden directory, which is
 * renamed into the spool when complete; the show is then finalized like any other. A copy whose
 * finished show is already verified in the store is only removed.
 */
async function restoreSpoolCopies(deps: RecoverDeps, store: RecordingStore, now: () => Date, report: RecoveryReport): Promise<void> {
  const keys = await store.listKeys(`${store.keyPrefix}spool/`);
  const shows = new Set(keys.map((k) => showIdOfSpoolKey(k, store.keyPrefix)).filter((id): id is string => id !== null));
  for (const showId of shows) {
    if (deps.activeShowIds?.has(showId)) continue;
    const dir = join(deps.spoolDir, showId);
    const prefix = spoolCopyPrefix(showId, store.keyPrefix);
    const log = deps.log.child({ show: showId });
    try {
      if (await exists(dir)) {
        // The local spool has the show: finalizing it removes the copy (here, if that was missed).
        const local = await readManifest(dir).catch(() => null);
        if (local && isVerified(local.status)) await store.deleteKeys(keys.filter((k) => k.startsWith(prefix)));
        continue;
      }
      const m = (await store.getJson(prefix + SPOOL_COPY_MANIFEST)) as ShowManifest | null;
      if (!m || m.showId !== showId || !Array.isArray(m.segments) || typeof m.startedAt !== 'string') {
        log.error({ prefix }, 'spool copy in the store without a readable manifest; left in the store');
        report.unreadable.push(prefix);
        continue;
      }
      const verified = await store.getJson(manifestKey(recordingKey(showId, new Date(m.startedAt), store.keyPrefix)));
      if (verified !== null) {
        await store.deleteKeys(keys.filter((k) => k.startsWith(prefix)));
        log.info('spool copy of an already verified show removed from the store');
        continue;
      }
      if (m.segments.length === 0) continue; // nothing stored yet; the manifest alone holds no audio
      const tmp = join(deps.spoolDir, `.restore-${showId}`);
      await rm(tmp, { recursive: true, force: true });
      await mkdir(tmp, { recursive: true });
      for (const s of m.segments) {
        const path = join(tmp, s.file);
        await store.download(prefix + s.file, path);
        const d = await digestFile(path);
        if (d.sizeBytes !== s.sizeBytes || d.sha256Hex !== s.sha256) {
          throw new Error(`segment ${s.file} downloaded as ${d.sizeBytes} bytes, SHA-256 ${d.sha256Hex}; the copy's manifest says ${s.sizeBytes} bytes, ${s.sha256}`);
        }
      }
      const at = now().toISOString();
      Object.assign(m, {
        status: 'recording', reason: null, errorCode: null, final: null, rendition: null, storeLocation: null, spoolRemovedAt: null,
        endedAt: at, endReason: 'restored from the spool copy in the store: the local spool was lost during the show',
        restoredFromStoreAt: at,
      } satisfies Partial<ShowManifest>);
      await writeManifest(tmp, m);
      await rename(tmp, dir);
      await fsyncDir(deps.spoolDir);
      log.warn({ segments: m.segments.length, durationMs: Math.round(m.segments.reduce((n, s) => n + s.durationSamples, 0) / 48) },
        'show restored from its spool copy in the store (the local spool was lost); finalizing it');
      report.restored.push(showId);
    } catch (err) {
      log.error({ prefix, err: (err as Error).message }, 'could not restore the spool copy from the store; it stays there, retried at the next start');
      report.unreadable.push(prefix);
    }
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/** Ends a show at what the disk holds: listed segments, plus the trailing one cut to its last whole page. */
async function closeUnfinished(dir: string, m: ShowManifest, at: Date): Promise<void> {
  await adoptTrailingSegments(dir, m);
  for (const g of m.gaps) if (g.open) g.open = false; // the recorder was failing until the bridge stopped
  await rm(join(dir, RESERVE_FILE), { force: true });
  m.endedAt = at.toISOString();
  m.endReason = 'recovered at start: the bridge stopped during the show';
  await writeManifest(dir, m);
}

/**
 * Lists in m (not written) the segment files the disk holds beyond the manifest's list: the trailing
 * one a crash left open, cut to its last whole page (one with no whole page is left out). Seqs are
 * counted from the listed segments across the recorded gaps. forResume (a show continued after a
 * restart, recorder.ts resumeConsumer): a trailing file with no whole page is removed (its number is
 * taken by the next segment), gaps after the last frame on disk are dropped (the studio resends those
 * frames) and lastSeq is the last frame on disk.
 */
export async function adoptTrailingSegments(dir: string, m: ShowManifest, opts: { forResume?: boolean } = {}): Promise<void> {
  const listed = new Set(m.segments.map((s) => s.file));
  const lastIndex = m.segments.reduce((n, s) => Math.max(n, s.index), 0);
  const trailing = (await readdir(dir)).filter((f) => SEGMENT_FILE_RE.test(f) && !listed.has(f)).sort();
  let framesBefore = m.segments.reduce((n, s) => n + s.frames, 0);
  /** The seq of the k-th frame of the recording (0-based): firstSeq + k + the frames missing in gaps before it. */
  const seqAt = (k: number) => (m.firstSeq ?? 0) + k + m.gaps.filter((g) => g.framesBefore <= k).reduce((n, g) => n + g.missingFrames, 0);
  for (const file of trailing) {
    const index = Number(SEGMENT_FILE_RE.exec(file)![1]);
    if (index <= lastIndex) continue;
    const path = join(dir, file);
    const bytes = new Uint8Array(await readFile(path));
    const { validBytes, frames, durationSamples, prefixBytes } = m.sourceFormat ? scanStreamSegment(bytes, m.sourceFormat) : { ...scanSegment(bytes), prefixBytes: 0 };
    if (frames === 0) {
      // not even one whole page of audio: left out of the recording
      if (opts.forResume) await rm(path, { force: true });
      continue;
    }
    if (validBytes < bytes.length) await truncate(path, validBytes);
    const entry: SegmentEntry = {
      index, file, firstSeq: seqAt(framesBefore), lastSeq: seqAt(framesBefore + frames - 1), frames, durationSamples, sizeBytes: validBytes,
      sha256: createHash('sha256').update(bytes.subarray(0, validBytes)).digest('hex'),
      crc32c: crc32cToBase64(crc32c(bytes.subarray(0, validBytes))), recovered: true,
      ...(prefixBytes > 0 ? { prefixBytes } : {}),
    };
    m.segments.push(entry);
    framesBefore += frames;
    // The manifest was written at the last segment close: the adopted frames end the recording now.
    m.lastSeq = entry.lastSeq;
  }
  if (opts.forResume) {
    m.gaps = m.gaps.filter((g) => g.framesBefore < framesBefore);
    m.lastSeq = framesBefore > 0 ? seqAt(framesBefore - 1) : null;
    if (framesBefore === 0) m.firstSeq = null;
  }
}

/** How much of a segment file is whole pages, and the audio those pages carry. */
export function scanSegment(bytes: Uint8Array): { validBytes: number; frames: number; durationSamples: number } {
  let offset = 0;
  let frames = 0;
  let durationSamples = 0;
  let packetIndex = 0;
  while (offset < bytes.length) {
    const length = checkOggPage(bytes, offset);
    if (typeof length !== 'number' || length === 0) break;
    const page = readOggPage(bytes, offset, length);
    if (!page.lastPacketComplete) break; // the recorder never splits a packet across pages
    offset += length;
    for (const p of page.packets) {
      const i = packetIndex++;
      if ((i === 0 && isOpusHead(p)) || (i === 1 && isOpusTags(p))) continue;
      frames++;
      durationSamples += opusPacketSamples(p);
    }
  }
  return { validBytes: offset, frames, durationSamples };
}

/**
 * A source's segment kept as received (MP3 frames / Ogg pages): how much of it is whole units, the
 * audio they carry and the leading header pages (a chain's copy, dropped at finalize where it continues).
 */
export function scanStreamSegment(bytes: Uint8Array, format: StreamFormat): { validBytes: number; frames: number; durationSamples: number; prefixBytes: number } {
  const container = containerOf(format);
  if (!container) return { validBytes: 0, frames: 0, durationSamples: 0, prefixBytes: 0 }; // never recorded (source-recorder.ts)
  const framer = framerFor(container);
  let units: AudioUnit[] = [];
  try {
    units = framer.push(bytes);
  } catch {
    // garbage after the last whole unit: what was framed before it counts (none here: the framer threw at once)
  }
  let validBytes = 0;
  let durationUs = 0;
  let prefixBytes = 0;
  let leading = true;
  for (const u of units) {
    validBytes = u.data.byteOffset - bytes.byteOffset + u.data.byteLength;
    durationUs += u.durationUs;
    if (leading && u.isHeader) prefixBytes += u.data.byteLength;
    else leading = false;
  }
  return { validBytes, frames: units.length, durationSamples: Math.round((durationUs * 48) / 1000), prefixBytes };
}

function isOlderThan(m: ShowManifest, now: Date, ms: number): boolean {
  const ended = Date.parse(m.endedAt ?? m.startedAt);
  return Number.isFinite(ended) && now.getTime() - ended > ms;
}

async function removeAudio(dir: string, m: ShowManifest, at: Date): Promise<void> {
  for (const f of await readdir(dir)) {
    // The CUE sheet goes with the audio it indexes (the manifest's tracklist stays).
    if (SEGMENT_FILE_RE.test(f) || FINAL_FILE_RE.test(f) || f === RENDITION_FILE || f === CUE_FILE) await rm(join(dir, f), { force: true });
  }
  m.spoolRemovedAt = at.toISOString();
  await writeManifest(dir, m);
}
