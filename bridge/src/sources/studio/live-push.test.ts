// LivePush against a real MountRegistry, in process, with a fake clock (node:test mock timers): the
// studio's source is kind 'studio' on /test or /live (their MP3 companions are ladder rungs, not the
// push's: ladder.test.ts); /test → /live claims the new mount first and a refusal changes nothing;
// studio away lets go at once and the next frame takes the mount back; an admin's killsource is
// survived; titles, the show's name and the DJ's MP3 bitrate reach the mount.
import { strict as assert } from 'node:assert';
import { after, before, beforeEach, describe, it, mock } from 'node:test';
import pino from 'pino';
import { isAircheckError } from '../../../../shared/src/errors.ts';
import type { AudioFrame } from '../../../../shared/src/protocol/audio-frame.ts';
import { MountSchema } from '../../../../config/src/config-schema.ts';
import type { Listener } from '../../listeners/listener.ts';
import { emptyInfo } from '../../mounts/mount.ts';
import { MountRegistry, type RegistryObserver } from '../../mounts/mount-registry.ts';
import { InProcessSource } from '../../mounts/mount-source.ts';
import { LivePush, STUDIO_AWAY_MS } from './live-push.ts';

const MOUNTS = ['/test', '/test.mp3', '/live', '/live.mp3'].map((path) => MountSchema.parse({ path }));
const STATION = 'Aircheck Radio';

/** RFC 7845 §5.1: OpusHead, 2 channels, pre-skip 312, 48 kHz, gain 0, mapping family 0. */
const OPUS_HEAD = Uint8Array.from([...Buffer.from('OpusHead'), 1, 2, 0x38, 0x01, 0x80, 0xbb, 0, 0, 0, 0, 0]);
/** A 20 ms CELT stereo packet (TOC config 31, code 0). */
const PACKET = Uint8Array.from([0xfc, ...new Array(60).fill(0x55)]);

function registry(): MountRegistry {
  const observer: RegistryObserver = {
    sourceStarted() {}, sourceEnded() {}, listenerJoined() {}, listenerLeft() {}, listenerMoved() {}, bytesSent() {}, bytesReceived() {},
  };
  return new MountRegistry({ mounts: MOUNTS, limits: { maxListeners: 100, maxSources: 10, listenerQueueSeconds: 15, maxDynamicMounts: 0 }, observer, fileFeedFor: () => null });
}

