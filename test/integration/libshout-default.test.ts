// libshout's default (TLS auto) handshake — `OPTIONS * HTTP/1.1` + `Upgrade: TLS/1.0`, then
// `GET /admin/!POKE` — answered as Debian's icecast2 2.4.4 answers it, so that the libshout programs
// people run with their defaults (shout, GStreamer shout2send, ices2) can push to /live and a
// listener hears their tone. Regression for issue 8, defect 4 (the poke got 404: "Login failed").
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startBridge, waitForMount, type RunningBridge } from '../helpers/bridge.ts';
import { connectListener } from '../helpers/listener.ts';
import { gstShoutSource, ices2Source, shoutSource, startIcecast, type PeerProcess } from '../helpers/peers.ts';
import { stopAllTracked } from '../helpers/processes.ts';
import { toneFile } from '../helpers/tones.ts';
import { decodeAudio, dominantFrequencyHz, durationSeconds } from '../helpers/audio-analysis.ts';
import { parseOggPage } from '../../shared/src/ogg/ogg-page.ts';

let bridge: RunningBridge;

/** Sends one raw request; resolves with every byte the server sent until it closed (or `waitMs` passed). */
function rawExchange(port: number, request: string, waitMs = 3000): Promise<{ answer: string; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(request));
    let answer = Buffer.alloc(0);
    const done = (closed: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ answer: answer.toString('latin1'), closed });
    };
    const timer = setTimeout(() => done(false), waitMs);
    socket.on('data', (d) => (answer = Buffer.concat([answer, d])));
    socket.on('error', () => done(true));
    socket.on('close', () => done(true));
  });
}

// What libshout 2.4.6 sends in TLS auto mode (captured from shout, shout2send and ices2).
const OPTIONS_UPGRADE = 'OPTIONS * HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: libshout/2.4.6\r\nConnection: Upgrade\r\nUpgrade: TLS/1.0\r\n\r\n';
const POKE = 'GET /admin/!POKE HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: libshout/2.4.6\r\n\r\n';

/** Stream position of an Ogg Vorbis capture, from its last granule position (44.1 kHz here). */
function oggPositionS(capture: Uint8Array): number {
  let offset = 0;
  let granule = 0n;
  for (;;) {
    const parsed = parseOggPage(capture, offset);
    if (!parsed) break;
    if (parsed.page.granulePosition > 0n) granule = parsed.page.granulePosition;
    offset = parsed.nextOffset;
  }
  return Number(granule) / 44_100;
}

/**
 * Waits until /live plays the source, then a listener takes 3 s of its audio (MP3 128 kbps CBR by
 * bytes, Ogg by granule position) and must decode to the tone.
 */
