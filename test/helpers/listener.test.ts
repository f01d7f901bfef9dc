// The raw listener (listener.ts) against a fake server on 127.0.0.1: ICY metadata demuxing, chunked
// decoding, status lines and request heads. Integration tests trust what it reports, so the parsing
// is pinned here, including every split of the bytes across TCP reads; and the arrival tap
// (arrival-tap.ts): wire times despite a stalled test thread, backpressure, close kinds, IPv6.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { assertOneConnection, connectListener, parseStreamTitle, type ListenerHandle } from './listener.ts';

interface FakeConnection {
  socket: Socket;
  /** The request head as received (up to and including the blank line). */
  request: string;
}

interface FakeServer {
  url(path: string): string;
  nextConnection(): Promise<FakeConnection>;
  close(): Promise<void>;
}

/** A TCP server that hands each connection to the test once its request head has arrived. */
function fakeServer(host = '127.0.0.1'): Promise<FakeServer> {
  const waiting: ((c: FakeConnection) => void)[] = [];
  const ready: FakeConnection[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.setNoDelay(true);
    let buf = '';
    const onData = (d: Buffer): void => {
      buf += d.toString('latin1');
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      const conn = { socket, request: buf.slice(0, end + 4) };
      const w = waiting.shift();
      if (w) w(conn);
      else ready.push(conn);
    };
    socket.on('data', onData);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as { port: number };
      resolve({
        url: (path) => `http://${host.includes(':') ? `[${host}]` : host}:${port}${path}`,
        nextConnection: () => {
          const c = ready.shift();
          return c ? Promise.resolve(c) : new Promise((r) => waiting.push(r));
        },
        close: () =>
          new Promise<void>((r) => {
            for (const s of sockets) s.destroy();
            server.close(() => r());
          }),
      });
    });
  });
}

let srv: FakeServer;
after(() => srv?.close());

async function server(): Promise<FakeServer> {
  srv ??= await fakeServer();
  return srv;
}

/** Writes one piece and waits until the listener has read it (so pieces arrive as separate reads). */
async function sendPiece(conn: FakeConnection, listener: ListenerHandle, piece: Uint8Array): Promise<void> {
  if (listener.closed) return; // the listener gave up (a parse error): the assertions will say why
  const read = new Promise<void>((resolve) => {
    const done = (): void => {
      listener.socket.off('data', done);
      listener.socket.off('close', done);
      resolve();
    };
    listener.socket.on('data', done);
    listener.socket.on('close', done);
  });
  conn.socket.write(piece);
  await read;
}

/** Sends `body` split into pieces of `size` bytes (1 = every byte on its own read). */
async function sendBody(conn: FakeConnection, listener: ListenerHandle, body: Uint8Array, size: number): Promise<void> {
  for (let i = 0; i < body.length; i += size) await sendPiece(conn, listener, body.subarray(i, i + size));
}

/** Opens a listener, answers with `head`, and returns both ends. */
async function open(path: string, head: string, opts: Parameters<typeof connectListener>[1] = {}): Promise<{ conn: FakeConnection; listener: ListenerHandle }> {
  const s = await server();
  const pending = connectListener(s.url(path), opts);
  const conn = await s.nextConnection();
  conn.socket.write(head);
  const listener = await pending;
  return { conn, listener };
}

/** An ICY metadata block: length byte, text, NUL padding to a multiple of 16. */
function icyBlock(text: Uint8Array | string): Uint8Array {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  const units = Math.ceil(bytes.length / 16);
  const block = new Uint8Array(1 + units * 16);
  block[0] = units;
  block.set(bytes, 1);
  return block;
}

function audioBytes(n: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff);
}

/** metaint audio bytes, block, metaint audio bytes, block, … (an ICY body), and the audio alone. */
function icyBody(metaint: number, blocks: Uint8Array[], tailAudio: number): { body: Uint8Array; audio: Uint8Array } {
  const body: Uint8Array[] = [];
  const audio: Uint8Array[] = [];
  blocks.forEach((b, i) => {
    const a = audioBytes(metaint, i);
    audio.push(a);
    body.push(a, b);
  });
  const tail = audioBytes(tailAudio, 99);
  audio.push(tail);
  body.push(tail);
  return { body: Buffer.concat(body), audio: Buffer.concat(audio) };
}

