// Mount settings: the console's overrides of a mount's texts, hidden and fallback choices win over the
// config's once set, survive reopening, null gives the config's back; a fallback file is only ever a
// file of the media folder; withMountSettings gives the effective config.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAircheckError } from '../../../shared/src/errors.ts';
import { loadConfig } from '../../../config/src/config.ts';
import { StationDb } from './station-db.ts';
import { MountSettings, describeMounts, listMedia, mediaNameProblem, withMountSettings, type IgnoredOverride } from './mount-settings.ts';

const root = mkdtempSync(join(tmpdir(), 'aircheck-mount-settings-'));
after(() => rmSync(root, { recursive: true, force: true }));
const mediaDir = join(root, 'media');
mkdirSync(mediaDir);
writeFileSync(join(mediaDir, 'loop.mp3'), Buffer.alloc(1234));
writeFileSync(join(mediaDir, 'notes.txt'), 'not audio');
mkdirSync(join(mediaDir, 'folder.mp3'));

const configFile = join(root, 'aircheck.toml');
writeFileSync(configFile, [
  '[[mounts]]', 'path = "/jazz"', 'name = "Jazz from the config"', 'fallback_mount = "/live"',
  '[[mounts]]', 'path = "/talk"', 'genre = "Talk"',
].join('\n'));
const config = loadConfig({ configFile, env: { AIRCHECK_DATA_DIR: root } });

let dbCount = 0;
function open(file = join(root, `station-${++dbCount}.sqlite`)) {
  const db = StationDb.open(file);
  return { db, file, settings: new MountSettings(db, { mediaDir }) };
}

const badRequest = (field: string, value: string, fix: RegExp) => (e: unknown) =>
  isAircheckError(e, 'API_BAD_REQUEST') && e.message.includes(`field "${field}"`) && e.message.includes(JSON.stringify(value)) && fix.test(e.message);

