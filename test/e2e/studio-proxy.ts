// Serves dist/studio and proxies everything else (HTTP and the WebSocket upgrade) to a bridge's web port:
// lets the e2e benchmark run against a bridge that does not serve the studio itself (a dev build).
// With uplinkDelayMs (a test-only knob of the glass-to-glass benchmark), every byte the studio sends
// over the WebSocket reaches the bridge that much later, in order: a studio lagging on purpose.
// cutUplink() drops every studio WebSocket and refuses new ones until restoreUplink() (a network cut);
// with uplinkBytesPerSecond the studio's bytes reach the bridge at most that fast (a real uplink, so a
// backlog resent after a cut takes its time).
import { createServer, request } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createStaticHandler } from '../../bridge/src/web/static-files.ts';
import { STUDIO_DIST } from './browser.ts';
export interface StudioProxy {
  url: string;
  close(): void;
  cutUplink(): void;
  restoreUplink(): void;
  /** Date.now() of the last WebSocket upgrade let through. */
  readonly lastUpgradeAtMs: number;
  /** With uplinkBytesPerSecond: each time more than 1 s of the rate was queued, and when the queue emptied (Date.now()). */
  readonly backlogs: readonly { fromMs: number; drainedAtMs: number }[];
}

export async function startStudioProxy(bridgeWebUrl: string, opts: { uplinkDelayMs?: number; uplinkBytesPerSecond?: number } = {}): Promise<StudioProxy> {
  const delayMs = opts.uplinkDelayMs ?? 0;
  /** Each studio WebSocket and its connection to the bridge. */
  const upgraded = new Map<import('node:stream').Duplex, import('node:net').Socket>();
  let cut = false;
  let lastUpgradeAtMs = 0;
  let queuedBytes = 0;
  let backlogFrom: number | null = null;
  const backlogs: { fromMs: number; drainedAtMs: number }[] = [];
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
    if (cut) {
      socket.destroy();
      return;
    }
    lastUpgradeAtMs = Date.now();
    socket.on('close', () => upgraded.delete(socket));
    const up = connect(Number(target.port), target.hostname, () => {
      let raw = `${req.method} ${req.url} HTTP/1.1\r\n`;
      for (let i = 0; i < req.rawHeaders.length; i += 2) raw += `${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}\r\n`;
      up.write(raw + '\r\n');
      up.pipe(socket);
      if (opts.uplinkBytesPerSecond) {
        // A token bucket refilled by the time that really passed (a busy event loop fires this timer
        // late, and a link does not slow down because its simulator is busy): every ~10 ms, what the
        // rate allows of the queued bytes, in order; at most 100 ms of the rate in one go.
        const rate = opts.uplinkBytesPerSecond;
        const queue: Buffer[] = [head];
        let allowance = 0;
        let refilledAt = performance.now();
        const timer = setInterval(() => {
          const now = performance.now();
          allowance = Math.min(allowance + (rate * (now - refilledAt)) / 1000, rate / 10);
          refilledAt = now;
          while (queue.length > 0 && allowance > 0) {
            const chunk = queue[0]!;
            if (chunk.length === 0) {
              queue.shift();
              continue;
            }
            const n = Math.min(chunk.length, Math.floor(allowance));
            if (n <= 0) break;
            if (up.writable) up.write(chunk.subarray(0, n));
            allowance -= n;
            if (n === chunk.length) queue.shift();
            else queue[0] = chunk.subarray(n);
          }
          queuedBytes = queue.reduce((sum, c) => sum + c.length, 0);
          if (queuedBytes === 0 && backlogFrom !== null) {
            backlogs.push({ fromMs: backlogFrom, drainedAtMs: Date.now() });
            backlogFrom = null;
          }
        }, 10);
        socket.on('data', (chunk: Buffer) => {
          queue.push(chunk);
          queuedBytes += chunk.length;
          // A queue of more than 1 s of the rate is a backlog: note when it has all gone through.
          if (queuedBytes > rate && backlogFrom === null) backlogFrom = Date.now();
        });
        socket.on('close', () => clearInterval(timer));
        up.on('close', () => clearInterval(timer));
        return;
      }
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
    upgraded.set(socket, up);
    up.on('error', () => socket.destroy());
    socket.on('error', () => up.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => { server.closeAllConnections(); server.close(); for (const [s, up] of upgraded) { s.destroy(); up.destroy(); } },
    /** Both sides go: the studio sees its connection drop, the bridge sees the studio leave. */
    cutUplink: () => {
      cut = true;
      for (const [s, up] of upgraded) {
        s.destroy();
        up.destroy();
      }
    },
    restoreUplink: () => {
      cut = false;
    },
    get lastUpgradeAtMs() {
      return lastUpgradeAtMs;
    },
    backlogs,
  };
}
