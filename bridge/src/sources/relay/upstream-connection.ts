// One HTTP(S) GET to a relay's upstream over a raw socket (node:net / node:tls: upstreams answer
// `HTTP/1.0` or SHOUTcast's `ICY 200 OK`, without length): sends the request, reads the response head
// (upstream-response.ts), then hands on the body (chunked decoded when the server chunks it). The
// socket has one error handler for its whole life. Created by pull-relay.ts; feeds it events.
import net from 'node:net';
import tls from 'node:tls';
import { ChunkedDecoder } from '../../http/chunked-decoder.ts';
import { parseUpstreamHead, type UpstreamHead } from './upstream-response.ts';

export interface UpstreamRequest {
  url: URL;
  /** Basic auth, sent only when user is set. */
  user: string | null;
  password: string | null;
  /** Send `Icy-MetaData: 1`. */
  icyMetadata: boolean;
  userAgent: string;
}

/** Why a connection ended: before the head (no answer), a head that is not HTTP, or after the head. */
export type UpstreamEnd =
  | { phase: 'connect'; message: string; cause?: Error }
  | { phase: 'head'; message: string }
  | { phase: 'body'; message: string; cause?: Error };

export interface UpstreamEvents {
  onHead(head: UpstreamHead): void;
  onBody(chunk: Uint8Array): void;
  /** Called once, unless close() was called first. */
  onEnd(end: UpstreamEnd): void;
}

/** What pull-relay.ts needs of a connection (a fake in unit tests). */
export interface UpstreamConnection {
  pause(): void;
  resume(): void;
  /** Ends at once; no more events. */
  close(): void;
}

export type ConnectUpstream = (req: UpstreamRequest, events: UpstreamEvents) => UpstreamConnection;

/** Time to connect and get the response head. */
export const HEAD_TIMEOUT_MS = 10_000;

/** The request head (RFC 9112 §3): HTTP/1.0, so the server streams the body without chunking. */
export function upstreamRequestHead(req: UpstreamRequest): string {
  const u = req.url;
  const lines = [
    `GET ${u.pathname || '/'}${u.search} HTTP/1.0`,
    `Host: ${u.host}`,
    `User-Agent: ${req.userAgent}`,
    'Accept: */*',
  ];
  if (req.icyMetadata) lines.push('Icy-MetaData: 1');
  if (req.user !== null) lines.push(`Authorization: Basic ${Buffer.from(`${req.user}:${req.password ?? ''}`).toString('base64')}`);
  lines.push('Connection: close');
  return `${lines.join('\r\n')}\r\n\r\n`;
}

export const connectUpstream: ConnectUpstream = (req, events) => {
  const u = req.url;
  const secure = u.protocol === 'https:';
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(u.port) || (secure ? 443 : 80);
  const socket: net.Socket = secure
    ? tls.connect({ host, port, servername: net.isIP(host) ? undefined : host })
    : net.connect({ host, port });
  let done = false;
  let head: UpstreamHead | null = null;
  let pending: Uint8Array = new Uint8Array(0);
  let chunked: ChunkedDecoder | null = null;
  const finish = (end: UpstreamEnd) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    socket.destroy();
    events.onEnd(end);
  };
  const timer = setTimeout(() => finish({ phase: 'connect', message: `no answer within ${HEAD_TIMEOUT_MS / 1000} s` }), HEAD_TIMEOUT_MS);
  // One handler for the socket's whole life: a reset after close() must not end the process.
  socket.on('error', (err) => finish(head ? { phase: 'body', message: `connection failed: ${err.message}`, cause: err } : { phase: 'connect', message: err.message, cause: err }));
  socket.on('close', () => finish(head ? { phase: 'body', message: 'the upstream closed the connection' } : { phase: 'connect', message: 'the connection closed before an answer' }));
  socket.once(secure ? 'secureConnect' : 'connect', () => {
    socket.setNoDelay(true);
    socket.write(upstreamRequestHead(req));
  });
  const body = (bytes: Uint8Array) => {
    if (bytes.length === 0 || done) return;
    if (!chunked) return events.onBody(bytes);
    let parts: Uint8Array[];
    try {
      parts = chunked.push(bytes);
    } catch (err) {
      return finish({ phase: 'body', message: `bad chunked body: ${(err as Error).message}`, cause: err as Error });
    }
    for (const p of parts) if (!done) events.onBody(p);
  };
  socket.on('data', (buf: Buffer) => {
    if (done) return;
    if (head) return body(buf);
    pending = pending.length === 0 ? buf : Buffer.concat([pending, buf]);
    const parsed = parseUpstreamHead(pending);
    if (parsed.kind === 'incomplete') return;
    if (parsed.kind === 'invalid') return finish({ phase: 'head', message: parsed.reason });
    head = parsed.head;
    clearTimeout(timer);
    if (/\bchunked\b/i.test(head.headers.get('transfer-encoding') ?? '')) chunked = new ChunkedDecoder();
    const rest = pending.subarray(parsed.bodyStart);
    pending = new Uint8Array(0);
    events.onHead(head);
    body(rest);
  });
  return {
    pause: () => socket.pause(),
    resume: () => socket.resume(),
    close: () => {
      done = true;
      clearTimeout(timer);
      socket.destroy();
    },
  };
};
