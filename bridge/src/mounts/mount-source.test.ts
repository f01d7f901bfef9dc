// InProcessSource against a real MountRegistry with a fake clock and fake listeners: claim, refuse,
// start, units reaching listeners at the tick, pacing, the bounded queue, titles, end → fallback.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { isAircheckError, type ErrorCode } from '../../../shared/src/errors.ts';
import type { AudioUnit } from '../../../shared/src/audio-unit.ts';
import { MountSchema } from '../../../config/src/config-schema.ts';
import type { DropReason, Listener } from '../listeners/listener.ts';
import { emptyInfo } from './mount.ts';
import { MountRegistry, type RegistryObserver } from './mount-registry.ts';
import { InProcessSource } from './mount-source.ts';

/** /live falls back to /backup, as a station's /live falls back to its loop. */
const MOUNTS = [MountSchema.parse({ path: '/live', fallback_mount: '/backup' }), MountSchema.parse({ path: '/backup' })];

function setup(maxSources = 10) {
  const events: string[] = [];
  const observer: RegistryObserver = {
    sourceStarted: (m) => events.push(`started ${m.path}`),
    sourceEnded: (m, reason) => events.push(`ended ${m.path}: ${reason}`),
    listenerJoined() {},
    listenerLeft() {},
    listenerMoved() {},
    bytesSent() {},
    bytesReceived() {},
  };
  const registry = new MountRegistry({
    mounts: MOUNTS,
    limits: { maxListeners: 100, maxSources, listenerQueueSeconds: 15, maxDynamicMounts: 0 },
    observer,
    fileFeedFor: () => null,
  });
  const clock = { ms: 1_000_000 };
  const now = () => clock.ms;
  return { registry, events, clock, now };
}

type FakeListener = Listener & { received: number[]; closedWith: DropReason | null };

/** A listener that records the first byte of every chunk it is sent (units carry their index there). */
function fakeListener(requestedPath: string): FakeListener {
  const l = {
    requestedPath,
    feedPath: null as string | null,
    format: 'mp3',
    usesIcy: false,
    needsSync: false,
    closed: false,
    closedWith: null as DropReason | null,
    received: [] as number[],
    send(data: Uint8Array) {
      for (let i = 0; i < data.length; i += UNIT_BYTES) l.received.push(data[i]!);
      return true;
    },
    setIcyBlock() {},
    close(reason: DropReason) {
      l.closed = true;
      l.closedWith = reason;
    },
  };
  return l as unknown as FakeListener;
}

const UNIT_BYTES = 4;
/** MP3-like units of 100 ms each, their bytes all `first + i` (a listener can tell them apart). */
function units(first: number, count: number): AudioUnit[] {
  return Array.from({ length: count }, (_, i) => ({
    data: new Uint8Array(UNIT_BYTES).fill(first + i),
    durationUs: 100_000,
    isHeader: false,
    isSyncPoint: true,
    newStream: false,
  }));
}

const code = (c: ErrorCode) => (err: unknown) => isAircheckError(err) && err.code === c;

