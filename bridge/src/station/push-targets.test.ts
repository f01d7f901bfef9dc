// Console push targets: stored with their password (never in a view), checked with the config's own
// push schema, refused when they would take a config push's name or target, kept across reopening;
// withConsolePushes adds the enabled ones to the effective config, the config's pushes winning.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAircheckError } from '../../../shared/src/errors.ts';
import { loadConfig } from '../../../config/src/config.ts';
import { StationDb } from './station-db.ts';
import { MAX_PUSHES_PER_MOUNT, PushTargets, describePushes, withConsolePushes, type IgnoredPush, type PushCreate } from './push-targets.ts';

const root = mkdtempSync(join(tmpdir(), 'aircheck-push-targets-'));
after(() => rmSync(root, { recursive: true, force: true }));

function configWith(lines: string[]) {
  const configFile = join(root, `aircheck-${Math.random().toString(36).slice(2)}.toml`);
  writeFileSync(configFile, lines.join('\n'));
  return loadConfig({ configFile, env: { AIRCHECK_DATA_DIR: root } });
}
const config = configWith([
  '[[mounts]]', 'path = "/live"',
  '[[mounts.push]]', 'name = "cfg"', 'host = "ice.example"', 'port = 8000', 'mount = "/cfg"', 'password = "config-secret"',
  '[[mounts]]', 'path = "/talk"',
]);

let dbCount = 0;
function open(file = join(root, `station-${++dbCount}.sqlite`)) {
  const db = StationDb.open(file);
  return { db, file, pushes: new PushTargets(db) };
}

const NEW: PushCreate = { path: '/live', name: 'relay-one', host: 'ice.example', port: 8000, mount: '/one', password: 'console-secret-1' };
const refused = (code: 'API_BAD_REQUEST' | 'PUSH_CONFLICT') => (field: string, shown: string, problem: RegExp) => (e: unknown) =>
  isAircheckError(e, code) && e.message.includes(`push field "${field}" is ${shown}`) && problem.test(e.message);
/** A value the push itself cannot have (400). */
const badRequest = refused('API_BAD_REQUEST');
/** A valid push that clashes with the station's other pushes (409). */
const conflict = refused('PUSH_CONFLICT');

