// test-load: browser ~32s
// End to end: the real studio in Chromium broadcasts through a TCP proxy that the test controls.
// Mid-show the proxy first drops the bridge side of every connection (the studio sees the server
// close), then stops forwarding without closing (a stalled link). The studio recovers on its own
// each time, resends what was not acknowledged, and the bridge's frame sequence has no gap. The show
// (/test, then /live, two cuts) is one verified recording holding every frame, decoding to the tone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunningBridge } from '../helpers/bridge.ts';
import { decodeAudio, dominantFrequencyHz } from '../helpers/audio-analysis.ts';
import { waitForSettled } from '../helpers/recordings.ts';
import { readManifest } from '../../recordings/src/show-manifest.ts';
import { connectListenerWhenLive } from '../helpers/listener.ts';
import { toneFile } from '../helpers/tones.ts';
import { screenshot } from './browser.ts';
import { endShow, signIn, studioFixture, waitForStudioSession } from './studio-fixture.ts';

const DJ = { name: 'dj-bo', password: 'a long enough password' };

/** Forwards every TCP connection to `target`; can cut (bridge side first) or stall what is open. */
function cuttableProxy(target: URL) {
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket; stalled: boolean }>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    const pair = { client, upstream, stalled: false };
    pairs.add(pair);
    client.on('data', (d) => {
      if (!pair.stalled) upstream.write(d);
    });
    upstream.on('data', (d) => {
      if (!pair.stalled) client.write(d);
    });
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const s of [client, upstream]) {
      s.on('error', end);
      s.on('close', end);
    }
  });
  return {
    listen: () => new Promise<number>((r) => server.listen(0, '127.0.0.1', () => r((server.address() as net.AddressInfo).port))),
    /** The bridge side goes away first, as when the server closes or restarts. */
    cutFromServer() {
      for (const p of pairs) p.upstream.destroy();
    },
    /** Open connections stop carrying anything, both ways, and stay open; new ones still work. */
    stall() {
      for (const p of pairs) p.stalled = true;
    },
    close() {
      for (const p of pairs) {
        p.client.destroy();
        p.upstream.destroy();
      }
      server.close();
    },
  };
}

/** Polls the bridge's view of the DJ's session: among the sessions while the show runs, once ended among the recently ended shows. */
const waitForSession = (bridge: RunningBridge, predicate: (s: any) => boolean, what: string, timeoutMs = 30_000): Promise<any> =>
  waitForStudioSession(bridge, DJ.name, predicate, what, { timeoutMs, ended: true });

