// The uplink's state machine against a fake socket and a fake clock: hello, resend after a drop,
// confirmed transitions, backoff, closes that must not be retried, the end of a show.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeAudioFrame } from '../../../shared/src/protocol/audio-frame.ts';
import type { CodecConfig } from '../../../shared/src/protocol/messages.ts';
import { UplinkClient } from './uplink-client.ts';
import type { UplinkClock, UplinkSocket } from './uplink-client.ts';
import { reconnectDelayMs } from './backoff.ts';
import { describeLiveEdge } from '../elements/live-edge-notice.ts';

const CODEC: CodecConfig = {
  name: 'opus', sampleRateHz: 44100, channels: 2, bitrateKbps: 128, frameDurationUs: 20000,
  opusHead: 'T3B1c0hlYWQBAjgBgLsAAAAAAA==',
};
const TOKEN = 'tok-0123456789abcdef';

class FakeSocket implements UplinkSocket {
  binaryType = 'blob';
  bufferedAmount = 0;
  sent: (string | Uint8Array)[] = [];
  closedWith: { code?: number; reason?: string } | null = null;
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  send(data: string | Uint8Array): void {
    this.sent.push(data);
  }
  close(code?: number, reason?: string): void {
    this.closedWith = { code, reason };
  }
  open(): void {
    this.onopen?.({});
  }
  receive(msg: object): void {
    this.onmessage?.({ data: JSON.stringify(msg) });
  }
  drop(code = 1006, reason = ''): void {
    this.onclose?.({ code, reason });
  }
  texts(): any[] {
    return this.sent.filter((m): m is string => typeof m === 'string').map((m) => JSON.parse(m));
  }
  seqs(): number[] {
    return this.sent.filter((m): m is Uint8Array => typeof m !== 'string').map((m) => decodeAudioFrame(m).seq);
  }
}

class FakeClock implements UplinkClock {
  t = 1000;
  timers = new Map<number, { at: number; fn: () => void }>();
  #id = 0;
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, delayMs: number): unknown {
    const id = ++this.#id;
    this.timers.set(id, { at: this.t + delayMs, fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const next = [...this.timers.entries()].filter(([, v]) => v.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!next) break;
      this.timers.delete(next[0]);
      this.t = next[1].at;
      next[1].fn();
    }
    this.t = end;
  }
}

function setup(opts: { bufferMs?: number; resumeShow?: { sessionId: string; seqAtFirstFrame: () => number } } = {}) {
  const clock = new FakeClock();
  const sockets: FakeSocket[] = [];
  const client = new UplinkClient({
    url: 'ws://127.0.0.1/api/studio/ws',
    token: () => TOKEN,
    createSocket: () => {
      const s = new FakeSocket();
      sockets.push(s);
      return s;
    },
    clock,
    random: () => 0.5, // no jitter
    ...(opts.bufferMs ? { buffer: { maxDurationMs: opts.bufferMs } } : {}),
    ...(opts.resumeShow ? { resumeShow: opts.resumeShow } : {}),
  });
  const last = (): FakeSocket => sockets.at(-1) as FakeSocket;
  const frame = (i: number) => ({ timestampUs: i * 20000, durationSamples: 960, packet: new Uint8Array([0xfc, i & 0xff]) });
  const welcome = (s: FakeSocket, nextSeq: number, resumed = false) =>
    s.receive({ type: 'welcome', protocol: 1, sessionId: 'sess-12345678', resumed, nextSeq, ackEveryMs: 100, ackEveryFrames: 10 });
  return { clock, sockets, client, last, frame, welcome };
}

test('the first message is a hello with the token and codec, and audio waits for the welcome', () => {
  const { client, last, frame, welcome } = setup();
  client.connect(CODEC);
  assert.equal(client.status, 'connecting');
  const s = last();
  assert.equal(s.binaryType, 'arraybuffer');
  s.open();
  const [hello] = s.texts();
  assert.equal(hello.type, 'hello');
  assert.equal(hello.protocol, 1);
  assert.equal(hello.token, TOKEN);
  assert.deepEqual(hello.codec, CODEC);
  assert.equal(hello.resume, undefined);
  client.pushAudio(frame(0));
  client.pushAudio(frame(1));
  assert.deepEqual(s.seqs(), [], 'no audio before welcome (§5.2)');
  welcome(s, 0);
  assert.equal(client.status, 'connected');
  assert.deepEqual(s.seqs(), [0, 1]);
  client.pushAudio(frame(2));
  assert.deepEqual(s.seqs(), [0, 1, 2]);
  s.receive({ type: 'ack', seq: 1 });
  assert.equal(client.health.bufferedFrames, 1);
  assert.equal(client.health.bufferedMs, 20);
});

