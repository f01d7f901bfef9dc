// The per-show manifest (`<spool_dir>/<show-id>/manifest.json`): what a recording is (show, DJ,
// start, end, duration, size, checksums, gaps), its status, and the spool's closed segments. Written
// by the show spool, the finalizer and recovery (always atomically); read by the catalog and the CLI.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isErrorCode, type ErrorCode } from '../../shared/src/errors.ts';
import type { StreamFormat } from '../../shared/src/audio-unit.ts';
import type { ShowInfoText } from '../../shared/src/show-contract.ts';
import { writeJsonAtomic, type SpoolFs } from './spool/spool-fs.ts';

export const MANIFEST_FILE = 'manifest.json';
export const FINAL_FILE = 'show.opus';
export const RENDITION_FILE = 'show.mp3';
export const MANIFEST_VERSION = 1;

/**
 * recording → finalizing → uploaded → verified, or failed (with a reason) from any of them. A
 * recording that lost frames the bridge received (a gap with a cause: disk full, …) is failed from
 * that moment, recording again if the disk recovers, and at best verified_with_gaps, never verified.
 */
export type RecordingStatus = 'recording' | 'finalizing' | 'uploaded' | 'verified' | 'verified_with_gaps' | 'failed';

/** Verified by the store (with or without gaps the recorder caused). */
export function isVerified(status: RecordingStatus): boolean {
  return status === 'verified' || status === 'verified_with_gaps';
}

/** One closed, fsync'd segment file: a self-contained Ogg Opus file. */
export interface SegmentEntry {
  index: number;
  file: string;
  firstSeq: number;
  lastSeq: number;
  frames: number;
  durationSamples: number;
  sizeBytes: number;
  /** SHA-256 of the file, lowercase hex. */
  sha256: string;
  /** CRC-32C of the file, S3's base64 form (absent in manifests written before segments were uploaded). */
  crc32c?: string;
  /** A source's Ogg stream: bytes at the start copying the chain's header pages (dropped where the chain continues). */
  prefixBytes?: number;
  /** True for a trailing segment recovery cut at its last complete page after a crash. */
  recovered?: boolean;
}

/**
 * Frames missing from the recording: silence in the final file. Without a cause, the studio never
 * delivered them (lost from its full buffer); with one, the bridge received them and the recorder
 * dropped them (disk full, spool unwritable, a frame it could not take).
 */
export interface GapEntry {
  /** The last seq recorded before the gap, and how many seqs are missing. */
  afterSeq: number;
  missingFrames: number;
  /** How many frames the recording holds before the gap (where the silence goes). */
  framesBefore: number;
  /** Length of the gap at 48 kHz, from the capture timestamps (else frame count × frame length). */
  durationSamples: number;
  /** Why the recorder dropped these frames (absent: the studio never delivered them). */
  cause?: ErrorCode;
  /** The error's message, for a person. */
  reason?: string;
  /** Why the studio never delivered these frames, when it said (STUDIO_TAB_LOST: its tab was reloaded or crashed). */
  studioCause?: ErrorCode;
  /**
   * A source's show (sourceFormat set): why the source's audio stopped (it disconnected, stalled,
   * was replaced) before it came back within the grace period. Not the recorder's fault.
   */
  sourceCause?: ErrorCode;
  /** Where the gap is in the recorded audio (ms from its start); a source's show keeps no silence for it. */
  offsetMs?: number;
  /** ISO time the recorder started dropping frames. */
  since?: string;
  /** Still going on (the recorder is dropping frames now, or the bridge stopped during it). */
  open?: boolean;
}

/** The gaps the recorder caused (frames received but not recorded). */
export function recorderGaps(m: ShowManifest): GapEntry[] {
  return m.gaps.filter((g) => g.cause !== undefined);
}

/** The finalized file: one continuous Ogg Opus stream. */
export interface FinalFileEntry {
  file: string;
  sizeBytes: number;
  /** SHA-256 of the file, lowercase hex. */
  sha256: string;
  /** CRC32C of the file, base64 of the big-endian 4 bytes (S3's x-amz-checksum-crc32c form). */
  crc32c: string;
  /** Audio samples at 48 kHz, silence for gaps included (the last granule position). */
  durationSamples: number;
}

