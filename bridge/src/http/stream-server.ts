// The stream port: a node:net server that reads each connection's request head with our own parser
// (HTTP/1.0 and 1.1, SOURCE, body-less PUT), hands sources and mount GETs to their handlers and
// every other request to node:http. Bounded: pending connections, head size, head time.
import net from 'node:net';
import type { Server as HttpServer } from 'node:http';
import type { Logger } from 'pino';
import { AircheckError, isAircheckError } from '../../../shared/src/errors.ts';
import { parseRequestHead, type RequestHead } from './request-head.ts';
import { sendError } from './responses.ts';

export interface StreamServerDeps {
  maxPendingConnections: () => number;
  maxHeadBytes: () => number;
  headTimeoutMs: () => number;
  isMount: (path: string) => boolean;
  onSource: (socket: net.Socket, head: RequestHead, rest: Uint8Array) => void;
  onListener: (socket: net.Socket, head: RequestHead, rest: Uint8Array) => void;
  /** Other requests (status, admin, metrics, web pages) go to this node:http server. */
  http: HttpServer;
  onRejected: (code: string) => void;
  log: Logger;
}

export function createStreamServer(deps: StreamServerDeps): net.Server {
  let pending = 0;
  const server = net.createServer({ noDelay: true, pauseOnConnect: false }, (socket) => {
    if (pending >= deps.maxPendingConnections()) {
      deps.onRejected('HTTP_TOO_MANY_PENDING');
      socket.destroy();
      return;
    }
    pending++;
    let buffered: Buffer = Buffer.alloc(0);
    let settled = false;
    const settle = () => {
      if (settled) return false;
      settled = true;
      pending--;
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('close', onClose);
      return true;
    };
    const timer = setTimeout(() => {
      if (!settle()) return;
      deps.onRejected('HTTP_TIMEOUT');
      sendError(socket, new AircheckError('HTTP_TIMEOUT', `no complete request head within ${deps.headTimeoutMs()} ms: send the request line and headers, then a blank line`));
    }, deps.headTimeoutMs());
    const onError = () => {
      if (settle()) socket.destroy();
    };
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
        deps.log.debug({ remote: socket.remoteAddress, code: error.code }, 'bad request head');
        sendError(socket, error);
        return;
      }
      if (!head) return;
      settle();
      const rest = buffered.subarray(head.headBytes);
      socket.pause();
      // From here on handlers own the socket; an error must never go unhandled (it would end the process).
      socket.on('error', () => socket.destroy());
      try {
        route(head, socket, rest, buffered);
      } catch (err) {
        deps.log.error({ err }, 'request handler failed');
        socket.destroy();
      }
    };
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onClose);
  });

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
