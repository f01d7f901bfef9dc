// LivePush against a real MountRegistry, in process, with a fake clock (node:test mock timers): the
// studio's sources are kind 'studio'; /test → /live claims the new mounts first and a refusal
// changes nothing; studio away lets go at once and the next frame takes the mounts back; an admin's
// killsource is survived; titles and the show's name reach the mounts.
import { strict as assert } from 'node:assert';
import { after, before, beforeEach, describe, it, mock } from 'node:test';
import pino from 'pino';
import { isAircheckError } from '../../../../shared/src/errors.ts';
import type { AudioFrame } from '../../../../shared/src/protocol/audio-frame.ts';
import { MountSchema } from '../../config/config-schema.ts';
import type { Listener } from '../../listeners/listener.ts';
import { emptyInfo } from '../../mounts/mount.ts';
import { MountRegistry, type RegistryObserver } from '../../mounts/mount-registry.ts';
import { InProcessSource } from '../../mounts/mount-source.ts';
import { LivePush, STUDIO_AWAY_MS } from './live-push.ts';

const MOUNTS = ['/test', '/test.mp3', '/live', '/live.mp3'].map((path) => MountSchema.parse({ path }));
const STATION = 'Aircheck Radio';

/** RFC 7845 §5.1: OpusHead, 2 channels, pre-skip 312, 48 kHz, gain 0, mapping family 0. */
const OPUS_HEAD = Uint8Array.from([...Buffer.from('OpusHead'), 1, 2, 0x38, 0x01, 0x80, 0xbb, 0, 0, 0, 0, 0]);
/** A 20 ms CELT stereo packet (TOC config 31, code 0); the MP3 encoder gets its decode (or silence). */
const PACKET = Uint8Array.from([0xfc, ...new Array(60).fill(0x55)]);

function registry(): MountRegistry {
  const observer: RegistryObserver = {
    sourceStarted() {}, sourceEnded() {}, listenerJoined() {}, listenerLeft() {}, listenerMoved() {}, bytesSent() {}, bytesReceived() {},
  };
  return new MountRegistry({ mounts: MOUNTS, limits: { maxListeners: 100, maxSources: 10, listenerQueueSeconds: 15, maxDynamicMounts: 0 }, observer, fileFeedFor: () => null });
}

/** A listener that keeps every byte it is sent. */
function listener(requestedPath: string, format: 'mp3'): Listener & { bytes: number[] } {
  const l = {
    requestedPath, feedPath: null as string | null, format, usesIcy: false, needsSync: false, closed: false, bytes: [] as number[],
    send(data: Uint8Array) { l.bytes.push(...data); return true; },
    setIcyBlock() {},
    close() { l.closed = true; },
  };
  return l as unknown as Listener & { bytes: number[] };
}

let r: MountRegistry;
let push: LivePush;
let airChanges = 0;
let seq = 0;

/** `count` frames of 20 ms, each arriving on time (the clock moves 20 ms per frame), then the registry's tick. */
function play(count: number): void {
  for (let i = 0; i < count; i++) {
    mock.timers.tick(20);
    push.onFrame({ seq, timestampUs: seq * 20_000, durationSamples: 960, flags: 0, packet: PACKET } satisfies AudioFrame);
    seq++;
  }
  r.tick(Date.now());
}

/** Lets the push's queued switch (a promise chain) run. */
const settle = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

