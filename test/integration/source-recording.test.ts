// test-load: light ~67s
// Every show recorded, whatever its source (issue 11): ffmpeg (MP3) and Liquidsoap (Ogg Vorbis), as
// they ship, broadcast to /live for about 40 s with a 5 s network cut in the middle (a TCP proxy
// between client and bridge resets the client and refuses it for 5 s; ffmpeg is started again,
// Liquidsoap reconnects by itself, about 8 s after the cut with its default restart delay; the
// default grace period of 10 s keeps it one show). Each gives one verified recording in the bucket (Ceph RGW), in
// its own format, with the time away as one gap in the manifest, and decodes to the sent tone for
// the sent duration ± one frame — "sent" being the bytes that passed the proxy on each connection,
// decoded the same way, outside the bridge.
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { startBridge, waitForMount, type RunningBridge } from '../helpers/bridge.ts';
import { waitForSettled } from '../helpers/recordings.ts';
import { decodeAudio, frequencyTimeline, toneSegments } from '../helpers/audio-analysis.ts';
import { ffmpegSource, liquidsoapSource, type PeerProcess } from '../helpers/peers.ts';
import { testBucket } from '../helpers/s3-server.ts';
import { startCutProxy, type CutProxy, type ProxiedConnection } from '../helpers/cut-proxy.ts';
import { manifestKey } from '../../recordings/src/store/recording-key.ts';

const HALF_S = 17.5;
const CUT_MS = 5000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function stored(client: S3Client, bucket: string, showId: string, ext: string) {
  const keys = ((await client.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).map((o) => o.Key!);
  const audioKey = keys.find((k) => k.endsWith(`${showId}.${ext}`));
  assert.ok(audioKey, `the recording is in the bucket as ….${ext}: ${keys.join(', ')}`);
  const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: audioKey }));
  const bytes = await (await client.send(new GetObjectCommand({ Bucket: bucket, Key: audioKey }))).Body!.transformToByteArray();
  const manifest = JSON.parse(await (await client.send(new GetObjectCommand({ Bucket: bucket, Key: manifestKey(audioKey) }))).Body!.transformToString());
  return { keys, audioKey, contentType: head.ContentType, bytes, manifest };
}

/** The two source connections' bodies, decoded by ffmpeg apart: what the source sent. */
async function sentSeconds(conns: readonly ProxiedConnection[], inputFormat: string): Promise<number> {
  let seconds = 0;
  for (const c of conns) {
    const d = await decodeAudio(c.body(), { inputFormat });
    seconds += d.samples.length / d.sampleRateHz;
  }
  return seconds;
}

async function checkRecording(t: TestContext, opts: {
  bridge: RunningBridge; client: S3Client; bucket: string; proxy: CutProxy; toneHz: number; ext: string; contentType: string;
  format: string; inputFormat: string; frameS: number; cutAtMs: number; backAtMs: number; userAgent: RegExp;
}): Promise<void> {
  const [rec, ...others] = await waitForSettled(opts.bridge.dataDir, 90_000);
  assert.equal(others.length, 0, `one recording for the show: ${JSON.stringify([rec, ...others].map((r) => r.showId))}\n${opts.bridge.proc.tail(20000).split('\n').filter((l) => /"msg":"(source|recording)/.test(l)).join('\n')}`);
  assert.equal(rec.status, 'verified', rec.reason);
  assert.equal(rec.format, opts.format);
  const s = await stored(opts.client, opts.bucket, rec.showId, opts.ext);
  assert.equal(s.contentType, opts.contentType);
  assert.equal(s.manifest.status, 'verified');
  assert.equal(s.manifest.sourceFormat, opts.format, 'kept in its own format');
  assert.equal(s.manifest.source.kind, 'client');
  assert.equal(s.manifest.source.mount, '/live');
  assert.match(s.manifest.source.userAgent, opts.userAgent);
  // The time away: one gap, as long as the source was away (from the cut to the reconnection's first bytes).
  assert.equal(s.manifest.gaps.length, 1, `one gap: ${JSON.stringify(s.manifest.gaps)}`);
  const gap = s.manifest.gaps[0];
  assert.equal(gap.sourceCause, 'SOURCE_AWAY');
  const awayMs = opts.backAtMs - opts.cutAtMs;
  assert.ok(Math.abs(gap.durationSamples / 48 - awayMs) < 1000, `the gap lasts ${gap.durationSamples / 48} ms, the source was away ${awayMs} ms`);

  const sources = opts.proxy.connections.filter((c) => /^(SOURCE|PUT) \/live /.test(c.requestLine));
  assert.equal(sources.length, 2, `two source connections: ${opts.proxy.connections.map((c) => c.requestLine).join(' | ')}`);
  const sent = await sentSeconds(sources, opts.inputFormat);
  const decoded = await decodeAudio(s.bytes, { inputFormat: opts.inputFormat });
  const recorded = decoded.samples.length / decoded.sampleRateHz;
  t.diagnostic(`${opts.format}: sent ${sent.toFixed(3)} s over two connections, recorded ${recorded.toFixed(3)} s, gap ${(gap.durationSamples / 48000).toFixed(2)} s (away ${(awayMs / 1000).toFixed(2)} s)`);
  assert.ok(Math.abs(recorded - sent) <= opts.frameS, `the recording lasts ${recorded.toFixed(3)} s, the source sent ${sent.toFixed(3)} s (± one frame, ${opts.frameS * 1000} ms)`);
  assert.ok(sent > 30, `the source sent most of its 40 s (${sent.toFixed(1)} s)`);
  // The tone from start to end (no silence: the time away is not in the file).
  const tones = toneSegments(frequencyTimeline(decoded.samples, decoded.sampleRateHz, 250), { minDurationS: 0.6 });
  assert.deepEqual(tones.map((x) => x.frequencyHz === null ? null : Math.round(x.frequencyHz / 10) * 10), [opts.toneHz], `the recording is the tone throughout: ${JSON.stringify(tones)}`);
}

