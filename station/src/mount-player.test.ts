// A mount's player: Opus chosen, play from the live edge, stop drops the connection, a broken stream
// retried after 1, 2, 4 s then a message, stopped with a plain sentence when the station goes off air.
import { beforeEach, afterEach, describe, it, mock } from 'node:test';
import assert from 'node:assert/strict';
import { MountPlayer, RETRY_DELAYS_MS } from './mount-player.ts';
import type { AudioGraph } from './audio-graph.ts';
import type { PublicStream } from './station-document.ts';

/** The part of an <audio> element the player uses; events are fired by the test. */
class FakeAudio extends EventTarget {
  crossOrigin: string | null = null;
  preload = '';
  volume = 1;
  paused = true;
  dataset: Record<string, string> = {};
  loads = 0;
  #src: string | null = null;
  get src() {
    return this.#src ?? '';
  }
  set src(v: string) {
    this.#src = v;
  }
  getAttribute(name: string) {
    return name === 'src' ? this.#src : null;
  }
  removeAttribute(name: string) {
    if (name === 'src') this.#src = null;
  }
  load() {
    this.loads++;
  }
  canPlayType(type: string) {
    return type === 'audio/ogg; codecs="opus"' || type === 'audio/mpeg' ? 'probably' : '';
  }
  play() {
    this.paused = false;
    return Promise.resolve();
  }
  pause() {
    this.paused = true;
  }
  fire(type: string) {
    this.dispatchEvent(new Event(type));
  }
}

const opus: PublicStream = { url: 'http://h:8000/live', contentType: 'audio/ogg; codecs=opus', codec: 'opus', bitrateKbps: 96 };
const mp3: PublicStream = { url: 'http://h:8000/live.mp3', contentType: 'audio/mpeg', codec: 'mp3', bitrateKbps: 128 };
const graph = { unlock() {} } as unknown as AudioGraph;

function makePlayer() {
  const audio = new FakeAudio();
  const stored = new Map<string, string>();
  const storage = { getItem: (k: string) => stored.get(k) ?? null, setItem: (k: string, v: string) => void stored.set(k, v) };
  const player = new MountPlayer('/live', audio as unknown as HTMLAudioElement, graph, storage);
  return { audio, player, stored };
}

describe('mount player', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }));
  afterEach(() => mock.timers.reset());

  it('plays the Opus stream from a fresh request, and stop drops the connection', () => {
    const { audio, player } = makePlayer();
    player.update([mp3, opus], 'on-air');
    assert.equal(player.chosen, opus);
    assert.equal(audio.crossOrigin, 'anonymous', 'the visualizer may read a stream from the stream port');
    player.play();
    assert.equal(audio.src, opus.url);
    assert.equal(player.state, 'starting');
    audio.fire('playing');
    assert.equal(player.state, 'playing');
    player.stop();
    assert.equal(player.state, 'stopped');
    assert.equal(audio.getAttribute('src'), null, 'no src: the connection is dropped, the listener no longer counted');
    assert.ok(audio.loads >= 1);
    assert.ok(audio.paused);
  });

  it('retries a broken stream after 1, 2 and 4 s, then stops and says so', () => {
    assert.deepEqual(RETRY_DELAYS_MS, [1000, 2000, 4000]);
    const { audio, player } = makePlayer();
    player.update([opus], 'on-air');
    player.play();
    audio.fire('playing');
    for (const delay of RETRY_DELAYS_MS) {
      audio.fire('error');
      assert.equal(player.state, 'retrying');
      assert.equal(audio.getAttribute('src'), null);
      mock.timers.tick(delay - 1);
      assert.equal(player.state, 'retrying');
      mock.timers.tick(1);
      assert.equal(player.state, 'starting');
      assert.equal(audio.src, opus.url, 'a new request from the live edge');
    }
    audio.fire('error');
    assert.equal(player.state, 'stopped');
    assert.match(player.message ?? '', /stopped\. Press play to try again/);
  });

  it('a stream that plays again resets the retries', () => {
    const { audio, player } = makePlayer();
    player.update([opus], 'on-air');
    player.play();
    for (let i = 0; i < 5; i++) {
      audio.fire('ended');
      mock.timers.tick(RETRY_DELAYS_MS[0]!);
      audio.fire('playing');
    }
    assert.equal(player.state, 'playing');
  });

  it('stops with a plain sentence when the station goes off air', () => {
    const { audio, player } = makePlayer();
    player.update([opus], 'on-air');
    player.play();
    audio.fire('playing');
    player.update([opus], 'off-air');
    assert.equal(player.state, 'stopped');
    assert.equal(player.message, 'The station is off air right now.');
  });

  it('keeps playing when the show ends and the music continues (same stream)', () => {
    const { audio, player } = makePlayer();
    player.update([opus, mp3], 'on-air');
    player.play();
    audio.fire('playing');
    player.update([opus, mp3], 'off-air-music');
    assert.equal(player.state, 'playing');
  });

  it('a pause from outside the page (headset, lock screen) is a stop', () => {
    const { audio, player } = makePlayer();
    player.update([opus], 'on-air');
    player.play();
    audio.fire('playing');
    audio.fire('pause');
    assert.equal(player.state, 'stopped');
  });

  it('says when this browser plays none of the streams, and remembers the volume', () => {
    const { player, stored } = makePlayer();
    player.update([{ ...opus, codec: 'aac', contentType: 'audio/aac' }], 'on-air');
    player.play();
    assert.equal(player.state, 'stopped');
    assert.match(player.message ?? '', /cannot play this stream: use the \.m3u link/);
    player.setVolume(1.7);
    assert.equal(player.volume, 1);
    assert.equal(stored.get('aircheck-station-volume'), '1');
  });
});