describe('PushTargets', () => {
  it('stores a push with the config schema\'s defaults, keeps it across reopening, and changes it (an absent password stays)', () => {
    const { db, file, pushes } = open();
    const created = pushes.create({ path: '/live', host: 'ice.example', mount: '/one', password: 'console-secret-1' }, 'op', config.mounts);
    assert.match(created.id, /^p_[A-Za-z0-9_-]{12}$/);
    assert.deepEqual({ port: created.port, user: created.user, tls: created.tls, name: created.name, enabled: created.enabled, createdBy: created.createdBy }, { port: 8000, user: 'source', tls: false, name: null, enabled: true, createdBy: 'op' });
    db.close();
    const again = open(file);
    assert.deepEqual(again.pushes.list(), [created]);
    const changed = again.pushes.update(created.id, { name: 'renamed', enabled: false }, 'admin', config.mounts);
    assert.equal(changed.password, 'console-secret-1', 'no password in the change: the stored one stays');
    assert.equal(changed.name, 'renamed');
    assert.equal(changed.enabled, false);
    assert.equal(changed.updatedBy, 'admin');
    assert.equal(changed.createdBy, 'op');
    assert.equal(again.pushes.update(created.id, { password: 'new-secret-2', name: null }, 'op', config.mounts).password, 'new-secret-2');
    assert.equal(again.pushes.get(created.id)!.name, null, 'null clears the name');
    assert.equal(again.pushes.remove(created.id).id, created.id);
    assert.deepEqual(again.pushes.list(), []);
    assert.throws(() => again.pushes.remove(created.id), (e) => isAircheckError(e, 'HTTP_NOT_FOUND') && /GET \/api\/v1\/pushes/.test(e.message));
    again.db.close();
  });

  it('checks each field with the config\'s push schema, naming the field, the value and the fix; never showing a password', () => {
    const { db, pushes } = open();
    const add = (change: Partial<PushCreate>) => () => pushes.create({ ...NEW, ...change }, 'op', config.mounts);
    assert.throws(add({ port: 70000 }), badRequest('port', '70000', /1–65535/));
    assert.throws(add({ name: 'has space' }), badRequest('name', '"has space"', /invalid push name: use 1–64/));
    assert.throws(add({ mount: 'relay' }), badRequest('mount', '"relay"', /start with '\/'/));
    assert.throws(add({ password: 'x'.repeat(300) }), (e) => badRequest('password', '(not shown)', /1–256/)(e) && !(e as Error).message.includes('xxx'));
    assert.throws(add({ path: '/nope' }), badRequest('path', '"/nope"', /no such configured mount/));
    assert.throws(add({ from: '/nope' }), badRequest('from', '"/nope"', /no such configured mount or ladder rung/));
    assert.equal(add({ from: '/live.mp3', format: 'mp3' })().from, '/live.mp3', 'a ladder rung of the mount may be pushed');
    const disabled = add({ name: 'off', mount: '/off', enabled: false })();
    assert.throws(() => pushes.update(disabled.id, { host: null as unknown as string }, 'op', config.mounts), badRequest('host', 'null', /cannot be cleared/));
    assert.equal(pushes.list().length, 2, 'nothing refused was kept');
    db.close();
  });

  it('refuses a name or target a config push has (on any mount), or another console push has, and more than the mount\'s limit', () => {
    const { db, pushes } = open();
    const add = (change: Partial<PushCreate>) => () => pushes.create({ ...NEW, ...change }, 'op', config.mounts);
    assert.throws(add({ name: 'cfg' }), conflict('name', '"cfg"', /the config's push "cfg" of \/live has this name; pick another name/));
    assert.throws(add({ mount: '/cfg' }), conflict('mount', '"/cfg"', /the config's push "cfg" of \/live already sends to ice\.example:8000\/cfg/));
    assert.throws(add({ path: '/talk', host: 'ICE.example', mount: '/cfg' }), conflict('mount', '"/cfg"', /config's push "cfg" of \/live already sends/), 'a host differing in case is the same server');
    const first = add({})();
    assert.throws(add({ mount: '/two' }), conflict('name', '"relay-one"', /the console's push "relay-one" of \/live has this name/));
    assert.throws(add({ name: 'two', path: '/talk' }), conflict('mount', '"/one"', /the console's push "relay-one" of \/live already sends to/));
    assert.equal(add({ path: '/talk' , mount: '/talk-one' })().name, 'relay-one', 'the same name on another mount is another push');
    assert.equal(pushes.update(first.id, { tls: true }, 'op', config.mounts).tls, true, 'a push does not collide with itself');
    for (let i = pushes.list().filter((p) => p.path === '/live').length + 1; i < MAX_PUSHES_PER_MOUNT; i++) add({ name: `n${i}`, mount: `/m${i}` })();
    assert.throws(add({ name: 'one-too-many', mount: '/x' }), conflict('path', '"/live"', new RegExp(`${MAX_PUSHES_PER_MOUNT + 1} pushes, and a mount has at most ${MAX_PUSHES_PER_MOUNT}`)));
    db.close();
  });

  it('restore() puts a push back exactly, discard() undoes a create', () => {
    const { db, pushes } = open();
    const created = pushes.create(NEW, 'op', config.mounts);
    const removed = pushes.remove(created.id);
    pushes.restore(removed);
    assert.deepEqual(pushes.list(), [created]);
    pushes.discard(created.id);
    assert.deepEqual(pushes.list(), []);
    db.close();
  });
});

describe('withConsolePushes and describePushes', () => {
  it('adds the enabled console pushes after the config\'s, in the config\'s own shape', () => {
    const { db, pushes } = open();
    const one = pushes.create(NEW, 'op', config.mounts);
    pushes.create({ ...NEW, name: 'off', mount: '/off', enabled: false }, 'op', config.mounts);
    const talk = pushes.create({ ...NEW, path: '/talk', name: null, mount: '/talk', format: 'mp3', tls: true }, 'op', config.mounts);
    const effective = withConsolePushes(config, pushes.list());
    const live = effective.mounts.find((m) => m.path === '/live')!;
    assert.deepEqual(live.push.map((p) => p.name), ['cfg', 'relay-one']);
    assert.deepEqual(live.push[1], { name: 'relay-one', host: 'ice.example', port: 8000, mount: '/one', user: 'source', password: 'console-secret-1', tls: false, public: false });
    assert.deepEqual(effective.mounts.find((m) => m.path === '/talk')!.push, [{ host: 'ice.example', port: 8000, mount: '/talk', user: 'source', password: 'console-secret-1', tls: true, format: 'mp3', public: false }]);
    assert.equal(config.mounts.find((m) => m.path === '/live')!.push.length, 1, 'the file config is not changed');
    assert.ok(Object.isFrozen(effective.mounts));

    const views = describePushes(config, pushes.list(), (path, label) => (label === 'relay-one' ? { state: 'connected', path } : null));
    assert.deepEqual(views.map((v) => [v.origin, v.path, v.label, v.enabled, v.status]), [
      ['config', '/live', 'cfg', true, null],
      ['console', '/live', 'relay-one', true, { state: 'connected', path: '/live' }],
      ['console', '/live', 'off', false, null],
      ['console', '/talk', 'ice.example:8000/talk', true, null],
    ]);
    assert.equal(views[0]!.id, null, 'a config push has no id: it is changed in the config file');
    assert.equal(views[1]!.id, one.id);
    assert.equal(views[3]!.id, talk.id);
    assert.ok(views.every((v) => v.passwordSet && !('password' in v)));
    assert.ok(!JSON.stringify(views).includes('secret'), 'no password in any view');
    db.close();
  });

  it('after a reload, a console push whose name or target the config took, or whose mount is gone, is left out and reported; it is kept', () => {
    const { db, pushes } = open();
    const taken = pushes.create({ ...NEW, name: 'later-cfg', mount: '/later' }, 'op', config.mounts);
    const orphan = pushes.create({ ...NEW, path: '/talk', name: 'talk-push', mount: '/talk' }, 'op', config.mounts);
    const fine = pushes.create(NEW, 'op', config.mounts);
    const reloaded = configWith([
      '[[mounts]]', 'path = "/live"',
      '[[mounts.push]]', 'name = "cfg"', 'host = "ice.example"', 'port = 8000', 'mount = "/cfg"', 'password = "config-secret"',
      '[[mounts.push]]', 'name = "new-cfg"', 'host = "ice.example"', 'port = 8000', 'mount = "/later"', 'password = "config-secret"',
    ]);
    const ignored: IgnoredPush[] = [];
    const effective = withConsolePushes(reloaded, pushes.list(), (i) => ignored.push(i));
    assert.deepEqual(effective.mounts.find((m) => m.path === '/live')!.push.map((p) => p.name), ['cfg', 'new-cfg', 'relay-one']);
    assert.deepEqual(ignored.map((i) => [i.id, i.label]), [[taken.id, 'later-cfg'], [orphan.id, 'talk-push']]);
    assert.match(ignored[0]!.reason, /config's push "new-cfg" of \/live already sends to ice\.example:8000\/later/);
    assert.match(ignored[1]!.reason, /field "path": there is no such configured mount/);
    const views = describePushes(reloaded, pushes.list(), () => ({ running: true }));
    assert.deepEqual(views.map((v) => [v.label, v.problem === null, v.status]), [
      ['cfg', true, { running: true }],
      ['new-cfg', true, { running: true }],
      ['later-cfg', false, null],
      ['relay-one', true, { running: true }],
      ['talk-push', false, null],
    ]);
    assert.equal(pushes.list().length, 3, 'nothing is removed: each runs again once it fits');
    assert.equal(fine.enabled, true);
    db.close();
  });
});
