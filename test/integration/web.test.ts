// The public web surface: the web player page, playlists for radio apps, health, status on the web port.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBridge } from '../helpers/bridge.ts';
import { connectListener } from '../helpers/listener.ts';
import { buildWeb } from '../e2e/browser.ts';

test('the web port serves the player page, playlists, health and status', async (t) => {
  const bridge = await startBridge();
  t.after(() => bridge.stop());

  // `/` is the station page (built by `npm start`'s prestart; here by the test), filled in by the
  // browser from the public station document.
  await buildWeb();
  const page = await fetch(bridge.webUrl + '/');
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type') ?? '', /text\/html/);
  const html = await page.text();
  assert.match(html, /<script[^>]+src="\/station\/assets\/[^"]+\.js"/, 'the station page\'s script');
  assert.match(html, /<link[^>]+rel="icon"[^>]+\/favicon\.svg/, 'its favicon');
  assert.equal((await fetch(bridge.webUrl + '/favicon.svg')).headers.get('content-type'), 'image/svg+xml');
  const station = await (await fetch(bridge.webUrl + '/api/v1/public/station')).json();
  assert.deepEqual(station.mounts.map((m: any) => m.path), ['/live'], 'one public entry: /live (its MP3 rung is one of its streams; /test is private)');
  assert.deepEqual(station.mounts[0].streams.map((s: any) => s.url), [`${bridge.streamUrl}/live`, `${bridge.streamUrl}/live.mp3`], 'Opus and MP3 streams on the stream port');
  assert.doesNotMatch(JSON.stringify(station), /\/test\b/, 'the private preview mount is not on the public page');

  const m3u = await fetch(`${bridge.streamUrl}/live.m3u`);
  assert.equal(m3u.status, 200);
  assert.equal(m3u.headers.get('content-type'), 'audio/x-mpegurl');
  assert.match(await m3u.text(), new RegExp(`^#EXTM3U\\n#EXTINF:-1,.*\\n${bridge.streamUrl}/live\\n$`));
  const pls = await (await fetch(`${bridge.streamUrl}/live.pls`)).text();
  assert.match(pls, new RegExp(`File1=${bridge.streamUrl}/live`));
  assert.equal((await fetch(`${bridge.streamUrl}/nothing.m3u`)).status, 404);

  assert.equal(await (await fetch(bridge.webUrl + '/health')).text(), 'ok\n');
  const status = await (await fetch(bridge.webUrl + '/status.json')).json();
  assert.ok(Array.isArray(status.mounts));
  assert.deepEqual(status.mounts.map((m: any) => m.path), ['/live', '/live.mp3']);
  assert.equal(status.mounts[0].playing, 'fallback-file', '/live plays the bundled fallback while it has no source');
  // /live.mp3's ladder transcodes that fallback, but no show is on: the Icecast status lists nothing live.
  const { mounts } = await (await fetch(`${bridge.streamUrl}/admin/status.json`, { headers: { authorization: bridge.adminAuth } })).json();
  assert.equal(mounts.find((m: any) => m.path === '/live.mp3')?.playing, 'source', 'the rung is fed (by its ladder)');
  const ladderNow = async () => (await (await fetch(`${bridge.streamUrl}/admin/status.json`, { headers: { authorization: bridge.adminAuth } })).json()).mounts.find((m: any) => m.path === '/live')?.ladder;
  const ladder = await ladderNow();
  assert.deepEqual(
    { engine: ladder?.engine, encoding: ladder?.encoding, failures: ladder?.failures, rungs: ladder?.rungs.map((r: any) => [r.path, r.codec, r.bitrateKbps, r.streaming]) },
    { engine: 'ffmpeg', encoding: false, failures: 0, rungs: [['/live.mp3', 'mp3', 128, true]] },
    `the admin status shows /live's ladder, not encoding the fallback while nobody listens to /live.mp3: ${JSON.stringify(ladder)}`,
  );
  // The first /live.mp3 listener starts the encoder: MP3 audio within 2 s.
  const mp3 = await connectListener(bridge.url('/live.mp3'));
  try {
    await mp3.waitForAudioBytes(16_000, 2_000);
    assert.equal((await ladderNow())?.encoding, true, 'encoding while /live.mp3 has a listener');
  } finally {
    mp3.close();
  }
  assert.equal(mounts.find((m: any) => m.path === '/live.mp3')?.ladder, null, 'a rung has no ladder of its own');
  const { icestats } = await (await fetch(`${bridge.streamUrl}/status-json.xsl`)).json();
  assert.equal(icestats.source, undefined, `no source listed: ${JSON.stringify(icestats.source)}`);
});
