// The recordings' status machine and list: recording → finalizing → uploaded → verified (or
// verified_with_gaps when the recorder dropped frames), or failed with a reason, persisted in each show's manifest. Fed by the show spool, the finalizer and
// recovery; read by the CLI (`npm run recordings -- list`) and the bridge's status.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { AircheckError, type ErrorCode } from '../../shared/src/errors.ts';
import { readManifest, writeManifest, type RecordingStatus, type ShowManifest } from './show-manifest.ts';

/** The moves the status machine allows. A failed show's spool is kept for a person to look at. */
const NEXT: Record<RecordingStatus, readonly RecordingStatus[]> = {
  recording: ['finalizing', 'failed'],
  finalizing: ['finalizing', 'uploaded', 'verified', 'verified_with_gaps', 'failed'],
  uploaded: ['uploaded', 'verified', 'verified_with_gaps', 'failed'],
  verified: [],
  verified_with_gaps: [],
  // A failed upload is retried (the finalized file is kept); a recording that failed mid-show goes on
  // recording when its disk recovers, and what it holds is finalized: at best verified_with_gaps.
  failed: ['finalizing', 'recording'],
};

export function canMove(from: RecordingStatus, to: RecordingStatus): boolean {
  return NEXT[from].includes(to);
}

/**
 * Moves the manifest to status (in memory: the caller persists it). Throws a RangeError for a move
 * the machine does not allow (a bug, not an operational failure).
 */
export function moveTo(m: ShowManifest, status: RecordingStatus, nowIso: string, failure?: { reason: string; code: ErrorCode }): void {
  if (!canMove(m.status, status)) throw new RangeError(`recording ${m.showId}: status ${m.status} cannot become ${status}`);
  m.status = status;
  // verified_with_gaps keeps what it lost in reason/errorCode too (the gaps list each cause).
  const explained = status === 'failed' || status === 'verified_with_gaps';
  m.reason = explained ? (failure?.reason ?? 'unknown') : null;
  m.errorCode = explained ? (failure?.code ?? null) : null;
  if (m.history.at(-1)?.status !== status) m.history.push({ status, at: nowIso });
}

/** Persists a move: the manifest on disk says status before anything acts on it. */
export async function persistMove(dir: string, m: ShowManifest, status: RecordingStatus, nowIso: string, failure?: { reason: string; code: ErrorCode }): Promise<void> {
  moveTo(m, status, nowIso, failure);
  await writeManifest(dir, m);
}

export interface CatalogEntry {
  dir: string;
  manifest: ShowManifest;
}

/** A show id's leading start time (`20261121T180000Z-nina-1a2b3c`), comparable as text. */
const SHOW_ID_TIME_RE = /^\d{8}T\d{6}Z/;

/**
 * Every show in the spool, oldest first; unreadable manifests are reported, not hidden. With
 * startedSince, shows whose id says they started earlier are skipped without reading their manifest.
 */
export async function listRecordings(spoolDir: string, options: { startedSince?: Date } = {}): Promise<{ entries: CatalogEntry[]; unreadable: { dir: string; error: string }[] }> {
  const since = options.startedSince ? options.startedSince.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z') : null;
  let names: string[];
  try {
    names = await readdir(spoolDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { entries: [], unreadable: [] };
    throw new AircheckError('REC_SPOOL_UNWRITABLE', `cannot read the spool directory "${spoolDir}" (${(err as NodeJS.ErrnoException).code}): check its permissions`, { cause: err });
  }
  const entries: CatalogEntry[] = [];
  const unreadable: { dir: string; error: string }[] = [];
  for (const name of names.sort()) {
    if (name.startsWith('.')) continue;
    if (since && SHOW_ID_TIME_RE.test(name) && name.slice(0, 16) < since) continue;
    const dir = join(spoolDir, name);
    try {
      entries.push({ dir, manifest: await readManifest(dir) });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOTDIR') continue;
      unreadable.push({ dir, error: code ?? (err as Error).message });
    }
  }
  entries.sort((a, b) => a.manifest.startedAt.localeCompare(b.manifest.startedAt));
  return { entries, unreadable };
}
