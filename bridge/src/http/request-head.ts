// Incremental HTTP/1.x request head parser (RFC 9112 §2–§5) for the stream port, tolerant of the
// HTTP/1.0 sources use (no Host, SOURCE method, bare LF), plus Basic auth and response-head helpers.
// Fed the first bytes of each connection by stream-server.ts; feeds it the method, mount path and
// headers that route the connection to a source, a listener or node:http.

import { AircheckError } from '../../../shared/src/errors.ts';

export interface RequestHead {
  method: string;
  /** The request-target exactly as sent. */
  target: string;
  /** The target's path, percent-decoded ('*' for OPTIONS *, '' for CONNECT's authority-form). */
  path: string;
  query: URLSearchParams;
  version: '1.0' | '1.1';
  /** Lowercase field name → value; repeated fields joined with ', ' (RFC 9110 §5.3). */
  headers: Map<string, string>;
  /** Length of the head, blank line included: the body starts at buf[headBytes]. */
  headBytes: number;
}

const LF = 0x0a;
const CR = 0x0d;
const SP = 0x20;
const HTAB = 0x09;

// RFC 9110 §5.6.2: tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
const TCHAR = new Uint8Array(128);
for (let c = 0x30; c <= 0x39; c++) TCHAR[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TCHAR[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TCHAR[c] = 1;
for (const ch of "!#$%&'*+-.^_`|~") TCHAR[ch.charCodeAt(0)] = 1;

function isTchar(b: number): boolean {
  return b < 128 && TCHAR[b] === 1;
}

const utf8 = new TextDecoder('utf-8');
const utf8Fatal = new TextDecoder('utf-8', { fatal: true });

function badRequest(message: string): AircheckError {
  return new AircheckError('HTTP_BAD_REQUEST', message);
}

/**
 * Parses the request head at the start of buf. Returns null while the head is incomplete; throws
 * HTTP_BAD_REQUEST for malformed heads (as soon as the bytes present prove it) and
 * HTTP_HEADER_TOO_LARGE as soon as maxHeadBytes bytes have arrived without the blank line.
 */
export function parseRequestHead(buf: Uint8Array, maxHeadBytes: number): RequestHead | null {
  const limit = Math.min(buf.length, maxHeadBytes);
  // RFC 9112 §2.2: ignore at least one empty line before the request-line.
  let start = 0;
  while (start < limit && (buf[start] === LF || buf[start] === CR)) {
    if (buf[start] === LF) start++;
    else if (start + 1 >= buf.length) return null; // a CR whose LF has not arrived yet
    else if (buf[start + 1] === LF) start += 2;
    else break;
  }
  checkMethodPrefix(buf, start, limit);

  // Find the end of the head: the first empty line (CRLF CRLF, or bare LF tolerated per §2.2).
  const lineEnds: number[] = [];
  let line: ReturnType<typeof parseRequestLine> | null = null;
  let headBytes = -1;
  let lineStart = start;
  for (;;) {
    const lf = buf.indexOf(LF, lineStart);
    if (lf === -1 || lf >= limit) break;
    const contentEnd = lf > lineStart && buf[lf - 1] === CR ? lf - 1 : lf;
    if (contentEnd === lineStart && line !== null) {
      headBytes = lf + 1;
      break;
    }
    if (line === null) line = parseRequestLine(buf, start, contentEnd); // rejects garbage early
    lineEnds.push(lf);
    lineStart = lf + 1;
  }
  if (headBytes === -1 || line === null) {
    if (buf.length >= maxHeadBytes) {
      throw new AircheckError('HTTP_HEADER_TOO_LARGE',
        `request head is larger than ${maxHeadBytes} bytes without its ending blank line; send fewer or shorter header fields`);
    }
    return null;
  }

  const headers = new Map<string, string>();
  let hostCount = 0;
  for (let i = 1; i < lineEnds.length; i++) {
    const from = (lineEnds[i - 1] as number) + 1;
    const lf = lineEnds[i] as number;
    const to = buf[lf - 1] === CR ? lf - 1 : lf;
    const [name, value] = parseFieldLine(buf, from, to, i);
    if (name === 'host') hostCount++;
    const existing = headers.get(name);
    headers.set(name, existing === undefined ? value : `${existing}, ${value}`);
  }
  // RFC 9112 §3.2: a request with more than one Host field is rejected.
  if (hostCount > 1) throw badRequest(`request has ${hostCount} Host header fields, RFC 9112 §3.2 allows one; send a single Host`);
  const contentLength = headers.get('content-length');
  if (contentLength !== undefined) headers.set('content-length', checkContentLength(contentLength));
  return { ...line, headers, headBytes };
}

/** Rejects at once a connection whose first bytes cannot be a method (TLS, binary garbage). */
function checkMethodPrefix(buf: Uint8Array, start: number, limit: number): void {
  for (let i = start; i < limit; i++) {
    const b = buf[i] as number;
    if (b === SP && i > start) return;
    if (!isTchar(b)) {
      throw badRequest(`request-line starts with byte 0x${b.toString(16).padStart(2, '0')} at offset ${i}, expected a method token such as GET or SOURCE (RFC 9112 §3); this port speaks plain HTTP/1.x — no TLS`);
    }
  }
}

function parseRequestLine(
  buf: Uint8Array,
  from: number,
  to: number,
): Pick<RequestHead, 'method' | 'target' | 'path' | 'query' | 'version'> {
  // RFC 9112 §3: request-line = method SP request-target SP HTTP-version
  const sp1 = buf.indexOf(SP, from);
  const sp2 = sp1 === -1 || sp1 >= to ? -1 : buf.indexOf(SP, sp1 + 1);
  if (sp1 === -1 || sp1 >= to || sp2 === -1 || sp2 >= to || buf.indexOf(SP, sp2 + 1) !== -1 && buf.indexOf(SP, sp2 + 1) < to) {
    throw badRequest(`request-line ${describeLine(buf, from, to)} is not "METHOD SP target SP HTTP/1.x" (RFC 9112 §3); send e.g. "SOURCE /live HTTP/1.0"`);
  }
  for (let i = from; i < sp1; i++) {
    if (!isTchar(buf[i] as number)) throw badRequest(`request method ${describeLine(buf, from, sp1)} is not a token (RFC 9112 §3.1); send e.g. GET, PUT or SOURCE`);
  }
  const method = latin1(buf, from, sp1);
  if (sp2 === sp1 + 1) throw badRequest('request-target is empty (RFC 9112 §3.2); send a path such as /live');
  for (let i = sp1 + 1; i < sp2; i++) {
    const b = buf[i] as number;
    if (b < 0x21 || b === 0x7f) {
      throw badRequest(`request-target contains control byte 0x${b.toString(16).padStart(2, '0')} (RFC 9112 §3.2); percent-encode it`);
    }
  }
  const target = utf8.decode(buf.subarray(sp1 + 1, sp2));
  const versionText = latin1(buf, sp2 + 1, to);
  let version: '1.0' | '1.1';
  if (versionText === 'HTTP/1.1') version = '1.1';
  else if (versionText === 'HTTP/1.0') version = '1.0';
  else {
    throw badRequest(`HTTP version ${JSON.stringify(versionText.slice(0, 20))} is not supported (RFC 9112 §2.3): send HTTP/1.0 or HTTP/1.1`);
  }
  const { path, query } = splitTarget(target, method);
  return { method, target, path, query, version };
}

/** RFC 9112 §3.2: origin-form, absolute-form, authority-form (CONNECT) or asterisk-form (OPTIONS). */
function splitTarget(target: string, method: string): { path: string; query: URLSearchParams } {
  if (target === '*') {
    if (method !== 'OPTIONS') throw badRequest(`request-target '*' is only valid with OPTIONS (RFC 9112 §3.2.4), got ${method}`);
    return { path: '*', query: new URLSearchParams() };
  }
  let rest = target;
  if (!target.startsWith('/')) {
    const scheme = /^https?:\/\/[^/?#]*/i.exec(target);
    if (scheme !== null) {
      rest = target.slice(scheme[0].length);
      if (rest === '' || rest.startsWith('?')) rest = `/${rest}`;
    } else if (method === 'CONNECT') {
      return { path: '', query: new URLSearchParams() };
    } else {
      throw badRequest(`request-target ${JSON.stringify(redactQuery(target).slice(0, 80))} must start with '/' (RFC 9112 §3.2.1); send a path such as /live`);
    }
  }
  const hash = rest.indexOf('#');
  if (hash !== -1) rest = rest.slice(0, hash);
  const q = rest.indexOf('?');
  const rawPath = q === -1 ? rest : rest.slice(0, q);
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch (cause) {
    throw new AircheckError('HTTP_BAD_REQUEST',
      `request path ${JSON.stringify(rawPath.slice(0, 80))} has a malformed percent-escape (RFC 3986 §2.1); encode '%' as %25`, { cause });
  }
  if (/[\u0000-\u001f\u007f]/.test(path)) {
    throw badRequest(`request path ${JSON.stringify(rawPath.slice(0, 80))} decodes to control characters; remove them from the path`);
  }
  return { path, query: new URLSearchParams(q === -1 ? '' : rest.slice(q + 1)) };
}

/** RFC 9112 §5: field-line = field-name ":" OWS field-value OWS. Returns [lowercase name, value]. */
function parseFieldLine(buf: Uint8Array, from: number, to: number, lineNumber: number): [string, string] {
  const first = buf[from] as number;
  if (first === SP || first === HTAB) {
    throw badRequest(`header line ${lineNumber} starts with whitespace: obsolete line folding is not accepted (RFC 9112 §5.2); send each field on one line`);
  }
  const colon = buf.indexOf(0x3a, from);
  if (colon === -1 || colon >= to) {
    throw badRequest(`header line ${lineNumber} starting ${describeToken(buf, from, to)} has no colon (RFC 9112 §5); send "Name: value"`);
  }
  for (let i = from; i < colon; i++) {
    if (!isTchar(buf[i] as number)) {
      throw badRequest(`header line ${lineNumber} field name starting ${describeToken(buf, from, colon)} is not a token (no spaces before the colon, RFC 9112 §5.1); send "Name: value"`);
    }
  }
  if (colon === from) throw badRequest(`header line ${lineNumber} has an empty field name (RFC 9112 §5); send "Name: value"`);
  const name = latin1(buf, from, colon).toLowerCase();
  let vFrom = colon + 1;
  let vTo = to;
  while (vFrom < vTo && (buf[vFrom] === SP || buf[vFrom] === HTAB)) vFrom++;
  while (vTo > vFrom && (buf[vTo - 1] === SP || buf[vTo - 1] === HTAB)) vTo--;
  // RFC 9110 §5.5: field values are visible characters, SP, HTAB and obs-text; never CTLs (nor a lone CR).
  for (let i = vFrom; i < vTo; i++) {
    const b = buf[i] as number;
    if ((b < 0x20 && b !== HTAB) || b === 0x7f) {
      throw badRequest(`header field ${JSON.stringify(name)} contains control byte 0x${b.toString(16).padStart(2, '0')} (RFC 9110 §5.5); remove it`);
    }
  }
  return [name, utf8.decode(buf.subarray(vFrom, vTo))];
}

/** RFC 9110 §8.6: Content-Length = 1*DIGIT; repeated identical values collapse to one. */
function checkContentLength(value: string): string {
  const parts = value.split(',').map((p) => p.trim());
  const first = parts[0] as string;
  if (!parts.every((p) => /^\d{1,15}$/.test(p) && p === first)) {
    throw badRequest(`Content-Length ${JSON.stringify(value.slice(0, 40))} is not one decimal byte count (RFC 9110 §8.6); send a single number, or use Transfer-Encoding: chunked`);
  }
  return String(Number(first));
}

function latin1(buf: Uint8Array, from: number, to: number): string {
  return String.fromCharCode(...buf.subarray(from, to));
}

/** A request or header line for an error message: at most 80 chars, query string hidden. */
function describeLine(buf: Uint8Array, from: number, to: number): string {
  const text = latin1(buf, from, Math.min(to, from + 200));
  return JSON.stringify(redactQuery(text).slice(0, 80));
}

/** The leading token of a header line for an error message; never the value, which may be a secret. */
function describeToken(buf: Uint8Array, from: number, to: number): string {
  let end = from;
  while (end < to && end < from + 40 && isTchar(buf[end] as number)) end++;
  return JSON.stringify(latin1(buf, from, end));
}

function redactQuery(text: string): string {
  return text.replace(/\?[^ ]*/, '?…');
}

/**
 * Credentials from an Authorization header using the Basic scheme (RFC 7617 §2): null for another
 * scheme, bad base64 or no colon. The password may contain ':'. UTF-8, falling back to Latin-1.
 */
export function parseBasicAuth(headerValue: string): { user: string; password: string } | null {
  const match = /^basic[ \t]+([A-Za-z0-9+/]+={0,2})[ \t]*$/i.exec(headerValue);
  if (match === null) return null;
  const encoded = match[1] as string;
  if (encoded.length % 4 === 1) return null;
  let binary: string;
  try {
    binary = atob(encoded);
  } catch {
    return null;
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  let text: string;
  try {
    text = utf8Fatal.decode(bytes);
  } catch {
    text = binary; // RFC 7617 §2.1: legacy clients send Latin-1
  }
  const colon = text.indexOf(':');
  if (colon === -1) return null;
  return { user: text.slice(0, colon), password: text.slice(colon + 1) };
}

export type ResponseHeaders =
  | Iterable<readonly [string, string | number]>
  | Readonly<Record<string, string | number | undefined>>;

/**
 * A response head (RFC 9112 §4): status line, fields, blank line. Control characters in the reason
 * or values become spaces so that source-provided text (ice-name…) cannot inject fields; an invalid
 * field name is a programming error (RangeError).
 */
export function formatResponseHead(
  status: number,
  reason: string,
  headers: ResponseHeaders,
  version: '1.0' | '1.1' = '1.1',
): string {
  if (!Number.isInteger(status) || status < 100 || status > 999) {
    throw new RangeError(`HTTP status must be a 3-digit integer, got ${status}`);
  }
  let head = `HTTP/${version} ${status} ${sanitize(reason)}\r\n`;
  const entries: Iterable<readonly [string, string | number | undefined]> =
    Symbol.iterator in headers
      ? (headers as Iterable<readonly [string, string | number]>)
      : Object.entries(headers as Record<string, string | number | undefined>);
  for (const [name, value] of entries) {
    if (value === undefined) continue;
    if (name.length === 0 || ![...name].every((ch) => isTchar(ch.charCodeAt(0)))) {
      throw new RangeError(`HTTP field name ${JSON.stringify(name)} is not a token (RFC 9110 §5.1)`);
    }
    head += `${name}: ${sanitize(String(value))}\r\n`;
  }
  return `${head}\r\n`;
}

function sanitize(text: string): string {
  return text.replace(/[\u0000-\u0008\u000a-\u001f\u007f]/g, ' ');
}