test('a drop shorter than the buffer loses nothing: the studio resumes and resends from welcome.nextSeq', () => {
  const { client, clock, sockets, last, frame, welcome } = setup();
  client.connect(CODEC);
  last().open();
  welcome(last(), 0);
  for (let i = 0; i < 10; i++) client.pushAudio(frame(i));
  last().receive({ type: 'ack', seq: 4 });
  last().drop(1006);
  assert.equal(client.status, 'reconnecting');
  assert.equal(client.health.reconnects, 1);
  assert.equal(client.health.error?.code, 'CONNECTION_LOST');
  for (let i = 10; i < 15; i++) client.pushAudio(frame(i)); // encoding goes on while disconnected
  assert.equal(sockets.length, 1);
  clock.advance(reconnectDelayMs(1, () => 0.5));
  assert.equal(sockets.length, 2, 'reconnects after the first backoff delay (250 ms)');
  const s = last();
  s.open();
  const hello = s.texts()[0];
  assert.deepEqual(hello.resume, { sessionId: 'sess-12345678', oldestUnackedSeq: 5 });
  welcome(s, 8, true); // the bridge had 5..7 already
  assert.deepEqual(s.seqs(), [8, 9, 10, 11, 12, 13, 14]);
  assert.equal(client.health.bufferedFrames, 7);
});

test('backoff doubles from 250 ms up to 8 s with ±20 % jitter', () => {
  assert.equal(reconnectDelayMs(1, () => 0.5), 250);
  assert.equal(reconnectDelayMs(2, () => 0.5), 500);
  assert.equal(reconnectDelayMs(6, () => 0.5), 8000);
  assert.equal(reconnectDelayMs(20, () => 0.5), 8000);
  assert.equal(reconnectDelayMs(1, () => 0), 200);
  assert.equal(reconnectDelayMs(1, () => 0.9999999), 300);
});

test('repeated failures back off further, and a connection welcomed for 10 s resets the attempts', () => {
  const { client, clock, sockets, last, welcome } = setup();
  client.connect(CODEC);
  last().drop(1006);
  clock.advance(250);
  last().drop(1006);
  clock.advance(499);
  assert.equal(sockets.length, 2, 'second delay is 500 ms');
  clock.advance(1);
  assert.equal(sockets.length, 3);
  last().open();
  welcome(last(), 0);
  // Welcomed and healthy for 10 s: the bridge answers each ping.
  for (let t = 0; t < 10_000; t += 1000) {
    clock.advance(1000);
    last().receive({ type: 'pong', clientTimeMs: 0, serverTimeMs: 0 });
  }
  last().drop(4011, 'server shutting down');
  assert.equal(client.status, 'reconnecting');
  clock.advance(250);
  assert.equal(sockets.length, 4, 'back to 250 ms after 10 s welcomed');
  assert.equal(client.health.reconnects, 3);
});

test('a transition is pending until the state with its requestId, and ON AIR comes only from the bridge', async () => {
  const { client, last, welcome } = setup();
  client.connect(CODEC);
  last().open();
  welcome(last(), 0);
  last().receive({ type: 'state', target: 'none', onAir: false, mounts: [], requestId: null });
  const live = client.control('live');
  const sent = last().texts().find((m) => m.type === 'control');
  assert.equal(sent.action, 'live');
  assert.equal(client.state.onAir, false);
  last().receive({ type: 'state', target: 'live', onAir: true, mounts: ['/live', '/live.mp3'], requestId: sent.requestId });
  const state = await live;
  assert.equal(state.onAir, true);
  assert.equal(client.state.onAir, true);
});

test('a refused transition rejects with the bridge error code and keeps the connection', async () => {
  const { client, last, welcome } = setup();
  client.connect(CODEC);
  last().open();
  welcome(last(), 0);
  const live = client.control('live');
  const sent = last().texts().find((m) => m.type === 'control');
  last().receive({ type: 'error', code: 'MOUNT_IN_USE', message: 'mount /live already has a source', requestId: sent.requestId });
  await assert.rejects(live, { code: 'MOUNT_IN_USE' });
  assert.equal(client.status, 'connected');
});

test('unconfirmed requests are sent again with the same requestId after a reconnect', async () => {
  const { client, clock, last, welcome } = setup();
  client.connect(CODEC);
  last().open();
  welcome(last(), 0);
  const meta = client.metadata('Nina Simone', 'Sinnerman');
  const first = last().texts().find((m) => m.type === 'metadata');
  last().drop(1006);
  clock.advance(300);
  last().open();
  welcome(last(), 0, true);
  const again = last().texts().find((m) => m.type === 'metadata');
  assert.deepEqual(again, first);
  last().receive({ type: 'metadata-ack', requestId: first.requestId });
  await meta;
});

