// The worker thread behind arrival-tap.ts: relays one TCP connection per request (a test listener ↔
// the server under test) and stamps every chunk from the server with (cumulative bytes, time) in a
// SharedArrayBuffer the test's main thread reads. Nothing else runs here, so the times are the wire's.
import { createConnection, createServer, type Socket } from 'node:net';
import { parentPort } from 'node:worker_threads';
import { RECORD_OFFSET_BYTES, type TapOpenReply, type TapOpenRequest } from './arrival-tap.ts';

/** A tap nobody connects to (the caller failed before connecting) stops listening after this. */
const ACCEPT_TIMEOUT_MS = 30_000;

function relay(req: TapOpenRequest, down: Socket): void {
  const count = new Int32Array(req.sab, 0, 1);
  const records = new Float64Array(req.sab, RECORD_OFFSET_BYTES);
  const capacity = records.length / 2;
  let totalBytes = 0;
  const up = createConnection({ host: req.host, port: req.port, noDelay: true });

  // Close semantics: upstream FIN → downstream FIN; upstream error (RST, refused) → downstream RST;
  // downstream close or error → upstream destroyed. Each socket keeps one error handler for life.
  up.on('error', () => {
    if (!down.destroyed) down.resetAndDestroy();
  });
  up.on('end', () => down.end());
  down.on('error', () => up.destroy()); // 'close' follows; nothing to report here
  down.on('close', () => up.destroy());

  // Server → listener, with backpressure: a listener that stops reading stalls the upstream read.
  up.on('data', (chunk: Buffer) => {
    totalBytes += chunk.length;
    // Record before forwarding, so the main thread finds the record when these bytes reach it.
    const n = Atomics.load(count, 0);
    const i = (n % capacity) * 2;
    records[i] = totalBytes;
    records[i + 1] = performance.timeOrigin + performance.now();
    Atomics.store(count, 0, n + 1);
    if (!down.write(chunk)) up.pause();
  });
  down.on('drain', () => up.resume());
  // Listener → server (the request), with backpressure too.
  down.on('data', (chunk: Buffer) => {
    if (!up.write(chunk)) down.pause();
  });
  up.on('drain', () => down.resume());
}

parentPort!.on('message', (req: TapOpenRequest) => {
  const reply = (r: TapOpenReply): void => parentPort!.postMessage(r);
  const server = createServer({ noDelay: true }, (down) => {
    server.close(); // exactly one connection per tap
    clearTimeout(idle);
    relay(req, down);
  });
  const idle = setTimeout(() => server.close(), ACCEPT_TIMEOUT_MS);
  server.on('error', (err) => {
    clearTimeout(idle);
    reply({ id: req.id, error: err.message });
  });
  server.listen(0, '127.0.0.1', () => reply({ id: req.id, port: (server.address() as { port: number }).port }));
});