describe('InProcessSource', () => {
  it('claims a mount as the studio (the registry reports its kind), starts a stream, and its units reach a listener at the next tick', () => {
    const { registry, events, now } = setup();
    const src = InProcessSource.claim(registry, { kind: 'studio', mountPath: '/live', remoteAddress: 'studio', now });
    assert.equal(registry.sourceOf('/live'), src);
    assert.equal(registry.sourceOf('/live')?.kind, 'studio');
    assert.equal(registry.get('/live')!.hasSource, true);
    assert.equal(registry.get('/live')!.isLive, false, 'nothing plays before start()');
    src.start('mp3', { ...emptyInfo(), name: 'Night Shift' });
    assert.deepEqual(events, ['started /live']);
    assert.equal(registry.get('/live')!.info.name, 'Night Shift');
    const listener = fakeListener('/live');
    registry.addListener(listener, registry.resolveFeed('/live', 'mp3')!);
    assert.equal(src.push(units(1, 3)), true);
    assert.deepEqual(listener.received, [], 'held until the tick');
    registry.tick(now());
    assert.deepEqual(listener.received, [1, 2, 3]);
  });

  it('a streaming mount refuses another claim with MOUNT_IN_USE (naming who holds it), the source limit with SOURCE_LIMIT_REACHED, changing nothing', () => {
    const { registry, now } = setup(1);
    const src = InProcessSource.claim(registry, { kind: 'studio', mountPath: '/live', remoteAddress: 'studio', now });
    assert.throws(() => InProcessSource.claim(registry, { kind: 'relay', mountPath: '/live', remoteAddress: 'http://up/', now }),
      (err: unknown) => code('MOUNT_IN_USE')(err) && /from studio/.test((err as Error).message));
    assert.throws(() => InProcessSource.claim(registry, { kind: 'relay', mountPath: '/backup', remoteAddress: 'http://up/', now }), code('SOURCE_LIMIT_REACHED'));
    assert.equal(registry.sourceOf('/live'), src, 'the holder keeps its mount');
    assert.equal(registry.sourceOf('/backup'), undefined);
    assert.equal(registry.sourceCount, 1);
    // A ladder's rung is fed from inside the graph: never counted, never refused by the limit.
    const rung = InProcessSource.claim(registry, { kind: 'rung', mountPath: '/backup', remoteAddress: 'ladder of /live', now });
    assert.equal(registry.sourceOf('/backup'), rung);
    assert.equal(registry.sourceCount, 1, 'the status counts the sources feeding the graph');
    src.end('gone');
    assert.ok(InProcessSource.claim(registry, { kind: 'relay', mountPath: '/live', remoteAddress: 'http://up/', now }), 'with the rung there, one source still fits the limit of 1');
  });

  it('end(): what is queued reaches the listener, then it moves to the fallback on the same connection and comes back with the next source', () => {
    const { registry, events, now } = setup();
    const backup = InProcessSource.claim(registry, { kind: 'relay', mountPath: '/backup', remoteAddress: 'loop', now });
    backup.start('mp3', emptyInfo());
    const show = InProcessSource.claim(registry, { kind: 'studio', mountPath: '/live', remoteAddress: 'studio', now });
    show.start('mp3', emptyInfo());
    const listener = fakeListener('/live');
    registry.addListener(listener, registry.resolveFeed('/live', 'mp3')!);
    assert.equal(listener.feedPath, '/live');
    show.push(units(10, 2));
    show.end('show over');
    assert.equal(show.state, 'ended');
    assert.deepEqual(listener.received, [10, 11], 'the queued units went out before the move');
    assert.equal(listener.feedPath, '/backup', 'moved to the fallback at once');
    assert.equal(listener.closed, false);
    assert.equal(registry.sourceOf('/live'), undefined);
    assert.ok(events.includes('ended /live: show over'));
    backup.push(units(20, 1));
    registry.tick(now());
    assert.deepEqual(listener.received, [10, 11, 20], 'the fallback plays on the same listener');
    const again = InProcessSource.claim(registry, { kind: 'studio', mountPath: '/live', remoteAddress: 'studio', now });
    again.start('mp3', emptyInfo());
    assert.equal(listener.feedPath, '/backup', 'on the fallback until the new source has audio (no gap)');
    again.push(units(30, 1));
    registry.tick(now());
    assert.equal(listener.feedPath, '/live', 'back on its mount with the new source\'s first audio');
    assert.deepEqual(listener.received, [10, 11, 20, 30]);
  });

  it('an end the producer did not ask for (admin kill, shutdown) calls onEnded; end() does not', () => {
    const { registry, now } = setup();
    const ended: string[] = [];
    const a = InProcessSource.claim(registry, { kind: 'studio', mountPath: '/live', remoteAddress: 'studio', now });
    a.onEnded = (reason) => ended.push(`a: ${reason}`);
    a.start('mp3', emptyInfo());
    registry.sourceOf('/live')!.kill('killed by admin');
    assert.deepEqual(ended, ['a: killed by admin']);
    assert.equal(registry.sourceOf('/live'), undefined);
    const b = InProcessSource.claim(registry, { kind: 'studio', mountPath: '/live', remoteAddress: 'studio', now });
    b.onEnded = (reason) => ended.push(`b: ${reason}`);
    b.end('show over');
    assert.deepEqual(ended, ['a: killed by admin']);
  });

  it('after closeAll() (shutdown) no source may claim a mount: SERVER_SHUTTING_DOWN', () => {
    const { registry, now } = setup();
    const ended: string[] = [];
    const a = InProcessSource.claim(registry, { kind: 'studio', mountPath: '/live', remoteAddress: 'studio', now });
    a.onEnded = (reason) => ended.push(reason);
    registry.closeAll();
    assert.deepEqual(ended, ['server shutting down']);
    assert.throws(() => InProcessSource.claim(registry, { kind: 'studio', mountPath: '/live', remoteAddress: 'studio', now }), code('SERVER_SHUTTING_DOWN'));
  });

  it('paced: units are released at real time by the clock, and end() lets the queue play out first', () => {
    const { registry, clock, now } = setup();
    const src = InProcessSource.claim(registry, { kind: 'relay', mountPath: '/live', remoteAddress: 'http://up/', paced: true, now });
    src.start('mp3', emptyInfo());
    const listener = fakeListener('/live');
    registry.addListener(listener, registry.get('/live')!);
    src.push(units(1, 10)); // 1 s of audio at once (a relay's connect burst)
    registry.tick(now());
    assert.deepEqual(listener.received, [1], 'the first unit is due at once');
    clock.ms += 450;
    registry.tick(now());
    assert.deepEqual(listener.received, [1, 2, 3, 4, 5], 'units due by 450 ms: those starting at 0–400 ms');
    src.end('upstream closed');
    assert.equal(src.state, 'draining', 'the queue plays out first');
    assert.equal(registry.get('/live')!.isLive, true);
    clock.ms += 1000;
    registry.tick(now());
    assert.deepEqual(listener.received, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.equal(src.state, 'ended');
    assert.equal(registry.sourceOf('/live'), undefined);
  });

  it('the queue is bounded: past maxQueuedUs push() refuses the units (drop newest), counts them, and takes more once the tick drained it', () => {
    const { registry, now } = setup();
    const src = InProcessSource.claim(registry, { kind: 'rung', mountPath: '/live', remoteAddress: 'ladder', maxQueuedUs: 500_000, now });
    src.start('mp3', emptyInfo());
    assert.equal(src.push(units(1, 5)), true);
    assert.equal(src.queuedUs, 500_000);
    assert.equal(src.push(units(6, 2)), false);
    assert.equal(src.droppedUnits, 2);
    registry.tick(now());
    assert.equal(src.queuedUs, 0);
    assert.equal(src.push(units(6, 2)), true);
  });

  it('a push before start() or after the end is refused; titles and stream info reach the mount only while the source holds it', () => {
    const { registry, now } = setup();
    const src = InProcessSource.claim(registry, { kind: 'studio', mountPath: '/live', remoteAddress: 'studio', now });
    assert.equal(src.push(units(1, 1)), false, 'no stream yet');
    src.start('mp3', emptyInfo());
    src.setTitle('Nina Simone - Sinnerman\r\n');
    assert.equal(registry.get('/live')!.title, 'Nina Simone - Sinnerman', 'cleaned as /admin/metadata titles are');
    src.setInfo({ ...emptyInfo(), name: 'Renamed' });
    assert.equal(registry.get('/live')!.info.name, 'Renamed');
    src.end('show over');
    assert.equal(registry.get('/live')!.title, '', 'the show\'s title went with it');
    src.setTitle('late');
    assert.equal(registry.get('/live')!.title, '');
    assert.equal(src.push(units(1, 1)), false);
    // A stale source never touches the mount's next source.
    const next = InProcessSource.claim(registry, { kind: 'studio', mountPath: '/live', remoteAddress: 'studio', now });
    next.start('mp3', { ...emptyInfo(), name: 'Next' });
    registry.sourceTitle(src, 'stale');
    registry.sourceInfo(src, { ...emptyInfo(), name: 'stale' });
    assert.equal(registry.get('/live')!.title, '');
    assert.equal(registry.get('/live')!.info.name, 'Next');
  });
});
