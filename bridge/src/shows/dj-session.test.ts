// A DJ session's acks carry only what the recorder holds safe (shared/PROTOCOL.md §4.6): an ack never
// passes a consumer's safeSeq, follows it when it moves, makes a stalled recorder write its open
// page, and a resumed welcome starts at the first frame not yet safe. What is kept for a restart.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { HelloMessage, ServerMessage } from '../../../shared/src/protocol/messages.ts';
import { CAPTURE_SLACK_MS, DjSession, type StudioLink } from './dj-session.ts';
import { isAircheckError } from '../../../shared/src/errors.ts';
import type { LivePush } from '../sources/studio/live-push.ts';
import type { FrameConsumer } from '../../../shared/src/show-contract.ts';

const log = pino({ level: 'silent' });
const fakePush = { setTarget: async () => {}, setNowPlaying: async () => {}, mountsOf: () => [], activeTarget: null, onFrame() {}, onEnd() {}, studioAway() {} } as unknown as LivePush;
const HEAD = new Uint8Array([0x4f, 0x70, 0x75, 0x73, 0x48, 0x65, 0x61, 0x64, 1, 2, 0x38, 1, 0x80, 0xbb, 0, 0, 0, 0, 0]);

function recorder() {
  const c = {
    safe: -1,
    flushes: 0,
    onSafe: null as (() => void) | null,
    showId: 'show-1',
    onFrame() {},
    onEnd() {},
    safeSeq: () => c.safe,
    flush() {
      c.flushes++;
    },
  };
  return c;
}

function link() {
  const sent: ServerMessage[] = [];
  const l: StudioLink = { send: (m) => void sent.push(m), closeWith: () => {} };
  return { l, sent, acks: () => sent.filter((m) => m.type === 'ack').map((m) => (m as { seq: number }).seq) };
}

const hello = (resume?: { sessionId: string; oldestUnackedSeq: number }): HelloMessage => ({
  type: 'hello', protocol: 1, token: 't'.repeat(32), ...(resume ? { resume } : {}),
  codec: { name: 'opus', sampleRateHz: 48000, channels: 2, bitrateKbps: 96, frameDurationUs: 20000, opusHead: 'AA==' },
});
const frame = (seq: number) => ({ seq, flags: 0, timestampUs: seq * 20000, durationSamples: 960, packet: new Uint8Array([0xfc, 0xff, 0xfe]) });

describe('DjSession acks and the recorder', () => {
  it('an ack never passes what the recorder has written, and follows it when it moves', () => {
    const rec = recorder();
    const s = new DjSession('nina', fakePush, [fakePush, rec as FrameConsumer], log, 0, { codec: { opusHead: HEAD, channels: 2 }, startedAtMs: 0 }); // the fake clock starts at 0
    const { l, acks } = link();
    s.attach(l, hello(), false);
    for (let seq = 0; seq < 10; seq++) s.onFrame(frame(seq), 1000); // 10 frames at once: an ack of 9 is due
    assert.deepEqual(acks(), [], 'nothing written yet: no ack');
    rec.safe = 4;
    rec.onSafe!();
    assert.deepEqual(acks(), [4], 'the ack covers the written page only');
    rec.safe = 9;
    rec.onSafe!();
    assert.deepEqual(acks(), [4, 9]);
    s.end('test');
  });

  it('an ack held back by the open page makes the recorder write it; after end at once', async () => {
    const rec = recorder();
    const s = new DjSession('nina', fakePush, [fakePush, rec as FrameConsumer], log, 0, { codec: { opusHead: HEAD, channels: 2 }, startedAtMs: 0 }); // the fake clock starts at 0
    const { l } = link();
    s.attach(l, hello(), false);
    for (let seq = 0; seq < 10; seq++) s.onFrame(frame(seq), 1000 + seq * 20);
    assert.equal(rec.flushes, 0);
    await new Promise((r) => setTimeout(r, 400)); // SAFE_STALL_MS is 250: the studio paused
    assert.equal(rec.flushes, 1, 'the stalled page is written');
    rec.safe = 9;
    rec.onSafe!();
    s.onFrame(frame(10), 5000);
    s.flushAck(); // after `end`: no waiting
    assert.equal(rec.flushes, 2);
    s.end('test');
  });

  it('a resumed welcome starts at the first frame not safe; those frames come again as duplicates', () => {
    const rec = recorder();
    const s = new DjSession('nina', fakePush, [fakePush, rec as FrameConsumer], log, 0, { codec: { opusHead: HEAD, channels: 2 }, startedAtMs: 0 }); // the fake clock starts at 0
    const first = link();
    s.attach(first.l, hello(), false);
    for (let seq = 0; seq < 8; seq++) s.onFrame(frame(seq), 1000 + seq * 20);
    rec.safe = 4;
    s.detach(first.l);
    const second = link();
    s.attach(second.l, hello({ sessionId: s.id, oldestUnackedSeq: 0 }), true);
    const welcome = second.sent.find((m) => m.type === 'welcome') as { nextSeq: number; resumed: boolean };
    assert.equal(welcome.nextSeq, 5, 'frames 5–7 arrived but are not written: resent');
    assert.equal(s.stored(Date.now())?.nextSeq, 5);
    assert.equal(s.stored(Date.now())?.showId, 'show-1');
    for (let seq = 5; seq < 8; seq++) s.onFrame(frame(seq), 2000 + seq);
    assert.equal(s.status().duplicates, 3);
    s.end('test');
  });
});