/** RFC 9112 §7.1 chunked framing of `data` in chunks of `size`, with an extension and a trailer. */
function chunked(data: Uint8Array, size: number): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let i = 0; i < data.length; i += size) {
    const piece = data.subarray(i, i + size);
    parts.push(Buffer.from(`${piece.length.toString(16).toUpperCase()};ext=1\r\n`), piece, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from('0\r\nX-Trailer: yes\r\n\r\n'));
  return Buffer.concat(parts);
}

const METAINT = 10;
const BLOCKS = [
  icyBlock("StreamTitle='It's – ü';"),
  new Uint8Array([0]), // "no change"
  icyBlock("StreamTitle='A';StreamUrl='http://example.org/';"),
  icyBlock(Buffer.from("StreamTitle='caf\xe9';", 'latin1')), // not UTF-8: read as latin1
  icyBlock("StreamUrl='http://example.org/only-url';"),
];
const TITLES = ["It's – ü", 'A', 'café'];

function assertIcy(listener: ListenerHandle, audio: Uint8Array): void {
  assert.deepEqual(Buffer.from(listener.audio), Buffer.from(audio), 'audio is the body without the metadata blocks');
  assert.equal(listener.audioByteCount, audio.length);
  assert.deepEqual(listener.titles, TITLES);
  assert.deepEqual(
    listener.metadata.map((m) => [m.raw, m.title, m.audioOffset]),
    [
      ["StreamTitle='It's – ü';", "It's – ü", 10],
      ["StreamTitle='A';StreamUrl='http://example.org/';", 'A', 30],
      ["StreamTitle='café';", 'café', 40],
      ["StreamUrl='http://example.org/only-url';", null, 50],
    ],
    'empty blocks are skipped; raw text without NUL padding; offsets count audio bytes only',
  );
}

