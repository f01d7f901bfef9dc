// A TCP proxy between a source client and the server that can cut the network for a while, and
// keeps what the client sent on each connection (the request head apart from the body): the
// record of what the source really sent, taken outside the server under test.
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export interface ProxiedConnection {
  /** The request line ("SOURCE /live HTTP/1.0", "PUT /live HTTP/1.1", "GET /admin/metadata…"). */
  requestLine: string;
  /** The body bytes the client sent after its request head, all delivered to the server. */
  body(): Buffer;
  openedAtMs: number;
  /** When the first body byte passed (null until then). */
  firstBodyAtMs: number | null;
}

export interface CutProxy {
  host: string;
  port: number;
  readonly connections: readonly ProxiedConnection[];
  /**
   * Cuts every connection now (the client gets a reset; what it sent reaches the server, which sees
   * the connection end) and refuses new ones for ms. Resolves when the refusal ends.
   */
  cut(ms: number): Promise<void>;
  /** Resolves with the next connection whose request line matches. */
  nextConnection(match: RegExp): Promise<ProxiedConnection>;
  close(): Promise<void>;
}

export async function startCutProxy(target: { host: string; port: number }): Promise<CutProxy> {
  const sockets = new Set<Socket>();
  const connections: ProxiedConnection[] = [];
  const waiters: { match: RegExp; resolve: (c: ProxiedConnection) => void }[] = [];
  let refusing = false;
  const pairs = new Set<{ client: Socket; upstream: Socket }>();
  const server: Server = createServer((client) => {
    client.on('error', () => {});
    if (refusing) {
      client.destroy();
      return;
    }
    sockets.add(client);
    const upstream = createConnection(target);
    upstream.on('error', () => client.destroy());
    sockets.add(upstream);
    const pair = { client, upstream };
    pairs.add(pair);
    let head = Buffer.alloc(0);
    const body: Buffer[] = [];
    let conn: ProxiedConnection | null = null;
    client.on('data', (chunk: Buffer) => {
      upstream.write(chunk);
      if (!conn) {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        conn = {
          requestLine: head.subarray(0, head.indexOf('\r\n')).toString('latin1'),
          body: () => Buffer.concat(body), openedAtMs: Date.now(), firstBodyAtMs: null,
        };
        connections.push(conn);
        for (const w of [...waiters]) {
          if (w.match.test(conn.requestLine)) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(conn);
          }
        }
        chunk = head.subarray(end + 4);
      }
      if (chunk.length > 0) {
        conn.firstBodyAtMs ??= Date.now();
        body.push(Buffer.from(chunk));
      }
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    client.on('close', () => {
      pairs.delete(pair);
      sockets.delete(client);
      upstream.end();
    });
    upstream.on('close', () => {
      sockets.delete(upstream);
      client.destroy();
    });
  });
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    host: '127.0.0.1',
    port,
    connections,
    async cut(ms) {
      refusing = true;
      for (const { client, upstream } of [...pairs]) {
        upstream.end(); // what the client sent reaches the server, which sees the connection end
        client.resetAndDestroy();
      }
      await new Promise((r) => setTimeout(r, ms));
      refusing = false;
    },
    nextConnection(match) {
      return new Promise((resolve) => waiters.push({ match, resolve }));
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
