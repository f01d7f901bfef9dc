import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAircheckError } from '../../../shared/src/errors.ts';
import { MountSchema } from '../../../config/src/config-schema.ts';
import type { DropReason, Listener } from '../listeners/listener.ts';
import type { MountSource } from './mount-source.ts';
import { emptyInfo } from './mount.ts';
import { MountRegistry, type RegistryObserver } from './mount-registry.ts';
import { FileFeed } from './file-feed.ts';

const CONFIGURED = [MountSchema.parse({ path: '/live' })];

function registry(maxDynamicMounts = 4): { registry: MountRegistry; removed: string[] } {
  const removed: string[] = [];
  const observer: RegistryObserver = {
    sourceStarted() {},
    sourceEnded() {},
    listenerJoined() {},
    listenerLeft() {},
    listenerMoved() {},
    bytesSent() {},
    bytesReceived() {},
    mountRemoved: (path) => removed.push(path),
  };
  const r = new MountRegistry({
    mounts: CONFIGURED,
    limits: { maxListeners: 100, maxSources: 100, listenerQueueSeconds: 15, maxDynamicMounts },
    observer,
    fileFeedFor: () => null,
  });
  return { registry: r, removed };
}

function fakeSession(mountPath: string): MountSource {
  return { kind: 'socket', mountPath, state: 'streaming', remoteAddress: '127.0.0.1', kill() {}, tick() {} };
}

function fakeListener(requestedPath: string): Listener & { closedWith: { reason: DropReason; graceful: boolean } | null } {
  const l = {
    requestedPath,
    feedPath: null as string | null,
    format: 'mp3',
    usesIcy: false,
    needsSync: false,
    closed: false,
    closedWith: null as { reason: DropReason; graceful: boolean } | null,
    send: () => true,
    close(reason: DropReason, graceful = false) {
      l.closed = true;
      l.closedWith = { reason, graceful };
    },
  };
  return l as unknown as Listener & { closedWith: { reason: DropReason; graceful: boolean } | null };
}

/** A dynamic mount with a streaming source, as source-request.ts builds it. */
function startDynamic(r: MountRegistry, path: string): MountSource {
  r.claimSource(path);
  r.addDynamicMount(path);
  const session = fakeSession(path);
  r.attachSource(session);
  r.sourceStarted(session, 'mp3', emptyInfo());
  return session;
}

describe('MountRegistry dynamic mounts', () => {
  it('a dynamic mount is a public mount with default settings and no fallback, listed while its source streams', () => {
    const { registry: r } = registry();
    startDynamic(r, '/night');
    const mount = r.get('/night');
    assert.ok(mount, 'the mount exists');
    assert.ok(r.isDynamic('/night'));
    assert.equal(r.dynamicCount, 1);
    assert.deepEqual(mount.settings, MountSchema.parse({ path: '/night' }));
    assert.equal(mount.settings.private, false);
    assert.equal(mount.settings.fallback_mount, undefined);
    assert.equal(mount.settings.fallback_file, undefined);
    assert.ok(r.all().some((m) => m.path === '/night'));
    assert.equal(r.resolveFeed('/night', 'mp3'), mount, 'listeners are fed by it');
  });

  it('removes a dynamic mount when its source leaves and ends its listeners cleanly', () => {
    const { registry: r, removed } = registry();
    const session = startDynamic(r, '/night');
    const listener = fakeListener('/night');
    r.addListener(listener, r.get('/night')!);
    r.sourceEnded(session, 'source closed', null);
    assert.equal(r.get('/night'), undefined, 'the mount is gone');
    assert.ok(!r.isDynamic('/night'));
    assert.equal(r.dynamicCount, 0);
    assert.deepEqual(listener.closedWith, { reason: 'source-ended', graceful: true });
    assert.deepEqual(removed, ['/night']);
  });

  it('keeps a configured mount when its source leaves', () => {
    const { registry: r, removed } = registry();
    r.claimSource('/live');
    const session = fakeSession('/live');
    r.attachSource(session);
    r.sourceStarted(session, 'mp3', emptyInfo());
    r.sourceEnded(session, 'source closed', null);
    assert.ok(r.get('/live'));
    assert.deepEqual(removed, []);
  });

  it('refuses a dynamic mount past maxDynamicMounts with SOURCE_DYNAMIC_LIMIT, and accepts one again after a source leaves', () => {
    const { registry: r } = registry(1);
    const first = startDynamic(r, '/one');
    assert.throws(() => r.addDynamicMount('/two'), (err: unknown) => isAircheckError(err) && err.code === 'SOURCE_DYNAMIC_LIMIT' && /dynamic_mounts\.max = 1/.test(err.message));
    assert.equal(r.get('/two'), undefined);
    r.sourceEnded(first, 'source closed', null);
    startDynamic(r, '/two');
    assert.ok(r.get('/two'));
  });

  it('gives back the existing dynamic mount for a returning source, and refuses a configured path', () => {
    const { registry: r } = registry(1);
    r.addDynamicMount('/night');
    assert.equal(r.addDynamicMount('/night'), r.get('/night'));
    assert.throws(() => r.addDynamicMount('/live'), (err: unknown) => isAircheckError(err) && err.code === 'MOUNT_IN_USE');
    assert.ok(!r.isDynamic('/live'));
  });

  it('a config reload (applyMounts) keeps a live dynamic mount and its listeners', () => {
    const { registry: r } = registry();
    startDynamic(r, '/night');
    const listener = fakeListener('/night');
    r.addListener(listener, r.get('/night')!);
    r.applyMounts(CONFIGURED);
    assert.ok(r.get('/night'), 'still there');
    assert.ok(r.isDynamic('/night'));
    assert.equal(listener.closedWith, null);
  });

  it('a reload that configures the path of a dynamic mount makes it a configured mount that stays', () => {
    const { registry: r } = registry();
    const session = startDynamic(r, '/night');
    r.applyMounts([...CONFIGURED, MountSchema.parse({ path: '/night', fallback_mount: '/live' })]);
    assert.ok(!r.isDynamic('/night'));
    r.sourceEnded(session, 'source closed', null);
    assert.ok(r.get('/night'), 'configured now: it stays');
  });
});

