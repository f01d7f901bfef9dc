// Start-up recovery of the spool: a show left unfinished by a crash or power cut (no end marker) is
// closed at its last complete segment — a trailing segment that was being written is cut to its last
// complete Ogg page, or left out when it holds no whole page — and finalized; shows whose
// finalization or upload was interrupted are finished. Verified shows older than the retention lose
// their audio files (the manifest stays, so the list keeps them); nothing unverified is ever removed.
// Called by the recorder at start (bridge/src/bridge.ts) and by its periodic cleanup.
import { readFile, readdir, rm, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { checkOggPage, readOggPage } from '../../shared/src/ogg/ogg-page.ts';
import { isOpusHead, isOpusTags, opusPacketSamples } from '../../shared/src/ogg/codec-headers.ts';
import { createHash } from 'node:crypto';
import { listRecordings } from './recording-catalog.ts';
import { FINAL_FILE, SEGMENT_FILE_RE, writeManifest, type SegmentEntry, type ShowManifest } from './show-manifest.ts';
import type { RecordingStore } from './store-contract.ts';
import { finalizeShow } from './finalize/finalize-show.ts';

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
}

export interface RecoveryReport {
  recovered: string[];
  finalized: string[];
  cleaned: string[];
  unreadable: string[];
}

export async function recoverSpool(deps: RecoverDeps): Promise<RecoveryReport> {
  const now = deps.now ?? (() => new Date());
  const report: RecoveryReport = { recovered: [], finalized: [], cleaned: [], unreadable: [] };
  const { entries, unreadable } = await listRecordings(deps.spoolDir);
  for (const u of unreadable) {
    deps.log.error({ dir: u.dir, error: u.error }, 'spool directory without a readable manifest; left as it is');
    report.unreadable.push(u.dir);
  }
  for (const { dir, manifest: m } of entries) {
    if (deps.activeShowIds?.has(m.showId)) continue;
    if (m.status === 'recording' && m.endedAt === null) {
      await closeUnfinished(dir, m, now());
      deps.log.warn({ show: m.showId, segments: m.segments.length }, 'unfinished recording found in the spool (the bridge stopped mid-show); closing it at its last complete page');
      report.recovered.push(m.showId);
    }
    const retry = m.status === 'recording' || m.status === 'finalizing' || m.status === 'uploaded' || (m.status === 'failed' && m.final !== null);
    if (retry) {
      await finalizeShow(dir, m, { store: deps.store, log: deps.log, now });
      report.finalized.push(m.showId);
    }
    if (m.status === 'verified' && m.spoolRemovedAt === null && isOlderThan(m, now(), deps.retentionMs ?? DEFAULT_RETENTION_MS)) {
      await removeAudio(dir, m, now());
      deps.log.info({ show: m.showId }, 'verified recording older than the retention: spool audio removed');
      report.cleaned.push(m.showId);
    }
  }
  return report;
}

/** Ends a show at what the disk holds: listed segments, plus the trailing one cut to its last whole page. */
async function closeUnfinished(dir: string, m: ShowManifest, at: Date): Promise<void> {
  const listed = new Set(m.segments.map((s) => s.file));
  const lastIndex = m.segments.at(-1)?.index ?? 0;
  const trailing = (await readdir(dir)).filter((f) => SEGMENT_FILE_RE.test(f) && !listed.has(f)).sort();
  let nextSeq = (m.segments.at(-1)?.lastSeq ?? (m.firstSeq ?? 0) - 1) + 1;
  for (const file of trailing) {
    const index = Number(SEGMENT_FILE_RE.exec(file)![1]);
    if (index <= lastIndex) continue;
    const path = join(dir, file);
    const bytes = new Uint8Array(await readFile(path));
    const { validBytes, frames, durationSamples } = scanSegment(bytes);
    if (frames === 0) continue; // not even one whole page of audio: left out of the recording
    if (validBytes < bytes.length) await truncate(path, validBytes);
    const entry: SegmentEntry = {
      index, file, firstSeq: nextSeq, lastSeq: nextSeq + frames - 1, frames, durationSamples, sizeBytes: validBytes,
      sha256: createHash('sha256').update(bytes.subarray(0, validBytes)).digest('hex'), recovered: true,
    };
    m.segments.push(entry);
    nextSeq += frames;
  }
  m.endedAt = at.toISOString();
  m.endReason = 'recovered at start: the bridge stopped during the show';
  await writeManifest(dir, m);
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

function isOlderThan(m: ShowManifest, now: Date, ms: number): boolean {
  const ended = Date.parse(m.endedAt ?? m.startedAt);
  return Number.isFinite(ended) && now.getTime() - ended > ms;
}

async function removeAudio(dir: string, m: ShowManifest, at: Date): Promise<void> {
  for (const f of await readdir(dir)) {
    if (SEGMENT_FILE_RE.test(f) || f === FINAL_FILE) await rm(join(dir, f), { force: true });
  }
  m.spoolRemovedAt = at.toISOString();
  await writeManifest(dir, m);
}
