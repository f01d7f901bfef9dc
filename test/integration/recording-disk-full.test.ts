// test-load: light ~20s
// A full spool disk mid-show, against the real program: the spool's file system is limited through
// the test-only seam AIRCHECK_TEST_SPOOL_FREE_BYTES (recordings/src/spool/limited-space-fs.ts, honoured
// only with NODE_ENV=test). The recording_failed alert fires at once and once, the DJ's studio is told
// while the broadcast goes on, the status lists the gap with its cause, and the show is never plain
// "verified" — also after kill -9 and a restart on the same data directory.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { startBridge, type RunningBridge } from '../helpers/bridge.ts';
import { listRecordings, waitForSettled } from '../helpers/recordings.ts';
import { decodeAudio, dominantFrequencyHz } from '../helpers/audio-analysis.ts';
import { studioShows } from '../helpers/studio-shows.ts';
import { StudioClient, waitUntil } from '../helpers/studio-client.ts';
import { readManifest } from '../../recordings/src/show-manifest.ts';
import { RESERVE_BYTES } from '../../recordings/src/spool/show-spool.ts';
import type { RecordingMessage } from '../../shared/src/protocol/messages.ts';

const TONE_HZ = 440;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const shows = studioShows(TONE_HZ);

async function webhookServer() {
  const posts: any[] = [];
  const server = http.createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (text += c));
    req.on('end', () => {
      posts.push(JSON.parse(text));
      res.writeHead(204).end();
    });
  });
  server.on('clientError', (_err, socket) => socket.destroy());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { posts, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const setup = () => shows.setup('aircheck-diskfull-');
const studio = shows.studio;

const recordingMessages = (c: StudioClient) => c.received.filter((m): m is RecordingMessage => m.type === 'recording');

async function adminStudio(bridge: RunningBridge): Promise<any> {
  const res = await fetch(`${bridge.streamUrl}/admin/status.json`, { headers: { authorization: bridge.adminAuth } });
  assert.equal(res.status, 200);
  return (await res.json()).studio;
}

const config = (hookUrl: string, checkS: number) => `[alerts]\nwebhook_url = "${hookUrl}"\ncheck_interval_seconds = ${checkS}\n`;

describe('a full spool disk mid-show', { timeout: 180_000, concurrency: 2 }, () => {
  test('alert fired once, the DJ told, the gap listed with REC_DISK_FULL, never verified; the same after kill -9 and a restart', async (t) => {
    const hook = await webhookServer();
    t.after(() => hook.close());
    const { dataDir, source } = await setup();
    // About 4 s of 96 kbps audio fit beside the reserve; the periodic check is an hour away, so an
    // alert within seconds can only be the recorder's own.
    const first = await startBridge({
      dataDir, configToml: config(hook.url, 3600),
      env: { NODE_ENV: 'test', AIRCHECK_TEST_SPOOL_FREE_BYTES: String(RESERVE_BYTES + 50_000), AIRCHECK_RECORDINGS_SEGMENT_SECONDS: '1' },
    });
    const client = await studio(first, source);
    client.startAudio();
    assert.equal((await client.control('live')).type, 'state');

    // The DJ is told while the broadcast goes on.
    await waitUntil(() => recordingMessages(client).length > 0, 20_000, 'a recording message to the studio');
    const [told] = recordingMessages(client);
    assert.equal(told!.status, 'failing');
    assert.equal(told!.code, 'REC_DISK_FULL');
    assert.match(told!.message, /disk is full/);
    assert.equal(client.lastState?.onAir, true, 'still on air');

    // The alert fires at once.
    await waitUntil(() => hook.posts.length > 0, 10_000, 'the recording_failed alert');
    assert.equal(hook.posts[0].kind, 'recording_failed');
    assert.match(hook.posts[0].reason, /disk is full/);
    const showId = hook.posts[0].recording_id;

    await sleep(3000); // three more seconds of show that cannot be recorded
    const status = await adminStudio(first);
    const session = status.sessions.find((s: any) => s.dj === 'nina');
    assert.ok(session.lostFrames >= 150, `lostFrames counts the frames the recorder dropped: ${session.lostFrames}`);
    assert.equal(session.recordingLostFrames, session.lostFrames);
    const [rec] = status.recordings;
    assert.equal(rec.showId, showId);
    assert.equal(rec.status, 'failed');
    assert.equal(rec.errorCode, 'REC_DISK_FULL');
    assert.equal(rec.gaps.length, 1);
    assert.equal(rec.gaps[0].cause, 'REC_DISK_FULL');
    assert.ok(rec.lostMs >= 3000, `lostMs ${rec.lostMs}`);
    const listed = await listRecordings(dataDir);
    assert.equal(listed[0].status, 'failed', 'the stored manifest says failed, not recording');
    assert.deepEqual(listed[0].lostCauses, ['REC_DISK_FULL']);
    const sentS = client.buffer.nextSeq * 0.02;
    const onDisk = await readManifest(join(dataDir, 'spool', showId));

    // kill -9 mid-failure, restart on the same data directory with a disk that has room again.
    process.kill(first.proc.pid!, 'SIGKILL');
    await first.proc.exited;
    client.stop();
    const second = await startBridge({ dataDir, configToml: config(hook.url, 1) });
    try {
      const [settled] = await waitForSettled(dataDir, 60_000);
      assert.equal(settled.status, 'verified_with_gaps', settled.reason);
      assert.deepEqual(settled.lostCauses, ['REC_DISK_FULL']);
      const m = await readManifest(join(dataDir, 'spool', showId));
      assert.equal(m.gaps.length, 1);
      assert.equal(m.gaps[0]!.cause, 'REC_DISK_FULL');
      assert.equal(m.gaps[0]!.open, false);
      assert.ok(m.gaps[0]!.durationSamples >= onDisk.gaps[0]!.durationSamples);
      // Durations come from the audio: what the segments hold plus the gap's silence is the file.
      const recordedSamples = m.segments.reduce((n, s) => n + s.durationSamples, 0);
      assert.equal(m.final!.durationSamples, recordedSamples + m.gaps[0]!.durationSamples);
      assert.ok(recordedSamples / 48000 < sentS - 3, `recorded ${recordedSamples / 48000} s of ${sentS} s sent`);
      assert.ok(settled.recordedMs === Math.round(recordedSamples / 48), `recordedMs ${settled.recordedMs}`);
      const decoded = await decodeAudio(join(dataDir, 'spool', showId, m.final!.file));
      const f = dominantFrequencyHz(decoded.samples.subarray(0, Math.min(decoded.samples.length, recordedSamples)), decoded.sampleRateHz);
      assert.ok(f !== null && Math.abs(f - TONE_HZ) < 5, `the recorded part holds the tone (${f} Hz)`);
      await sleep(2500); // two more checks of the dead-man's switch
      assert.equal(hook.posts.length, 1, `one alert, also after the restart: ${JSON.stringify(hook.posts.map((p) => p.id))}`);
    } finally {
      await second.stop();
    }
  });

  test('the disk frees again mid-show: recording resumes, the DJ is told, the show ends verified_with_gaps with the gap listed', async () => {
    const { dataDir, source } = await setup();
    const bridge = await startBridge({
      dataDir,
      env: {
        NODE_ENV: 'test', AIRCHECK_TEST_SPOOL_FREE_BYTES: String(RESERVE_BYTES + 50_000), AIRCHECK_TEST_SPOOL_FULL_FOR_MS: '4000',
        AIRCHECK_RECORDINGS_SEGMENT_SECONDS: '1',
      },
    });
    try {
      const client = await studio(bridge, source);
      client.startAudio();
      await waitUntil(() => recordingMessages(client).some((m) => m.status === 'ok'), 30_000, 'the recording records again');
      const [failing, ok] = recordingMessages(client);
      assert.equal(failing!.status, 'failing');
      assert.equal(ok!.status, 'ok');
      assert.equal(ok!.code, null);
      assert.ok(ok!.lostMs >= 4000, `lostMs ${ok!.lostMs}`);
      await sleep(3000); // recorded again
      client.pauseAudio();
      await client.drained();
      const sentSamples = client.buffer.nextSeq * 960;
      assert.equal((await client.control('end')).type, 'state');
      client.stop();
      const [rec] = await waitForSettled(dataDir, 60_000);
      assert.equal(rec.status, 'verified_with_gaps', rec.reason);
      const m = await readManifest(join(dataDir, 'spool', rec.showId));
      assert.equal(m.gaps.length, 1);
      const gap = m.gaps[0]!;
      assert.equal(gap.cause, 'REC_DISK_FULL');
      assert.ok(m.segments.some((s) => s.firstSeq > gap.afterSeq + gap.missingFrames), 'segments after the gap: recording resumed');
      assert.equal(m.final!.durationSamples, sentSamples, 'recorded audio + the gap = every frame sent');
      assert.deepEqual(m.history.map((h) => h.status), ['recording', 'failed', 'recording', 'finalizing', 'verified_with_gaps']);
    } finally {
      await bridge.stop();
    }
  });
});
