// The recordings as the admin console sees them: every show in the spool (its manifest, the
// catalog's status machine) as a RecordingItem with its fragments grouped and soundchecks marked; its
// audio (the stored object once verified, else the finalized spool file) for HTTP Range playback; its
// waveform; re-verification of the stored copy; removal; and the schedule's slots matched to
// recordings the way the dead-man's switch matches them. Fed by the spool directory and the
// RecordingStore; feeds the REST API (bridge/src/api/).
import { createReadStream } from 'node:fs';
import { readFile, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { ScheduleEntry } from '../../../config/src/alerts-schema.ts';
import { AircheckError, type ErrorCode } from '../../../shared/src/errors.ts';
import { judgeSlot, overlaps, recordingFacts, type RecordingFacts } from '../alerts/dead-mans-switch.ts';
import { slotsEndingBetween } from '../alerts/show-schedule.ts';
import { recordingKeyOf } from '../finalize/finalize-show.ts';
import { WAVEFORM_FILE, type Waveform } from '../finalize/waveform.ts';
import { MANIFEST_FILE, MAX_STORED_CHECKS, isVerified, manifestDurationSamples, readManifest, recordingExt, writeManifest, type ShowManifest, type StoredCheckEntry } from '../show-manifest.ts';
import type { ByteRange, RecordingStore } from '../store-contract.ts';
import { cueKey, manifestKey, renditionKey, spoolCopyPrefix, waveformKey } from '../store/recording-key.ts';
import { parseCrc32c } from '../verify/crc32c.ts';
import { parseSha256, type LocalDigest } from '../verify/local-digest.ts';
import { storeObjectReader } from '../verify/store-reader.ts';
import { verifyStoredObject } from '../verify/verify-object.ts';

export interface RecordingItem {
  showId: string; dj: string; showName: string; description: string;
  startedAt: string; endedAt: string | null; durationMs: number;
  sizeBytes: number | null; format: 'ogg-opus' | 'mp3' | 'ogg-vorbis' | 'aac'; contentType: string;
  sha256: string | null; crc32c: string | null;
  source: { kind: 'studio' | 'client'; mount?: string; address?: string; userAgent?: string; iceName?: string };
  status: 'recording' | 'finalizing' | 'uploaded' | 'verified' | 'verified_with_gaps' | 'failed';
  reason: string | null; errorCode: string | null;
  gaps: { offsetMs: number; durationMs: number; cause: string | null; reason: string | null }[];
  tracklist: { offsetMs: number; at: string; artist: string; title: string }[];
  /** The show never went on air (only the private /test preview): manifest wentLiveAt null. */
  soundcheck: boolean;
  /** Fragments of one show (same DJ, same show name, each starting < 10 min after the last ended) share the first fragment's showId. */
  groupId: string;
  storeLocation: string | null;
  rendition: { bitrateKbps: number; sizeBytes: number } | null;
  /** A waveform.json exists beside the manifest. */
  waveform: boolean;
  /** When it first went on air (/live); null: never (a soundcheck) or not known. */
  wentLiveAt: string | null;
  /** The newest re-verification on demand; null: never re-checked since it was verified. */
  lastCheck: StoredCheckEntry | null;
}

export interface RecordingFilter {
  dj?: string;
  /** ISO times: recordings that were running at some point in [from, to). */
  from?: string;
  to?: string;
  status?: RecordingItem['status'];
  includeSoundchecks?: boolean;
}

/**
 * A scheduled slot and the recording that covers it. state: upcoming (not started), on-air (now within
 * it), recorded (a verified recording overlaps it, with or without gaps), pending (ended; its
 * recording is still being finalized or stored, or the grace period is not over), missed (ended and
 * the grace passed with no verified recording: the dead-man's switch alerts it).
 */
export interface ScheduleSlot {
  show: string;
  dj: string | null;
  startAt: string;
  endAt: string;
  showId: string | null;
  state: 'upcoming' | 'on-air' | 'recorded' | 'pending' | 'missed';
  /** Why a slot is missed (the dead-man's switch's reason); null otherwise. */
  reason: string | null;
}

export interface RecordingCatalogDeps {
  spoolDir: string;
  store: RecordingStore | null;
  log: Logger;
  now?: () => Date;
  /** Shows the recorder is recording or finalizing now (Recorder.activeShows): never removed. */
  activeShowIds?: () => Iterable<string>;
}

/** Two fragments of one show: the next started less than this after the previous ended. */
export const FRAGMENT_GAP_MS = 10 * 60_000;
/** Longest a scheduled slot lasts (duration_minutes ≤ 1440). */
const LONGEST_SLOT_MS = 24 * 3600_000;
const SHOW_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

const CONTENT_TYPES: Record<RecordingItem['format'], string> = {
  'ogg-opus': 'audio/ogg', 'ogg-vorbis': 'audio/ogg', mp3: 'audio/mpeg', aac: 'audio/aac',
};

interface Entry {
  dir: string;
  manifest: ShowManifest;
  /** manifest.json's mtime and size when read: a changed file is read again. */
  stamp: string;
  waveform: boolean;
}

export class RecordingCatalog {
  readonly #deps: RecordingCatalogDeps;
  readonly #cache = new Map<string, Entry>();

  constructor(deps: RecordingCatalogDeps) {
    this.#deps = deps;
  }

  /** Newest first. Soundchecks only with includeSoundchecks. */
  async list(filter: RecordingFilter = {}): Promise<RecordingItem[]> {
    const fromMs = filter.from === undefined ? null : parseTime('from', filter.from);
    const toMs = filter.to === undefined ? null : parseTime('to', filter.to);
    const items = await this.#items();
    return items.filter((it) => {
      if (filter.dj !== undefined && it.dj !== filter.dj) return false;
      if (filter.status !== undefined && it.status !== filter.status) return false;
      if (it.soundcheck && !filter.includeSoundchecks) return false;
      const startMs = Date.parse(it.startedAt);
      if (toMs !== null && startMs >= toMs) return false;
      if (fromMs !== null && endMsOf(it) < fromMs) return false;
      return true;
    }).reverse();
  }

  async get(showId: string): Promise<RecordingItem | null> {
    if (!SHOW_ID_RE.test(showId)) return null;
    return (await this.#items()).find((it) => it.showId === showId) ?? null;
  }

  /**
   * The recording's bytes (which: the original, or its MP3 rendition): the store's object when the
   * show is verified and stored, else the finalized file in the spool. size: the whole file's (for
   * Content-Range); body: bytes range.start..range.end inclusive when a range is given.
   * RECORDING_NOT_FOUND, RECORDING_UNAVAILABLE (nothing to play yet, or no longer), RANGE_NOT_SATISFIABLE.
   */
  async open(showId: string, which: 'original' | 'rendition', range?: ByteRange): Promise<{ size: number; contentType: string; body: NodeJS.ReadableStream; fileName: string }> {
    const { dir, manifest: m } = await this.#entry(showId);
    const store = this.#deps.store;
    let storeKey: string | null = null;
    let spoolFile: string | null = null;
    let contentType: string;
    let fileName: string;
    if (which === 'original') {
      contentType = CONTENT_TYPES[m.sourceFormat ?? 'ogg-opus'];
      fileName = `${m.showId}.${recordingExt(m)}`;
      if (store && isVerified(m.status) && m.storeLocation) storeKey = recordingKeyOf(m, store.keyPrefix);
      if (m.final) spoolFile = join(dir, m.final.file);
    } else {
      contentType = 'audio/mpeg';
      fileName = `${m.showId}.mp3`;
      if (!m.rendition) throw new AircheckError('RECORDING_UNAVAILABLE', `recording ${showId} has no MP3 rendition${m.renditionError ? ` (${m.renditionError})` : ''}: set [recordings] mp3_kbps to make one for new shows`);
      if (store && m.rendition.storeLocation) storeKey = renditionKey(recordingKeyOf(m, store.keyPrefix));
      spoolFile = join(dir, m.rendition.file);
    }
    if (storeKey && store) {
      try {
        const s = await store.stat(storeKey);
        if (s) {
          checkRange(range, s.size, showId);
          return { size: s.size, contentType, fileName, body: await store.openRead(storeKey, range) };
        }
        this.#deps.log.warn({ show: showId, key: storeKey }, 'a verified recording is missing from the store; playing the spool copy if there is one');
      } catch (err) {
        if (err instanceof AircheckError && err.code === 'RANGE_NOT_SATISFIABLE') throw err;
        this.#deps.log.warn({ show: showId, key: storeKey, err: (err as Error).message }, 'the store could not be read; playing the spool copy if there is one');
      }
    }
    const size = spoolFile ? await fileSize(spoolFile) : null;
    if (size === null) {
      const why = m.status === 'recording' ? 'it is still being recorded' : m.spoolRemovedAt ? 'its spool copy was cleaned up and the store has none' : 'it has no finalized file';
      throw new AircheckError('RECORDING_UNAVAILABLE', `recording ${showId} cannot be played: ${why} (status ${m.status})`);
    }
    checkRange(range, size, showId);
    return { size, contentType, fileName, body: createReadStream(spoolFile!, { highWaterMark: 256 * 1024, ...(range ? { start: range.start, end: range.end } : {}) }) };
  }

  /** The peaks made at finalize (spool waveform.json, else the store's copy); null when there are none. */
  async waveform(showId: string): Promise<{ peaksPerSecond: number; peaks: number[] } | null> {
    const { dir, manifest: m } = await this.#entry(showId);
    let w: Waveform | null = null;
    try {
      w = JSON.parse(await readFile(join(dir, WAVEFORM_FILE), 'utf8')) as Waveform;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.#deps.log.warn({ show: showId, err: (err as Error).message }, 'waveform.json unreadable');
      const store = this.#deps.store;
      if (store && isVerified(m.status)) {
        try {
          const text = await readAll(await store.openRead(waveformKey(recordingKeyOf(m, store.keyPrefix))));
          w = JSON.parse(text) as Waveform;
        } catch {
          w = null; // the store has none (made before waveforms were kept, or it failed): no waveform
        }
      }
    }
    if (!w || !Array.isArray(w.peaks) || typeof w.peaksPerSecond !== 'number') return null;
    return { peaksPerSecond: w.peaksPerSecond, peaks: w.peaks };
  }

  /**
   * Reads the stored recording back (every byte, through the store contract) and checks its size,
   * SHA-256 and CRC-32C and its duration against the manifest, as the finalizer did
   * (verify-object.ts); the stored MP3 rendition likewise. The result is appended to the manifest's
   * `checks` (the item's lastCheck); nothing else changes. RECORDING_UNAVAILABLE when nothing is stored.
   */
  async reverify(showId: string): Promise<{ verified: boolean; reason: string | null; checkedAt: string; rendition: { verified: boolean; reason: string | null } | null }> {
    const { dir, manifest: m } = await this.#entry(showId);
    const store = this.#deps.store;
    if (!store || !isVerified(m.status) || !m.final) {
      throw new AircheckError('RECORDING_UNAVAILABLE', `recording ${showId} has no stored copy to verify (status ${m.status}${store ? '' : ', no store configured'})`);
    }
    const key = recordingKeyOf(m, store.keyPrefix);
    const outcome = await verifyStoredObject(storeObjectReader(store, key), {
      local: digestOf(m.final),
      format: m.sourceFormat ? `stream:${m.sourceFormat}` : 'ogg-opus',
      durationSamples: m.final.durationSamples,
    });
    // The MP3 rendition listeners download is checked too, as the finalizer stored it: against the
    // show's playable samples, not what the renderer reported.
    const r = m.rendition;
    let rendition: StoredCheckEntry['rendition'] = null;
    if (r?.storeLocation) {
      const checked = await verifyStoredObject(storeObjectReader(store, renditionKey(key)), {
        local: digestOf(r),
        format: 'mp3',
        durationSamples: m.final.durationSamples - m.preSkipSamples,
      });
      rendition = { verified: checked.verified, reason: checked.verified ? null : checked.reason };
    }
    const reasons = [outcome.verified ? null : outcome.reason, rendition && !rendition.verified ? `MP3 rendition: ${rendition.reason}` : null].filter((x): x is string => x !== null);
    const check: StoredCheckEntry = { at: this.#now().toISOString(), verified: reasons.length === 0, reason: reasons.length ? reasons.join('; ') : null, rendition };
    const log = this.#deps.log.child({ show: showId, key });
    if (check.verified) log.info({ checksum: outcome.verified ? outcome.checksum : null, rendition: rendition !== null }, 'stored recording verified again');
    else log.error({ code: 'REC_VERIFY_FAILED', reason: check.reason }, 'stored recording failed verification on re-check');
    // Kept with the show, so the console shows the last result to everyone, not only to who asked.
    m.checks = [...(m.checks ?? []), check].slice(-MAX_STORED_CHECKS);
    await writeManifest(dir, m);
    return { verified: check.verified, reason: check.reason, checkedAt: check.at, rendition };
  }

  /**
   * Removes the show: its objects in the store (recording, MP3 rendition, stored manifest, CUE sheet,
   * waveform, segment copies), then its spool directory. A show being recorded or finalized is refused.
   */
  async remove(showId: string): Promise<void> {
    const { dir, manifest: m } = await this.#entry(showId);
    const active = new Set(this.#deps.activeShowIds?.() ?? []);
    if (active.has(showId) || (m.status === 'recording' && m.endedAt === null && this.#deps.activeShowIds === undefined)) {
      throw new AircheckError('RECORDING_UNAVAILABLE', `recording ${showId} is being recorded or finalized now: remove it once it has settled`);
    }
    const store = this.#deps.store;
    if (store) {
      const key = recordingKeyOf(m, store.keyPrefix);
      const copies = await store.listKeys(spoolCopyPrefix(m.showId, store.keyPrefix));
      await store.deleteKeys([key, renditionKey(key), manifestKey(key), cueKey(key), waveformKey(key), ...copies]);
    }
    await rm(dir, { recursive: true, force: true });
    this.#cache.delete(showId);
    this.#deps.log.info({ show: showId, dj: m.dj, startedAt: m.startedAt }, 'recording removed');
  }

  /** Scheduled slots overlapping [fromMs, toMs), each with the recording covering it (dead-mans-switch.ts judgeSlot). */
  async slots(schedule: ScheduleEntry[], fromMs: number, toMs: number, graceMs: number): Promise<ScheduleSlot[]> {
    const nowMs = this.#now().getTime();
    const slots = slotsEndingBetween(schedule, fromMs, toMs + LONGEST_SLOT_MS).filter((s) => s.startMs < toMs && s.endMs > fromMs);
    const facts: RecordingFacts[] = (await this.#entries())
      .filter((e) => Date.parse(e.manifest.startedAt) >= fromMs - 2 * LONGEST_SLOT_MS)
      .map((e) => recordingFacts(e.manifest, nowMs));
    return slots.map((slot): ScheduleSlot => {
      const base = { show: slot.show, dj: slot.dj, startAt: new Date(slot.startMs).toISOString(), endAt: new Date(slot.endMs).toISOString() };
      const overlapping = facts.filter((r) => overlaps(r, slot));
      if (nowMs < slot.endMs) {
        return { ...base, showId: overlapping[0]?.id ?? null, state: nowMs < slot.startMs ? 'upcoming' : 'on-air', reason: null };
      }
      const v = judgeSlot(slot, facts, nowMs, graceMs);
      if (v.verdict === 'covered') return { ...base, showId: v.recordingId, state: 'recorded', reason: null };
      if (v.verdict === 'pending') return { ...base, showId: v.recordingId, state: 'pending', reason: null };
      // The switch alerts a recording with gaps; here it is recorded all the same (its gaps are listed).
      const withGaps = overlapping.find((r) => r.status === 'verified_with_gaps');
      if (withGaps) return { ...base, showId: withGaps.id, state: 'recorded', reason: null };
      if (nowMs < slot.endMs + graceMs) return { ...base, showId: v.recordingId, state: 'pending', reason: null };
      return { ...base, showId: v.recordingId, state: 'missed', reason: v.reason };
    });
  }

  #now(): Date {
    return (this.#deps.now ?? (() => new Date()))();
  }

  async #entry(showId: string): Promise<Entry> {
    const e = SHOW_ID_RE.test(showId) ? (await this.#entries()).find((x) => x.manifest.showId === showId && x.dir === join(this.#deps.spoolDir, showId)) : undefined;
    if (!e) throw new AircheckError('RECORDING_NOT_FOUND', `there is no recording "${showId}": check the show id (GET /api/v1/recordings lists them)`);
    return e;
  }

  /** Every readable show in the spool, oldest first; manifests unchanged since the last call are not read again. */
  async #entries(): Promise<Entry[]> {
    const spoolDir = this.#deps.spoolDir;
    let names: string[];
    try {
      names = await readdir(spoolDir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new AircheckError('REC_SPOOL_UNWRITABLE', `cannot read the spool directory "${spoolDir}" (${(err as NodeJS.ErrnoException).code}): check its permissions`, { cause: err });
    }
    const seen = new Set<string>();
    const entries: Entry[] = [];
    for (const name of names) {
      if (name.startsWith('.') || !SHOW_ID_RE.test(name)) continue;
      const dir = join(spoolDir, name);
      let stamp: string;
      try {
        const s = await stat(join(dir, MANIFEST_FILE));
        stamp = `${s.mtimeMs}:${s.size}`;
      } catch {
        continue; // not a show directory (or one whose manifest is not written yet)
      }
      seen.add(name);
      let e = this.#cache.get(name);
      if (!e || e.stamp !== stamp) {
        try {
          e = { dir, manifest: await readManifest(dir), stamp, waveform: false };
        } catch (err) {
          this.#deps.log.warn({ dir, err: (err as Error).message }, 'recording manifest unreadable; not listed');
          this.#cache.delete(name);
          continue;
        }
        this.#cache.set(name, e);
      }
      // The waveform is written after the manifest's last change: looked for every time.
      e.waveform = (await fileSize(join(dir, WAVEFORM_FILE))) !== null;
      entries.push(e);
    }
    for (const name of this.#cache.keys()) if (!seen.has(name)) this.#cache.delete(name);
    return entries.sort((a, b) => a.manifest.startedAt.localeCompare(b.manifest.startedAt) || a.manifest.showId.localeCompare(b.manifest.showId));
  }

  /** Every show as an item, oldest first, grouped. */
  async #items(): Promise<RecordingItem[]> {
    const active = new Set(this.#deps.activeShowIds?.() ?? []);
    const items = (await this.#entries()).map((e) => {
      const it = toItem(e.manifest, e.waveform);
      // Settled on disk but still the recorder's (its waveform being drawn): finalizing until the
      // recorder lets it go, as remove() says; the event stream announces that moment.
      if (active.has(it.showId) && it.status !== 'recording') it.status = 'finalizing';
      return it;
    });
    groupFragments(items);
    return items;
  }
}

/** The console's view of one manifest (groupId: its own until groupFragments). */
/** What the manifest says of a stored file, as verifyStoredObject compares it (whole-file checksums). */
function digestOf(f: { sizeBytes: number; sha256: string; crc32c: string }): LocalDigest {
  return { sizeBytes: f.sizeBytes, sha256Hex: parseSha256(f.sha256) ?? f.sha256, crc32c: parseCrc32c(f.crc32c) ?? 0, partSizeBytes: 0, partCrcs: [] };
}

export function toItem(m: ShowManifest, waveform: boolean): RecordingItem {
  const format = m.sourceFormat ?? 'ogg-opus';
  return {
    showId: m.showId, dj: m.dj, showName: m.show?.name ?? '', description: m.show?.description ?? '',
    startedAt: m.startedAt, endedAt: m.endedAt, durationMs: Math.round(manifestDurationSamples(m) / 48),
    sizeBytes: m.final?.sizeBytes ?? null, format, contentType: CONTENT_TYPES[format],
    sha256: m.final?.sha256 ?? null, crc32c: m.final?.crc32c ?? null,
    source: m.source ? { ...m.source } : { kind: 'studio' },
    status: m.status, reason: m.reason, errorCode: m.errorCode,
    gaps: gapsOf(m), tracklist: (m.tracklist ?? []).map((t) => ({ ...t })),
    soundcheck: m.wentLiveAt === null, groupId: m.showId,
    storeLocation: m.storeLocation,
    rendition: m.rendition ? { bitrateKbps: m.rendition.bitrateKbps, sizeBytes: m.rendition.sizeBytes } : null,
    waveform, wentLiveAt: m.wentLiveAt ?? null, lastCheck: m.checks?.at(-1) ?? null,
  };
}

/**
 * Where each gap is in the recording's audio. A source's gaps carry offsetMs; a studio show's gap is
 * silence after framesBefore frames (at the show's mean frame length) and the gaps before it.
 */
function gapsOf(m: ShowManifest): RecordingItem['gaps'] {
  const frames = m.segments.reduce((n, s) => n + s.frames, 0);
  const samplesPerFrame = frames > 0 ? m.segments.reduce((n, s) => n + s.durationSamples, 0) / frames : 960;
  let gapSamplesBefore = 0;
  return m.gaps.map((g) => {
    const offsetMs = g.offsetMs ?? Math.round((g.framesBefore * samplesPerFrame + gapSamplesBefore) / 48);
    gapSamplesBefore += g.durationSamples;
    const cause: ErrorCode | null = g.cause ?? g.sourceCause ?? g.studioCause ?? null;
    return { offsetMs, durationMs: Math.round(g.durationSamples / 48), cause, reason: g.reason ?? null };
  });
}

/** Gives fragments of one show (same DJ and show name, < FRAGMENT_GAP_MS apart) the first one's showId. items: oldest first. */
export function groupFragments(items: RecordingItem[]): void {
  const last = new Map<string, { groupId: string; endMs: number }>();
  for (const it of items) {
    if (it.soundcheck) continue; // never on air: not a part of the show
    const key = `${it.dj}\u0000${it.showName}`;
    const prev = last.get(key);
    const startMs = Date.parse(it.startedAt);
    if (prev && startMs - prev.endMs < FRAGMENT_GAP_MS) it.groupId = prev.groupId;
    last.set(key, { groupId: it.groupId, endMs: Math.max(prev && it.groupId === prev.groupId ? prev.endMs : 0, endMsOf(it)) });
  }
}

function endMsOf(it: RecordingItem): number {
  return it.endedAt ? Date.parse(it.endedAt) : Date.parse(it.startedAt) + it.durationMs;
}

function parseTime(field: string, value: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new AircheckError('API_BAD_REQUEST', `${field} "${value.slice(0, 64)}" is not a date and time: use ISO 8601, e.g. 2026-12-01T00:00:00Z`);
  return ms;
}

function checkRange(range: ByteRange | undefined, size: number, showId: string): void {
  if (!range) return;
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || start > end || end >= size) {
    throw new AircheckError('RANGE_NOT_SATISFIABLE', `bytes ${start}-${end} are not within recording ${showId} (${size} bytes): ask for a range with start ≤ end < ${size}`);
  }
}

async function fileSize(path: string): Promise<number | null> {
  try {
    const s = await stat(path);
    return s.isFile() ? s.size : null;
  } catch {
    return null;
  }
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

