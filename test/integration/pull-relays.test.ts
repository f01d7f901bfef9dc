// test-load: light ~46s
// Pull relays (issue 11): an Aircheck mount pulls from Debian icecast2 (a) and from a second Aircheck
// (b). The upstream is killed by PID and restarted on the same port: the same listener connection on
// the relay mount hears the upstream's tone, then the mount's fallback file while the upstream is
// down, then the tone again; the admin status shows the relay waiting with its attempts, the last
// error code and the backoff growing 1, 2, 4, 8 s…, then connected. In (b) a live source then takes
// the relay mount (preemption) and, when it leaves, the relay takes it back. The two run at once.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { getJson, startBridge, waitForMount, type RunningBridge } from '../helpers/bridge.ts';
import { assertOneConnection, connectListener, connectListenerWhenLive, type ListenerHandle } from '../helpers/listener.ts';
import { ffmpegSource, startIcecast, type PeerProcess } from '../helpers/peers.ts';
import { toneFile } from '../helpers/tones.ts';
import { decodeAudio, frequencyTimeline, toneSegments } from '../helpers/audio-analysis.ts';

const TONE_HZ = 880;
const FALLBACK_HZ = 440;
/** A live source that preempts the relay in (b). */
const LIVE_HZ = 660;
const RELAY_MOUNT_PASSWORD = 'relay-mount-source-pw';
const MP3_BYTES_PER_S = 16_000;
const ICE = { sourcePassword: 'relay-up-source', adminPassword: 'relay-up-admin' };
const UP_PASSWORD = 'upstream-source-pw';

interface RelayStatus {
  state: string;
  reconnectAttempts: number;
  backoffMs: number;
  nextAttemptAt: string | null;
  connectedSince: string | null;
  bytesReceived: number;
  title: string;
  lastError: { code: string; message: string } | null;
}

async function relayStatus(bridge: RunningBridge, mount: string): Promise<{ relay: RelayStatus; playing: string; title: string }> {
  const status = await getJson(`${bridge.streamUrl}/admin/status.json`, { authorization: bridge.adminAuth });
  return status.mounts.find((m: any) => m.path === mount);
}

/** What the status showed while the upstream was down, polled every 200 ms (no event exists for it). */
interface DownTrace {
  states: Set<string>;
  codes: string[];
  /** Each new backoff interval, in the order they appeared. */
  backoffs: number[];
  maxAttempts: number;
  playing: Set<string>;
}

