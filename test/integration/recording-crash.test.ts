// test-load: heavy ~45s
// The recorder end to end against the real program: a studio streams a tone; `kill -9` of the bridge
// mid-show loses no frame the bridge had acknowledged, and acks kept up with the show to the last
// page in progress (the restarted bridge recovers and finalizes the show); a normal
// show across /test → /live and a forced reconnect is one recording, as long as what was sent, no gap.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBridge } from '../helpers/bridge.ts';
import { listRecordings, waitForSettled } from '../helpers/recordings.ts';
import { decodeAudio, dominantFrequencyHz, probeDurationSeconds } from '../helpers/audio-analysis.ts';
import { studioShows } from '../helpers/studio-shows.ts';
import { readManifest } from '../../recordings/src/show-manifest.ts';
import { DEFAULT_PAGE_DURATION_SAMPLES } from '../../shared/src/ogg/opus-muxer.ts';
import { manifestKey, renditionKey } from '../../recordings/src/store/recording-key.ts';
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { testBucket } from '../helpers/s3-server.ts';

const TONE_HZ = 440;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const shows = studioShows(TONE_HZ);

const setup = () => shows.setup('aircheck-rec-');
const studio = shows.studio;

async function checkFile(path: string): Promise<void> {
  const streams = await new Promise<string>((resolve, reject) =>
    execFile('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name', '-of', 'csv=p=0', path], (err, out) => (err ? reject(err) : resolve(out))));
  assert.deepEqual(streams.trim().split('\n'), ['opus'], 'one logical stream');
  const decoded = await decodeAudio(path);
  const f = dominantFrequencyHz(decoded.samples, decoded.sampleRateHz);
  assert.ok(f !== null && Math.abs(f - TONE_HZ) < 5, `the recording holds the tone (${f} Hz)`);
}

