// Dynamic mounts (issue 11): a source over the global password ([dynamic_mounts] source_password)
// creates a mount that is not configured; listeners play it like any mount; it disappears when the
// source leaves. Wrong password, the max count and the feature switched off each get their code.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type net from 'node:net';
import { rawSource } from '../helpers/raw-http.ts';
import { getJson, startBridge, type RunningBridge } from '../helpers/bridge.ts';
import { connectListener } from '../helpers/listener.ts';
import { ffmpegSource } from '../helpers/peers.ts';
import { stopAllTracked } from '../helpers/processes.ts';
import { decodeAudio, dominantFrequencyHz } from '../helpers/audio-analysis.ts';

const DYNAMIC_PASSWORD = 'night-secret-1';
const TONE_HZ = 880;
const MP3_BYTES_PER_S = 16_000;

/** Icecast's status-json lists one source as an object, several as an array, none as nothing. */
async function statusJsonMounts(bridge: RunningBridge): Promise<string[]> {
  const source = (await getJson(`${bridge.streamUrl}/status-json.xsl`)).icestats.source;
  const list = source === undefined ? [] : Array.isArray(source) ? source : [source];
  return list.map((s: any) => new URL(s.listenurl).pathname);
}

/** Every mount the server has now (admin view, idle mounts included). */
async function adminMounts(bridge: RunningBridge): Promise<string[]> {
  return (await getJson(`${bridge.streamUrl}/admin/status.json`, { authorization: bridge.adminAuth })).mounts.map((m: any) => m.path);
}

