import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mountPatch, type MountFormValues } from './mount-form.ts';
import type { MountSettingsView } from './api/api-types.ts';

const fields = { name: null, description: null, genre: null, url: null, hidden: false, fallback_file: 'bundled', fallback_mount: null };
const view: MountSettingsView = { path: '/live', effective: { ...fields, name: 'Nord' }, config: fields, overridden: ['name'] };
const untouched: MountFormValues = { name: 'Nord', description: '', genre: '', url: '', hidden: false, fallback_file: '', fallback_mount: '' };

test('an untouched form sends nothing; a changed text, the hidden box and a fallback choice are sent', () => {
  assert.deepEqual(mountPatch(view, untouched), {});
  assert.deepEqual(mountPatch(view, { ...untouched, name: 'Süd', hidden: true, fallback_file: 'loop.mp3', fallback_mount: '/test' }), { name: 'Süd', hidden: true, fallback_file: 'loop.mp3', fallback_mount: '/test' });
});

test('choosing the config value for a fallback the console set sends null; keeping the console\'s choice sends nothing', () => {
  const set: MountSettingsView = { ...view, effective: { ...view.effective, fallback_file: 'loop.mp3' }, overridden: ['name', 'fallback_file'] };
  assert.deepEqual(mountPatch(set, { ...untouched, fallback_file: '' }), { fallback_file: null });
  assert.deepEqual(mountPatch(set, { ...untouched, fallback_file: 'loop.mp3' }), {});
});