async function traceWhileDown(bridge: RunningBridge, mount: string, downMs: number): Promise<DownTrace> {
  const trace: DownTrace = { states: new Set(), codes: [], backoffs: [], maxAttempts: 0, playing: new Set() };
  const until = Date.now() + downMs;
  while (Date.now() < until) {
    const m = await relayStatus(bridge, mount);
    trace.states.add(m.relay.state);
    trace.playing.add(m.playing);
    const code = m.relay.lastError?.code;
    if (code && trace.codes.at(-1) !== code) trace.codes.push(code);
    if (m.relay.backoffMs > 0 && trace.backoffs.at(-1) !== m.relay.backoffMs) trace.backoffs.push(m.relay.backoffMs);
    trace.maxAttempts = Math.max(trace.maxAttempts, m.relay.reconnectAttempts);
    assert.notEqual(m.relay.state, 'connected', `the relay is never shown connected while its upstream is down: ${JSON.stringify(m.relay)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return trace;
}

/** The listener heard these tones in this order (runs of at least 1 s). */
async function assertTones(listener: ListenerHandle, expected: number[], label: string): Promise<void> {
  const { samples, sampleRateHz } = await decodeAudio(listener.audio, { inputFormat: 'mp3' });
  const segments = toneSegments(frequencyTimeline(samples, sampleRateHz, 250), { minDurationS: 1 }).filter((s) => s.frequencyHz !== null);
  const tones = segments.map((s) => Math.round(s.frequencyHz! / 10) * 10);
  assert.deepEqual(tones, expected, `${label}: tones heard in order: ${JSON.stringify(segments.map((s) => [Math.round(s.frequencyHz!), s.startS, s.endS]))}`);
}

function relayMountToml(mount: string, url: string, fallback: string): string {
  return `[[mounts]]\npath = "${mount}"\nsource_password = "${RELAY_MOUNT_PASSWORD}"\nfallback_file = "${fallback}"\n[mounts.relay]\nurl = "${url}"\n`;
}

describe('pull relays', { concurrency: 3, timeout: 150_000 }, () => {
  it('(a) a mount relaying Debian icecast2: killed 20 s, its listener hears the tone, the fallback, the tone again on one connection; the backoff grows 1, 2, 4, 8 s in the status', async (t) => {
    const DOWN_MS = 20_000;
    const fallback = await toneFile('mp3', FALLBACK_HZ, 6);
    const ice = await startIcecast(ICE);
    t.after(() => ice.stop());
    const sources: PeerProcess[] = [];
    t.after(() => Promise.all(sources.map((s) => s.stop('SIGKILL'))));
    const feedIcecast = async (baseUrl: string) => {
      sources.push(ffmpegSource({ url: baseUrl, mount: '/up', password: ICE.sourcePassword, format: 'mp3', toneHz: TONE_HZ }));
      (await connectListenerWhenLive(`${baseUrl}/up`, {}, 15_000)).close();
    };
    await feedIcecast(ice.baseUrl);

    const bridge = await startBridge({ configToml: relayMountToml('/relay1', `${ice.baseUrl}/up`, fallback) });
    t.after(() => bridge.stop());
    await waitForMount(bridge, '/relay1', (m) => m.playing === 'source' && m.relay?.state === 'connected', 15_000);
    const listener = await connectListener(bridge.url('/relay1'), { tap: true });
    t.after(() => listener.close());
    assert.equal(listener.statusCode, 200);
    await listener.waitForAudioBytes(4 * MP3_BYTES_PER_S, 15_000);

    // A title set on icecast2 reaches the relay mount through icecast2's ICY metadata.
    const title = 'Relayed title 11';
    const res = await fetch(`${ice.baseUrl}/admin/metadata?mode=updinfo&mount=/up&song=${encodeURIComponent(title)}`, {
      headers: { authorization: `Basic ${Buffer.from(`admin:${ICE.adminPassword}`).toString('base64')}` },
    });
    assert.equal(res.status, 200);
    await waitForMount(bridge, '/relay1', (m) => m.title === title && m.relay.title === title, 10_000);

    // Kill icecast2 by PID (its source dies with it) and keep it down for 20 s.
    const killedAt = Date.now();
    await ice.process.stop('SIGKILL', 1000);
    await Promise.all(sources.map((s) => s.stop('SIGKILL')));
    const trace = await traceWhileDown(bridge, '/relay1', DOWN_MS - (Date.now() - killedAt));
    t.diagnostic(`while down: states ${[...trace.states].join(', ')}; codes ${trace.codes.join(' → ')}; backoffs ${trace.backoffs.join(', ')} ms; ${trace.maxAttempts} attempts`);
    assert.ok(trace.playing.has('fallback-file'), `listeners heard the fallback file: ${[...trace.playing].join(', ')}`);
    assert.equal(trace.codes[0], 'RELAY_UPSTREAM_LOST', 'the first failure is the lost upstream');
    assert.ok(trace.codes.includes('RELAY_UPSTREAM_UNREACHABLE'), `then the dead server is unreachable: ${trace.codes.join(', ')}`);
    assert.deepEqual(trace.backoffs.slice(0, 4), [1000, 2000, 4000, 8000], 'the backoff doubles from 1 s');
    assert.ok(trace.maxAttempts >= 4, `several attempts while down: ${trace.maxAttempts}`);

    // Restart icecast2 on the same port, and its source: the relay is back at its next attempt.
    const restarted = await startIcecast({ ...ICE, port: ice.port });
    t.after(() => restarted.stop());
    await feedIcecast(restarted.baseUrl);
    const waiting = (await relayStatus(bridge, '/relay1')).relay;
    assert.equal(waiting.state, 'waiting');
    const back = await waitForMount(bridge, '/relay1', (m) => m.relay.state === 'connected' && m.playing === 'source', waiting.backoffMs + 10_000);
    assert.equal(back.relay.reconnectAttempts, 0, 'a connection that delivers audio resets the backoff');
    assert.equal(back.relay.backoffMs, 0);
    assert.ok(Math.abs(Date.parse(back.relay.connectedSince) - Date.parse(waiting.nextAttemptAt!)) < 2000, `it reconnected at the attempt the status announced (${waiting.nextAttemptAt}, connected ${back.relay.connectedSince})`);
    const atReturn = listener.audioByteCount;
    await listener.waitForAudioBytes(atReturn + 4 * MP3_BYTES_PER_S, 15_000);

    assertOneConnection(listener, 1000);
    listener.close();
    await assertTones(listener, [TONE_HZ, FALLBACK_HZ, TONE_HZ], 'relay of icecast2');
    const metrics = await (await fetch(`${bridge.streamUrl}/metrics`, { headers: { authorization: bridge.adminAuth } })).text();
    assert.match(metrics, /^aircheck_relay_connected\{mount="\/relay1"\} 1$/m);
    assert.match(metrics, /^aircheck_relay_reconnects_total\{mount="\/relay1"\} ([4-9]|\d\d+)$/m);
    assert.match(metrics, /^aircheck_relay_errors_total\{mount="\/relay1",code="RELAY_UPSTREAM_UNREACHABLE"\} [1-9]\d*$/m);
  });

  it('(b) a mount relaying a second Aircheck: killed 8 s and restarted on the same port, then preempted by a live source: the same listener hears tone, fallback, tone, live, tone', async (t) => {
    const DOWN_MS = 8_000;
    const fallback = await toneFile('mp3', FALLBACK_HZ, 6);
    const upstreamToml = `[[mounts]]\npath = "/up"\nsource_password = "${UP_PASSWORD}"\n`;
    const upstream = await startBridge({ configToml: upstreamToml });
    t.after(() => upstream.stop());
    const sources: PeerProcess[] = [];
    t.after(() => Promise.all(sources.map((s) => s.stop('SIGKILL'))));
    const feedUpstream = async (u: RunningBridge) => {
      sources.push(ffmpegSource({ url: u.streamUrl, mount: '/up', password: UP_PASSWORD, format: 'mp3', toneHz: TONE_HZ }));
      await waitForMount(u, '/up', (m) => m.playing === 'source', 15_000);
    };
    await feedUpstream(upstream);

    const bridge = await startBridge({ configToml: relayMountToml('/relay2', upstream.url('/up'), fallback) });
    t.after(() => bridge.stop());
    await waitForMount(bridge, '/relay2', (m) => m.playing === 'source' && m.relay?.state === 'connected', 15_000);
    const listener = await connectListener(bridge.url('/relay2'), { tap: true });
    t.after(() => listener.close());
    await listener.waitForAudioBytes(4 * MP3_BYTES_PER_S, 15_000);

    // A title set on the upstream Aircheck reaches the relay mount through its ICY metadata.
    const title = 'Aircheck to Aircheck';
    const res = await fetch(`${upstream.streamUrl}/admin/metadata?mode=updinfo&mount=/up&song=${encodeURIComponent(title)}`, { headers: { authorization: upstream.adminAuth } });
    assert.equal(res.status, 200, await res.text());
    await waitForMount(bridge, '/relay2', (m) => m.title === title, 10_000);

    const killedAt = Date.now();
    await upstream.proc.stop('SIGKILL', 1000);
    await Promise.all(sources.map((s) => s.stop('SIGKILL')));
    const trace = await traceWhileDown(bridge, '/relay2', DOWN_MS - (Date.now() - killedAt));
    t.diagnostic(`while down: codes ${trace.codes.join(' → ')}; backoffs ${trace.backoffs.join(', ')} ms`);
    assert.ok(trace.playing.has('fallback-file'));
    assert.ok(trace.codes.includes('RELAY_UPSTREAM_UNREACHABLE'), trace.codes.join(', '));
    assert.deepEqual(trace.backoffs.slice(0, 3), [1000, 2000, 4000]);

    const restarted = await startBridge({ configToml: upstreamToml, env: { AIRCHECK_STREAM_PORT: String(upstream.port) } });
    t.after(() => restarted.stop());
    await feedUpstream(restarted);
    const waiting = (await relayStatus(bridge, '/relay2')).relay;
    await waitForMount(bridge, '/relay2', (m) => m.relay.state === 'connected' && m.playing === 'source', waiting.backoffMs + 10_000);
    const atReturn = listener.audioByteCount;
    await listener.waitForAudioBytes(atReturn + 4 * MP3_BYTES_PER_S, 15_000);

    // A live source on the relay mount preempts the relay on the same listener connection; when it
    // leaves, the relay takes the mount back at once.
    const live = ffmpegSource({ url: bridge.streamUrl, mount: '/relay2', password: RELAY_MOUNT_PASSWORD, format: 'mp3', toneHz: LIVE_HZ });
    sources.push(live);
    await waitForMount(bridge, '/relay2', (m) => m.relay.state === 'preempted' && m.playing === 'source', 15_000);
    const atLive = listener.audioByteCount;
    await listener.waitForAudioBytes(atLive + 4 * MP3_BYTES_PER_S, 15_000);
    await live.stop('SIGKILL');
    const resumed = await waitForMount(bridge, '/relay2', (m) => m.relay.state === 'connected' && m.playing === 'source', 10_000);
    assert.equal(resumed.relay.reconnectAttempts, 0, 'no backoff after a preemption');
    const atResume = listener.audioByteCount;
    await listener.waitForAudioBytes(atResume + 4 * MP3_BYTES_PER_S, 15_000);

    assertOneConnection(listener, 1000);
    listener.close();
    await assertTones(listener, [TONE_HZ, FALLBACK_HZ, TONE_HZ, LIVE_HZ, TONE_HZ], 'relay of Aircheck');
  });

  it('(c) upstreams that answer garbage, reset the connection or refuse the credentials give typed errors and retries, and the bridge runs on', async (t) => {
    // One hostile upstream, by path: /garbage answers 200 audio/mpeg then noise, /reset resets the
    // connection (RST) once the request arrives, /auth answers 401.
    const upstream = net.createServer((socket) => {
      socket.on('error', () => socket.destroy());
      socket.once('data', (buf) => {
        const path = buf.toString('latin1').split(' ')[1];
        if (path === '/reset') return socket.resetAndDestroy();
        if (path === '/auth') return socket.end('HTTP/1.0 401 Unauthorized\r\nWWW-Authenticate: Basic realm="x"\r\n\r\n');
        socket.write('HTTP/1.0 200 OK\r\nContent-Type: audio/mpeg\r\n\r\n');
        const noise = Buffer.alloc(64 * 1024);
        for (let i = 0; i < noise.length; i++) noise[i] = (i * 7919 + 13) & 0x7f;
        const timer = setInterval(() => socket.write(noise), 20);
        socket.on('close', () => clearInterval(timer));
      });
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    t.after(() => upstream.close());
    const base = `http://127.0.0.1:${(upstream.address() as net.AddressInfo).port}`;
    const toml = ['/garbage', '/reset', '/auth']
      .map((p) => `[[mounts]]\npath = "${p}"\n[mounts.relay]\nurl = "${base}${p}"\n${p === '/auth' ? 'user = "relay"\npassword = "wrong-password"\n' : ''}`)
      .join('');
    const bridge = await startBridge({ configToml: toml });
    t.after(() => bridge.stop());
    const expected: Record<string, string> = { '/garbage': 'RELAY_BAD_AUDIO', '/reset': 'RELAY_UPSTREAM_UNREACHABLE', '/auth': 'RELAY_UPSTREAM_REFUSED' };
    for (const [mount, code] of Object.entries(expected)) {
      const m = await waitForMount(bridge, mount, (s) => s.relay?.lastError?.code === code && s.relay.reconnectAttempts >= 2, 15_000);
      assert.equal(m.relay.state === 'waiting' || m.relay.state === 'connecting', true, `${mount}: ${JSON.stringify(m.relay)}`);
      assert.equal(m.playing, 'nothing', `${mount}: nothing reached the mount`);
    }
    const auth = await relayStatus(bridge, '/auth');
    assert.match(auth.relay.lastError!.message, /answered 401/);
    assert.equal(JSON.stringify(auth).includes('wrong-password'), false, 'no password in the status');
    assert.equal(bridge.proc.hasExited, false, 'the bridge runs on');
    const res = await fetch(`${bridge.streamUrl}/status-json.xsl`);
    assert.equal(res.status, 200);
  });
});
