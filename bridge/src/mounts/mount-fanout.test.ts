// The registry's tick spreads its listener writes over several turns of the event loop
// (mount-registry.ts, FanoutOptions): real Mounts and Listeners on fake sockets, a fake clock that
// a write advances, and a fake `defer` whose queue the test runs batch by batch.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { Socket } from 'node:net';
import { MountSchema } from '../../../config/src/config-schema.ts';
import { Listener, type DropReason } from '../listeners/listener.ts';
import type { AudioUnit } from '../../../shared/src/audio-unit.ts';
import type { MountSource } from './mount-source.ts';
import { emptyInfo } from './mount.ts';
import { MountRegistry } from './mount-registry.ts';

/** What one socket.write costs on the fake clock, ms (about a real write's syscall). */
const WRITE_MS = 0.02;

interface Harness {
  registry: MountRegistry;
  /** Callbacks deferred to a later turn of the loop, in order. */
  deferred: (() => void)[];
  clock: { ms: number };
  bytesSent: number;
}

function harness(): Harness {
  const h: Harness = { registry: null as unknown as MountRegistry, deferred: [], clock: { ms: 0 }, bytesSent: 0 };
  h.registry = new MountRegistry({
    mounts: [MountSchema.parse({ path: '/live', burst_seconds: 1 }), MountSchema.parse({ path: '/other', burst_seconds: 1 })],
    limits: { maxListeners: 10_000, maxSources: 10, listenerQueueSeconds: 15, maxDynamicMounts: 0 },
    observer: {
      sourceStarted() {}, sourceEnded() {}, listenerJoined() {}, listenerLeft() {}, listenerMoved() {}, bytesReceived() {},
      bytesSent: (_m, bytes) => { h.bytesSent += bytes; },
    },
    fileFeedFor: () => null,
    fanout: { batchMs: 3, minBatchListeners: 64, nowMs: () => h.clock.ms, defer: (next) => h.deferred.push(next) },
  });
  return h;
}

/** Runs one deferred callback (one turn of the loop); false when none is left. */
function turn(h: Harness): boolean {
  const next = h.deferred.shift();
  next?.();
  return next !== undefined;
}

function runAll(h: Harness): number {
  let turns = 0;
  while (turn(h)) turns++;
  return turns;
}

interface FakeListener {
  listener: Listener;
  writes: Uint8Array[];
  /** Bytes the fake kernel holds (writableLength): a stuck reader keeps them. */
  socket: { writableLength: number };
  closedWith: DropReason | null;
}

function listenerOn(h: Harness, path: string, opts: { stuck?: boolean } = {}): FakeListener {
  const writes: Uint8Array[] = [];
  const socket = {
    writableLength: 0,
    on() { return socket; },
    write(chunk: Uint8Array) {
      h.clock.ms += WRITE_MS;
      writes.push(chunk);
      if (opts.stuck) socket.writableLength += chunk.byteLength;
      return true;
    },
    cork() {},
    uncork() {},
    end() {},
    destroy() {},
  };
  const fake: FakeListener = { listener: null as unknown as Listener, writes, socket, closedWith: null };
  fake.listener = new Listener({
    socket: socket as unknown as Socket, format: 'mp3', requestedPath: path, icyMetaIntBytes: null,
    info: { ip: '127.0.0.1', userAgent: 'test', referer: '', connectedAtMs: 0, httpVersion: '1.1' },
    onClose: (l, reason) => {
      fake.closedWith = reason;
      h.registry.listenerClosed(l, reason);
    },
  });
  h.registry.addListener(fake.listener, h.registry.get(path)!);
  return fake;
}

/** A source that releases, on each tick, the units queued for it. */
function source(h: Harness, path: string): { session: MountSource; queue: AudioUnit[] } {
  const queue: AudioUnit[] = [];
  const session: MountSource = {
    kind: 'socket', mountPath: path, state: 'streaming', remoteAddress: '127.0.0.1', kill() {},
    tick: () => {
      const out = queue.splice(0);
      if (out.length > 0) h.registry.sourceUnits(session, out);
    },
  };
  h.registry.claimSource(path);
  h.registry.attachSource(session);
  h.registry.sourceStarted(session, 'mp3', emptyInfo());
  return { session, queue };
}

let unitNo = 0;
/** A 26 ms "frame" whose bytes say which one it is. */
function unit(): AudioUnit {
  const n = unitNo++;
  return { data: new Uint8Array(400).fill(n % 251), durationUs: 26_122, isHeader: false, isSyncPoint: true, newStream: false };
}

function bytesOf(writes: readonly Uint8Array[]): Buffer {
  return Buffer.concat(writes);
}