async function assertListenerHearsTone(source: PeerProcess, toneHz: number, kind: 'mp3' | 'ogg'): Promise<void> {
  try {
    await waitForMount(bridge, '/live', (m) => m.playing === 'source', 20_000);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${source.name} output:\n${source.tail(3000)}\naircheck output:\n${bridge.proc.tail(3000)}`, { cause: err });
  }
  const listener = await connectListener(bridge.url('/live'));
  try {
    assert.equal(listener.statusCode, 200, listener.rawHead);
    const positionS = () => (kind === 'mp3' ? listener.audioByteCount / 16_000 : oggPositionS(listener.audio));
    const deadline = performance.now() + 20_000;
    while (positionS() < 3) {
      const left = deadline - performance.now();
      assert.ok(left > 0, `only ${positionS().toFixed(2)} s of audio after 20 s (${listener.audioByteCount} bytes)`);
      await listener.waitForAudioBytes(listener.audioByteCount + 1, left);
    }
  } finally {
    listener.close();
  }
  const { samples, sampleRateHz } = await decodeAudio(listener.audio, { inputFormat: kind });
  const hz = dominantFrequencyHz(samples, sampleRateHz);
  assert.ok(hz !== null && Math.abs(hz - toneHz) <= 5, `expected ${toneHz} Hz, decoded ${hz} Hz from ${listener.audio.length} bytes`);
  assert.ok(durationSeconds(samples, sampleRateHz) >= 2, `only ${durationSeconds(samples, sampleRateHz).toFixed(2)} s decoded`);
  assert.equal(source.hasExited, false, `${source.name} is still streaming:\n${source.tail()}`);
}

/** Stops a source and waits until /live has let go of it, so the next client can claim the mount. */
async function stopSource(source: PeerProcess): Promise<void> {
  await source.stop();
  await waitForMount(bridge, '/live', (m) => m.playing !== 'source', 10_000);
}

describe("libshout's default TLS-auto handshake is answered as icecast2 answers it", { concurrency: false }, () => {
  before(async () => {
    bridge = await startBridge();
  });

  after(async () => {
    await stopAllTracked();
    await bridge?.stop();
  });

  test('GET /admin/!POKE gets 400 and OPTIONS * with Upgrade: TLS/1.0 is closed unanswered, as icecast2 2.4.4 does', async () => {
    const icecast = await startIcecast({ sourcePassword: 'icecast-source-pw', adminPassword: 'icecast-admin-pw' });
    try {
      for (const [name, port] of [['icecast2', icecast.port], ['aircheck', bridge.port]] as const) {
        const options = await rawExchange(port, OPTIONS_UPGRADE);
        assert.deepEqual(options, { answer: '', closed: true }, `${name}: OPTIONS * with Upgrade: TLS/1.0 is closed without an answer`);
        const poke = await rawExchange(port, POKE);
        assert.ok(poke.closed, `${name}: the poke's connection is closed after the answer`);
        assert.match(poke.answer, /^HTTP\/1\.[01] 400 /, `${name}: the poke's status line`);
        assert.match(poke.answer, /Unrecognised command/, `${name}: the poke's body`);
      }
      const aircheckPoke = await rawExchange(bridge.port, POKE);
      assert.match(aircheckPoke.answer, /\r\n\r\nADMIN_UNKNOWN_COMMAND: /);
    } finally {
      await icecast.stop();
    }
  });

  test('shout with no --tls-mode (libshout default) pushes Ogg Vorbis to /live and a listener hears the tone', async () => {
    const file = await toneFile('ogg-vorbis', 698, 20);
    const source = shoutSource({ host: bridge.host, port: bridge.port, mount: '/live', password: bridge.livePassword, file });
    try {
      await assertListenerHearsTone(source, 698, 'ogg');
    } finally {
      await stopSource(source);
    }
  });

  test('GStreamer shout2send with libshout defaults pushes MP3 (lamemp3enc) to /live and a listener hears the tone', async () => {
    const source = gstShoutSource({ host: bridge.host, port: bridge.port, mount: '/live', password: bridge.livePassword, format: 'mp3', toneHz: 523 });
    try {
      await assertListenerHearsTone(source, 523, 'mp3');
    } finally {
      await stopSource(source);
    }
  });

  test('GStreamer shout2send with libshout defaults pushes Ogg Vorbis (vorbisenc ! oggmux) to /live and a listener hears the tone', async () => {
    const source = gstShoutSource({ host: bridge.host, port: bridge.port, mount: '/live', password: bridge.livePassword, format: 'ogg-vorbis', toneHz: 587 });
    try {
      await assertListenerHearsTone(source, 587, 'ogg');
    } finally {
      await stopSource(source);
    }
  });

  test('ices2 (playlist input, Ogg Vorbis file) pushes to /live and a listener hears the tone', async () => {
    const file = await toneFile('ogg-vorbis', 784, 20);
    const source = ices2Source({ host: bridge.host, port: bridge.port, mount: '/live', password: bridge.livePassword, file });
    try {
      await source.waitForLine(/Connected to server: /, 20_000);
      await assertListenerHearsTone(source, 784, 'ogg');
    } finally {
      await stopSource(source);
    }
  });
});