test('a close that must not be retried stops the client and says why', () => {
  const { client, clock, sockets, last } = setup();
  client.connect(CODEC);
  last().open();
  last().receive({ type: 'error', code: 'STUDIO_AUTH_FAILED', message: 'the session token is unknown or expired: sign in again', requestId: null });
  last().drop(4001, 'auth failed');
  assert.equal(client.status, 'failed');
  assert.equal(client.health.error?.code, 'STUDIO_AUTH_FAILED');
  assert.match(client.health.error?.message ?? '', /sign in again/);
  clock.advance(60_000);
  assert.equal(sockets.length, 1);
});

test('pings every 2 s give the round-trip time', () => {
  const { client, clock, last, welcome } = setup();
  client.connect(CODEC);
  last().open();
  welcome(last(), 0);
  clock.advance(2000);
  const ping = last().texts().find((m) => m.type === 'ping');
  assert.ok(ping);
  clock.advance(37);
  last().receive({ type: 'pong', clientTimeMs: ping.clientTimeMs, serverTimeMs: Date.now() });
  assert.equal(client.health.rttMs, 37);
});

test('no welcome in time: the socket is abandoned and the client tries again', () => {
  const { client, clock, sockets, last } = setup();
  client.connect(CODEC);
  last().open();
  clock.advance(10_000);
  assert.ok(sockets[0]?.closedWith);
  assert.equal(client.status, 'reconnecting');
  clock.advance(250);
  assert.equal(sockets.length, 2);
});

test('end waits for the confirmation and every ack, then closes with 1000', async () => {
  const { client, last, frame, welcome } = setup();
  client.connect(CODEC);
  last().open();
  welcome(last(), 0);
  client.pushAudio(frame(0));
  client.pushAudio(frame(1));
  const ended = client.end();
  const sent = last().texts().find((m) => m.type === 'control');
  assert.equal(sent.action, 'end');
  last().receive({ type: 'state', target: 'none', onAir: false, mounts: [], requestId: sent.requestId });
  await new Promise((r) => setImmediate(r));
  assert.equal(client.status, 'ending', 'frames still unacknowledged');
  assert.equal(last().closedWith, null);
  const framesSent = last().seqs().length;
  client.pushAudio(frame(2)); // the encoder is still stopping: not part of the show, counted apart
  assert.equal(last().seqs().length, framesSent, 'audio after the confirmed end is not sent');
  assert.deepEqual([client.health.framesEncoded, client.framesAfterEnd], [2, 1]);
  const s = last();
  s.receive({ type: 'ack', seq: 1 });
  await ended;
  assert.equal(client.status, 'ended');
  assert.deepEqual(s.closedWith, { code: 1000, reason: 'session ended' });
});

test('a drop longer than the buffer drops the oldest audio and says how much was lost', () => {
  const { client, last, frame, welcome } = setup({ bufferMs: 100 });
  client.connect(CODEC);
  for (let i = 0; i < 8; i++) client.pushAudio(frame(i));
  assert.equal(client.health.droppedFrames, 3);
  assert.equal(client.health.droppedMs, 60);
  last().open();
  assert.equal(last().texts()[0].resume, undefined);
  welcome(last(), 3); // a bridge told oldestUnackedSeq would start there
  assert.deepEqual(last().seqs(), [3, 4, 5, 6, 7]);
});

test('a stalled connection (nothing heard for 6 s) is replaced, and the studio resumes and resends', () => {
  const { client, clock, sockets, last, frame, welcome } = setup();
  client.connect(CODEC);
  last().open();
  welcome(last(), 0);
  for (let i = 0; i < 5; i++) client.pushAudio(frame(i));
  last().receive({ type: 'ack', seq: 1 });
  // The socket stays open but nothing comes back: no acks, no pongs.
  clock.advance(4000);
  assert.equal(sockets.length, 1, 'not yet: within the silence timeout');
  clock.advance(4000);
  assert.equal(client.status, 'reconnecting');
  assert.equal(client.health.error?.code, 'CONNECTION_STALLED');
  clock.advance(reconnectDelayMs(1, () => 0.5));
  assert.equal(sockets.length, 2, 'a new socket after the backoff delay');
  const s = last();
  s.open();
  welcome(s, 2, true);
  assert.deepEqual(s.seqs(), [2, 3, 4], 'resends everything not acknowledged');
});