describe('MountSettings', () => {
  it('the migration creates the table: overrides are set, survive reopening, and null gives the config back', () => {
    const { db, file, settings } = open();
    assert.deepEqual(settings.all(), new Map());
    settings.set('/live', { name: 'Radio Nord', hidden: true, fallback_file: 'loop.mp3' }, config.mounts);
    settings.set('/jazz', { description: 'late' }, config.mounts);
    db.close();
    const again = open(file);
    after(() => again.db.close());
    assert.deepEqual(again.settings.get('/live'), { name: 'Radio Nord', hidden: true, fallback_file: 'loop.mp3' });
    again.settings.set('/live', { name: null, hidden: false }, config.mounts);
    assert.deepEqual(again.settings.get('/live'), { hidden: false, fallback_file: 'loop.mp3' });
    assert.deepEqual([...again.settings.all().keys()], ['/jazz', '/live']);
    again.settings.replace('/live', {});
    assert.deepEqual(again.settings.get('/live'), {});
  });

  it('texts over the config schema\'s limits and wrong types are refused, naming the field, the value and the fix', () => {
    const { db, settings } = open();
    after(() => db.close());
    assert.throws(() => settings.set('/live', { name: 'x'.repeat(257) }, config.mounts), (e) => isAircheckError(e, 'API_BAD_REQUEST') && /field "name"/.test(e.message) && /at most 256 characters/.test(e.message));
    assert.throws(() => settings.set('/live', { url: 'u'.repeat(1025) }, config.mounts), (e) => isAircheckError(e, 'API_BAD_REQUEST') && /field "url"/.test(e.message) && /1024/.test(e.message));
    settings.set('/live', { description: 'd'.repeat(1024) }, config.mounts);
    assert.throws(() => settings.set('/live', { hidden: 'yes' as never }, config.mounts), (e) => isAircheckError(e, 'API_BAD_REQUEST') && /field "hidden"/.test(e.message) && /true or false/.test(e.message));
    assert.throws(() => settings.set('/live', { source_password: 'x' } as never, config.mounts), (e) => isAircheckError(e, 'API_BAD_REQUEST') && /field "source_password"/.test(e.message) && /config file/.test(e.message));
    assert.throws(() => settings.set('/nowhere', { name: 'x' }, config.mounts), (e) => isAircheckError(e, 'MOUNT_NOT_FOUND') && /\/nowhere/.test(e.message));
    assert.deepEqual(settings.get('/live'), { description: 'd'.repeat(1024) }, 'a refused change writes nothing');
  });

  it('a fallback file is "bundled" or the name of an audio file inside the media folder, never a path', () => {
    const { db, settings } = open();
    after(() => db.close());
    // A real audio file outside the media folder: reachable by a path, and still refused.
    writeFileSync(join(root, 'outside.mp3'), Buffer.alloc(10));
    mkdirSync(join(mediaDir, 'sub'));
    writeFileSync(join(mediaDir, 'sub', 'loop.mp3'), Buffer.alloc(10));
    const fix = /GET \/api\/v1\/media/;
    for (const value of ['../outside.mp3', join(root, 'outside.mp3'), 'sub/loop.mp3', '..\\outside.mp3']) {
      assert.throws(() => settings.set('/live', { fallback_file: value }, config.mounts), badRequest('fallback_file', value, /it is a path|contains "\.\."/), value);
    }
    for (const value of ['..', '.hidden.mp3']) {
      assert.throws(() => settings.set('/live', { fallback_file: value }, config.mounts), badRequest('fallback_file', value, fix), value);
    }
    assert.throws(() => settings.set('/live', { fallback_file: 'notes.txt' }, config.mounts), badRequest('fallback_file', 'notes.txt', /not an audio file/));
    assert.throws(() => settings.set('/live', { fallback_file: 'missing.mp3' }, config.mounts), badRequest('fallback_file', 'missing.mp3', /no such file in the media folder/));
    assert.throws(() => settings.set('/live', { fallback_file: 'folder.mp3' }, config.mounts), badRequest('fallback_file', 'folder.mp3', /no such file/));
    settings.set('/live', { fallback_file: 'bundled' }, config.mounts);
    settings.set('/live', { fallback_file: 'none' }, config.mounts);
    assert.equal(settings.get('/live').fallback_file, 'none');
    settings.set('/live', { fallback_file: 'loop.mp3' }, config.mounts);
    assert.equal(settings.get('/live').fallback_file, 'loop.mp3');
    assert.equal(mediaNameProblem('Night Loop-2.opus'), null);
    assert.deepEqual(listMedia(mediaDir), [{ name: 'bundled', sizeBytes: null, durationMs: null, bundled: true }, { name: 'loop.mp3', sizeBytes: 1234, durationMs: null, bundled: false }]);
    assert.deepEqual(listMedia(join(root, 'no-such-dir')), [{ name: 'bundled', sizeBytes: null, durationMs: null, bundled: true }]);
  });

  it('a fallback mount is another configured mount and never closes a loop', () => {
    const { db, settings } = open();
    after(() => db.close());
    assert.throws(() => settings.set('/live', { fallback_mount: '/live' }, config.mounts), badRequest('fallback_mount', '/live', /itself/));
    assert.throws(() => settings.set('/live', { fallback_mount: '/nope' }, config.mounts), badRequest('fallback_mount', '/nope', /no such configured mount.*\/jazz/));
    // The config has /jazz → /live: /live → /jazz would loop.
    assert.throws(() => settings.set('/live', { fallback_mount: '/jazz' }, config.mounts), badRequest('fallback_mount', '/jazz', /\/live → \/jazz → \/live loops/));
    settings.set('/talk', { fallback_mount: '/jazz' }, config.mounts);
    // Through the console's own /talk → /jazz (→ /live): /live → /talk loops too.
    assert.throws(() => settings.set('/live', { fallback_mount: '/talk' }, config.mounts), badRequest('fallback_mount', '/talk', /loops/));
    // Once /jazz falls back elsewhere in the console, the chain is finite.
    settings.set('/jazz', { fallback_mount: '/test' }, config.mounts);
    settings.set('/live', { fallback_mount: '/talk' }, config.mounts);
    assert.equal(settings.get('/live').fallback_mount, '/talk');
  });
});