describe('a fallback file that changes (a reload, the console, a replaced upload)', () => {
  /** `frames` MPEG-1 Layer III frames (128 kbps, 44.1 kHz, 26 ms each) whose payload bytes are all `fill`. */
  function mp3File(path: string, fill: number, frames = 20): void {
    const frame = new Uint8Array(417).fill(fill);
    frame.set([0xff, 0xfb, 0x90, 0x64]);
    writeFileSync(path, Buffer.concat(Array.from({ length: frames }, () => frame)));
  }

  it('moves a listener on the old loop to the new one on its connection, and releases the old loop once nothing plays it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aircheck-refeed-'));
    try {
      mp3File(join(dir, 'a.mp3'), 0x11);
      mp3File(join(dir, 'b.mp3'), 0x22);
      const feeds = new Map<string, FileFeed>();
      const r: MountRegistry = new MountRegistry({
        mounts: [MountSchema.parse({ path: '/live', fallback_file: 'a.mp3' })],
        limits: { maxListeners: 100, maxSources: 100, listenerQueueSeconds: 15, maxDynamicMounts: 0 },
        observer: { sourceStarted() {}, sourceEnded() {}, listenerJoined() {}, listenerLeft() {}, listenerMoved() {}, bytesSent() {}, bytesReceived() {}, mountRemoved() {} },
        fileFeedFor: (file) => {
          if (!feeds.has(file)) {
            const feed = new FileFeed(join(dir, file), `#fallback-${feeds.size + 1}`, file);
            feeds.set(file, feed);
            r.registerFileFeed(file, feed);
          }
          return feeds.get(file)!;
        },
      });
      const got: number[] = [];
      const l = fakeListener('/live');
      l.send = (chunk: Uint8Array) => {
        got.push(chunk[chunk.length - 1]!); // a payload byte: which file the chunk came from
        return true;
      };
      r.addListener(l, r.resolveFeed('/live', 'mp3')!);
      let now = 1_000_000;
      r.tick((now += 100));
      assert.equal(got.at(-1), 0x11, 'the listener hears a.mp3');

      r.applyMounts([MountSchema.parse({ path: '/live', fallback_file: 'b.mp3' })]);
      r.refeed();
      assert.equal(r.releaseFileFeed('a.mp3'), false, 'a.mp3 stays while its listener is on it');
      r.tick((now += 100));
      r.tick((now += 100));
      assert.equal(got.at(-1), 0x22, 'the same listener hears b.mp3 now');
      assert.equal(l.closed, false, 'on its connection');
      assert.equal(l.feedPath, feeds.get('b.mp3')!.mount.path);
      assert.equal(r.releaseFileFeed('a.mp3'), true, 'nothing plays a.mp3 any more: released');
      r.tick((now += 100));
      assert.equal(got.at(-1), 0x22);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
