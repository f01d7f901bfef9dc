// Mount settings set in the console: per configured mount its ICY/status texts (name, description,
// genre, url), hidden, and its fallback choices (the bundled loop, a file of <data_dir>/media/ or
// none at all, a fallback mount). Once set they win over the config's until cleared (null). Fed by PATCH
// /api/v1/mounts/{path}; bridge.ts applies withMountSettings() to the file config at start, at every
// reload and after each console change, and hands the effective config to the mount registry.
import { readdirSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { z } from 'zod';
import { AircheckError } from '../../../shared/src/errors.ts';
import { MountSchema, type MountConfig } from '../../../config/src/config-schema.ts';
import type { Config } from '../../../config/src/config.ts';
import type { StationDb } from './station-db.ts';

export const MOUNT_SETTING_FIELDS = ['name', 'description', 'genre', 'url', 'hidden', 'fallback_file', 'fallback_mount'] as const;
export type MountSettingField = (typeof MOUNT_SETTING_FIELDS)[number];
const TEXT_FIELDS = ['name', 'description', 'genre', 'url'] as const;

/** The media folder inside the data directory: the only place a console-chosen fallback file comes from. */
export const MEDIA_DIR_NAME = 'media';
export const BUNDLED_FALLBACK = 'bundled';
/**
 * The console's "no fallback file": the mount plays no file while it has no source (its fallback
 * mount, if any, still applies). The config cannot say this for /live (its default is "bundled");
 * stored as this word, it is never a media file name (those need an audio extension).
 */
export const NO_FALLBACK = 'none';
/** What FileFeed plays: MP3 and Ogg (Opus, Vorbis). */
export const MEDIA_EXTENSIONS: readonly string[] = ['.mp3', '.ogg', '.oga', '.opus'];
const MAX_MEDIA_NAME_CHARS = 255;

/** What the console set for one mount (absent = the config's value applies). */
export interface MountOverrides {
  name?: string;
  description?: string;
  genre?: string;
  url?: string;
  hidden?: boolean;
  fallback_file?: string;
  fallback_mount?: string;
}
/** A change: a value sets the field, null clears it (the config's value applies again). */
export type MountSettingsChange = { [K in MountSettingField]?: MountOverrides[K] | null };

/** The fields as the console shows them: null where neither the config nor the console sets one. */
export interface MountFields {
  name: string | null;
  description: string | null;
  genre: string | null;
  url: string | null;
  hidden: boolean;
  fallback_file: string | null;
  fallback_mount: string | null;
}
export interface MountSettingsView {
  path: string;
  effective: MountFields;
  config: MountFields;
  overridden: MountSettingField[];
}
export interface MediaFile {
  name: string;
  sizeBytes: number | null;
  /** Length of the loop as the fallback loader reads it; null for "bundled" and for a file it cannot play. */
  durationMs: number | null;
  bundled: boolean;
}
/** An override that withMountSettings left out, and why (bridge.ts logs it). */
export interface IgnoredOverride {
  path: string;
  field: MountSettingField;
  reason: string;
}

export function mediaDirOf(dataDir: string): string {
  return join(dataDir, MEDIA_DIR_NAME);
}

/** Why `name` is not the name of a file in the media folder (a bare file name, an audio extension), or null. */
export function mediaNameProblem(name: string): string | null {
  if (name === '') return 'it is empty';
  if (isAbsolute(name) || name.includes('/') || name.includes('\\')) return 'it is a path, and only a file name inside the media folder is allowed';
  if (name.includes('..')) return 'it contains "..", and only a file name inside the media folder is allowed';
  if (name.startsWith('.')) return 'it is a hidden file name (starting with ".")';
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'it contains control characters';
  if (name.length > MAX_MEDIA_NAME_CHARS) return `it is longer than ${MAX_MEDIA_NAME_CHARS} characters`;
  if (!MEDIA_EXTENSIONS.some((ext) => name.toLowerCase().endsWith(ext))) return `it is not an audio file (${MEDIA_EXTENSIONS.join(', ')})`;
  return null;
}

/** The audio files of the media folder (sorted by name; none when the folder is missing), after "bundled". */
export function listMedia(mediaDir: string): MediaFile[] {
  let names: string[];
  try {
    names = readdirSync(mediaDir);
  } catch {
    names = []; // No media folder yet: only the bundled loop.
  }
  const files: MediaFile[] = [];
  for (const name of names.sort()) {
    if (mediaNameProblem(name) !== null) continue;
    try {
      const st = statSync(join(mediaDir, name));
      if (st.isFile()) files.push({ name, sizeBytes: st.size, durationMs: null, bundled: false });
    } catch {
      // Removed while listing, or a dangling link: not offered.
    }
  }
  return [{ name: BUNDLED_FALLBACK, sizeBytes: null, durationMs: null, bundled: true }, ...files];
}

const bad = (path: string, field: string, value: unknown, problem: string, fix: string) =>
  new AircheckError('API_BAD_REQUEST', `mount ${path} field "${field}" is ${JSON.stringify(typeof value === 'string' ? value.slice(0, 80) : value)}: ${problem}; ${fix}`);

export class MountSettings {
  readonly #store: StationDb;
  readonly #mediaDir: string;

  constructor(db: StationDb, opts: { mediaDir: string }) {
    this.#store = db;
    this.#mediaDir = opts.mediaDir;
  }

  get mediaDir(): string {
    return this.#mediaDir;
  }

  /** Every mount's overrides, also of mounts the config no longer has (kept, ignored until they come back). */
  all(): Map<string, MountOverrides> {
    const rows = this.#store.db.prepare('SELECT path, field, value FROM mount_settings ORDER BY path, field').all() as { path: string; field: MountSettingField; value: string }[];
    const out = new Map<string, MountOverrides>();
    for (const r of rows) {
      const o = out.get(r.path) ?? {};
      (o as Record<string, unknown>)[r.field] = JSON.parse(r.value) as unknown;
      out.set(r.path, o);
    }
    return out;
  }

  get(path: string): MountOverrides {
    return this.all().get(path) ?? {};
  }

  /**
   * Sets and clears fields of one configured mount (`mounts`: the config's, ladder rungs included).
   * MOUNT_NOT_FOUND for a path the config does not have; API_BAD_REQUEST naming the field, the value
   * and the fix for a text over the config's limit, a fallback file that is not a file of the media
   * folder (or "bundled"), a fallback mount that is not another configured mount or would loop.
   */
  set(path: string, change: MountSettingsChange, mounts: readonly MountConfig[]): MountOverrides {
    const mount = mounts.find((m) => m.path === path);
    if (!mount) throw new AircheckError('MOUNT_NOT_FOUND', `mount "${path.slice(0, 80)}" is not configured: list the mounts with GET /api/v1/mounts`);
    const current = this.get(path);
    for (const [field, value] of Object.entries(change) as [string, unknown][]) {
      if (!(MOUNT_SETTING_FIELDS as readonly string[]).includes(field)) {
        throw bad(path, field, value, 'the console cannot set this field', `use one of ${MOUNT_SETTING_FIELDS.join(', ')} (the others are set in the config file)`);
      }
      if (value === null || value === undefined) continue;
      this.#check(path, field as MountSettingField, value, mounts, { ...current, ...definedOnly(change) });
    }
    this.#write(path, change);
    return this.get(path);
  }

  /** Puts back a mount's overrides exactly (undoing a change that could not be applied). */
  replace(path: string, overrides: MountOverrides): void {
    const change: MountSettingsChange = {};
    for (const f of MOUNT_SETTING_FIELDS) (change as Record<string, unknown>)[f] = overrides[f] ?? null;
    this.#write(path, change);
  }

  #write(path: string, change: MountSettingsChange): void {
    const db = this.#store.db;
    const now = new Date().toISOString();
    this.#store.transaction(() => {
      for (const field of MOUNT_SETTING_FIELDS) {
        const value = change[field];
        if (value === undefined) continue;
        if (value === null) db.prepare('DELETE FROM mount_settings WHERE path = ? AND field = ?').run(path, field);
        else {
          db.prepare('INSERT INTO mount_settings (path, field, value, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT(path, field) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at')
            .run(path, field, JSON.stringify(value), now);
        }
      }
    });
  }

  #check(path: string, field: MountSettingField, value: unknown, mounts: readonly MountConfig[], next: MountOverrides): void {
    if ((TEXT_FIELDS as readonly string[]).includes(field)) {
      // The config's own limits (MountSchema).
      const schema = MountSchema.shape[field as (typeof TEXT_FIELDS)[number]].unwrap() as z.ZodString;
      if (typeof value !== 'string' || !schema.safeParse(value).success) {
        throw bad(path, field, value, `expected text of at most ${schema.maxLength ?? '?'} characters`, 'shorten it, or send null to use the config\'s value');
      }
      return;
    }
    if (field === 'hidden') {
      if (typeof value !== 'boolean') throw bad(path, field, value, 'expected true or false', 'send true to leave the mount out of the public pages, false to list it, null for the config\'s value');
      return;
    }
    if (field === 'fallback_file') {
      const fix = `name a file of the media folder (<data_dir>/${MEDIA_DIR_NAME}/, listed by GET /api/v1/media), e.g. "loop.mp3", or "${BUNDLED_FALLBACK}", or "${NO_FALLBACK}"`;
      if (typeof value !== 'string') throw bad(path, field, value, 'expected a file name', fix);
      if (value === BUNDLED_FALLBACK) return;
      if (value === NO_FALLBACK) {
        // An on-demand relay connects only while someone listens: they must hear something meanwhile.
        const mount = mounts.find((m) => m.path === path);
        if (mount?.relay?.on_demand && !(next.fallback_mount ?? mount.fallback_mount)) {
          throw bad(path, field, value, 'this mount\'s relay is on demand and needs something for listeners to hear while it connects', `set a fallback mount first, or ${fix.replace(`, or "${NO_FALLBACK}"`, '')}`);
        }
        return;
      }
      const problem = mediaNameProblem(value);
      if (problem) throw bad(path, field, value, problem, fix);
      let isFile = false;
      try {
        isFile = statSync(join(this.#mediaDir, value)).isFile();
      } catch {
        // Missing: reported below.
      }
      if (!isFile) throw bad(path, field, value, 'there is no such file in the media folder', `copy it into <data_dir>/${MEDIA_DIR_NAME}/ first, or ${fix}`);
      return;
    }
    // fallback_mount
    const others = mounts.filter((m) => m.path !== path).map((m) => m.path);
    const fix = `name another configured mount (${others.slice(0, 6).join(', ')}${others.length > 6 ? ', …' : ''}), or send null for the config's value`;
    if (typeof value !== 'string') throw bad(path, field, value, 'expected a mount path', fix);
    if (value === path) throw bad(path, field, value, 'a mount cannot fall back to itself', fix);
    if (!mounts.some((m) => m.path === value)) throw bad(path, field, value, 'there is no such configured mount', fix);
    const chain = fallbackChain(path, mounts, this.all(), { [path]: next.fallback_mount });
    if (chain.loops) throw bad(path, field, value, `the fallback chain ${chain.paths.join(' → ')} loops`, `break the cycle: ${fix}`);
  }
}