describe('recording', { timeout: 180_000, concurrency: 2 }, () => {
  test('kill -9 mid-show: the restarted bridge recovers every frame it had acknowledged and loses at most the page in progress', async (t) => {
    const { dataDir, source } = await setup();
    assert.ok(source.packets.every((p) => p.durationSamples === 960));
    const first = await startBridge({ dataDir });
    const client = await studio(first, source);
    client.startAudio();
    await sleep(15_000); // past the first 10 s segment: the kill lands in the second, open one
    // Killed mid-page: 70 ms after an ack (which follows a page written to the spool), so three or four
    // frames sit in the bridge's page in progress; an ack covers only frames already written.
    await client.nextAck();
    await sleep(70);
    process.kill(first.proc.pid!, 'SIGKILL');
    const sentFrames = client.buffer.nextSeq;
    await first.proc.exited;
    const ackedFrames = client.lastAckSeq + 1; // an ack still in flight at the kill was sent before it: it counts
    client.stop();
    const pageFrames = DEFAULT_PAGE_DURATION_SAMPLES / 960;
    const before = await listRecordings(dataDir);
    assert.equal(before.length, 1);
    assert.equal(before[0].status, 'recording', 'no end marker: the bridge died mid-show');

    // The studio never comes back: its session stays resumable for the window, then the show is finalized.
    const second = await startBridge({ dataDir, env: { AIRCHECK_LIMITS_STUDIO_RESUMABLE_SECONDS: '5' } });
    try {
      const [rec] = await waitForSettled(dataDir, 60_000);
      assert.equal(rec.status, 'verified', rec.reason);
      const m = await readManifest(join(dataDir, 'spool', rec.showId));
      assert.match(m.endReason!, /recovered|not resumed/);
      assert.ok(existsSync(fileURLToPath(m.storeLocation!)), 'the verified copy is in the store');
      assert.ok(m.final);
      const recordedFrames = m.final.durationSamples / 960;
      t.diagnostic(`sent ${sentFrames} frames, acknowledged ${ackedFrames} at the kill, recovered ${recordedFrames} in ${m.segments.length} segments`);
      assert.deepEqual(m.gaps, [], 'no gap');
      assert.equal(m.firstSeq, 0);
      assert.equal(m.lastSeq, recordedFrames - 1, 'the recording is frames 0… without a hole');
      assert.ok(recordedFrames >= ackedFrames, `every frame the bridge acknowledged is in the recording: ${recordedFrames} recovered, ${ackedFrames} acknowledged`);
      assert.ok(recordedFrames <= sentFrames, `no more than was sent: ${recordedFrames} recovered, ${sentFrames} sent`);
      // README: a kill -9 loses at most the last page in progress (one Ogg page, 100 ms).
      assert.ok(sentFrames - recordedFrames <= pageFrames, `the show lost ${sentFrames - recordedFrames} of ${sentFrames} frames sent (at most one page, ${pageFrames} frames)`);
      const path = join(dataDir, 'spool', rec.showId, m.final.file);
      const preSkip = source.head[10]! | (source.head[11]! << 8);
      const decoded = await decodeAudio(path, { sampleRateHz: 48000 });
      const decodedFrames = (decoded.samples.length + preSkip) / 960;
      assert.ok(Math.abs(decodedFrames - recordedFrames) < 0.5, `the audio decodes to ${decodedFrames.toFixed(2)} frames, the manifest says ${recordedFrames}`);
      await checkFile(path);
    } finally {
      await second.stop();
    }
  });

  test('a show across /test → /live and a forced reconnect is one recording of what was sent, with no gap', async () => {
    const { dataDir, source } = await setup();
    const bridge = await startBridge({ dataDir });
    try {
      const client = await studio(bridge, source);
      client.startAudio();
      assert.equal((await client.control('test')).type, 'state');
      await sleep(3000);
      assert.equal((await client.control('live')).type, 'state');
      await sleep(2000);
      client.ws!.terminate(); // the network drops; the studio resumes and resends
      await client.waitForWelcome(2);
      await sleep(3000);
      client.pauseAudio();
      await client.drained();
      const sentSamples = client.buffer.nextSeq * 960;
      assert.ok(source.packets.every((p) => p.durationSamples === 960));
      assert.equal((await client.control('end')).type, 'state');
      client.stop();

      const list = await waitForSettled(dataDir, 30_000);
      assert.equal(list.length, 1, 'one recording for the whole show');
      const [rec] = list;
      assert.equal(rec.status, 'verified', rec.reason);
      assert.equal(rec.gaps, 0);
      const m = await readManifest(join(dataDir, 'spool', rec.showId));
      assert.deepEqual(m.gaps, []);
      assert.equal(m.firstSeq, 0);
      assert.equal(m.lastSeq, client.buffer.nextSeq - 1);
      assert.equal(m.final!.durationSamples, sentSamples, 'every frame sent is in the recording, once');
      const path = join(dataDir, 'spool', rec.showId, m.final!.file);
      const probed = await probeDurationSeconds(path);
      const preSkip = source.head[10]! | (source.head[11]! << 8);
      assert.ok(Math.abs(probed - (sentSamples - preSkip) / 48000) < 0.05, `ffprobe ${probed} s, sent ${sentSamples / 48000} s`);
      await checkFile(path);
      assert.ok(existsSync(join(dataDir, 'spool', rec.showId, 'segment-000001.opus')), 'the spool is kept until verified and a day old');
    } finally {
      await bridge.stop();
    }
  });

  test('with a bucket configured by AIRCHECK_S3_*, the show is uploaded and verified in the bucket', async (t) => {
    const { bucket, client, bucketEnv } = await testBucket(t);
    const { dataDir, source } = await setup();
    const bridge = await startBridge({ dataDir, env: { ...bucketEnv, AIRCHECK_RECORDINGS_MP3_KBPS: '128' } });
    try {
      const studioClient = await studio(bridge, source);
      studioClient.startAudio();
      assert.equal((await studioClient.control('live')).type, 'state');
      await sleep(4000); // four seconds of show
      studioClient.pauseAudio();
      await studioClient.drained();
      const sentSamples = studioClient.buffer.nextSeq * 960;
      assert.equal((await studioClient.control('end')).type, 'state');
      studioClient.stop();

      const [rec] = await waitForSettled(dataDir, 60_000);
      assert.equal(rec.status, 'verified', rec.reason);
      const m = await readManifest(join(dataDir, 'spool', rec.showId));
      const keys = ((await client.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).map((o) => o.Key!);
      t.after(async () => {
        for (const Key of keys) await client.send(new DeleteObjectCommand({ Bucket: bucket, Key })).catch(() => {});
      });
      const audioKey = keys.find((k) => k.endsWith(`${rec.showId}.opus`));
      assert.ok(audioKey, `the recording is in the bucket: ${keys.join(', ')}`);
      assert.ok(keys.some((k) => k.endsWith(`${rec.showId}.manifest.json`)), 'its manifest is stored next to it');
      const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: audioKey }));
      assert.equal(head.ContentLength, m.final!.sizeBytes, 'the stored size is the local file size');
      const body = await (await client.send(new GetObjectCommand({ Bucket: bucket, Key: audioKey }))).Body!.transformToByteArray();
      const copy = join(dataDir, 'from-bucket.opus');
      writeFileSync(copy, body);
      await checkFile(copy);
      const preSkip = source.head[10]! | (source.head[11]! << 8);
      const probed = await probeDurationSeconds(copy);
      assert.ok(Math.abs(probed - (sentSamples - preSkip) / 48000) < 0.05, `the stored copy lasts ${probed} s, sent ${sentSamples / 48000} s`);

      // The MP3 rendition ([recordings] mp3_kbps) follows the verified show: stored and verified next to it.
      let withMp3 = m;
      for (const deadline = Date.now() + 60_000; !withMp3.rendition?.storeLocation && !withMp3.renditionError && Date.now() < deadline;) {
        await sleep(200); // no event reaches the test; the manifest is the operator's view
        withMp3 = await readManifest(join(dataDir, 'spool', rec.showId));
      }
      assert.ok(withMp3.rendition?.storeLocation, `the rendition is verified: ${withMp3.renditionError}`);
      keys.push(...((await client.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).map((o) => o.Key!).filter((k) => !keys.includes(k)));
      const mp3Key = renditionKey(audioKey);
      assert.ok(keys.includes(mp3Key), `the MP3 rendition is in the bucket: ${keys.join(', ')}`);
      const stored = JSON.parse(await (await client.send(new GetObjectCommand({ Bucket: bucket, Key: manifestKey(audioKey) }))).Body!.transformToString());
      assert.equal(stored.rendition?.storeLocation, `s3://${bucket}/${mp3Key}`, 'the stored manifest lists the rendition');
      assert.equal(stored.object.sizeBytes, m.final!.sizeBytes, 'and still the verified facts of the recording');
      const mp3Head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: mp3Key }));
      assert.equal(mp3Head.ContentType, 'audio/mpeg');
      const mp3 = await (await client.send(new GetObjectCommand({ Bucket: bucket, Key: mp3Key }))).Body!.transformToByteArray();
      const decodedMp3 = await decodeAudio(mp3);
      const f = dominantFrequencyHz(decodedMp3.samples, decodedMp3.sampleRateHz);
      assert.ok(f !== null && Math.abs(f - TONE_HZ) < 5, `the MP3 holds the tone (${f} Hz)`);
      const mp3Seconds = decodedMp3.samples.length / decodedMp3.sampleRateHz;
      assert.ok(Math.abs(mp3Seconds - (sentSamples - preSkip) / 48000) < 0.06, `the MP3 lasts ${mp3Seconds} s, sent ${sentSamples / 48000} s`);
      assert.ok(!keys.some((k) => k.includes('/spool/')), `the spool copy is gone once the show is verified: ${keys.join(', ')}`);
    } finally {
      await bridge.stop();
    }
  });

  test('the disk dies mid-show: a bridge on a new disk rebuilds the show from the segments already in the bucket', async (t) => {
    const { bucket, client, bucketEnv } = await testBucket(t);
    const { dataDir, source } = await setup();
    const env = { ...bucketEnv, AIRCHECK_RECORDINGS_SEGMENT_SECONDS: '2' };
    const list = async () => ((await client.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).map((o) => o.Key!);
    const first = await startBridge({ dataDir, env });
    const studioClient = await studio(first, source);
    studioClient.startAudio();
    const startedMs = Date.now();
    // Segments reach the bucket as they close: wait for the copy's manifest to list three.
    let copied: any = null;
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const copyKey = (await list()).find((k) => /\/spool\/[^/]+\/manifest\.json$/.test(k));
      if (copyKey) {
        const body = await (await client.send(new GetObjectCommand({ Bucket: bucket, Key: copyKey }))).Body!.transformToString();
        copied = JSON.parse(body);
        if (copied.segments.length >= 3) break;
      }
      await sleep(200); // polling the bucket: the test's only view of the uploads
    }
    assert.ok(copied && copied.segments.length >= 3, `segments are uploaded during the show: ${JSON.stringify(copied?.segments)}`);
    const sentS = (Date.now() - startedMs) / 1000;
    process.kill(first.proc.pid!, 'SIGKILL');
    await first.proc.exited;
    studioClient.stop();
    rmSync(join(dataDir, 'spool'), { recursive: true, force: true }); // the disk is gone; a new, empty one

    const second = await startBridge({ dataDir, env });
    try {
      const [rec] = await waitForSettled(dataDir, 60_000);
      assert.equal(rec.status, 'verified', rec.reason);
      assert.equal(rec.showId, copied.showId);
      const m = await readManifest(join(dataDir, 'spool', rec.showId));
      assert.ok(m.restoredFromStoreAt, 'rebuilt from the spool copy');
      const recordedS = m.final!.durationSamples / 48000;
      const copiedS = copied.segments.reduce((n: number, s: any) => n + s.durationSamples, 0) / 48000;
      t.diagnostic(`sent ≈ ${sentS.toFixed(2)} s, ${copied.segments.length} segments (${copiedS.toFixed(2)} s) in the bucket, rebuilt ${recordedS.toFixed(2)} s`);
      assert.ok(recordedS >= copiedS && recordedS <= sentS + 0.1, `rebuilt ${recordedS} s: at least the ${copiedS} s the bucket held`);
      const keys = await list();
      const audioKey = keys.find((k) => k.endsWith(`${rec.showId}.opus`));
      assert.ok(audioKey, `the rebuilt show is in the bucket: ${keys.join(', ')}`);
      assert.ok(!keys.some((k) => k.includes('/spool/')), `the spool copy is removed once verified: ${keys.join(', ')}`);
      const body = await (await client.send(new GetObjectCommand({ Bucket: bucket, Key: audioKey }))).Body!.transformToByteArray();
      const copy = join(dataDir, 'rebuilt.opus');
      writeFileSync(copy, body);
      await checkFile(copy);
    } finally {
      await second.stop();
    }
  });
});
