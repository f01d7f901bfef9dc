// The Mounts form's one decision (pure): which fields a Save sends. A text or the hidden box is sent
// when it differs from the mount's effective value; a fallback choice "" means the config's value
// (null when the console had set one), anything else is the console's choice. Used by
// pages/mount-settings-section.ts; unit-tested beside it.
import type { MountField, MountPatch, MountSettingsView } from './api/api-types.ts';

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
