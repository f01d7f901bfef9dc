// The stream port: a node:net server that reads each connection's request head with our own parser
// (HTTP/1.0 and 1.1, SOURCE, body-less PUT), hands sources and mount GETs to their handlers and
// every other request to node:http. Bounded: unfinished connections per address and in all (the
// oldest are dropped first, so admission stays open), head size, head time.
import net from 'node:net';
import tls from 'node:tls';
import type { Server as HttpServer } from 'node:http';
import type { Logger } from 'pino';
import { AircheckError, isAircheckError, type ErrorCode } from '../../../shared/src/errors.ts';
import { parseRequestHead, type RequestHead } from './request-head.ts';
import { sendError } from './responses.ts';
import { PendingConnections } from './pending-connections.ts';
import { markClient } from './client-address.ts';
import type { ForwardedClient } from './trusted-proxies.ts';

export interface StreamServerDeps {
  maxPendingConnections: () => number;
  maxPendingPerAddress: () => number;
  maxHeadBytes: () => number;
  headTimeoutMs: () => number;
  isMount: (path: string) => boolean;
  onSource: (socket: net.Socket, head: RequestHead, rest: Uint8Array) => void;
  onListener: (socket: net.Socket, head: RequestHead, rest: Uint8Array) => void;
  /** Other requests (status, admin, metrics, web pages) go to this node:http server. */
  http: HttpServer;
  onRejected: (code: ErrorCode) => void;
  log: Logger;
  /** TLS (the web port with [web] tls_cert_file): the certificate and key; reloaded with setSecureContext. */
  tls?: { cert: Buffer; key: Buffer };
  /** The real client behind a trusted proxy (trusted-proxies.ts), from the peer and the request head. */
  clientOf?: (peer: string, header: (name: string) => string | undefined) => ForwardedClient;
  /** A trusted proxy carries many clients: its unfinished connections count only against the total. */
  isTrustedProxy?: (peer: string) => boolean;
}

/**
 * The one 'error' handler every accepted socket gets at accept time and keeps for its whole life:
 * a reset (ECONNRESET, EPIPE) at any stage — mid-head, while an error answer is written, mid-stream —
 * must never become an unhandled 'error' event, which would end the process (FACTS.md, Node sockets).
 * Stages add their own handlers beside it; nobody removes this one.
 */
export function guardSocket(socket: net.Socket): void {
  socket.on('error', destroyOnError);
}
function destroyOnError(this: net.Socket): void {
  this.destroy();
}

export function createStreamServer(deps: StreamServerDeps): net.Server {
  const pending = new PendingConnections();
  const onConnection = (socket: net.Socket) => {
    guardSocket(socket);
    const address = socket.remoteAddress ?? 'unknown';
    // Admission stays open: past a limit, the oldest unfinished connection (of this address, then of
    // anyone) makes room for the new one, so slow or idle heads cannot lock new clients out.
    const perAddress = deps.isTrustedProxy?.(address) ? Infinity : deps.maxPendingPerAddress();
    const evicted = pending.makeRoom(address, perAddress, deps.maxPendingConnections());
    for (let i = 0; i < evicted; i++) deps.onRejected('HTTP_TOO_MANY_PENDING');
    let buffered: Buffer = Buffer.alloc(0);
    let settled = false;
    const entry = pending.add(address, () => {
      // Evicted: this connection was the oldest unfinished one when the limit was reached.
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.destroy();
    });
    const settle = () => {
      if (settled) return false;
      settled = true;
      pending.remove(entry);
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      return true;
    };
    const timer = setTimeout(() => {
      if (!settle()) return;
      deps.onRejected('HTTP_TIMEOUT');
      sendError(socket, new AircheckError('HTTP_TIMEOUT', `no complete request head within ${deps.headTimeoutMs()} ms: send the request line and headers, then a blank line`));
    }, deps.headTimeoutMs());
    const onClose = () => settle();
    const onData = (chunk: Buffer) => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      let head: RequestHead | null;
      try {
        head = parseRequestHead(buffered, deps.maxHeadBytes());
      } catch (err) {
        settle();
        const error = isAircheckError(err) ? err : new AircheckError('HTTP_BAD_REQUEST', 'request head could not be parsed', { cause: err });
        deps.onRejected(error.code);
        deps.log.debug({ remote: address, code: error.code }, 'bad request head');
        sendError(socket, error);
        return;
      }
      if (!head) return;
      settle();
      const headers = head.headers;
      if (deps.clientOf) markClient(socket, deps.clientOf(address, (name) => headers.get(name)));
      const rest = buffered.subarray(head.headBytes);
      socket.pause();
      try {
        route(head, socket, rest, buffered);
      } catch (err) {
        deps.log.error({ err }, 'request handler failed');
        socket.destroy();
      }
    };
    socket.on('data', onData);
    socket.on('close', onClose);
  };
  // With TLS the same handling starts once the handshake is done (node:tls decrypts underneath);
  // a failed handshake only ends that connection.
  const server: net.Server = deps.tls
    ? tls.createServer({ cert: deps.tls.cert, key: deps.tls.key, pauseOnConnect: false }, (socket) => {
        socket.setNoDelay(true);
        onConnection(socket);
      })
    : net.createServer({ noDelay: true, pauseOnConnect: false }, onConnection);
  if (deps.tls) server.on('tlsClientError', (err) => deps.log.debug({ err: err.message }, 'TLS handshake failed'));
  // A listening socket's own errors (EMFILE on accept, …) are logged, never fatal.
  server.on('error', (err) => deps.log.error({ err }, 'stream server error'));

  function route(head: RequestHead, socket: net.Socket, rest: Uint8Array, raw: Buffer): void {
    if (head.method === 'SOURCE' || head.method === 'PUT') {
      deps.onSource(socket, head, rest);
      return;
    }
    if ((head.method === 'GET' || head.method === 'HEAD') && deps.isMount(head.path)) {
      deps.onListener(socket, head, rest);
      return;
    }
    // Everything else is ordinary HTTP: give node:http the bytes we read and the socket.
    socket.unshift(raw);
    deps.http.emit('connection', socket);
    socket.resume();
  }

  server.maxConnections = 65_000;
  return server;
}
