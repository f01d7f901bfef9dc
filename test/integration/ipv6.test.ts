// test-load: light ~20s
// Aircheck on an IPv6 address (`AIRCHECK_HOST=::1`, and `::`) end to end: the banner's URL is bracketed, an
// ffmpeg source pushes over [::1], a listener plays over [::1], the status JSON's listenurl and the
// playlists link to [::1], and a studio show goes live on /live over IPv6 (its push feeds the mounts in
// process: no internal URL built from server.host).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { getJson, startBridge, waitForMount, type RunningBridge } from '../helpers/bridge.ts';
import { connectListener } from '../helpers/listener.ts';
import { decodeAudio, dominantFrequencyHz } from '../helpers/audio-analysis.ts';
import { ffmpegSource } from '../helpers/peers.ts';
import { stopAllTracked } from '../helpers/processes.ts';
import { studioShows } from '../helpers/studio-shows.ts';

const SOURCE_HZ = 660;
const STUDIO_HZ = 440;

/** Whether this machine can bind the IPv6 loopback at all (some containers have no ::1). */
function ipv6LoopbackProblem(): Promise<string | null> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', (err: NodeJS.ErrnoException) => resolve(`cannot bind [::1] on this machine (${err.code}): no IPv6 loopback`));
    s.listen(0, '::1', () => s.close(() => resolve(null)));
  });
}

async function toneOf(bytes: Uint8Array, inputFormat: string): Promise<number | null> {
  const decoded = await decodeAudio(bytes, { inputFormat });
  return dominantFrequencyHz(decoded.samples, decoded.sampleRateHz);
}

/** Listens for ms over the given URL and returns what arrived. */
async function play(url: string, ms: number) {
  const l = await connectListener(url);
  assert.equal(l.statusCode, 200, `${url}: ${l.rawHead}`);
  await new Promise((r) => setTimeout(r, ms));
  l.close();
  return l;
}

const problem = await ipv6LoopbackProblem();
const shows = studioShows(STUDIO_HZ);

// ::1 serves the IPv6 loopback only; :: every interface, and the bridge links to itself over ::1.
for (const host of ['::1', '::']) describe(`Aircheck on AIRCHECK_HOST=${host}`, { timeout: 90_000, skip: problem ?? false }, () => {
  let bridge: RunningBridge;
  before(async () => {
    const { dataDir } = await shows.setup('aircheck-ipv6-', 10);
    bridge = await startBridge({ dataDir, env: { AIRCHECK_HOST: host } });
  });
  after(async () => {
    await bridge?.stop();
    await stopAllTracked();
  });

  test('an ffmpeg source pushes over [::1], a listener over [::1] hears its tone; the playlist links to [::1]', async () => {
    assert.match(bridge.streamUrl, /^http:\/\/\[::1\]:\d+$/);
    assert.match(bridge.webUrl, /^http:\/\/\[::1\]:\d+$/);
    ffmpegSource({ url: bridge.streamUrl, mount: '/test', password: bridge.testPassword, format: 'mp3', toneHz: SOURCE_HZ });
    await waitForMount(bridge, '/test', (m) => m.playing === 'source');
    const l = await play(`${bridge.url('/test')}?token=${bridge.testToken}`, 2500);
    assert.ok(Math.abs((await toneOf(l.audio, 'mp3'))! - SOURCE_HZ) < 5, 'the listener hears the source');
    const m3u = await (await fetch(`${bridge.streamUrl}/test.m3u?token=${bridge.testToken}`)).text();
    assert.equal(m3u.trim().split('\n').at(-1), `${bridge.streamUrl}/test?token=${bridge.testToken}`);
  });

  test('a studio show goes live on /live over IPv6: listeners over [::1] hear the studio tone', async () => {
    const { source } = await shows.setup('aircheck-ipv6-tone-', 10);
    const dj = await shows.studio(bridge, source);
    dj.startAudio();
    const live = await dj.control('live');
    assert.equal(live.type, 'state', JSON.stringify(live));
    assert.deepEqual([(live as any).target, (live as any).onAir], ['live', true]);
    await waitForMount(bridge, '/live', (m) => m.playing === 'source');
    const [opus, mp3] = await Promise.all([play(bridge.url('/live'), 2500), play(bridge.url('/live.mp3'), 2500)]);
    assert.ok(Math.abs((await toneOf(opus.audio, 'ogg'))! - STUDIO_HZ) < 5, '/live carries the studio tone');
    assert.ok(Math.abs((await toneOf(mp3.audio, 'mp3'))! - STUDIO_HZ) < 5, '/live.mp3 carries the studio tone');
    const status = await getJson(`${bridge.streamUrl}/status-json.xsl`);
    const listenUrls = [status.icestats.source].flat().map((s: any) => s.listenurl).sort();
    assert.deepEqual(listenUrls, [`${bridge.streamUrl}/live`, `${bridge.streamUrl}/live.mp3`]);
    const ended = await dj.control('end');
    assert.equal(ended.type, 'state');
  });
});