describe('MountRegistry tick: listener writes spread over the event loop', () => {
  it('splits one tick for 1,000 listeners into batches of about batchMs, each listener getting every byte in order', () => {
    const h = harness();
    const { queue } = source(h, '/live');
    const listeners = Array.from({ length: 1000 }, () => listenerOn(h, '/live'));
    const released: Uint8Array[] = [];
    for (let tick = 0; tick < 3; tick++) {
      const units = [unit(), unit(), unit()];
      queue.push(...units);
      released.push(...units.map((u) => u.data));
      const before = h.clock.ms;
      h.registry.tick(tick * 250);
      const firstBatch = listeners.filter((l) => l.writes.length === tick + 1).length;
      assert.ok(firstBatch >= 64 && firstBatch < 1000, `the tick itself writes one batch, not everyone (${firstBatch})`);
      assert.ok(h.clock.ms - before < 3 + 16 * WRITE_MS, `the tick's own task stays within its batch time (${(h.clock.ms - before).toFixed(2)} ms)`);
      const turns = runAll(h);
      assert.ok(turns >= 5, `the rest goes out over several turns (${turns})`);
    }
    const want = bytesOf(released);
    for (const [i, l] of listeners.entries()) {
      assert.equal(l.writes.length, 3, `listener ${i}: one write per tick`);
      assert.ok(bytesOf(l.writes).equals(want), `listener ${i}: every byte, in order`);
    }
    assert.equal(h.bytesSent, want.byteLength * 1000, 'every byte is counted once');
  });

  it('a tick that comes while the previous writes are still going out waits for them, then runs', () => {
    const h = harness();
    const { queue } = source(h, '/live');
    const listeners = Array.from({ length: 1000 }, () => listenerOn(h, '/live'));
    const first = unit();
    const second = unit();
    queue.push(first);
    h.registry.tick(0);
    queue.push(second);
    h.registry.tick(100); // the first tick's writes are not done
    assert.equal(queue.length, 1, 'no audio is released while writes are under way');
    runAll(h);
    assert.equal(queue.length, 0, 'the waiting tick ran after them');
    const want = Buffer.concat([first.data, second.data]);
    for (const l of listeners) assert.ok(bytesOf(l.writes).equals(want), 'the first tick\'s bytes, then the second\'s');
  });

  it('a listener joining during the writes gets its burst once, not the chunk of the tick under way again', () => {
    const h = harness();
    const { queue } = source(h, '/live');
    Array.from({ length: 1000 }, () => listenerOn(h, '/live'));
    const u = unit();
    queue.push(u);
    h.registry.tick(0);
    const late = listenerOn(h, '/live');
    runAll(h);
    assert.ok(bytesOf(late.writes).equals(Buffer.from(u.data)), 'the burst holds the unit, and nothing else came');
  });

  it('a stuck listener is dropped and delays no one; the others get every byte', () => {
    const h = harness();
    const { queue } = source(h, '/live');
    const stuck = listenerOn(h, '/live', { stuck: true });
    const listeners = Array.from({ length: 999 }, () => listenerOn(h, '/live'));
    const released: Uint8Array[] = [];
    for (let tick = 0; tick < 200 && stuck.closedWith === null; tick++) {
      const units = Array.from({ length: 10 }, unit);
      queue.push(...units);
      released.push(...units.map((x) => x.data));
      h.registry.tick(tick * 250);
      runAll(h);
    }
    assert.equal(stuck.closedWith, 'slow');
    const want = bytesOf(released);
    for (const l of listeners) assert.ok(bytesOf(l.writes).equals(want));
  });

  it('moving listeners during the writes sends them the rest of the tick first', () => {
    const h = harness();
    const { queue } = source(h, '/live');
    source(h, '/other');
    const listeners = Array.from({ length: 1000 }, () => listenerOn(h, '/live'));
    const u = unit();
    queue.push(u);
    h.registry.tick(0);
    assert.equal(h.registry.moveListeners('/live', '/other'), 1000);
    for (const l of listeners) {
      assert.ok(bytesOf(l.writes).equals(Buffer.from(u.data)), 'the tick\'s chunk went out before the move');
      assert.equal(l.listener.feedPath, '/other');
    }
    runAll(h); // the stale batch finds nothing left to do
    for (const l of listeners) assert.equal(l.writes.length, 1, 'written once');
  });

  it('a source ending during the writes: the rest goes out before its listeners end', () => {
    const h = harness();
    const { queue, session } = source(h, '/live');
    const listeners = Array.from({ length: 1000 }, () => listenerOn(h, '/live'));
    const u = unit();
    queue.push(u);
    h.registry.tick(0);
    h.registry.sourceEnded(session, 'source closed', null);
    for (const l of listeners) {
      assert.ok(bytesOf(l.writes).equals(Buffer.from(u.data)));
      assert.equal(l.closedWith, 'source-ended');
    }
  });

  it('shutdown (tick, then closeAll) writes everything released, including a tick that was waiting', () => {
    const h = harness();
    const { queue } = source(h, '/live');
    const listeners = Array.from({ length: 1000 }, () => listenerOn(h, '/live'));
    const first = unit();
    const second = unit();
    queue.push(first);
    h.registry.tick(0);
    queue.push(second);
    h.registry.tick(100);
    h.registry.closeAll();
    const want = Buffer.concat([first.data, second.data]);
    for (const l of listeners) {
      assert.ok(bytesOf(l.writes).equals(want));
      assert.equal(l.closedWith, 'shutdown');
    }
    runAll(h);
    for (const l of listeners) assert.equal(l.writes.length, 2, 'nothing after the close');
  });

  it('a small audience is written within the tick, with nothing deferred', () => {
    const h = harness();
    const { queue } = source(h, '/live');
    const listeners = Array.from({ length: 50 }, () => listenerOn(h, '/live'));
    const u = unit();
    queue.push(u);
    h.registry.tick(0);
    assert.equal(h.deferred.length, 0);
    for (const l of listeners) assert.ok(bytesOf(l.writes).equals(Buffer.from(u.data)));
  });
});
