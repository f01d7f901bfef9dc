// The Mounts form's decisions (pure): which fields a Save sends, which fallback files it offers, and
// how an upload is named and typed. A text or the hidden box is sent when it differs from the mount's
// effective value; a fallback choice "" means the config's value (null when the console had set one),
// anything else ("bundled", "none", a media file) is the console's choice. Used by
// pages/mount-settings-section.ts and pages/media-section.ts; unit-tested beside it.
import type { MediaFile, MountField, MountPatch, MountSettingsView } from './api/api-types.ts';
import { formatBytes, formatDuration } from './format.ts';

/** The console's "no fallback file" (bridge/src/station/mount-settings.ts NO_FALLBACK). */
export const NO_FALLBACK = 'none';
/** The server's upload limit (bridge/src/station/media-files.ts MEDIA_MAX_BYTES): checked before sending. */
export const MEDIA_MAX_BYTES = 64 * 1024 * 1024;
const AUDIO_EXTENSIONS = ['.mp3', '.ogg', '.oga', '.opus'];

export const TEXT_FIELDS = ['name', 'description', 'genre', 'url'] as const;

export interface MountFormValues {
  name: string; description: string; genre: string; url: string;
  hidden: boolean;
  /** "" = the config's value. */
  fallback_file: string;
  fallback_mount: string;
}

export function mountPatch(view: MountSettingsView, form: MountFormValues): MountPatch {
  const patch: MountPatch = {};
  for (const f of TEXT_FIELDS) if (form[f] !== (view.effective[f] ?? '')) patch[f] = form[f];
  if (form.hidden !== view.effective.hidden) patch.hidden = form.hidden;
  for (const f of ['fallback_file', 'fallback_mount'] as const) {
    const set = view.overridden.includes(f) ? view.effective[f] : null;
    if (form[f] === '' && set !== null) patch[f] = null;
    else if (form[f] !== '' && form[f] !== set) patch[f] = form[f];
  }
  return patch;
}

/** The fields of a patch, for the "Saved" line. */
export function changedFields(patch: MountPatch): MountField[] {
  return Object.keys(patch) as MountField[];
}

export interface FallbackFileOption { value: string; label: string; selected: boolean }

/**
 * The fallback file choices of one mount: the config's value, the bundled loop, each media file (with
 * size and length, or "cannot be played"), none; a console choice no longer in the folder stays
 * listed as missing. Exactly one is selected.
 */
export function fallbackFileOptions(view: MountSettingsView, media: readonly MediaFile[]): FallbackFileOption[] {
  const chosen = view.overridden.includes('fallback_file') ? view.effective.fallback_file : null;
  const options: FallbackFileOption[] = [{ value: '', label: `Config: ${view.config.fallback_file ?? 'no file'}`, selected: chosen === null }];
  for (const f of media) {
    const label = f.bundled ? 'bundled (the built-in loop)' : `${f.name} (${formatBytes(f.sizeBytes)}, ${f.durationMs === null ? 'cannot be played' : formatDuration(f.durationMs)})`;
    options.push({ value: f.name, label, selected: chosen === f.name });
  }
  options.push({ value: NO_FALLBACK, label: 'None: listeners get nothing while there is no source', selected: chosen === NO_FALLBACK });
  if (chosen !== null && !options.some((o) => o.value === chosen)) options.push({ value: chosen, label: `${chosen} (missing)`, selected: true });
  return options;
}

/** A file name the server accepts, made from the picked file's name ("My Loop (final).MP3" → "My Loop final.mp3"). */
export function suggestMediaName(fileName: string): string {
  const dot = fileName.lastIndexOf('.');
  const ext = dot > 0 ? fileName.slice(dot).toLowerCase() : '';
  const stem = (dot > 0 ? fileName.slice(0, dot) : fileName)
    .replace(/[^\p{L}\p{N}._ -]+/gu, '')
    .replace(/\.{2,}/g, '.')
    .replace(/^[^\p{L}\p{N}]+/u, '')
    .trim()
    .slice(0, 100);
  return `${stem || 'fallback'}${AUDIO_EXTENSIONS.includes(ext) ? ext : '.mp3'}`;
}

/** The Content-Type an upload is sent with: the browser's audio type, else one the server accepts by extension. */
export function uploadContentType(file: { name: string; type: string }): string {
  if (file.type.startsWith('audio/') || file.type === 'application/ogg') return file.type;
  return file.name.toLowerCase().endsWith('.mp3') ? 'audio/mpeg' : AUDIO_EXTENSIONS.some((e) => file.name.toLowerCase().endsWith(e)) ? 'audio/ogg' : 'application/octet-stream';
}