/** The MP3 rendition (`[recordings] mp3_kbps`), made from the finalized file; a copy for listeners, never the record. */
export interface RenditionEntry {
  file: string;
  bitrateKbps: number;
  sizeBytes: number;
  /** SHA-256 of the file, lowercase hex. */
  sha256: string;
  /** CRC32C of the file, S3's base64 form. */
  crc32c: string;
  /** Playable samples at 48 kHz. */
  durationSamples: number;
  /** Where the store keeps the verified copy (null until then). */
  storeLocation: string | null;
}

/** One re-verification on demand (the console's Re-verify): the stored copy read back and checked again. */
export interface StoredCheckEntry {
  /** ISO time of the check. */
  at: string;
  /** The recording and, when it has a stored one, its MP3 rendition both matched. */
  verified: boolean;
  /** Why not, for a person; null when verified. */
  reason: string | null;
  /** The MP3 rendition's own result; null when the show has no stored rendition. */
  rendition: { verified: boolean; reason: string | null } | null;
}

/** The newest re-verifications kept in a manifest. */
export const MAX_STORED_CHECKS = 20;

/** One now-playing change of the show (the studio's metadata), for the tracklist and the CUE sheet. */
export interface TrackEntry {
  /** Audio position in the recording when the title was set (ms from the show's start). */
  offsetMs: number;
  /** ISO wall-clock time it was set. */
  at: string;
  artist: string;
  /** Empty: the title was cleared. */
  title: string;
}

/** The DJ's name and description of the show (PROTOCOL.md §4.13: one line each, ≤ 256 / 1024 characters). */
export type ShowInfoEntry = ShowInfoText;

export interface ShowManifest {
  version: typeof MANIFEST_VERSION;
  showId: string;
  dj: string;
  /** ISO time of the first frame. */
  startedAt: string;
  /** The end marker: ISO time the show ended (null while recording, or after a crash). */
  endedAt: string | null;
  endReason: string | null;
  /** OpusHead of the studio's encoder, base64 (RFC 7845 §5.1). */
  opusHead: string;
  channels: number;
  preSkipSamples: number;
  segmentSamples: number;
  status: RecordingStatus;
  /** Why the status is failed (a person reads it); null otherwise. */
  reason: string | null;
  /** AircheckError code of the failure, when it has one. */
  errorCode: ErrorCode | null;
  history: { status: RecordingStatus; at: string }[];
  firstSeq: number | null;
  lastSeq: number | null;
  segments: SegmentEntry[];
  gaps: GapEntry[];
  final: FinalFileEntry | null;
  /** The MP3 rendition when one is configured (absent in older manifests). */
  rendition?: RenditionEntry | null;
  /** Why the rendition could not be made or stored; the Ogg Opus recording is not affected. */
  renditionError?: string | null;
  /** Re-verifications on demand, oldest first, the newest MAX_STORED_CHECKS (absent: never re-checked). */
  checks?: StoredCheckEntry[];
  /** When recovery rebuilt this show from the store's spool copy (the local spool was lost). */
  restoredFromStoreAt?: string | null;
  /**
   * Set when the recording is a source's stream kept as received (MP3 stays MP3, Ogg Vorbis stays
   * Vorbis, Ogg Opus stays Opus): segments and the final file hold its frames / pages byte for byte,
   * gaps are listed (with offsetMs) but hold no silence. Absent: the studio's Opus frames (opusHead).
   */
  sourceFormat?: StreamFormat;
  /** Who made the show: the studio's DJ, or a source client (address, user agent, ice-name). */
  source?: SourceEntry;
  /** Every now-playing change, in order (absent in older manifests). */
  tracklist?: TrackEntry[];
  /** The show's name and description as the DJ last set them in the studio (absent: never set). */
  show?: ShowInfoEntry;
  /**
   * A studio show: when it first went on air (/live); null while it has only fed the private /test
   * preview (a soundcheck, if it ends so). Absent: a source client's show, or a manifest written before
   * this was kept (neither counts as a soundcheck).
   */
  wentLiveAt?: string | null;
  /** Where the store keeps the verified copy. */
  storeLocation: string | null;
  /** When the spool's audio files were removed (verified and older than the retention). */
  spoolRemovedAt: string | null;
}

