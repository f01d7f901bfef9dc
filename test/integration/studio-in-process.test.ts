// Issue 11, "the graph": the studio show reaches its mounts in process. While a Node studio previews
// on /test and goes live on /live + /live.mp3, the bridge's own socket table (the kernel's, read from
// /proc) holds no connection to its own stream port, while listeners hear the DJ's tone; a /live.mp3
// listener connected before Go live stays on its connection from the fallback to the show; and the
// /test → /live show is one recording, no gap, as long (from the audio) as what the studio sent.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { waitForMount } from '../helpers/bridge.ts';
import { assertOneConnection, connectListener } from '../helpers/listener.ts';
import { decodeAudio, dominantFrequencyHz, probeDurationSeconds } from '../helpers/audio-analysis.ts';
import { splitOggChains } from '../helpers/ogg-chains.ts';
import { establishedConnections, type TcpConnection } from '../helpers/sockets.ts';
import { StudioClient, waitUntil } from '../helpers/studio-client.ts';
import { startStudioBridge, type StudioBridge } from '../helpers/studio-shows.ts';
import { waitForSettled } from '../helpers/recordings.ts';
import { readManifest } from '../../recordings/src/show-manifest.ts';

const TONE_HZ = 440;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let studio: StudioBridge;
before(async () => {
  studio = await startStudioBridge({ prefix: 'aircheck-in-process-', toneHz: TONE_HZ });
});
after(() => studio?.stop());

/** Connections the bridge process holds to its own stream port (a loopback source client would be one). */
function toOwnStreamPort(): TcpConnection[] {
  return establishedConnections(studio.bridge.proc.pid!).filter((c) => c.remotePort === studio.bridge.port);
}

/** Samples the bridge's socket table every 100 ms for `ms`: every connection to its own stream port seen. */
async function watchOwnPort(ms: number): Promise<TcpConnection[]> {
  const seen: TcpConnection[] = [];
  for (const end = Date.now() + ms; Date.now() < end; await sleep(100)) seen.push(...toOwnStreamPort());
  return seen;
}

/** The dominant frequency of the last `seconds` of what a listener received (Ogg: of its last chain; ffmpeg 5.1 decodes one chain at a time). */
async function toneOfLast(bytes: Uint8Array, inputFormat: string, seconds: number): Promise<number | null> {
  const { samples, sampleRateHz } = await decodeAudio(bytes, { inputFormat });
  return dominantFrequencyHz(samples.subarray(Math.max(0, samples.length - seconds * sampleRateHz)), sampleRateHz);
}

describe('the studio show in process', { timeout: 90_000 }, () => {
  test('the studio show reaches /test, /live and /live.mp3 with no TCP connection to the bridge\'s own stream port, and /test → /live is one recording', async () => {
    const { bridge, dataDir, source, token, wsUrl } = studio;
    const dj = new StudioClient({ wsUrl, token, source });
    after(() => dj.stop());
    await dj.start();
    dj.startAudio();
    assert.equal((await dj.control('test')).type, 'state');
    await waitForMount(bridge, '/test', (m) => m.playing === 'source');
    assert.deepEqual(await watchOwnPort(1000), [], 'previewing on /test: no connection from the bridge to its own stream port');

    // A listener of /live.mp3 before Go live (the fallback), kept through the switch. The idle
    // station's rung encoder starts for this first listener (~0.3 s on an idle machine).
    const mp3 = await connectListener(bridge.url('/live.mp3'), { tap: true });
    assert.equal(mp3.statusCode, 200, mp3.rawHead);
    after(() => mp3.close());
    await mp3.waitForAudioBytes(1, 2000);
    // The table is read right: the listener's connection shows up on the bridge's side.
    await waitUntil(() => establishedConnections(bridge.proc.pid!).some((c) => c.localPort === bridge.port), 2000, 'the listener in the bridge\'s socket table');

    const onAir = await dj.control('live');
    assert.equal(onAir.type, 'state', JSON.stringify(onAir));
    await waitForMount(bridge, '/live', (m) => m.playing === 'source');
    await waitForMount(bridge, '/live.mp3', (m) => m.playing === 'source');
    const live = await connectListener(bridge.url('/live'));
    assert.equal(live.statusCode, 200, live.rawHead);
    after(() => live.close());
    assert.deepEqual(await watchOwnPort(3000), [], 'on air: no connection from the bridge to its own stream port');
    assertOneConnection(mp3, 500, { afterFirstBytes: true });
    live.close();
    mp3.close();
    assert.ok(Math.abs((await toneOfLast(splitOggChains(live.audio).at(-1)!, 'ogg', 2))! - TONE_HZ) < 5, '/live plays the DJ\'s tone');
    assert.ok(Math.abs((await toneOfLast(mp3.audio, 'mp3', 2))! - TONE_HZ) < 5, '/live.mp3 plays the DJ\'s tone on the connection it had before Go live');

    // One show across /test → /live: one recording, no gap, every frame sent, its duration from the audio.
    dj.pauseAudio();
    await dj.drained();
    const sentSamples = dj.buffer.nextSeq * 960;
    assert.equal((await dj.control('end')).type, 'state');
    dj.stop();
    const list = await waitForSettled(dataDir, 30_000);
    assert.equal(list.length, 1, `one recording: ${JSON.stringify(list)}`);
    const [rec] = list;
    assert.equal(rec.status, 'verified', rec.reason);
    const m = await readManifest(join(dataDir, 'spool', rec.showId));
    assert.deepEqual(m.gaps, []);
    assert.equal(m.final!.durationSamples, sentSamples, 'every frame sent, once');
    const preSkip = source.head[10]! | (source.head[11]! << 8);
    const probed = await probeDurationSeconds(join(dataDir, 'spool', rec.showId, m.final!.file));
    assert.ok(Math.abs(probed - (sentSamples - preSkip) / 48000) < 0.05, `ffprobe ${probed} s, sent ${sentSamples / 48000} s`);
  });
});