function definedOnly(change: MountSettingsChange): MountOverrides {
  return Object.fromEntries(Object.entries(change).filter(([, v]) => v !== null && v !== undefined)) as MountOverrides;
}

/** The fallback mounts followed from `start` with the overrides applied; `changed` wins for its paths. */
function fallbackChain(start: string, mounts: readonly MountConfig[], overrides: ReadonlyMap<string, MountOverrides>, changed: Record<string, string | undefined>): { paths: string[]; loops: boolean } {
  const fallbackOf = (p: string): string | undefined => {
    if (Object.hasOwn(changed, p) && changed[p] !== undefined) return changed[p];
    return overrides.get(p)?.fallback_mount ?? mounts.find((m) => m.path === p)?.fallback_mount;
  };
  const paths = [start];
  let next = fallbackOf(start);
  while (next) {
    if (paths.includes(next)) return { paths: [...paths, next], loops: true };
    paths.push(next);
    next = fallbackOf(next);
  }
  return { paths, loops: false };
}

/**
 * The effective config: the file config with the console's overrides of each configured mount
 * (a media file name resolved to its absolute path in `mediaDir`), every changed mount checked with
 * the config's own schema. Overrides of mounts the config no longer has are ignored (and kept in
 * the database); an override that no longer fits the config (a fallback mount that is gone or would
 * now loop, a value the schema refuses) is left out and reported to `onIgnored`: the config's value
 * applies. Pure: reads no files.
 */
