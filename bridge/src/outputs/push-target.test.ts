// A push target on a fake clock and fake connections: what it sends, its backoff, its bounded queue,
// titles, and what its status says at each step.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AudioUnit } from '../../../shared/src/audio-unit.ts';
import { AircheckError, isAircheckError } from '../../../shared/src/errors.ts';
import type { StreamInfo } from '../mounts/mount.ts';
import { MountSchema } from '../../../config/src/config-schema.ts';
import { SourceClientError, type SourceTarget } from './icecast-source-client.ts';
import { BACKOFF_MAX_MS, PushTarget, QUEUE_SECONDS, STABLE_MS, STALL_MS, backoffIntervalMs, type PushConnection, type PushTargetSettings } from './push-target.ts';
import { PushManager, planPushes } from './push-manager.ts';

const INFO: StreamInfo = { name: 'Show', description: '', genre: '', url: '', public: false, bitrateKbps: 128, sampleRateHz: 44100, channels: 2, audioInfo: '', userAgent: 'ffmpeg' };
const SETTINGS: PushTargetSettings = { name: 'a', mountPath: '/live', fromPath: '/live', host: '127.0.0.1', port: 9000, mount: '/relay', user: 'source', password: 'pw-secret', tls: false, format: null, public: false };
const silentLog = { info() {}, warn() {} };

class FakeClock {
  nowMs = 1_000_000;
  timers: { at: number; fn: () => void; id: number }[] = [];
  #next = 1;
  set = (fn: () => void, ms: number) => {
    const t = { at: this.nowMs + ms, fn, id: this.#next++ };
    this.timers.push(t);
    return t.id;
  };
  clear = (id: unknown) => {
    this.timers = this.timers.filter((t) => t.id !== id);
  };
  /** Moves time forward, firing due timers in order. */
  advance(ms: number): void {
    const end = this.nowMs + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.nowMs = due.at;
      due.fn();
    }
    this.nowMs = end;
  }
  /** When the next timer fires, ms from now (null: none). */
  nextInMs(): number | null {
    return this.timers.length ? Math.min(...this.timers.map((t) => t.at)) - this.nowMs : null;
  }
}

class FakeConn implements PushConnection {
  written: Uint8Array[] = [];
  pendingBytes = 0;
  closed = false;
  #onClose: ((e: AircheckError | null) => void) | null = null;
  write(bytes: Uint8Array): boolean {
    this.written.push(bytes);
    return true;
  }
  onClose(cb: (e: AircheckError | null) => void): void {
    this.#onClose = cb;
  }
  close(): void {
    this.closed = true;
  }
  destroy(): void {
    this.closed = true;
  }
  /** The server went away. */
  lose(): void {
    this.#onClose?.(new SourceClientError('stream', null, 'SOURCE_PUSH_FAILED', 'http://127.0.0.1:9000/relay closed the source connection'));
  }
  get bytes(): number {
    return this.written.reduce((n, b) => n + b.byteLength, 0);
  }
}

/** Connect results in order: a FakeConn to accept, an error to refuse. */
function harness(results: (FakeConn | Error)[], settings: Partial<PushTargetSettings> = {}) {
  const clock = new FakeClock();
  const targets: SourceTarget[] = [];
  const titles: string[] = [];
  const push = new PushTarget({ ...SETTINGS, ...settings }, {
    connect: (t) => {
      targets.push(t);
      const next = results.shift();
      if (!next) return new Promise(() => {});
      return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
    },
    updateMetadata: async (_t, song) => {
      titles.push(song);
    },
    log: silentLog,
    now: () => clock.nowMs,
    setTimer: clock.set,
    clearTimer: clock.clear,
    random: () => 0.5,
  });
  return { clock, push, targets, titles };
}

const settle = () => new Promise((r) => setImmediate(r));
const mp3 = (n: number, size = 418): AudioUnit[] => Array.from({ length: n }, (_, i) => ({ data: new Uint8Array(size).fill(i % 256), durationUs: 26_122, isHeader: false, isSyncPoint: true, newStream: false }));
const start = (push: PushTarget, format: 'mp3' | 'ogg-opus' = 'mp3', headerPages: Uint8Array[] = []) =>
  push.streamStarted({ mountPath: '/live', feedPath: '/live', format, info: INFO, headerPages });
const refused = () => new SourceClientError('answer', 401, 'SOURCE_AUTH_FAILED', 'http://127.0.0.1:9000/relay answered 401 to the source request');
const unreachable = () => new SourceClientError('connect', null, 'SOURCE_PUSH_FAILED', 'cannot push to http://127.0.0.1:9000/relay: connect ECONNREFUSED');