async function until<T>(what: string, probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await probe();
  while (!ok(last)) {
    if (Date.now() > deadline) throw new Error(`${what} not reached in ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 50));
    last = await probe();
  }
  return last;
}

describe('dynamic mounts', { timeout: 120_000 }, () => {
  let bridge: RunningBridge;
  before(async () => {
    bridge = await startBridge({ configToml: `[dynamic_mounts]\nsource_password = "${DYNAMIC_PASSWORD}"\nmax = 2\n` });
  });
  after(async () => {
    await bridge?.stop();
    await stopAllTracked();
  });

  test('ffmpeg over the global password creates /night, a listener hears its tone, and /night goes when ffmpeg leaves', async (t) => {
    const ffmpeg = ffmpegSource({ url: bridge.streamUrl, mount: '/night', password: DYNAMIC_PASSWORD, format: 'mp3', toneHz: TONE_HZ });
    t.after(() => ffmpeg.stop('SIGKILL'));
    await until('/night in status-json', () => statusJsonMounts(bridge), (mounts) => mounts.includes('/night'));

    const listener = await connectListener(bridge.url('/night'));
    t.after(() => listener.close());
    assert.equal(listener.statusCode, 200);
    assert.match(listener.headers['content-type'] ?? '', /audio\/mpeg/);
    await listener.waitForAudioBytes(3 * MP3_BYTES_PER_S, 15_000);
    const { samples, sampleRateHz } = await decodeAudio(listener.audio, { inputFormat: 'mp3' });
    const heard = dominantFrequencyHz(samples, sampleRateHz);
    assert.ok(heard !== null && Math.abs(heard - TONE_HZ) < 20, `the listener hears ${TONE_HZ} Hz, got ${heard}`);
    // Metrics: every dynamic mount under one label, so a source inventing paths cannot grow the series.
    const metrics = await (await fetch(`${bridge.streamUrl}/metrics`)).text();
    assert.match(metrics, /^aircheck_listeners\{mount="\(dynamic\)"\} 1$/m);
    assert.match(metrics, /^aircheck_sources\{mount="\(dynamic\)"\} 1$/m);
    assert.doesNotMatch(metrics, /mount="\/night"/, 'no series named after the dynamic path');

    await ffmpeg.stop('SIGKILL');
    const closed = await listener.waitForClose(10_000);
    assert.equal(closed.by, 'server', 'the server ends the listener when the dynamic mount goes');
    await until('/night gone from the server', () => adminMounts(bridge), (mounts) => !mounts.includes('/night'));
    assert.ok(!(await statusJsonMounts(bridge)).includes('/night'), 'status-json no longer lists /night');
    const after = await (await fetch(`${bridge.streamUrl}/metrics`)).text();
    assert.match(after, /^aircheck_listeners\{mount="\(dynamic\)"\} 0$/m);
    assert.match(after, /^aircheck_sources\{mount="\(dynamic\)"\} 0$/m);
    const res = await fetch(bridge.url('/night'));
    assert.equal(res.status, 404);
    assert.match(await res.text(), /^MOUNT_NOT_FOUND\b/, 'no such mount any more (not an offline one)');
  });

  test('a wrong global password is refused with 401 SOURCE_AUTH_FAILED and creates nothing', async () => {
    const { socket, answer } = await rawSource(bridge.host, bridge.port, '/wrong', 'not-the-password');
    socket.destroy();
    assert.match(answer, /^HTTP\/1\.[01] 401 /);
    assert.match(answer, /SOURCE_AUTH_FAILED/);
    assert.ok(!(await adminMounts(bridge)).includes('/wrong'));
  });

  test('a path the server answers itself (/metrics, a playlist) is not a dynamic mount: SOURCE_MOUNT_UNKNOWN', async () => {
    for (const path of ['/metrics', '/live.m3u']) {
      const { socket, answer } = await rawSource(bridge.host, bridge.port, path, DYNAMIC_PASSWORD);
      socket.destroy();
      assert.match(answer, /^HTTP\/1\.[01] 404 /, path);
      assert.match(answer, /SOURCE_MOUNT_UNKNOWN/, path);
    }
  });

  test('a source past dynamic_mounts.max is refused with 503 SOURCE_DYNAMIC_LIMIT naming the limit', async (t) => {
    const held: net.Socket[] = [];
    t.after(() => held.forEach((s) => s.destroy()));
    for (const path of ['/one', '/two']) {
      const { socket, answer } = await rawSource(bridge.host, bridge.port, path, DYNAMIC_PASSWORD);
      held.push(socket);
      assert.match(answer, /^HTTP\/1\.[01] 200 /, `${path} accepted: ${answer}`);
    }
    const { socket, answer } = await rawSource(bridge.host, bridge.port, '/three', DYNAMIC_PASSWORD);
    socket.destroy();
    assert.match(answer, /^HTTP\/1\.[01] 503 /);
    assert.match(answer, /SOURCE_DYNAMIC_LIMIT: .*dynamic_mounts\.max = 2/);
    held.forEach((s) => s.destroy());
    await until('/one and /two gone', () => adminMounts(bridge), (mounts) => !mounts.includes('/one') && !mounts.includes('/two'));
  });
});

describe('without [dynamic_mounts]', { timeout: 60_000 }, () => {
  let bridge: RunningBridge;
  before(async () => {
    bridge = await startBridge();
  });
  after(async () => {
    await bridge?.stop();
    await stopAllTracked();
  });

  test('a source to an unconfigured mount still gets 404 SOURCE_MOUNT_UNKNOWN', async () => {
    const { socket, answer } = await rawSource(bridge.host, bridge.port, '/night', DYNAMIC_PASSWORD);
    socket.destroy();
    assert.match(answer, /^HTTP\/1\.[01] 404 /);
    assert.match(answer, /SOURCE_MOUNT_UNKNOWN/);
  });
});

describe('health: from critical on, new dynamic mounts are refused', { timeout: 60_000 }, () => {
  let bridge: RunningBridge;
  before(async () => {
    // Real measurements against thresholds any running process passes: memory is critical at once.
    bridge = await startBridge({
      configToml: `[dynamic_mounts]\nsource_password = "${DYNAMIC_PASSWORD}"\n\n[health]\nmemory_percent = [0.001, 0.002, 100]\n`,
    });
  });
  after(async () => {
    await bridge?.stop();
    await stopAllTracked();
  });

  test('/health says critical (503, why), the metric says 2, and a source that would create a mount gets 503 SERVER_OVERLOADED', async () => {
    // The first window is measured 2 s after start: wait for it (the metric moves with it).
    const health = await until('a measured health', async () => {
      const res = await fetch(`${bridge.streamUrl}/health.json`);
      return { status: res.status, body: await res.json() as any };
    }, (h) => h.body.level !== 'healthy', 10_000);
    assert.equal(health.status, 503);
    assert.equal(health.body.level, 'critical');
    assert.match(health.body.reasons.join('\n'), /critical: memory at/);
    const text = await fetch(`${bridge.streamUrl}/health`);
    assert.equal(text.status, 503);
    assert.match(await text.text(), /^critical\ncritical: memory at /);
    const metrics = await (await fetch(`${bridge.streamUrl}/metrics`)).text();
    assert.match(metrics, /^aircheck_health_level 2$/m);
    assert.match(metrics, /^aircheck_event_loop_delay_p99_seconds \d/m);

    const { socket, answer } = await rawSource(bridge.host, bridge.port, '/night', DYNAMIC_PASSWORD);
    socket.destroy();
    assert.match(answer, /^HTTP\/1\.[01] 503 /);
    assert.match(answer, /SERVER_OVERLOADED/);
    assert.ok(!(await adminMounts(bridge)).includes('/night'), 'no mount was created');
    // What already runs goes on: a configured mount still takes its source.
    const live = await rawSource(bridge.host, bridge.port, '/live', bridge.livePassword);
    live.socket.destroy();
    assert.match(live.answer, /^HTTP\/1\.[01] 200 /);
  });
});