export function withMountSettings(config: Config, overrides: ReadonlyMap<string, MountOverrides>, mediaDir: string, onIgnored: (ignored: IgnoredOverride) => void = () => {}): Config {
  const paths = new Set(config.mounts.map((m) => m.path));
  // Fallback mounts first, one at a time: each override is kept only if the chain stays finite.
  const fallbackOverrides = new Map<string, string>();
  for (const m of config.mounts) {
    const target = overrides.get(m.path)?.fallback_mount;
    if (target === undefined) continue;
    const withThis = new Map(fallbackOverrides).set(m.path, target);
    const chain = fallbackChain(m.path, config.mounts, new Map([...withThis].map(([p, f]) => [p, { fallback_mount: f }])), {});
    if (!paths.has(target) || target === m.path) onIgnored({ path: m.path, field: 'fallback_mount', reason: `"${target}" is not another configured mount` });
    else if (chain.loops) onIgnored({ path: m.path, field: 'fallback_mount', reason: `the fallback chain ${chain.paths.join(' → ')} would loop` });
    else fallbackOverrides.set(m.path, target);
  }
  const mounts = config.mounts.map((m): MountConfig => {
    const o = overrides.get(m.path);
    if (!o) return m;
    const merged: Record<string, unknown> = { ...m };
    const applied = new Set<MountSettingField>();
    for (const field of MOUNT_SETTING_FIELDS) {
      const value = o[field];
      if (value === undefined) continue;
      if (field === 'fallback_mount') {
        if (!fallbackOverrides.has(m.path)) continue;
      } else if (field === 'fallback_file' && value === NO_FALLBACK) {
        if (m.relay?.on_demand && !m.fallback_mount && !fallbackOverrides.has(m.path)) {
          onIgnored({ path: m.path, field, reason: 'an on-demand relay needs a fallback while it connects' });
          continue;
        }
        delete merged.fallback_file;
        applied.add(field);
        continue;
      } else if (field === 'fallback_file' && value !== BUNDLED_FALLBACK) {
        const problem = mediaNameProblem(String(value));
        if (problem) {
          onIgnored({ path: m.path, field, reason: `"${String(value).slice(0, 80)}" is not a media file name: ${problem}` });
          continue;
        }
        merged.fallback_file = join(mediaDir, String(value));
        applied.add(field);
        continue;
      }
      merged[field] = value;
      applied.add(field);
    }
    if (applied.size === 0) return m;
    // The config's own schema: a field it refuses gets the config's value back (all of them if it names none).
    for (;;) {
      const parsed = MountSchema.safeParse(merged);
      if (parsed.success) return Object.freeze(parsed.data);
      const named = new Set(parsed.error.issues.map((i) => i.path[0]).filter((f): f is MountSettingField => applied.has(f as MountSettingField)));
      for (const field of named.size > 0 ? named : applied) {
        onIgnored({ path: m.path, field, reason: `the config's schema refuses it: ${parsed.error.issues[0]?.message ?? 'invalid'}` });
        merged[field] = (m as Record<string, unknown>)[field];
        applied.delete(field);
      }
      if (applied.size === 0) return m;
    }
  });
  return Object.freeze({ ...config, mounts: Object.freeze(mounts) });
}