describe('push target', () => {
  it('connects when the stream starts and passes the audio through, counted in its status', async () => {
    const conn = new FakeConn();
    const { push, targets } = harness([conn]);
    assert.equal(push.status().state, 'stopped');
    start(push);
    assert.equal(push.status().state, 'connecting');
    await settle();
    assert.equal(push.status().state, 'connected');
    assert.equal(targets[0]!.url, 'http://127.0.0.1:9000/relay');
    assert.equal(targets[0]!.contentType, 'audio/mpeg');
    assert.equal(targets[0]!.name, 'Show');
    push.units(mp3(10));
    assert.equal(conn.bytes, 4180);
    const s = push.status();
    assert.equal(s.bytesSent, 4180);
    assert.ok(s.connectedSince);
    assert.equal(JSON.stringify(s).includes('pw-secret'), false, 'no password in the status');
  });

  it('waits out a backoff of 5 s doubling to a 5-minute cap after failures, with the code of each', async () => {
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 8].map(backoffIntervalMs), [5000, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000]);
    const { push, clock, targets } = harness([refused(), unreachable(), unreachable()]);
    start(push);
    await settle();
    let s = push.status();
    assert.equal(s.state, 'waiting');
    assert.equal(s.lastError?.code, 'PUSH_REFUSED');
    assert.equal(s.reconnectAttempts, 1);
    assert.equal(s.backoffMs, 5000);
    const wait = clock.nextInMs()!;
    assert.ok(wait <= 5000 && wait >= 4250, `the first retry comes within the 5 s interval (jitter takes up to 15 % off): ${wait}`);
    assert.equal(Date.parse(s.nextAttemptAt!), clock.nowMs + wait);
    clock.advance(wait - 1);
    assert.equal(targets.length, 1, 'no attempt before the backoff is over');
    clock.advance(1);
    assert.equal(targets.length, 2);
    await settle();
    s = push.status();
    assert.equal(s.lastError?.code, 'PUSH_UNREACHABLE');
    assert.equal(s.backoffMs, 10_000);
    assert.equal(s.reconnectsTotal, 1);
    clock.advance(clock.nextInMs()!);
    await settle();
    assert.equal(push.status().backoffMs, 20_000);
  });

  it('reconnects after a lost connection and resets the backoff once a connection stays up 30 s', async () => {
    const first = new FakeConn();
    const second = new FakeConn();
    const third = new FakeConn();
    const { push, clock } = harness([first, unreachable(), second, third]);
    start(push);
    await settle();
    first.lose();
    let s = push.status();
    assert.equal(s.state, 'waiting');
    assert.equal(s.lastError?.code, 'PUSH_CONNECTION_LOST');
    assert.equal(s.connectedSince, null);
    clock.advance(clock.nextInMs()!);
    await settle();
    assert.equal(push.status().backoffMs, 10_000, 'the second failure in a row doubles the interval');
    clock.advance(clock.nextInMs()!);
    await settle();
    s = push.status();
    assert.equal(s.state, 'connected');
    assert.equal(s.reconnectAttempts, 2, 'not reset before the connection proved stable');
    clock.advance(STABLE_MS);
    assert.equal(push.status().reconnectAttempts, 0);
    second.lose();
    assert.equal(push.status().backoffMs, 5000, 'after a stable connection the backoff starts over at 5 s');
    push.units(mp3(3));
    assert.equal(second.bytes + third.bytes, 0, 'nothing is written while waiting');
  });

  it('keeps a bounded queue for a slow target (oldest dropped, counted) and gives a stalled one up', async () => {
    const conn = new FakeConn();
    const { push, clock } = harness([conn]);
    push.units(mp3(200)); // measured rate: 418 B per 26 ms ≈ 16 kB/s
    start(push);
    await settle();
    conn.pendingBytes = 1 << 20; // the server stopped reading: the socket holds a megabyte
    for (let i = 0; i < 40; i++) {
      push.units(mp3(10));
      clock.advance(260);
    }
    const s = push.status();
    const fiveSecondsBytes = QUEUE_SECONDS * (418 / 0.026122);
    assert.ok(s.queuedBytes <= fiveSecondsBytes && s.queuedBytes > fiveSecondsBytes - 4180, `the queue holds ${QUEUE_SECONDS} s of audio at most: ${s.queuedBytes} bytes`);
    assert.ok(s.droppedBytes > 0, 'the oldest audio was dropped and counted');
    assert.equal(s.state, 'connected');
    clock.advance(STALL_MS);
    push.units(mp3(1));
    assert.equal(push.status().state, 'waiting');
    assert.equal(push.status().lastError?.code, 'PUSH_CONNECTION_LOST');
    assert.ok(conn.closed);
  });

  it('joining an Ogg stream mid-chain sends the chain header pages first, then pages from a sync point', async () => {
    const conn = new FakeConn();
    const { push } = harness([conn]);
    const head = [Uint8Array.of(1, 1), Uint8Array.of(2, 2)];
    start(push, 'ogg-opus', head);
    push.units([{ data: Uint8Array.of(9), durationUs: 20_000, isHeader: false, isSyncPoint: true, newStream: false }]); // before the connection: not sent
    await settle();
    push.units([
      { data: Uint8Array.of(7), durationUs: 20_000, isHeader: false, isSyncPoint: false, newStream: false },
      { data: Uint8Array.of(8), durationUs: 20_000, isHeader: false, isSyncPoint: true, newStream: false },
    ]);
    assert.deepEqual(conn.written.map((b) => [...b]), [[1, 1], [2, 2], [8]]);
  });

  it('sends MP3 titles to the target as Icecast metadata, and Ogg titles not at all', async () => {
    const { push, titles } = harness([new FakeConn()]);
    push.title('Before connecting');
    start(push);
    await settle();
    push.title('Artist - Song');
    assert.deepEqual(titles, ['Before connecting', 'Artist - Song']);
    const ogg = harness([new FakeConn()]);
    start(ogg.push, 'ogg-opus');
    await settle();
    ogg.push.title('x');
    assert.deepEqual(ogg.titles, []);
  });

  it('reconnects in the new format when the feed changes format, and stops retrying while nothing plays', async () => {
    const a = new FakeConn();
    const b = new FakeConn();
    const { push, targets, clock } = harness([a, b, unreachable()]);
    start(push);
    await settle();
    start(push, 'ogg-opus');
    assert.ok(a.closed);
    await settle();
    assert.equal(targets[1]!.contentType, 'application/ogg');
    assert.equal(push.status().state, 'connected');
    push.streamEnded('nothing to play');
    assert.ok(b.closed);
    assert.equal(push.status().state, 'stopped');
    assert.equal(clock.nextInMs(), null, 'no timers left');
    assert.ok(BACKOFF_MAX_MS === 300_000);
  });
});