describe('every show recorded, whatever its source', { concurrency: 2 }, () => {
  test('ffmpeg MP3 on /live, 40 s with a 5 s cut: one verified MP3 recording, the gap in its manifest', async (t) => {
    const { bucket, client, bucketEnv } = await testBucket(t);
    const bridge = await startBridge({ env: bucketEnv });
    t.after(() => bridge.stop());
    const proxy = await startCutProxy({ host: bridge.host, port: bridge.port });
    t.after(() => proxy.close());
    const start = (durationS?: number): PeerProcess => {
      const p = ffmpegSource({ url: `http://${proxy.host}:${proxy.port}`, mount: '/live', password: bridge.livePassword, format: 'mp3', toneHz: 440, durationS });
      t.after(() => p.stop());
      return p;
    };
    const first = proxy.nextConnection(/^PUT \/live /);
    start();
    await first;
    await waitForMount(bridge, '/live', (m) => m.listeners !== undefined, 10_000);
    await sleep(HALF_S * 1000);
    const cutAtMs = Date.now();
    await proxy.cut(CUT_MS);
    const second = proxy.nextConnection(/^PUT \/live /);
    const again = start(HALF_S);
    const back = await second;
    while (back.firstBodyAtMs === null) await sleep(20); // the body follows the 100 Continue
    await again.exited; // ffmpeg ends after its 17.5 s of tone
    await checkRecording(t, {
      bridge, client, bucket, proxy, toneHz: 440, ext: 'mp3', contentType: 'audio/mpeg', format: 'mp3', inputFormat: 'mp3',
      frameS: 1152 / 48000, cutAtMs, backAtMs: back.firstBodyAtMs!, userAgent: /Lavf/,
    });
  });

  test('Liquidsoap Ogg Vorbis on /live, 40 s with a 5 s cut it reconnects after: one verified Ogg Vorbis recording, the gap in its manifest', async (t) => {
    const { bucket, client, bucketEnv } = await testBucket(t);
    const bridge = await startBridge({ env: bucketEnv });
    t.after(() => bridge.stop());
    const proxy = await startCutProxy({ host: bridge.host, port: bridge.port });
    t.after(() => proxy.close());
    const first = proxy.nextConnection(/^SOURCE \/live /);
    const liq = liquidsoapSource({ host: proxy.host, port: proxy.port, mount: '/live', password: bridge.livePassword, toneHz: 660, format: 'ogg-vorbis' });
    t.after(() => liq.stop());
    await first;
    await sleep(HALF_S * 1000);
    const cutAtMs = Date.now();
    const second = proxy.nextConnection(/^SOURCE \/live /);
    await proxy.cut(CUT_MS);
    const back = await second; // Liquidsoap reconnects by itself
    while (back.firstBodyAtMs === null) await sleep(20);
    await sleep(HALF_S * 1000);
    await liq.stop();
    await checkRecording(t, {
      bridge, client, bucket, proxy, toneHz: 660, ext: 'ogg', contentType: 'audio/ogg', format: 'ogg-vorbis', inputFormat: 'ogg',
      frameS: 2048 / 44100, cutAtMs, backAtMs: back.firstBodyAtMs!, userAgent: /liquidsoap/i,
    });
  });
});
