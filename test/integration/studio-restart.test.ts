// test-load: light ~22s
// Issue 8, defect 9 — "the studio cannot come back after a bridge restart": against the real program,
// a studio on air is cut off by `kill -9` of the bridge, keeps encoding into its resend buffer while
// the bridge is down, and when the bridge restarts on the same data dir (and web port) it resumes
// with its sign-in token and session, goes back on air, resends what was not acknowledged and ends the
// show. The recording list then holds ONE verified recording with every frame the studio encoded, in
// order, no gap: acknowledgements only cover frames already in the spool, and the restarted bridge
// continues the show's spool instead of finalizing it as a crashed show.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { getJson, startBridge, waitForMount } from '../helpers/bridge.ts';
import { listRecordings } from '../helpers/recordings.ts';
import { decodeAudio, dominantFrequencyHz, probeDurationSeconds } from '../helpers/audio-analysis.ts';
import { endShowAndSettle, studioShows } from '../helpers/studio-shows.ts';
import { waitUntil } from '../helpers/studio-client.ts';
import { readManifest } from '../../recordings/src/show-manifest.ts';

const TONE_HZ = 440;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const shows = studioShows(TONE_HZ);

describe('studio across a bridge restart', { timeout: 180_000, concurrency: 2 }, () => {
  // kill -9 is a crash; SIGTERM is an operator's restart (systemctl restart, a deploy): neither ends the show.
  for (const signal of ['SIGKILL', 'SIGTERM'] as const) test(`${signal === 'SIGKILL' ? 'kill -9' : 'SIGTERM (a restart)'} mid-show: the studio resumes the same show on air, nothing it buffered is lost, one recording without a gap`, async (t) => {
    const { dataDir, source } = await shows.setup('aircheck-restart-');
    assert.ok(source.packets.every((p) => p.durationSamples === 960));
    // 2 s segments: the kill leaves closed segments and a trailing one half written.
    const env = { AIRCHECK_RECORDINGS_SEGMENT_SECONDS: '2' };

    const first = await startBridge({ dataDir, env });
    const webPort = new URL(first.webUrl).port;
    const client = await shows.studio(first, source);
    client.startAudio();
    const live = await client.control('live');
    assert.equal(live.type, 'state');
    await waitUntil(() => client.lastState?.onAir === true, 10_000, 'on air on /live');
    assert.equal((await client.show('Night Shift', 'Deep cuts after midnight')).type, 'metadata-ack');
    await sleep(5000);
    const sessionId = client.sessionId;

    if (signal === 'SIGKILL') {
      process.kill(first.proc.pid!, 'SIGKILL');
      await first.proc.exited;
    } else {
      assert.deepEqual(await first.proc.stop('SIGTERM', 10_000), { code: 0, signal: null }, 'an orderly exit');
      assert.ok(client.closes.some((c) => c.code === 4011), `the studio was told the bridge is restarting: ${JSON.stringify(client.closes)}`);
    }
    const framesAtKill = client.buffer.nextSeq;
    const before = await listRecordings(dataDir);
    assert.equal(before.length, 1);
    assert.equal(before[0].status, 'recording', `the bridge stopped mid-show and left the show open (${signal})`);
    const showId = before[0].showId;
    // Down for 3 s: the studio keeps encoding into its buffer and retries the connection.
    await sleep(3000);

    const second = await startBridge({ dataDir, env: { ...env, AIRCHECK_WEB_PORT: webPort } });
    try {
      await client.waitForWelcome(2, 20_000);
      const welcomes = client.received.filter((m) => m.type === 'welcome');
      const resumed = welcomes.at(-1)!;
      assert.ok(resumed.type === 'welcome' && resumed.resumed, `the restarted bridge resumes the session: ${JSON.stringify(resumed)}`);
      assert.equal(client.sessionId, sessionId, 'the same session');
      assert.ok(!client.closes.some((c) => c.code === 4001), `the token survived the restart: closes ${JSON.stringify(client.closes)}`);
      assert.ok(client.buffer.nextSeq > framesAtKill + 100, 'the studio kept encoding while the bridge was down');
      // Back on air where the DJ was: /live plays the studio again, not the fallback.
      await waitUntil(() => client.lastState?.target === 'live' && client.lastState.onAir === true, 15_000, 'on air on /live again');
      await waitForMount(second, '/live', (mount) => mount.playing === 'source');
      await waitForMount(second, '/live.mp3', (mount) => mount.playing === 'source');
      // The show's name and description came back with the session (listeners see them, not the station's).
      const { icestats } = await getJson(`${second.streamUrl}/status-json.xsl`);
      const sources = [icestats.source].flat() as { listenurl: string; server_name: string; server_description: string }[];
      for (const path of ['/live', '/live.mp3']) {
        const entry = sources.find((s) => new URL(s.listenurl).pathname === path);
        assert.deepEqual([entry?.server_name, entry?.server_description], ['Night Shift', 'Deep cuts after midnight'], `${path} after the restart`);
      }

      await sleep(3000);
      const { sentFrames, list } = await endShowAndSettle(client, dataDir);
      assert.equal(list.length, 1, `one recording for the whole show: ${JSON.stringify(list)}`);
      const [rec] = list;
      assert.equal(rec.showId, showId, 'the show recorded before the kill, continued');
      assert.equal(rec.status, 'verified', rec.reason);
      assert.equal(rec.gaps, 0, 'no gap');
      const m = await readManifest(join(dataDir, 'spool', rec.showId));
      assert.deepEqual(m.gaps, []);
      assert.equal(m.firstSeq, 0);
      assert.equal(m.lastSeq, sentFrames - 1);
      assert.equal(m.segments.reduce((n, s) => n + s.frames, 0), sentFrames, 'every frame the studio encoded, once');
      assert.equal(m.final!.durationSamples, sentFrames * 960);
      t.diagnostic(`${sentFrames} frames (${(sentFrames * 0.02).toFixed(2)} s), ${framesAtKill} before the kill, ${m.segments.length} segments`);
      const path = join(dataDir, 'spool', rec.showId, m.final!.file);
      const preSkip = source.head[10]! | (source.head[11]! << 8);
      const probed = await probeDurationSeconds(path);
      assert.ok(Math.abs(probed - (sentFrames * 960 - preSkip) / 48000) < 0.05, `ffprobe ${probed} s, encoded ${(sentFrames * 960) / 48000} s`);
      const decoded = await decodeAudio(path);
      const f = dominantFrequencyHz(decoded.samples, decoded.sampleRateHz);
      assert.ok(f !== null && Math.abs(f - TONE_HZ) < 5, `the recording holds the tone (${f} Hz)`);

      // Sign-in tokens and sessions persist hashed, readable by the bridge's user only.
      for (const file of ['studio-logins.json', 'studio-sessions.json']) {
        assert.equal(statSync(join(dataDir, file)).mode & 0o777, 0o600, `${file} is 0600`);
      }
      assert.ok(!readFileSync(join(dataDir, 'studio-logins.json'), 'utf8').includes(client.opts.token), 'the token itself is not stored');
    } finally {
      await second.stop();
    }
  });
});