describe('DjSession capture-time bound', () => {
  it('takes no more new audio than the time since the show began plus the slack; resends do not count', () => {
    const rec = recorder();
    const s = new DjSession('nina', fakePush, [fakePush, rec as FrameConsumer], log, 0, { codec: { opusHead: HEAD, channels: 2 }, startedAtMs: 0 });
    const slackFrames = CAPTURE_SLACK_MS / 20;
    for (let seq = 0; seq < slackFrames; seq++) s.onFrame(frame(seq), 0); // 10 s at once: what a studio may hold while it connects
    s.onFrame(frame(slackFrames - 1), 0); // a resend is no new audio
    assert.throws(() => s.onFrame(frame(slackFrames), 0), (err: unknown) => isAircheckError(err, 'STUDIO_RATE_LIMITED'));
    s.onFrame(frame(slackFrames), 20); // 20 ms later, 20 ms more audio fits
    assert.throws(() => s.onFrame(frame(slackFrames + 1), 20), (err: unknown) => isAircheckError(err, 'STUDIO_RATE_LIMITED'));
  });
});

describe('DjSession frame consumers that throw', () => {
  it('a consumer throwing on every frame is counted every time, logged once per show, summed up at the end; the others still get every frame', () => {
    const lines: { msg: string; code?: string; frames?: number; consumer?: string }[] = [];
    const logged = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const broken = { ...recorder(), onFrame() { throw new Error('muxer refused the packet'); } };
    let fine = 0;
    const healthy = { onFrame() { fine++; }, onEnd() {} };
    const counted: string[] = [];
    const s = new DjSession('nina', fakePush, [fakePush, broken as FrameConsumer, healthy], logged, 0,
      { codec: { opusHead: HEAD, channels: 2 }, startedAtMs: 0, onConsumerFailed: (code) => void counted.push(code) });
    for (let seq = 0; seq < 50; seq++) s.onFrame(frame(seq), 1000); // one second of 20 ms frames
    s.end('test');
    assert.equal(fine, 50, 'the healthy consumer got every frame');
    assert.deepEqual(counted, Array(50).fill('INGEST_CONSUMER_FAILED'), 'every failed frame is counted');
    const failures = lines.filter((l) => l.code === 'INGEST_CONSUMER_FAILED');
    assert.deepEqual(failures.map((l) => [l.msg.split(';')[0], l.consumer]), [['frame consumer failed', 'recorder'], ['a frame consumer failed on frames of this show', 'recorder']]);
    assert.equal(failures[1]!.frames, 50);
  });
});

describe('DjSession audience (PROTOCOL.md §4.12)', () => {
  it('the studio learns the listeners of the mounts the show feeds after welcome, then only when the count changes, at most every 2 s, with the show age', (t) => {
    t.mock.timers.enable({ apis: ['setInterval', 'Date'], now: 100_000 });
    let listeners = 0;
    const asked: string[][] = [];
    const push = { ...fakePush, mountsOf: () => ['/live', '/live.mp3'], activeTarget: 'live' } as unknown as LivePush;
    const s = new DjSession('nina', push, [push], log, 0, {
      codec: { opusHead: HEAD, channels: 2 }, startedAtMs: 40_000,
      listenerCount: (mounts) => { asked.push([...mounts]); return listeners; },
    });
    const { l, sent } = link();
    const audience = () => sent.filter((m) => m.type === 'audience');
    s.attach(l, hello(), false);
    assert.deepEqual(audience(), [{ type: 'audience', listeners: 0, showElapsedMs: 60_000 }], 'sent right after welcome, with the age since the show began');
    assert.deepEqual(asked[0], ['/live', '/live.mp3']);
    listeners = 3;
    t.mock.timers.tick(1999);
    assert.equal(audience().length, 1, 'not before 2 s');
    t.mock.timers.tick(1);
    assert.deepEqual(audience().at(-1), { type: 'audience', listeners: 3, showElapsedMs: 62_000 });
    t.mock.timers.tick(10_000);
    assert.equal(audience().length, 2, 'an unchanged count is not repeated');
    s.detach(l);
    listeners = 5;
    t.mock.timers.tick(10_000);
    assert.equal(audience().length, 2, 'nothing while detached');
    s.end('test');
  });
});

describe('DjSession: a studio tab that came back (PROTOCOL.md §7.6)', () => {
  it('a resume that says the tab was lost skips to the studio\'s seq and tells the recorder why, before the next frame', () => {
    const gaps: [string, string][] = [];
    const rec = { ...recorder(), onStudioGap: (cause: string, reason: string) => void gaps.push([cause, reason]) };
    const s = new DjSession('nina', fakePush, [fakePush, rec as unknown as FrameConsumer], log, 0, { codec: { opusHead: HEAD, channels: 2 }, startedAtMs: 0 });
    const first = link();
    s.attach(first.l, hello(), false);
    for (let seq = 0; seq < 50; seq++) s.onFrame(frame(seq), 1000 + seq * 20);
    s.detach(first.l);
    // An ordinary reconnect (same page) loses nothing and names no cause.
    const again = link();
    s.attach(again.l, hello({ sessionId: s.id, oldestUnackedSeq: 50 }), true);
    assert.deepEqual(gaps, []);
    s.detach(again.l);
    const reopened = link();
    s.attach(reopened.l, { ...hello(), resume: { sessionId: s.id, oldestUnackedSeq: 200, tabLost: true } }, true);
    assert.equal(gaps.length, 1);
    assert.equal(gaps[0]![0], 'STUDIO_TAB_LOST');
    assert.match(gaps[0]![1], /150 frame/);
    assert.equal(s.status().lostFrames, 150, 'the frames the tab never sent are counted');
    s.onFrame(frame(200), 9000); // the reopened tab's first frame is new, not a gap error
    assert.equal(s.status().nextSeq, 201);
    s.end('test');
  });
});
