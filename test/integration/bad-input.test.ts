// Bad input on the stream port gets a clear answer or a clean drop, and never harms a concurrent
// healthy source and listener: asserted at the end on what that listener received.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startBridge, waitForMount, type RunningBridge } from '../helpers/bridge.ts';
import { connectListener, type ListenerHandle } from '../helpers/listener.ts';
import { ffmpegSource, type PeerProcess } from '../helpers/peers.ts';
import { decodeAudio, dominantFrequencyHz } from '../helpers/audio-analysis.ts';

const TONE_HZ = 880;
let bridge: RunningBridge;
let source: PeerProcess;
let healthy: ListenerHandle;
let streamStart: string;

/** Sends raw bytes on a fresh connection; resolves with everything the server answered before closing. */
function rawExchange(bytes: Uint8Array | string, opts: { timeoutMs?: number; endAfterWrite?: boolean } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(bridge.port, bridge.host);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no close within ${opts.timeoutMs ?? 10_000} ms; got ${Buffer.concat(chunks).toString('latin1').slice(0, 300)}`));
    }, opts.timeoutMs ?? 10_000);
    socket.on('connect', () => socket.write(bytes));
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
  });
}

function statusLine(answer: string): string {
  return answer.split('\r\n')[0] ?? '';
}

const auth = (user: string, pw: string) => `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}`;

async function metric(name: string, labels: string): Promise<number> {
  const text = await (await fetch(`${bridge.streamUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe('bad input on the stream port', () => {
  before(async () => {
    bridge = await startBridge({
      configToml: '[[mounts]]\npath = "/extra"\nsource_password = "extra-secret-1"\n',
      env: {
        AIRCHECK_LIMITS_SOURCE_TIMEOUT_MS: '1500',
        AIRCHECK_LIMITS_HEAD_TIMEOUT_MS: '3000',
        AIRCHECK_LIMITS_LISTENER_QUEUE_SECONDS: '2',
        AIRCHECK_LIMITS_AUTH_FAILURES_PER_MINUTE: '1000',
      },
    });
    source = ffmpegSource({ url: bridge.streamUrl, mount: '/live', password: bridge.livePassword, format: 'mp3', toneHz: TONE_HZ });
    const live = await waitForMount(bridge, '/live', (m) => m.playing === 'source');
    streamStart = live.streamStart;
    healthy = await connectListener(bridge.url('/live'));
    await healthy.waitForAudioBytes(40_000, 10_000);
  });

  after(async () => {
    healthy?.close();
    await source?.stop('SIGKILL');
    await bridge?.stop();
  });

  test('a garbage request line gets 400 HTTP_BAD_REQUEST', async () => {
    const answer = await rawExchange('\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03garbage\r\n\r\n');
    assert.match(statusLine(answer), /^HTTP\/1\.0 400 /);
    assert.match(answer, /HTTP_BAD_REQUEST: /);
  });

  test('a 64 KB header line gets 431 before the server reads it all', async () => {
    const answer = await rawExchange(`GET /live HTTP/1.1\r\nX-Long: ${'a'.repeat(64 * 1024)}\r\n\r\n`);
    assert.match(statusLine(answer), /^HTTP\/1\.0 431 /);
    assert.match(answer, /HTTP_HEADER_TOO_LARGE/);
  });

  test('a source with the wrong password gets 401 with a Basic challenge', async () => {
    const answer = await rawExchange(`SOURCE /test HTTP/1.0\r\nAuthorization: ${auth('source', 'wrong-password')}\r\nContent-Type: audio/mpeg\r\n\r\n`);
    assert.match(statusLine(answer), /^HTTP\/1\.0 401 /);
    assert.match(answer, /WWW-Authenticate: Basic realm=/);
    assert.match(answer, /SOURCE_AUTH_FAILED/);
  });

  test('the libshout probe without credentials gets 401 with WWW-Authenticate', async () => {
    const answer = await rawExchange('SOURCE /test HTTP/1.0\r\nContent-Type: application/ogg\r\n\r\n');
    assert.match(statusLine(answer), /^HTTP\/1\.0 401 /);
    assert.match(answer, /WWW-Authenticate: Basic/);
  });

  test('a source for an unknown mount gets 404 naming the mount', async () => {
    const answer = await rawExchange(`PUT /nope HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth('source', bridge.livePassword)}\r\nContent-Type: audio/mpeg\r\n\r\n`);
    assert.match(statusLine(answer), /^HTTP\/1\.0 404 /);
    assert.match(answer, /SOURCE_MOUNT_UNKNOWN: mount "\/nope"/);
  });

  test('an unsupported content type gets 415 listing the supported ones', async () => {
    const answer = await rawExchange(`PUT /test HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth('source', bridge.testPassword)}\r\nContent-Type: video/mp4\r\n\r\n`);
    assert.match(statusLine(answer), /^HTTP\/1\.0 415 /);
    assert.match(answer, /SOURCE_UNSUPPORTED_FORMAT: .*video\/mp4.*audio\/mpeg/);
  });

  test('a second source on a taken mount gets 409 MOUNT_IN_USE', async () => {
    const answer = await rawExchange(`PUT /live HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth('source', bridge.livePassword)}\r\nContent-Type: audio/mpeg\r\n\r\n`);
    assert.match(statusLine(answer), /^HTTP\/1\.0 409 /);
    assert.match(answer, /MOUNT_IN_USE/);
  });

  test('a source that stalls is disconnected after the source timeout', async () => {
    const started = Date.now();
    // Authenticated, a few real MP3 bytes promised, then silence.
    const answer = await rawExchange(`SOURCE /test HTTP/1.0\r\nAuthorization: ${auth('source', bridge.testPassword)}\r\nContent-Type: audio/mpeg\r\n\r\n`, { timeoutMs: 10_000 });
    assert.match(statusLine(answer), /^HTTP\/1\.0 200 /);
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 1400 && elapsed < 6000, `closed after ${elapsed} ms (timeout 1500 ms)`);
    const test = await waitForMount(bridge, '/test', (m) => !m.live);
    assert.equal(test.live, false);
  });

  test('a source that sends garbage instead of audio is dropped with SOURCE_BAD_AUDIO', async () => {
    const before = await metric('aircheck_source_errors_total', 'code="SOURCE_BAD_AUDIO"');
    const garbage = Buffer.alloc(200 * 1024);
    for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 7919) & 0x7f; // no MP3 sync, no OggS
    const head = `SOURCE /extra HTTP/1.0\r\nAuthorization: ${auth('source', 'extra-secret-1')}\r\nContent-Type: audio/mpeg\r\n\r\n`;
    const answer = await rawExchange(Buffer.concat([Buffer.from(head), garbage]), { timeoutMs: 10_000 });
    assert.match(statusLine(answer), /^HTTP\/1\.0 200 /);
    // The error is counted when the session ends; poll the counter briefly.
    let after = before;
    for (let i = 0; i < 50 && after === before; i++) {
      await new Promise((r) => setTimeout(r, 50));
      after = await metric('aircheck_source_errors_total', 'code="SOURCE_BAD_AUDIO"');
    }
    const extra = await waitForMount(bridge, '/extra', (m) => !m.live);
    assert.equal(extra.live, false);
    assert.equal(after, before + 1, 'the bad source is counted under its error code');
  });

  test('a listener that never reads is dropped and counted, without delaying anyone', async () => {
    const started = Date.now();
    const dropsBefore = await metric('aircheck_listener_drops_total', 'mount="/live"');
    const socket = net.connect({ port: bridge.port, host: bridge.host });
    socket.on('error', () => {});
    await new Promise<void>((r) => socket.on('connect', () => r()));
    socket.write('GET /live HTTP/1.0\r\n\r\n');
    socket.pause(); // never read: the kernel buffers fill, then the server's queue limit is passed
    const closed = new Promise<void>((r) => socket.on('close', () => r()));
    const deadline = Date.now() + 60_000;
    let drops = dropsBefore;
    while (drops === dropsBefore && Date.now() < deadline) {
      await Promise.race([closed, new Promise((r) => setTimeout(r, 500))]);
      drops = await metric('aircheck_listener_drops_total', 'mount="/live"');
    }
    socket.destroy();
    assert.equal(drops, dropsBefore + 1, 'the stuck listener was dropped and counted once');
    assert.ok(Date.now() - started < 40_000, `dropped within 40 s (took ${Date.now() - started} ms)`);
  });

  test('1,000 idle connections are held, then timed out, while new listeners are still admitted', async () => {
    const sockets: net.Socket[] = [];
    const closedAll: Promise<void>[] = [];
    for (let i = 0; i < 1000; i++) {
      const s = net.connect({ port: bridge.port, host: bridge.host });
      s.on('error', () => {});
      s.resume(); // read the server's 408 answer, so its close is seen
      closedAll.push(new Promise((r) => s.on('close', () => r())));
      sockets.push(s);
    }
    await Promise.all(sockets.map((s) => new Promise<void>((r) => (s.connecting ? s.once('connect', () => r()) : r()))));
    const late = await connectListener(bridge.url('/live'));
    assert.equal(late.statusCode, 200, 'a new listener is admitted while 1,000 idle connections are open');
    await late.waitForAudioBytes(16_000, 5000);
    late.close();
    // Each idle connection is answered 408 and closed after the head timeout (3 s).
    await Promise.race([Promise.all(closedAll), new Promise((_, rej) => setTimeout(() => rej(new Error('idle connections were not closed')), 15_000))]);
  });

  test('the healthy source and listener were never disturbed', async () => {
    const live = await waitForMount(bridge, '/live', (m) => m.playing === 'source');
    assert.equal(live.streamStart, streamStart, 'the same source stream is still on /live');
    assert.equal(healthy.closed, null, 'the healthy listener is still connected');
    const perSecond = healthy.bytesPerSecond().slice(1, -1);
    const slowest = Math.min(...perSecond);
    assert.ok(slowest >= 8_000, `the healthy listener got at least half the bitrate every second (slowest ${slowest} B/s over ${perSecond.length} s)`);
    const { samples, sampleRateHz } = await decodeAudio(healthy.audio, { inputFormat: 'mp3' });
    const f = dominantFrequencyHz(samples, sampleRateHz);
    assert.ok(f !== null && Math.abs(f - TONE_HZ) < 5, `healthy listener heard ${f} Hz`);
  });
});