test('the studio survives a server-side close and a stalled link mid-show, and the bridge gets every frame once', { timeout: 180_000 }, async (t) => {
  const { bridge, page } = await studioFixture(t, { dj: DJ, micWav: await toneFile('wav', 700, 10) });
  const proxy = cuttableProxy(new URL(bridge.webUrl));
  const proxyPort = await proxy.listen();
  t.after(() => proxy.close());
  // The studio, its API and its WebSocket all go through the proxy (same origin).
  await signIn(page, `http://127.0.0.1:${proxyPort}/studio/`, DJ);
  await page.getByRole('button', { name: 'Connect' }).click();
  await page.getByText('On /test (private preview)').waitFor();
  await page.getByRole('button', { name: 'Go live' }).click();
  await page.getByText('ON AIR', { exact: true }).waitFor();
  const listener = await connectListenerWhenLive(bridge.url('/live'));
  t.after(() => listener.close());
  await waitForSession(bridge, (s) => s.framesReceived > 100, 'audio flowing');

  proxy.cutFromServer();
  const afterCut = await waitForSession(bridge, (s) => s.reconnects >= 1 && s.connected, 'reconnected after the server-side close');
  await waitForSession(bridge, (s) => s.framesReceived > afterCut.framesReceived + 50, 'audio flowing again after the close');
  await page.getByText(/Reconnects\s*1/).waitFor();

  proxy.stall();
  const afterStall = await waitForSession(bridge, (s) => s.reconnects >= 2 && s.connected, 'reconnected after the stall');
  await waitForSession(bridge, (s) => s.framesReceived > afterStall.framesReceived + 50, 'audio flowing again after the stall');
  await screenshot(page, 'studio-reconnect-after-stall');

  // The page's own encoder (window.aircheckStudio, main.ts): kept so its count can be read after the end.
  await page.evaluate(() => ((window as any).showEncoder = (window as any).aircheckStudio.encoder));
  await endShow(page); // End show, confirmed in its dialog
  await page.getByText('The show has ended.').waitFor();
  // The studio closes only once every frame is acknowledged: its send buffer is empty.
  await page.getByText(/Send buffer\s*0 ms/).waitFor();
  await page.getByText(/Lost audio\s*0 ms/).waitFor();
  // What the studio encoded: every Opus packet out of the encoder, numbered for the show (the uplink
  // drops only those encoded after the bridge confirmed the end, while the encoder stops).
  const studioCount = await page.evaluate(() => {
    const w = window as any;
    return { encoded: w.showEncoder.framesOut as number, numbered: w.aircheckStudio.uplink.health.framesEncoded as number, afterEnd: w.aircheckStudio.uplink.framesAfterEnd as number };
  });
  t.diagnostic(`the encoder produced ${studioCount.encoded} frames: ${studioCount.numbered} in the show, ${studioCount.afterEnd} after its end`);
  assert.equal(studioCount.numbered + studioCount.afterEnd, studioCount.encoded, 'every packet the encoder produced went into the show or came after its end');
  const encoded = studioCount.numbered;
  const final = await waitForSession(bridge, (s) => s.endedAt !== undefined, 'the show ended on the bridge', 20_000);
  assert.equal(final.framesReceived, encoded, `the bridge received ${final.framesReceived} frames once each, of ${encoded} the studio encoded`);
  assert.equal(final.nextSeq, encoded, 'and the last seq it saw is the studio\'s last frame');
  assert.equal(final.lostFrames, 0, 'no frame lost');
  assert.ok(final.reconnects >= 2);
  assert.equal(listener.closed, null, 'the /live listener stayed connected through both cuts');

  // Always-on recording: one verified recording of the whole show, every frame once.
  const recordings = await waitForSettled(bridge.dataDir, 30_000);
  assert.equal(recordings.length, 1, 'one recording for the show, across /test → /live and both cuts');
  assert.equal(recordings[0].status, 'verified', recordings[0].reason);
  const manifest = await readManifest(join(bridge.dataDir, 'spool', recordings[0].showId));
  assert.deepEqual(manifest.gaps, [], 'no gap in the recording');
  assert.equal(manifest.final!.durationSamples, encoded * 960, 'the manifest counts every frame the studio encoded');
  // The audio itself: decoded, the recording lasts exactly the encoded frames (less the Opus pre-skip).
  const file = join(bridge.dataDir, 'spool', recordings[0].showId, manifest.final!.file);
  const bytes = readFileSync(file);
  const head = bytes.indexOf('OpusHead');
  assert.ok(head > 0, 'the recording starts with an OpusHead');
  const preSkip = bytes.readUInt16LE(head + 10);
  const decoded = await decodeAudio(file, { sampleRateHz: 48_000 });
  const decodedFrames = (decoded.samples.length + preSkip) / 960;
  assert.ok(Math.abs(decodedFrames - encoded) < 0.5, `the recording decodes to ${decodedFrames.toFixed(2)} frames of audio, the studio encoded ${encoded}`);
  const f = dominantFrequencyHz(decoded.samples, decoded.sampleRateHz);
  assert.ok(f !== null && Math.abs(f - 700) < 5, `the recording holds the microphone's tone (${f} Hz)`);
  assert.ok(listener.audioByteCount > 20_000, `the /live listener received ${listener.audioByteCount} bytes`);
});
