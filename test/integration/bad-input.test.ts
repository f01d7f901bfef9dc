// test-load: heavy ~37s
// Bad input on the stream port gets a clear answer or a clean drop, and never harms a concurrent
// healthy source and listener: asserted at the end on what that listener received.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { rawExchange as sendRaw } from '../helpers/raw-http.ts';
import { startBridge, waitForMount, type RunningBridge } from '../helpers/bridge.ts';
import { connectListener } from '../helpers/listener.ts';
import { startHealthyStream, type HealthyStream } from '../helpers/healthy-stream.ts';

const TONE_HZ = 880;
let bridge: RunningBridge;
let healthy: HealthyStream;

/** Raw bytes to the bridge's stream port; the whole answer. */
const rawExchange = (bytes: Uint8Array | string, opts: { timeoutMs?: number } = {}) => sendRaw(bridge.host, bridge.port, bytes, opts.timeoutMs);

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
        // The 1,000 idle connections all come from 127.0.0.1: past 256 per address the oldest would be dropped.
        AIRCHECK_LIMITS_MAX_PENDING_PER_ADDRESS: '2000',
      },
    });
    healthy = await startHealthyStream(bridge, TONE_HZ);
  });

  after(async () => {
    await healthy?.stop();
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

  test('1,000 idle connections are held until the head timeout, then answered 408 HTTP_TIMEOUT, while new listeners are still admitted', async (t) => {
    const HEAD_TIMEOUT_MS = 3000;
    const idle: { socket: net.Socket; openedAt: number; firstByteAt: number | null; closedAt: number | null; answer: Buffer[] }[] = [];
    const closedAll: Promise<void>[] = [];
    for (let i = 0; i < 1000; i++) {
      // openedAt: before connect(), so surely before the server accepts and starts its head timer.
      const c = { openedAt: performance.now(), socket: net.connect({ port: bridge.port, host: bridge.host }), firstByteAt: null as number | null, closedAt: null as number | null, answer: [] as Buffer[] };
      c.socket.on('error', () => {});
      c.socket.on('data', (d) => {
        c.firstByteAt ??= performance.now();
        c.answer.push(d);
      });
      closedAll.push(new Promise((r) => c.socket.on('close', () => ((c.closedAt = performance.now()), r()))));
      idle.push(c);
    }
    await Promise.all(idle.map((c) => new Promise<void>((r) => (c.socket.connecting ? c.socket.once('connect', () => r()) : r()))));
    const late = await connectListener(bridge.url('/live'));
    assert.equal(late.statusCode, 200, 'a new listener is admitted while 1,000 idle connections are open');
    await late.waitForAudioBytes(16_000, 5000);
    late.close();
    await Promise.race([Promise.all(closedAll), new Promise((_, rej) => setTimeout(() => rej(new Error('idle connections were not closed')), 15_000))]);

    // Held: nothing came back and nothing closed before the head timeout had passed since the
    // connection was opened. Then: a 408 naming HTTP_TIMEOUT, promptly.
    const early = idle.filter((c) => (c.firstByteAt ?? c.closedAt!) - c.openedAt < HEAD_TIMEOUT_MS);
    assert.equal(early.length, 0, `${early.length} idle connections were answered or closed before the head timeout, e.g. after ${early.slice(0, 3).map((c) => Math.round((c.firstByteAt ?? c.closedAt!) - c.openedAt)).join(', ')} ms`);
    const answers = idle.map((c) => Buffer.concat(c.answer).toString('latin1'));
    const not408 = answers.filter((a) => !/^HTTP\/1\.0 408 /.test(statusLine(a)) || !/HTTP_TIMEOUT: /.test(a));
    assert.equal(not408.length, 0, `${not408.length} idle connections got no 408 HTTP_TIMEOUT answer, e.g. ${JSON.stringify(not408[0]?.slice(0, 200))}`);
    const slowest = Math.max(...idle.map((c) => c.firstByteAt! - c.openedAt));
    t.diagnostic(`408 answers after ${Math.round(Math.min(...idle.map((c) => c.firstByteAt! - c.openedAt)))}–${Math.round(slowest)} ms`);
    assert.ok(slowest < HEAD_TIMEOUT_MS + 2000, `every 408 came within 2 s of the head timeout (slowest after ${Math.round(slowest)} ms)`);
  });

  test('the healthy source and listener were never disturbed', async (t) => {
    await healthy.assertUndisturbed(t, { maxGapMs: 1000, deficitS: 0.5 });
  });
});
