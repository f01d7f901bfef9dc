// The relay plan from the config (credentials from url or keys, password_file, on-demand needs a
// fallback), the audience of a mount (its own listeners and those of mounts falling back to it), and
// the manager: reloads keep unchanged relays, restart changed ones, stop removed ones; on demand.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAircheckError } from '../../../../shared/src/errors.ts';
import { MountSchema } from '../../../../config/src/config-schema.ts';
import { MountRegistry } from '../../mounts/mount-registry.ts';
import { hasAudience, ON_DEMAND_IDLE_MS, planRelays, RelayManager } from './relay-manager.ts';
import type { UpstreamRequest } from './upstream-connection.ts';

describe('planRelays', () => {
  it('takes credentials from the url unless user/password are set, and never keeps them in the url', () => {
    const plan = planRelays([
      MountSchema.parse({ path: '/a', relay: { url: 'http://u1:p%401@up.example:8000/live' } }),
      MountSchema.parse({ path: '/b', relay: { url: 'https://x:y@up.example/b', user: 'other', password: 'pw', icy_metadata: false } }),
      MountSchema.parse({ path: '/c' }),
    ], '/');
    assert.deepEqual(plan.get('/a'), { mountPath: '/a', url: 'http://up.example:8000/live', user: 'u1', password: 'p@1', onDemand: false, icyMetadata: true });
    assert.deepEqual(plan.get('/b'), { mountPath: '/b', url: 'https://up.example/b', user: 'other', password: 'pw', onDemand: false, icyMetadata: false });
    assert.equal(plan.has('/c'), false);
  });

  it('reads password_file, and names the key and the fix when it cannot, or when on_demand has no fallback', () => {
    const dir = mkdtempSync(join(tmpdir(), 'relay-plan-'));
    writeFileSync(join(dir, 'pw'), 'from-file\nignored\n');
    const plan = planRelays([MountSchema.parse({ path: '/a', relay: { url: 'http://up/a', password_file: 'pw', on_demand: true }, fallback_file: 'bundled' })], dir);
    assert.equal(plan.get('/a')?.password, 'from-file');
    assert.equal(plan.get('/a')?.user, 'source');
    assert.throws(
      () => planRelays([MountSchema.parse({ path: '/a', relay: { url: 'http://up/a', password_file: 'missing' } }), MountSchema.parse({ path: '/b', relay: { url: 'http://up/b', on_demand: true } })], dir),
      (err) => isAircheckError(err, 'CONFIG_INVALID') && /relay\.password_file: .*missing cannot be read \(ENOENT\)/.test(err.message) && /"\/b" relay\.on_demand = true needs .*fallback_file or fallback_mount/.test(err.message),
    );
  });

  it('the schema refuses a url that is not http(s), naming the value (without its password) and the fix', () => {
    const r = MountSchema.safeParse({ path: '/a', relay: { url: 'ftp://me:hunter22@host/x' } });
    assert.equal(r.success, false);
    const msg = JSON.stringify(r.error!.issues);
    assert.match(msg, /relay url \\"ftp:\/\/…@host\/x\\" is not an http\(s\) URL: write the stream's address/);
    assert.doesNotMatch(msg, /hunter22/);
    assert.equal(MountSchema.safeParse({ path: '/a', relay: { url: 'http://h/', password: 'a', password_file: 'b' } }).success, false);
  });
});

describe('hasAudience', () => {
  it('counts listeners of the mount and of mounts whose fallback chain reaches it, and survives a loop', () => {
    const mounts = [
      { path: '/relay', settings: {} },
      { path: '/live', settings: { fallback_mount: '/backup' } },
      { path: '/backup', settings: { fallback_mount: '/relay' } },
      { path: '/loop1', settings: { fallback_mount: '/loop2' } },
      { path: '/loop2', settings: { fallback_mount: '/loop1' } },
    ];
    const counts = new Map<string, number>();
    const reg = { all: () => mounts, countListenersOf: (p: string) => counts.get(p) ?? 0 };
    assert.equal(hasAudience(reg, '/relay'), false);
    counts.set('/loop1', 3);
    assert.equal(hasAudience(reg, '/relay'), false);
    counts.set('/live', 1);
    assert.equal(hasAudience(reg, '/relay'), true);
    counts.clear();
    counts.set('/relay', 1);
    assert.equal(hasAudience(reg, '/relay'), true);
  });
});

describe('RelayManager', () => {
  function setup(listeners: Map<string, number>) {
    const mounts = [MountSchema.parse({ path: '/a', fallback_file: 'bundled' }), MountSchema.parse({ path: '/b' })];
    const registry = new MountRegistry({
      mounts,
      limits: { maxListeners: 10, maxSources: 10, listenerQueueSeconds: 15, maxDynamicMounts: 0 },
      observer: { sourceStarted() {}, sourceEnded() {}, listenerJoined() {}, listenerLeft() {}, listenerMoved() {}, bytesSent() {}, bytesReceived() {} },
      fileFeedFor: () => null,
    });
    // Listener counts come from the test: the registry's own need real listeners.
    registry.countListenersOf = (p: string) => listeners.get(p) ?? 0;
    const conns: { req: UpstreamRequest; closed: boolean }[] = [];
    const removed: string[] = [];
    const clock = { ms: 0 };
    const manager = new RelayManager({
      registry,
      log: { info() {}, warn() {} } as any,
      stallMs: () => 10_000,
      now: () => clock.ms,
      connect: (req) => {
        const c = { req, closed: false };
        conns.push(c);
        return { close: () => void (c.closed = true), pause() {}, resume() {} };
      },
      metrics: { connected() {}, bytes() {}, reconnect() {}, error() {}, removed: (m) => removed.push(m) },
    });
    return { manager, conns, removed, clock, mounts };
  }

  it('a reload keeps an unchanged relay connected, reconnects a changed one and stops a removed one', () => {
    const s = setup(new Map());
    const plan = (url: string) => planRelays([MountSchema.parse({ path: '/b', relay: { url } })], '/');
    s.manager.apply(plan('http://up/one'));
    assert.equal(s.conns.length, 1);
    assert.equal(s.manager.statusOf('/b')?.state, 'connecting');
    assert.equal(s.manager.statusOf('/a'), null);
    s.manager.apply(plan('http://up/one'));
    assert.equal(s.conns.length, 1, 'unchanged: the same connection');
    assert.equal(s.conns[0]!.closed, false);
    s.manager.apply(plan('http://up/two'));
    assert.equal(s.conns.length, 2);
    assert.equal(s.conns[0]!.closed, true);
    assert.equal(s.conns[1]!.req.url.href, 'http://up/two');
    s.manager.apply(new Map());
    assert.equal(s.conns[1]!.closed, true);
    assert.deepEqual(s.removed, ['/b']);
    assert.equal(s.manager.size, 0);
    s.manager.close();
  });

  it('on demand: connects when someone listens, disconnects 10 s after the last listener left', () => {
    const listeners = new Map<string, number>();
    const s = setup(listeners);
    s.manager.apply(planRelays([MountSchema.parse({ path: '/a', fallback_file: 'bundled', relay: { url: 'http://up/a', on_demand: true } })], '/'));
    s.manager.check();
    assert.equal(s.conns.length, 0, 'nobody listens: no connection');
    assert.equal(s.manager.statusOf('/a')?.state, 'stopped');
    listeners.set('/a', 1);
    s.manager.check();
    assert.equal(s.conns.length, 1);
    listeners.set('/a', 0);
    s.clock.ms += ON_DEMAND_IDLE_MS - 1;
    s.manager.check();
    assert.equal(s.conns[0]!.closed, false, 'still connected just before the idle time');
    s.clock.ms += 1;
    s.manager.check();
    assert.equal(s.conns[0]!.closed, true);
    assert.equal(s.manager.statusOf('/a')?.state, 'stopped');
    s.manager.close();
  });
});