/** Each configured mount with its effective values, the config's, and the fields the console set (and that apply). */
export function describeMounts(config: Config, overrides: ReadonlyMap<string, MountOverrides>, mediaDir: string): MountSettingsView[] {
  const ignored = new Set<string>();
  const effective = withMountSettings(config, overrides, mediaDir, (i) => ignored.add(`${i.path} ${i.field}`));
  return config.mounts.map((m) => {
    const o = overrides.get(m.path) ?? {};
    const overridden = MOUNT_SETTING_FIELDS.filter((f) => o[f] !== undefined && !ignored.has(`${m.path} ${f}`));
    const eff = fieldsOf(effective.mounts.find((e) => e.path === m.path) ?? m);
    // The console's file is shown by its name in the media folder, not by the server path it resolves to.
    if (overridden.includes('fallback_file')) eff.fallback_file = o.fallback_file ?? null;
    return { path: m.path, effective: eff, config: fieldsOf(m), overridden };
  });
}

function fieldsOf(m: MountConfig): MountFields {
  return {
    name: m.name ?? null,
    description: m.description ?? null,
    genre: m.genre ?? null,
    url: m.url ?? null,
    hidden: m.hidden,
    fallback_file: m.fallback_file ?? null,
    fallback_mount: m.fallback_mount ?? null,
  };
}