/** A listener that keeps every byte it is sent. */
function listener(requestedPath: string, format: 'ogg-opus'): Listener & { bytes: number[] } {
  const l = {
    requestedPath, feedPath: null as string | null, format, usesIcy: false, needsSync: false, closed: false, bytes: [] as number[],
    send(data: Uint8Array) { l.bytes.push(...data); return true; },
    continueOggStream() {},
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
    push = LivePush.create(OPUS_HEAD, {
      sources: r,
      mounts: { test: { opus: '/test', mp3: '/test.mp3' }, live: { opus: '/live', mp3: '/live.mp3' } },
      log: pino({ level: 'silent' }),
      streamName: STATION,
      mp3BitrateKbps: 128,
      mp3BitratesKbps: [64, 128],
      onAirChanged: () => airChanges++,
    });
  });

  it('feeds /test as a studio source, then Go live moves it to /live between two frames; the MP3 companions are not the push\'s', async () => {
    await push.setTarget('test');
    assert.equal(r.sourceOf('/test')?.kind, 'studio');
    assert.equal(r.sourceOf('/test.mp3'), undefined, '/test.mp3 is a ladder rung of /test');
    const preview = listener('/test', 'ogg-opus');
    r.addListener(preview, r.get('/test')!);
    play(50);
    assert.deepEqual([r.get('/test')!.format, r.get('/test')!.nominal?.subtype], ['ogg-opus', 'Opus'], '/test plays the Ogg Opus stream (its OpusHead page arrived)');
    assert.ok(preview.bytes.length > 3_000, `/test carries the show (${preview.bytes.length} bytes in 1 s)`);
    assert.equal(r.get('/test')!.info.public, false);

    await push.setTarget('live');
    assert.equal(r.sourceOf('/test'), undefined, '/test let go');
    assert.equal(r.get('/test')!.isLive, false);
    assert.equal(r.sourceOf('/live')?.kind, 'studio');
    const onAir = listener('/live', 'ogg-opus');
    r.addListener(onAir, r.get('/live')!);
    play(100);
    assert.ok(onAir.bytes.length > 6_000, `/live carries the show (${onAir.bytes.length} bytes in 2 s)`);
    assert.deepEqual([r.get('/live')!.format, r.get('/live')!.info.name, r.get('/live')!.info.public], ['ogg-opus', STATION, true]);
    assert.equal(push.activeTarget, 'live');
    assert.deepEqual(push.mountsOf('live'), ['/live', '/live.mp3'], "the show's audience counts the companion too");
  });

  it("the DJ's MP3 bitrate: asked of the companion rung in the stream info from the next leg; refused on air or when not offered", async () => {
    await push.setTarget('test');
    assert.equal(r.get('/test')!.info.companionMp3Kbps, 128, 'the station default');
    push.setShow({ name: '', description: '', mp3BitrateKbps: 64 });
    await push.setTarget('live');
    assert.equal(r.get('/live')!.info.companionMp3Kbps, 64);
    assert.throws(() => push.setShow({ name: '', description: '', mp3BitrateKbps: 128 }), (err: unknown) => isAircheckError(err) && err.code === 'SHOW_BITRATE_REFUSED' && /on air/.test(err.message));
    await push.setTarget('test');
    assert.throws(() => push.setShow({ name: '', description: '', mp3BitrateKbps: 96 }), (err: unknown) => isAircheckError(err) && err.code === 'SHOW_BITRATE_REFUSED' && /64, 128/.test(err.message));
    assert.equal(push.show.mp3BitrateKbps, 64, 'unchanged');
  });

  it('a refused Go live (another live source holds /live) rejects with MOUNT_IN_USE and changes nothing', async () => {
    await push.setTarget('test');
    // A live source (an ffmpeg on the socket, say); a relay would give way (mount-registry.ts claimSource).
    const other = InProcessSource.claim(r, { kind: 'socket', mountPath: '/live', remoteAddress: '192.0.2.7', now: Date.now });
    await assert.rejects(push.setTarget('live'), (err: unknown) => isAircheckError(err) && err.code === 'MOUNT_IN_USE');
    assert.equal(push.activeTarget, 'test');
    assert.equal(r.sourceOf('/test')?.kind, 'studio', 'still previewing');
    assert.equal(r.sourceOf('/live'), other);
    play(10);
    assert.equal(r.get('/test')!.isLive, true);
  });

  it('studio away: /live is let go at once; the next frame at the live edge takes it back', async () => {
    await push.setTarget('live');
    play(10);
    push.studioAway('studio disconnected');
    assert.equal(r.sourceOf('/live'), undefined);
    assert.equal(airChanges, 1);
    play(1);
    mock.timers.tick(0);
    await settle();
    assert.equal(r.sourceOf('/live')?.kind, 'studio', 'back with the audio');
    assert.equal(airChanges, 2);
  });

  it(`no audio for STUDIO_AWAY_MS (${STUDIO_AWAY_MS} ms) while the connection stays: the mount is let go`, async () => {
    await push.setTarget('live');
    play(10);
    mock.timers.tick(STUDIO_AWAY_MS + 250);
    assert.equal(r.sourceOf('/live'), undefined);
  });

  it("an admin's killsource of /live: the push claims it again a second later", async () => {
    await push.setTarget('live');
    play(10);
    r.sourceOf('/live')!.kill('killed by admin');
    assert.equal(r.sourceOf('/live'), undefined);
    assert.equal(airChanges, 1);
    play(40); // 800 ms: frames wait (bounded) for the mount
    assert.equal(r.sourceOf('/live'), undefined);
    mock.timers.tick(200);
    await settle();
    assert.equal(r.sourceOf('/live')?.kind, 'studio');
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

  it("now-playing reaches /live as a new chain's comments (the mount's title, which its rungs get); the show's name reaches it on air", async () => {
    await push.setTarget('live');
    play(10);
    await push.setNowPlaying({ artist: 'Nina Simone', title: 'Sinnerman' });
    play(10);
    assert.equal(r.get('/live')!.title, 'Nina Simone - Sinnerman');
    assert.deepEqual(r.get('/live')!.commentTags, { title: 'Sinnerman', artist: 'Nina Simone' });
    push.setShow({ name: 'Night Shift', description: 'Deep cuts' });
    assert.deepEqual([r.get('/live')!.info.name, r.get('/live')!.info.description], ['Night Shift', 'Deep cuts']);
    await push.setTarget(null);
    assert.equal(r.sourceOf('/live'), undefined, 'End show lets go');
    assert.deepEqual(r.get('/live')!.info.name, 'Night Shift', 'the last stream info stays for the status until the next source');
    assert.equal(emptyInfo().name, '');
  });
});
