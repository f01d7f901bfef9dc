// Raw HTTP response heads for the connections the stream server answers itself (sources and
// listeners speak HTTP/1.0 with Icecast quirks). Fed by source/listener request handlers.
import { AircheckError } from '../../../shared/src/errors.ts';

export const SERVER_HEADER = 'Aircheck/0.1 (Icecast 2.4.4 compatible)';

const REASONS: Record<number, string> = {
  100: 'Continue',
  200: 'OK',
  204: 'No Content',
  400: 'Bad Request',
  401: 'Authentication Required',
  403: 'Forbidden',
  404: 'File Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export const CORS_HEADERS: [string, string][] = [
  ['Access-Control-Allow-Origin', '*'],
  ['Access-Control-Allow-Headers', 'Origin, Accept, X-Requested-With, Content-Type, Icy-MetaData, Range'],
  ['Access-Control-Allow-Methods', 'GET, OPTIONS, HEAD'],
  ['Access-Control-Expose-Headers', 'icy-br, icy-description, icy-genre, icy-metaint, icy-name, icy-pub, icy-url, icy-sr, ice-audio-info'],
];

export function responseHead(status: number, headers: [string, string][], version: '1.0' | '1.1' = '1.0'): string {
  let head = `HTTP/${version} ${status} ${REASONS[status] ?? 'Unknown'}\r\nServer: ${SERVER_HEADER}\r\nDate: ${new Date().toUTCString()}\r\n`;
  for (const [k, v] of headers) head += `${k}: ${v.replace(/[\r\n]/g, ' ')}\r\n`;
  return `${head}\r\n`;
}

/** A complete plain-text error response: `CODE: message`, then the connection closes. */
export function errorResponse(err: AircheckError, extra: [string, string][] = []): string {
  const body = `${err.code}: ${err.message}\n`;
  return (
    responseHead(err.httpStatus, [
      ['Content-Type', 'text/plain; charset=utf-8'],
      ['Content-Length', String(Buffer.byteLength(body))],
      ['Connection', 'close'],
      ...extra,
    ]) + body
  );
}

/** Writes an error response and closes the socket once it is sent. */
export function sendError(socket: import('node:net').Socket, err: AircheckError, extra: [string, string][] = []): void {
  if (socket.destroyed) return;
  socket.end(errorResponse(err, extra));
  // A client that never reads its answer does not keep the socket.
  socket.setTimeout(5000, () => socket.destroy());
}

/**
 * node:http's 'clientError' (its parser refused the request: bare LF line ends, bytes not allowed
 * in a path, a head too large or too slow): answered with the code, as our own parser answers,
 * never a silent close. A connection the client already reset is only destroyed.
 */
export function answerClientError(err: Error & { code?: string }, socket: import('node:stream').Duplex): void {
  if (err.code === 'ECONNRESET' || !socket.writable || socket.destroyed) {
    socket.destroy();
    return;
  }
  const parserCode = err.code ?? 'unknown';
  const error =
    parserCode === 'HPE_HEADER_OVERFLOW'
      ? new AircheckError('HTTP_HEADER_TOO_LARGE', 'the request head is larger than limits.max_head_bytes: send fewer or shorter headers')
      : parserCode === 'HPE_HEADERS_TIMEOUT' || parserCode === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? new AircheckError('HTTP_TIMEOUT', 'the request did not arrive in time: send the request line and headers, then a blank line, promptly')
        : new AircheckError('HTTP_BAD_REQUEST', `the request is not valid HTTP (parser: ${parserCode}): end lines with CRLF, percent-encode the path, send "METHOD /path HTTP/1.1"`);
  socket.end(errorResponse(error));
  // A client that never reads its answer does not keep the socket.
  if ('setTimeout' in socket && typeof socket.setTimeout === 'function') (socket as import('node:net').Socket).setTimeout(5000, () => socket.destroy());
}