describe('listener helper against a fake server', { timeout: 10_000 }, () => {
  test('ICY over HTTP/1.0: metadata stripped and parsed, whatever the read boundaries, tapped or not', async () => {
    const { body, audio } = icyBody(METAINT, BLOCKS, 7);
    for (const [size, tap] of [1, 3, 16, body.length].flatMap((size) => [[size, false], [size, true]] as const)) {
      const { conn, listener } = await open('/live', 'HTTP/1.0 200 OK\r\nContent-Type: audio/mpeg\r\nicy-metaint: 10\r\nIcy-Name: x\r\nIcy-Name: y\r\n\r\n', { icyMetadata: true, tap });
      assert.equal(listener.tapped, tap);
      assert.equal(listener.responseProtocol, 'HTTP/1.0');
      assert.equal(listener.statusCode, 200);
      assert.equal(listener.statusText, 'OK');
      assert.equal(listener.metaint, METAINT);
      assert.equal(listener.headers['content-type'], 'audio/mpeg');
      assert.equal(listener.headers['icy-name'], 'x, y', 'repeated headers are joined');
      await sendBody(conn, listener, body, size);
      conn.socket.end();
      const closed = await listener.waitForClose(2000);
      assert.equal(closed.by, 'server');
      assertIcy(listener, audio);
      assert.equal(listener.bodyByteCount, body.length);
      assert.deepEqual(Buffer.from(listener.body), Buffer.from(body), 'body keeps the wire bytes');
    }
  });

  test('body bytes in the same read as the head are not lost', async () => {
    const { body, audio } = icyBody(METAINT, BLOCKS, 3);
    const s = await server();
    const pending = connectListener(s.url('/live'), { icyMetadata: true });
    const conn = await s.nextConnection();
    conn.socket.end(Buffer.concat([Buffer.from('HTTP/1.0 200 OK\r\nicy-metaint: 10\r\n\r\n'), body]));
    const listener = await pending;
    await listener.waitForClose(2000);
    assertIcy(listener, audio);
  });

  test('chunked HTTP/1.1 with ICY inside: framing, extensions and trailers removed at every split', async () => {
    const { body: icy, audio } = icyBody(METAINT, BLOCKS, 5);
    const wire = chunked(icy, 13);
    for (const size of [1, 5, wire.length]) {
      const { conn, listener } = await open('/live', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nIcy-MetaInt: 10\r\n\r\n', { icyMetadata: true, httpVersion: '1.1' });
      assert.equal(listener.responseProtocol, 'HTTP/1.1');
      await sendBody(conn, listener, wire, size);
      conn.socket.end();
      await listener.waitForClose(2000);
      assertIcy(listener, audio);
      assert.equal(listener.bodyByteCount, wire.length, 'bodyByteCount counts wire bytes');
    }
  });

  test('chunked without ICY gives the payload; a bad chunk-size line ends the connection with an error', async () => {
    const payload = audioBytes(100, 5);
    const ok = await open('/x', 'HTTP/1.1 200 OK\r\ntransfer-encoding: gzip, chunked\r\n\r\n');
    assert.equal(ok.listener.metaint, null);
    await sendBody(ok.conn, ok.listener, chunked(payload, 32), 7);
    await ok.listener.waitForAudioBytes(100, 2000);
    assert.deepEqual(Buffer.from(ok.listener.audio), Buffer.from(payload));
    ok.conn.socket.end();

    const bad = await open('/x', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n');
    bad.conn.socket.write('zz\r\nabc\r\n');
    const closed = await bad.listener.waitForClose(2000);
    assert.equal(closed.by, 'error');
    assert.match(closed.error?.message ?? '', /bad chunk-size line "zz"/);
  });

  test('a SHOUTcast `ICY 200 OK` answer with bare LF line ends', async () => {
    const { body, audio } = icyBody(METAINT, BLOCKS, 0);
    const { conn, listener } = await open('/', 'ICY 200 OK\nicy-metaint:10\ncontent-type:audio/mpeg\n\n', { icyMetadata: true });
    assert.equal(listener.responseProtocol, 'ICY');
    assert.equal(listener.statusCode, 200);
    assert.equal(listener.metaint, 10);
    await sendBody(conn, listener, body, 4);
    conn.socket.end();
    await listener.waitForClose(2000);
    assertIcy(listener, audio);
  });

  test('without icy-metaint the body is all audio, even when the client asked for metadata', async () => {
    const payload = Buffer.from("StreamTitle='not metadata';");
    const { conn, listener } = await open('/ogg', 'HTTP/1.0 200 OK\r\nContent-Type: audio/ogg\r\n\r\n', { icyMetadata: true });
    assert.equal(listener.metaint, null);
    await sendBody(conn, listener, payload, 5);
    assert.deepEqual(Buffer.from(listener.audio), payload);
    assert.deepEqual(listener.titles, []);
    listener.close();
    assert.equal((await listener.waitForClose(1000)).by, 'client');
  });

  test('waitForTitle and waitForAudioBytes resolve on arrival, and fail when the server closes first', async () => {
    const { conn, listener } = await open('/live', 'HTTP/1.0 200 OK\r\nicy-metaint: 4\r\n\r\n', { icyMetadata: true });
    const title = listener.waitForTitle(/^Later/, 2000);
    const bytes = listener.waitForAudioBytes(8, 2000);
    conn.socket.write(Buffer.concat([Buffer.from('abcd'), icyBlock("StreamTitle='First';"), Buffer.from('efgh'), icyBlock("StreamTitle='Later on';")]));
    assert.equal(await title, 'Later on');
    await bytes;
    assert.equal(await listener.waitForTitle('First', 10), 'First', 'a title seen earlier resolves at once');
    const never = listener.waitForAudioBytes(1000, 2000);
    conn.socket.end();
    await assert.rejects(never, /connection closed first/);
  });

  test('the request head: defaults, Icy-MetaData, overrides in any case, removals, Basic auth, query', async () => {
    const s = await server();
    const pending = connectListener(`http://user:p%40ss@127.0.0.1:${new URL(s.url('/')).port}/test?token=a%20b`, {
      icyMetadata: true,
      httpVersion: '1.1',
      headers: { 'user-agent': 'VLC/3.0', Accept: null, 'X-Extra': '1' },
    });
    const conn = await s.nextConnection();
    conn.socket.end('HTTP/1.0 401 Unauthorized\r\nWWW-Authenticate: Basic realm="x"\r\n\r\nno');
    const listener = await pending;
    const lines = conn.request.split('\r\n');
    assert.equal(lines[0], 'GET /test?token=a%20b HTTP/1.1');
    assert.ok(lines.includes(`Host: 127.0.0.1:${new URL(s.url('/')).port}`));
    assert.ok(lines.includes('Icy-MetaData: 1'));
    assert.ok(lines.includes('user-agent: VLC/3.0'));
    assert.ok(!lines.some((l) => /^user-agent: aircheck/i.test(l)), 'the default User-Agent is replaced');
    assert.ok(!lines.some((l) => /^accept:/i.test(l)), 'null removes a default header');
    assert.ok(lines.includes('X-Extra: 1'));
    assert.ok(lines.includes(`Authorization: Basic ${Buffer.from('user:p@ss').toString('base64')}`));
    assert.equal(listener.requestHead, conn.request);
    assert.equal(listener.statusCode, 401);
    assert.equal(listener.headers['www-authenticate'], 'Basic realm="x"');
    await listener.waitForClose(2000);
    assert.equal(Buffer.from(listener.audio).toString(), 'no');
  });

  test('a connection closed before a complete head, and a server that never answers, reject', async () => {
    const s = await server();
    const pending = connectListener(s.url('/live'));
    const conn = await s.nextConnection();
    conn.socket.end('HTTP/1.0 200 OK\r\nContent-Type: audio/mpeg\r\n');
    await assert.rejects(pending, /closed before a complete response head; got "HTTP\/1.0 200 OK/);

    const silent = connectListener(s.url('/live'), { headTimeoutMs: 200 });
    await s.nextConnection();
    await assert.rejects(silent, /no response head within 200 ms/);

    const garbage = connectListener(s.url('/live'));
    (await s.nextConnection()).socket.write('SSH-2.0-OpenSSH\r\n\r\n');
    await assert.rejects(garbage, /not an HTTP\/ICY status line/);
  });
});

/**
 * A server on its own thread (a stall of the test's thread must not stop it): answers each request
 * with a head, then 100 bytes every 50 ms. Posts its port.
 */
const TICKER_SOURCE = `
const { createServer } = require('node:net');
const { parentPort } = require('node:worker_threads');
const server = createServer((s) => {
  s.on('error', () => {});
  s.setNoDelay(true);
  s.once('data', () => {
    s.write('HTTP/1.0 200 OK\\r\\nContent-Type: audio/mpeg\\r\\n\\r\\n');
    const timer = setInterval(() => s.write(Buffer.alloc(100, 1)), 50);
    s.on('close', () => clearInterval(timer));
  });
});
server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
`;

/** The longest wait between reads (arrivals()), in ms. */
function longestGapMs(l: ListenerHandle): number {
  const a = l.arrivals();
  return Math.max(0, ...a.slice(1).map((x, i) => x.atMs - a[i]!.atMs));
}

describe('the arrival tap (connectListener with tap: true)', { timeout: 15_000 }, () => {
  test('a tapped listener\'s arrival times are not stretched by a stall of the test\'s own thread', async (t) => {
    const ticker = new Worker(TICKER_SOURCE, { eval: true });
    try {
      const [port] = (await once(ticker, 'message')) as [number];
      const url = `http://127.0.0.1:${port}/live`;
      const tapped = await connectListener(url, { tap: true });
      const untapped = await connectListener(url);
      await Promise.all([tapped.waitForAudioBytes(600, 3000), untapped.waitForAudioBytes(600, 3000)]);
      const stallEnd = performance.now() + 600;
      while (performance.now() < stallEnd) {
        // the test's thread is busy (as when it decodes audio); the server and the tap are not
      }
      const after = tapped.audioByteCount + 600;
      await Promise.all([tapped.waitForAudioBytes(after, 3000), untapped.waitForAudioBytes(after, 3000)]);
      assert.ok(longestGapMs(untapped) >= 550, `the stall was real: the untapped listener waited ${longestGapMs(untapped).toFixed(0)} ms`);
      t.diagnostic(`longest wait: untapped ${longestGapMs(untapped).toFixed(0)} ms, tapped ${longestGapMs(tapped).toFixed(0)} ms`);
      const worst = assertOneConnection(tapped, 200);
      assert.ok(worst.gapMs < 200, `the tapped listener's longest wait was ${worst.gapMs.toFixed(0)} ms`);
      assert.equal(tapped.arrivals().at(-1)!.totalBytes, tapped.bodyByteCount, 'the tap\'s reads account for every byte');
      tapped.close();
      untapped.close();
    } finally {
      await ticker.terminate();
    }
  });

  test('assertOneConnection refuses a listener that is not tapped', async () => {
    const { conn, listener } = await open('/live', 'HTTP/1.0 200 OK\r\n\r\n');
    await sendPiece(conn, listener, Buffer.from('abc'));
    assert.throws(() => assertOneConnection(listener, 1000), /pauses are measured only on a tapped listener: connectListener\(url, \{ tap: true \}\)/);
    listener.close();
  });

  test('a paused tapped listener stalls the server\'s writes within a bounded number of bytes', async (t) => {
    const LIMIT_BYTES = 48 * 1024 * 1024;
    const { conn, listener } = await open('/live', 'HTTP/1.0 200 OK\r\n\r\n', { tap: true });
    listener.socket.pause();
    const piece = Buffer.alloc(64 * 1024, 7);
    let written = 0;
    let stalled = false;
    // Write until the server's socket stays full: write() says wait, and no 'drain' comes for 500 ms.
    while (written < LIMIT_BYTES) {
      written += piece.length;
      if (conn.socket.write(piece)) continue;
      const ac = new AbortController();
      const drained = await Promise.race([once(conn.socket, 'drain', { signal: ac.signal }).then(() => true), delay(500, false, { signal: ac.signal })]);
      ac.abort();
      if (!drained) {
        stalled = true;
        break;
      }
    }
    t.diagnostic(`the server was held back after ${(written / 1024 / 1024).toFixed(1)} MiB`);
    assert.ok(stalled, `the server wrote ${written} bytes to a paused listener without being held back`);
    listener.socket.resume();
    await listener.waitForAudioBytes(written, 10_000);
    assert.equal(listener.bodyByteCount, written, 'once resumed, every byte arrives');
    listener.close();
  });

  test('a tapped listener sees how the connection ended: server FIN, server reset, its own close', async () => {
    const fin = await open('/live', 'HTTP/1.0 200 OK\r\n\r\n', { tap: true });
    fin.conn.socket.end('abc');
    assert.equal((await fin.listener.waitForClose(2000)).by, 'server');
    assert.equal(Buffer.from(fin.listener.audio).toString(), 'abc', 'bytes before the FIN are delivered');

    const rst = await open('/live', 'HTTP/1.0 200 OK\r\n\r\n', { tap: true });
    rst.conn.socket.resetAndDestroy();
    const reset = await rst.listener.waitForClose(2000);
    assert.equal(reset.by, 'error');
    assert.match(reset.error?.message ?? '', /ECONNRESET/);

    const own = await open('/live', 'HTTP/1.0 200 OK\r\n\r\n', { tap: true });
    const serverSawClose = once(own.conn.socket, 'close');
    own.listener.close();
    assert.equal((await own.listener.waitForClose(2000)).by, 'client');
    await serverSawClose; // the server sees the listener leave
  });

  test('a tapped listener reaches a server on ::1', async (t) => {
    let v6: FakeServer;
    try {
      v6 = await fakeServer('::1');
    } catch (err) {
      t.skip(`no ::1 on this machine (${(err as Error).message})`);
      return;
    }
    try {
      const pending = connectListener(v6.url('/live'), { tap: true });
      const conn = await Promise.race([v6.nextConnection(), pending.then(() => assert.fail('an answer before the server saw the request'))]);
      assert.match(conn.request, /^Host: \[::1\]:\d+\r$/m);
      assert.equal(conn.socket.remoteAddress, '::1');
      conn.socket.end('HTTP/1.0 200 OK\r\n\r\nover v6');
      const listener = await pending;
      assert.equal(listener.tapped, true);
      await listener.waitForClose(2000);
      assert.equal(Buffer.from(listener.audio).toString(), 'over v6');
    } finally {
      await v6.close();
    }
  });
});

describe('parseStreamTitle', () => {
  test('reads the title, with quotes and semicolons inside, up to the next field or the end', () => {
    assert.equal(parseStreamTitle("StreamTitle='Artist - Song';"), 'Artist - Song');
    assert.equal(parseStreamTitle("StreamTitle='Rock 'n' Roll; live';StreamUrl='http://x/';"), "Rock 'n' Roll; live");
    assert.equal(parseStreamTitle("StreamTitle='';"), '');
    assert.equal(parseStreamTitle("StreamUrl='http://x/';"), null);
    assert.equal(parseStreamTitle("StreamTitle='no end"), null);
  });
});