describe('push manager', () => {
  it('reads password_file, names an unreadable one, and keeps unchanged targets on reload', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aircheck-push-'));
    writeFileSync(join(dir, 'pw'), 'from-file\nsecond line\n');
    const mount = (push: unknown[]) => MountSchema.parse({ path: '/live', push });
    const plan = planPushes([mount([{ host: 'h', mount: '/a', password_file: 'pw' }, { name: 'b', host: 'h', mount: '/b', password: 'x' }])], dir);
    assert.deepEqual([...plan.values()].map((p) => [p.name, p.password]), [['h:8000/a', 'from-file'], ['b', 'x']]);
    assert.throws(
      () => planPushes([mount([{ host: 'h', mount: '/a', password_file: 'missing' }])], dir),
      (err) => isAircheckError(err, 'CONFIG_INVALID') && /push\[0\]\.password_file: .*missing cannot be read \(ENOENT\)/.test(err.message),
    );
    assert.throws(
      () => planPushes([mount([{ host: 'h', mount: '/a', password: 'x', from: '/nowhere' }])], dir),
      (err) => isAircheckError(err, 'CONFIG_INVALID') && /push\[0\]\.from: "\/nowhere" is not a mount or a ladder rung/.test(err.message),
    );
    const attached: string[] = [];
    const manager = new PushManager({ attachHeardOutput: (path, output) => (attached.push(`${path} ${output.name}`), () => attached.push(`-${output.name}`)), log: silentLog as never, connect: () => new Promise(() => {}) });
    manager.apply(plan);
    assert.deepEqual(attached, ['/live h:8000/a', '/live b']);
    manager.apply(planPushes([mount([{ host: 'h', mount: '/a', password_file: 'pw' }, { name: 'b', host: 'h', mount: '/b', password: 'changed' }])], dir));
    assert.deepEqual(attached.slice(2), ['-b', '/live b'], 'only the changed target restarts');
    assert.equal(manager.statusOf('/live').length, 2);
    manager.close();
  });

  it('rejects a push with neither password nor password_file, naming the target and the fix', () => {
    const r = MountSchema.safeParse({ path: '/live', push: [{ host: 'h', mount: '/a' }] });
    assert.equal(r.success, false);
    assert.match(r.error!.issues[0]!.message, /push to h:8000\/a needs exactly one of password and password_file: set one/);
    assert.deepEqual(r.error!.issues[0]!.path, ['push', 0, 'password']);
  });
});

void AircheckError;