describe('withMountSettings', () => {
  it('applies the overrides of configured mounts, resolves a media file to its absolute path, and leaves everything else as the config has it', () => {
    const overrides = new Map([
      ['/live', { name: 'Radio Nord', fallback_file: 'loop.mp3', hidden: true }],
      ['/talk', { fallback_file: 'bundled', fallback_mount: '/jazz' }],
      ['/gone', { name: 'kept but ignored' }],
    ]);
    const effective = withMountSettings(config, overrides, mediaDir);
    const live = effective.mounts.find((m) => m.path === '/live')!;
    assert.equal(live.name, 'Radio Nord');
    assert.equal(live.hidden, true);
    assert.equal(live.fallback_file, join(mediaDir, 'loop.mp3'));
    assert.equal(live.source_password, config.mounts.find((m) => m.path === '/live')!.source_password, 'fields the console does not set stay');
    const talk = effective.mounts.find((m) => m.path === '/talk')!;
    assert.deepEqual([talk.fallback_file, talk.fallback_mount, talk.genre], ['bundled', '/jazz', 'Talk']);
    assert.deepEqual(effective.mounts.map((m) => m.path), config.mounts.map((m) => m.path), 'no mount added for /gone');
    assert.equal(effective.mounts.find((m) => m.path === '/jazz'), config.mounts.find((m) => m.path === '/jazz'), 'an untouched mount is the config\'s own object');
    assert.equal(effective.server, config.server);
    assert.equal(config.mounts.find((m) => m.path === '/live')!.name, undefined, 'the file config is not changed');
    assert.ok(Object.isFrozen(effective) && Object.isFrozen(effective.mounts) && Object.isFrozen(live));
  });

  it('an override that no longer fits the config is left out and reported: the config\'s value applies', () => {
    const ignored: IgnoredOverride[] = [];
    const overrides = new Map([
      ['/live', { fallback_mount: '/jazz' }], // the config has /jazz → /live
      ['/talk', { fallback_mount: '/removed', name: 'n'.repeat(300), fallback_file: '../escape.mp3' }],
    ]);
    const effective = withMountSettings(config, overrides, mediaDir, (i) => ignored.push(i));
    assert.equal(effective.mounts.find((m) => m.path === '/live')!.fallback_mount, undefined);
    const talk = effective.mounts.find((m) => m.path === '/talk')!;
    assert.equal(talk.fallback_mount, undefined);
    assert.equal(talk.name, undefined, 'a name over the schema\'s limit is not applied');
    assert.equal(talk.fallback_file, undefined);
    assert.deepEqual(ignored.map((i) => `${i.path} ${i.field}`).sort(), ['/live fallback_mount', '/talk fallback_file', '/talk fallback_mount', '/talk name'].sort());
    assert.match(ignored.find((i) => i.path === '/live')!.reason, /loop/);
  });

  it('describeMounts shows effective and config values and which fields the console set', () => {
    const view = describeMounts(config, new Map([['/jazz', { name: 'Jazz Nights', fallback_file: 'loop.mp3' }]]), mediaDir);
    const jazz = view.find((v) => v.path === '/jazz')!;
    assert.deepEqual(jazz.overridden, ['name', 'fallback_file']);
    assert.equal(jazz.effective.name, 'Jazz Nights');
    assert.equal(jazz.config.name, 'Jazz from the config');
    assert.equal(jazz.effective.fallback_file, 'loop.mp3', 'the media name, not the server path');
    assert.equal(jazz.effective.fallback_mount, '/live');
    const live = view.find((v) => v.path === '/live')!;
    assert.deepEqual(live.overridden, []);
    assert.deepEqual(live.effective, live.config);
    assert.equal(live.config.fallback_file, 'bundled');
  });

  it('"none" removes the config\'s fallback file (the fallback mount still applies) and is shown as "none"', () => {
    const effective = withMountSettings(config, new Map([['/live', { fallback_file: 'none' }], ['/jazz', { fallback_file: 'none' }]]), mediaDir);
    const live = effective.mounts.find((m) => m.path === '/live')!;
    assert.equal(config.mounts.find((m) => m.path === '/live')!.fallback_file, 'bundled', 'the config plays the bundled loop');
    assert.equal(live.fallback_file, undefined);
    assert.ok(!('fallback_file' in live), 'no key left for the registry to read');
    const jazz = effective.mounts.find((m) => m.path === '/jazz')!;
    assert.deepEqual([jazz.fallback_file, jazz.fallback_mount], [undefined, '/live']);
    const view = describeMounts(config, new Map([['/live', { fallback_file: 'none' }]]), mediaDir).find((v) => v.path === '/live')!;
    assert.deepEqual([view.effective.fallback_file, view.config.fallback_file, view.overridden], ['none', 'bundled', ['fallback_file']]);
  });

  it('"none" is refused, and ignored, for an on-demand relay with no fallback mount: its listeners must hear something while it connects', () => {
    const relayFile = join(root, 'relay.toml');
    writeFileSync(relayFile, ['[[mounts]]', 'path = "/relayed"', 'fallback_file = "bundled"', '[mounts.relay]', 'url = "http://127.0.0.1:1/up"', 'on_demand = true'].join('\n'));
    const relayConfig = loadConfig({ configFile: relayFile, env: { AIRCHECK_DATA_DIR: root } });
    const { db, settings } = open();
    after(() => db.close());
    assert.throws(() => settings.set('/relayed', { fallback_file: 'none' }, relayConfig.mounts), badRequest('fallback_file', 'none', /on demand.*set a fallback mount first/));
    settings.set('/relayed', { fallback_mount: '/live', fallback_file: 'none' }, relayConfig.mounts);
    const ignored: IgnoredOverride[] = [];
    const effective = withMountSettings(relayConfig, new Map([['/relayed', { fallback_file: 'none' }]]), mediaDir, (i) => ignored.push(i));
    assert.equal(effective.mounts.find((m) => m.path === '/relayed')!.fallback_file, 'bundled');
    assert.deepEqual(ignored.map((i) => `${i.path} ${i.field}`), ['/relayed fallback_file']);
  });
});
