import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fallbackFileOptions, mountPatch, suggestMediaName, uploadContentType, type MountFormValues } from './mount-form.ts';
import type { MediaFile, MountSettingsView } from './api/api-types.ts';

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

test('"none" is offered and sent like any other choice; the config value after "none" sends null', () => {
  assert.deepEqual(mountPatch(view, { ...untouched, fallback_file: 'none' }), { fallback_file: 'none' });
  const none: MountSettingsView = { ...view, effective: { ...view.effective, fallback_file: 'none' }, overridden: ['fallback_file'] };
  assert.deepEqual(mountPatch(none, { ...untouched, name: '', fallback_file: 'none' }), { name: '' });
  assert.deepEqual(mountPatch(none, { ...untouched, name: '', fallback_file: '' }), { name: '', fallback_file: null });
});

test('the fallback file choices: the config value, bundled, each file with size and length, none; exactly one selected', () => {
  const media: MediaFile[] = [
    { name: 'bundled', sizeBytes: null, durationMs: null, bundled: true },
    { name: 'loop.mp3', sizeBytes: 96_000, durationMs: 6000, bundled: false },
    { name: 'junk.mp3', sizeBytes: 10, durationMs: null, bundled: false },
  ];
  const options = fallbackFileOptions(view, media);
  assert.deepEqual(options.map((o) => o.value), ['', 'bundled', 'loop.mp3', 'junk.mp3', 'none']);
  assert.deepEqual(options.map((o) => o.label), ['Config: bundled', 'bundled (the built-in loop)', 'loop.mp3 (96.0 kB, 0:06)', 'junk.mp3 (10 B, cannot be played)', 'None: listeners get nothing while there is no source']);
  assert.deepEqual(options.filter((o) => o.selected).map((o) => o.value), ['']);
  const none: MountSettingsView = { ...view, effective: { ...view.effective, fallback_file: 'none' }, overridden: ['fallback_file'] };
  assert.deepEqual(fallbackFileOptions(none, media).filter((o) => o.selected).map((o) => o.value), ['none']);
  const gone: MountSettingsView = { ...view, effective: { ...view.effective, fallback_file: 'gone.mp3' }, overridden: ['fallback_file'] };
  assert.deepEqual(fallbackFileOptions(gone, media).filter((o) => o.selected).map((o) => o.label), ['gone.mp3 (missing)']);
});

test('an upload is named from the picked file as the server accepts it, and typed by its extension when the browser gives no audio type', () => {
  assert.equal(suggestMediaName('My Loop (final).MP3'), 'My Loop final.mp3');
  assert.equal(suggestMediaName('.hidden.opus'), 'hidden.opus');
  assert.equal(suggestMediaName('../../etc/passwd'), 'fallback.mp3');
  assert.equal(suggestMediaName('??.ogg'), 'fallback.ogg');
  assert.equal(uploadContentType({ name: 'a.mp3', type: 'audio/mpeg' }), 'audio/mpeg');
  assert.equal(uploadContentType({ name: 'a.opus', type: '' }), 'audio/ogg');
  assert.equal(uploadContentType({ name: 'a.MP3', type: '' }), 'audio/mpeg');
  assert.equal(uploadContentType({ name: 'a.bin', type: 'text/plain' }), 'application/octet-stream');
});