describe('LivePush in process', () => {
  before(() => mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'], now: 1_000_000 }));
  after(() => mock.timers.reset());
  beforeEach(async () => {
    r = registry();
    airChanges = 0;
    seq = 0;
    push = await LivePush.create(OPUS_HEAD, 2, 312, {
      sources: r,
      mounts: { test: { opus: '/test', mp3: '/test.mp3' }, live: { opus: '/live', mp3: '/live.mp3' } },
      log: pino({ level: 'silent' }),
      streamName: STATION,
      onAirChanged: () => airChanges++,
    });
  });

  it('feeds /test and /test.mp3 as studio sources, then Go live moves both to /live and /live.mp3 between two frames', async () => {
    await push.setTarget('test');
    assert.equal(r.sourceOf('/test')?.kind, 'studio');
    assert.equal(r.sourceOf('/test.mp3')?.kind, 'studio');
    const preview = listener('/test.mp3', 'mp3');
    r.addListener(preview, r.get('/test.mp3')!);
    play(50);
    assert.deepEqual([r.get('/test')!.format, r.get('/test')!.nominal?.subtype], ['ogg-opus', 'Opus'], '/test plays the Ogg Opus stream (its OpusHead page arrived)');
    assert.ok(preview.bytes.length > 5_000, `/test.mp3 carries the MP3 companion (${preview.bytes.length} bytes in 1 s)`);
    assert.equal(r.get('/test')!.info.public, false);

    await push.setTarget('live');
    assert.equal(r.sourceOf('/test'), undefined, '/test let go');
    assert.equal(r.sourceOf('/test.mp3'), undefined);
    assert.equal(r.get('/test')!.isLive, false);
    assert.equal(r.sourceOf('/live')?.kind, 'studio');
    assert.equal(r.sourceOf('/live.mp3')?.kind, 'studio');
    const onAir = listener('/live.mp3', 'mp3');
    r.addListener(onAir, r.get('/live.mp3')!);
    play(100);
    assert.ok(onAir.bytes.length > 10_000, `/live.mp3 carries the MP3 companion (${onAir.bytes.length} bytes in 2 s)`);
    assert.deepEqual([r.get('/live')!.format, r.get('/live')!.info.name, r.get('/live')!.info.public], ['ogg-opus', STATION, true]);
    assert.equal(push.activeTarget, 'live');
  });

  it('a refused Go live (another live source holds /live.mp3) rejects with MOUNT_IN_USE and changes nothing', async () => {
    await push.setTarget('test');
    // A live source (an ffmpeg on the socket, say); a relay would give way (mount-registry.ts claimSource).
    const other = InProcessSource.claim(r, { kind: 'socket', mountPath: '/live.mp3', remoteAddress: '192.0.2.7', now: Date.now });
    await assert.rejects(push.setTarget('live'), (err: unknown) => isAircheckError(err) && err.code === 'MOUNT_IN_USE');
    assert.equal(push.activeTarget, 'test');
    assert.equal(r.sourceOf('/test')?.kind, 'studio', 'still previewing');
    assert.equal(r.sourceOf('/live'), undefined, 'holds neither /live mount');
    assert.equal(r.sourceOf('/live.mp3'), other);
    play(10);
    assert.equal(r.get('/test')!.isLive, true);
  });

  it('studio away: /live and /live.mp3 are let go at once; the next frame at the live edge takes them back', async () => {
    await push.setTarget('live');
    play(10);
    push.studioAway('studio disconnected');
    assert.equal(r.sourceOf('/live'), undefined);
    assert.equal(r.sourceOf('/live.mp3'), undefined);
    assert.equal(airChanges, 1);
    play(1);
    mock.timers.tick(0);
    await settle();
    assert.equal(r.sourceOf('/live')?.kind, 'studio', 'back with the audio');
    assert.equal(r.sourceOf('/live.mp3')?.kind, 'studio');
    assert.equal(airChanges, 2);
  });

  it(`no audio for STUDIO_AWAY_MS (${STUDIO_AWAY_MS} ms) while the connection stays: the mounts are let go`, async () => {
    await push.setTarget('live');
    play(10);
    mock.timers.tick(STUDIO_AWAY_MS + 250);
    assert.equal(r.sourceOf('/live'), undefined);
    assert.equal(r.sourceOf('/live.mp3'), undefined);
  });

  it("an admin's killsource of /live.mp3: the push lets go of /live too and claims both again a second later", async () => {
    await push.setTarget('live');
    play(10);
    r.sourceOf('/live.mp3')!.kill('killed by admin');
    assert.equal(r.sourceOf('/live'), undefined, 'both or neither');
    assert.equal(airChanges, 1);
    play(40); // 800 ms: frames wait (bounded) for the mounts
    assert.equal(r.sourceOf('/live'), undefined);
    mock.timers.tick(200);
    await settle();
    assert.equal(r.sourceOf('/live')?.kind, 'studio');
    assert.equal(r.sourceOf('/live.mp3')?.kind, 'studio');
  });

  it('a shutdown (the registry closes) takes the mounts for good: the push does not claim them again', async () => {
    await push.setTarget('live');
    play(10);
    r.closeAll();
    assert.equal(r.sourceOf('/live'), undefined);
    mock.timers.tick(1000);
    await settle();
    mock.timers.tick(1000);
    await settle();
    assert.equal(r.sourceOf('/live'), undefined);
    assert.equal(r.sourceCount, 0);
  });

  it("now-playing reaches /live.mp3 as the mount's title and /live as a new chain's comments; the show's name reaches both on air", async () => {
    await push.setTarget('live');
    play(10);
    await push.setNowPlaying({ artist: 'Nina Simone', title: 'Sinnerman' });
    assert.equal(r.get('/live.mp3')!.title, 'Nina Simone - Sinnerman');
    play(10);
    assert.equal(r.get('/live')!.title, 'Nina Simone - Sinnerman');
    assert.deepEqual(r.get('/live')!.commentTags, { title: 'Sinnerman', artist: 'Nina Simone' });
    push.setShow({ name: 'Night Shift', description: 'Deep cuts' });
    for (const path of ['/live', '/live.mp3']) assert.deepEqual([r.get(path)!.info.name, r.get(path)!.info.description], ['Night Shift', 'Deep cuts']);
    await push.setTarget(null);
    assert.equal(r.sourceOf('/live'), undefined, 'End show lets go');
    assert.deepEqual(r.get('/live')!.info.name, 'Night Shift', 'the last stream info stays for the status until the next source');
    assert.equal(emptyInfo().name, '');
  });
});