test('a show resumed after a reload continues its numbering where the wall clock says, and its hello says the tab was lost (§7.6)', () => {
  let wallSeq = 5000;
  const { client, clock, last, frame } = setup({ resumeShow: { sessionId: 'sess-12345678', seqAtFirstFrame: () => wallSeq } });
  wallSeq = 5123; // the first frame comes later: the numbering is read then, not at construction
  client.pushAudio(frame(0));
  client.pushAudio(frame(1));
  client.connect(CODEC);
  last().open();
  const [hello] = last().texts();
  assert.deepEqual(hello.resume, { sessionId: 'sess-12345678', oldestUnackedSeq: 5123, tabLost: true });
  // The bridge had up to 4990: it skips to 5123 and welcomes at its safe seq; the studio sends its frames.
  last().receive({ type: 'welcome', protocol: 1, sessionId: 'sess-12345678', resumed: true, nextSeq: 4990, ackEveryMs: 100, ackEveryFrames: 10 });
  assert.equal(client.resumed, true);
  assert.deepEqual(last().seqs(), [5123, 5124]);
  const flags = last().sent.filter((m): m is Uint8Array => typeof m !== 'string').map((m) => decodeAudioFrame(m).flags);
  assert.deepEqual(flags, [1, 0], 'the first frame of the new page is marked a discontinuity (a new capture clock)');
  client.pushAudio(frame(2));
  assert.deepEqual(last().seqs(), [5123, 5124, 5125], 'numbered once, contiguously');
  // A later reconnect in the same page is an ordinary resume: nothing was lost with a tab.
  last().drop();
  clock.advance(10_000);
  last().open();
  assert.deepEqual(last().texts()[0].resume, { sessionId: 'sess-12345678', oldestUnackedSeq: 5123 });
});

test('a resumed show whose session the bridge no longer has is told so by welcome.resumed', () => {
  const { client, last, frame } = setup({ resumeShow: { sessionId: 'sess-12345678', seqAtFirstFrame: () => 700 } });
  client.pushAudio(frame(0));
  client.connect(CODEC);
  last().open();
  last().receive({ type: 'welcome', protocol: 1, sessionId: 'sess-new-123456', resumed: false, nextSeq: 700, ackEveryMs: 100, ackEveryFrames: 10 });
  assert.equal(client.resumed, false);
  assert.equal(client.sessionId, 'sess-new-123456');
  assert.deepEqual(last().seqs(), [700]);
});

test('each page numbers its requestIds apart: a resumed page\'s "end" is not the old page\'s "test" answered again', () => {
  const ids = [0.1, 0.7].map((r) => {
    const sockets: { sent: string[] }[] = [];
    const client = new UplinkClient({
      url: 'ws://127.0.0.1/api/studio/ws', token: () => TOKEN, random: () => r, clock: new FakeClock(),
      createSocket: () => {
        const s = new FakeSocket();
        sockets.push(s as never);
        return s;
      },
    });
    client.connect(CODEC);
    (sockets[0] as unknown as FakeSocket).open();
    (sockets[0] as unknown as FakeSocket).receive({ type: 'welcome', protocol: 1, sessionId: 'sess-12345678', resumed: true, nextSeq: 0, ackEveryMs: 100, ackEveryFrames: 10 });
    void client.control('test').catch(() => undefined);
    return (sockets[0] as unknown as FakeSocket).texts().find((m) => m.type === 'control').requestId as string;
  });
  assert.notEqual(ids[0], ids[1]);
});

test('the bridge\'s audience message gives the listener count and the show\'s start on the studio\'s clock, kept across a reconnect (§4.12)', () => {
  const { client, clock, last, welcome } = setup();
  client.connect(CODEC);
  last().open();
  welcome(last(), 0);
  const audience = () => client.audience; // read fresh each time (no narrowing from the first assert)
  assert.equal(audience(), null, 'nothing known before the first audience');
  clock.advance(4000);
  last().receive({ type: 'audience', listeners: 3, showElapsedMs: 60_000 });
  assert.deepEqual(audience(), { listeners: 3, showStartedAtMs: clock.now() - 60_000 });
  const startedAtMs = audience()!.showStartedAtMs;
  last().drop(1006);
  clock.advance(1000);
  last().open();
  welcome(last(), 0, true);
  last().receive({ type: 'audience', listeners: 5, showElapsedMs: clock.now() - startedAtMs });
  assert.equal(audience()!.listeners, 5);
  assert.equal(audience()!.showStartedAtMs, startedAtMs, 'the same show start after the reconnect');
});

test('the bridge\'s live-edge message is kept for the studio\'s notice: how much of the cut was skipped on air (§4.14)', () => {
  const { client, clock, last, welcome } = setup();
  client.connect(CODEC);
  last().open();
  welcome(last(), 0);
  const liveEdge = () => client.liveEdge; // read fresh each time (no narrowing from the first assert)
  assert.equal(liveEdge(), null, 'nothing skipped before the first live-edge');
  clock.advance(2000);
  last().receive({ type: 'live-edge', skippedMs: 12_400 });
  assert.deepEqual(liveEdge(), { skippedMs: 12_400, atMs: clock.now() });
  assert.equal(describeLiveEdge(liveEdge()!.skippedMs), '12.4 s of the cut were skipped on air to keep listeners live; the recording has all of it.');
});
