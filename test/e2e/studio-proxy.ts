// Serves dist/studio and proxies everything else (HTTP and the WebSocket upgrade) to a bridge's web port:
// lets the e2e benchmark run against a bridge that does not serve the studio itself (a dev build).
// With uplinkDelayMs (a test-only knob of the glass-to-glass benchmark), every byte the studio sends
// over the WebSocket reaches the bridge that much later, in order: a studio lagging on purpose.
import { createServer, request } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createStaticHandler } from '../../bridge/src/web/static-files.ts';
import { STUDIO_DIST } from './browser.ts';
export async function startStudioProxy(bridgeWebUrl: string, opts: { uplinkDelayMs?: number } = {}): Promise<{ url: string; close(): void }> {
  const delayMs = opts.uplinkDelayMs ?? 0;
  const target = new URL(bridgeWebUrl);
  const statics = createStaticHandler(STUDIO_DIST, '/studio');
  const server = createServer((req, res) => {
    if (statics(req, res)) return;
    const up = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  server.on('upgrade', (req, socket, head) => {
    const up = connect(Number(target.port), target.hostname, () => {
      let raw = `${req.method} ${req.url} HTTP/1.1\r\n`;
      for (let i = 0; i < req.rawHeaders.length; i += 2) raw += `${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}\r\n`;
      up.write(raw + '\r\n');
      up.pipe(socket);
      if (delayMs <= 0) {
        up.write(head);
        socket.pipe(up);
        return;
      }
      // Timers of one duration fire in the order they were set: the bytes keep their order.
      const later = (chunk: Buffer): void => void setTimeout(() => up.writable && up.write(chunk), delayMs);
      later(head);
      socket.on('data', later);
      socket.on('end', () => setTimeout(() => up.end(), delayMs));
    });
    up.on('error', () => socket.destroy());
    socket.on('error', () => up.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => { server.closeAllConnections(); server.close(); } };
}