/** Who fed the recording. */
export interface SourceEntry {
  kind: 'studio' | 'client';
  /** The mount the source fed when the show started. */
  mount?: string;
  /** The client's address (after trusted proxies), user agent and ice-name, as it said. */
  address?: string;
  userAgent?: string;
  iceName?: string;
}

/** File extension of a recording's segments and final file: its own format's. */
export function recordingExt(m: Pick<ShowManifest, 'sourceFormat'>): 'opus' | 'mp3' | 'ogg' {
  return m.sourceFormat === 'mp3' ? 'mp3' : m.sourceFormat === 'ogg-vorbis' ? 'ogg' : 'opus';
}

/** The finalized file's name: show.opus for the studio, recording.<ext> for a source's stream (show.mp3 is the rendition). */
export function finalFileName(m: Pick<ShowManifest, 'sourceFormat'>): string {
  return m.sourceFormat ? `recording.${recordingExt(m)}` : FINAL_FILE;
}

export function segmentFileName(index: number, ext: 'opus' | 'mp3' | 'ogg' = 'opus'): string {
  return `segment-${String(index).padStart(6, '0')}.${ext}`;
}

export const SEGMENT_FILE_RE = /^segment-(\d{6,})\.(?:opus|mp3|ogg)$/;

/** Every final file name a spool directory may hold. */
export const FINAL_FILE_RE = /^(?:show\.opus|recording\.(?:mp3|ogg|opus))$/;

/**
 * The manifest in dir. Its error codes are checked (they reach metrics, alerts and the CLI as
 * ErrorCode): a code this version does not know throws, and the show is listed as unreadable (left
 * as it is, never deleted) rather than reported under a code docs/errors.md does not explain.
 */
export async function readManifest(dir: string): Promise<ShowManifest> {
  const m = JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8')) as ShowManifest;
  const codes: [string, unknown][] = [['errorCode', m.errorCode ?? null], ...(m.gaps ?? []).flatMap((g, i): [string, unknown][] => [[`gaps[${i}].cause`, g.cause ?? null], [`gaps[${i}].studioCause`, g.studioCause ?? null], [`gaps[${i}].sourceCause`, g.sourceCause ?? null]])];
  if (m.tracklist !== undefined && !(Array.isArray(m.tracklist) && m.tracklist.every((t) => typeof t?.offsetMs === 'number' && t.offsetMs >= 0
    && typeof t.at === 'string' && typeof t.artist === 'string' && typeof t.title === 'string'))) {
    throw new Error(`${join(dir, MANIFEST_FILE)}: tracklist is not a list of { offsetMs, at, artist, title } (written by another version, or edited by hand)`);
  }
  const show = m.show as unknown;
  if (show !== undefined && !(typeof show === 'object' && show !== null && !Array.isArray(show)
    && typeof (show as ShowInfoEntry).name === 'string' && (show as ShowInfoEntry).name.length <= 256 && !/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test((show as ShowInfoEntry).name)
    && typeof (show as ShowInfoEntry).description === 'string' && (show as ShowInfoEntry).description.length <= 1024 && !/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test((show as ShowInfoEntry).description))) {
    throw new Error(`${join(dir, MANIFEST_FILE)}: show is not { name (≤ 256 characters), description (≤ 1024) } on one line each (written by another version, or edited by hand)`);
  }
  for (const [field, code] of codes) {
    if (code !== null && !isErrorCode(code)) {
      throw new Error(`${join(dir, MANIFEST_FILE)}: ${field} ${JSON.stringify(code)} is not an Aircheck error code (written by another version, or edited by hand)`);
    }
  }
  return m;
}

export function writeManifest(dir: string, manifest: ShowManifest, fs?: SpoolFs): Promise<void> {
  return writeJsonAtomic(join(dir, MANIFEST_FILE), manifest, fs);
}

/** Duration of the recording in 48 kHz samples: the final file's, or what the spool holds so far. */
export function manifestDurationSamples(m: ShowManifest): number {
  // A source's stream keeps no silence for its gaps: the show lasted its audio plus its gaps.
  if (m.final) return m.final.durationSamples + (m.sourceFormat ? m.gaps.reduce((n, g) => n + g.durationSamples, 0) : 0);
  return m.segments.reduce((n, s) => n + s.durationSamples, 0) + m.gaps.reduce((n, g) => n + g.durationSamples, 0);
}
