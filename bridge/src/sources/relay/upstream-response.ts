// Reads the answer of an upstream stream server to a relay's GET: the status line (`HTTP/1.x NNN …`,
// or SHOUTcast v1's `ICY NNN …`) and the headers up to the blank line. Pure. Fed the first bytes of
// the connection by upstream-connection.ts; feeds pull-relay.ts the status, the headers and the body's
// first bytes.

/** Longest response head accepted (Icecast's are under 1 KiB). */
export const MAX_RESPONSE_HEAD_BYTES = 16 * 1024;

export interface UpstreamHead {
  /** 'HTTP/1.0', 'HTTP/1.1' or 'ICY'. */
  protocol: string;
  statusCode: number;
  statusText: string;
  /** Header names lowercased; repeated headers joined with ', '. */
  headers: Map<string, string>;
}

export type HeadParse =
  | { kind: 'incomplete' }
  | { kind: 'head'; head: UpstreamHead; bodyStart: number }
  | { kind: 'invalid'; reason: string };

const STATUS_LINE = /^(HTTP\/1\.[01]|ICY) ([1-5]\d\d)(?: ([^\r\n]*))?$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function findHeadEnd(buf: Uint8Array): { end: number; bodyStart: number } | null {
  for (let i = 0; i < buf.length; i++) {
    if (buf[i] !== 0x0a) continue;
    // "\n\n" or "\n\r\n": some SHOUTcast servers end lines with a bare LF.
    if (buf[i + 1] === 0x0a) return { end: i, bodyStart: i + 2 };
    if (buf[i + 1] === 0x0d && buf[i + 2] === 0x0a) return { end: i, bodyStart: i + 3 };
  }
  return null;
}

/** Parses the response head at the start of `buf` (RFC 9112 §4, plus `ICY` as a protocol). */
export function parseUpstreamHead(buf: Uint8Array): HeadParse {
  const found = findHeadEnd(buf);
  if (!found) {
    if (buf.length > MAX_RESPONSE_HEAD_BYTES) return { kind: 'invalid', reason: `no end of the response head in ${buf.length} bytes` };
    // A body that is not HTTP at all (a raw stream on a bare port) shows in its first bytes.
    if (buf.length >= 5 && !/^(HTTP\/|ICY )/.test(Buffer.from(buf.subarray(0, 5)).toString('latin1'))) {
      return { kind: 'invalid', reason: `the answer is not HTTP: it starts ${describe(buf)}` };
    }
    return { kind: 'incomplete' };
  }
  if (found.end > MAX_RESPONSE_HEAD_BYTES) return { kind: 'invalid', reason: `response head of ${found.end} bytes (at most ${MAX_RESPONSE_HEAD_BYTES})` };
  const lines = Buffer.from(buf.subarray(0, found.end)).toString('utf8').split('\n').map((l) => l.replace(/\r$/, ''));
  const m = STATUS_LINE.exec(lines[0] ?? '');
  if (!m) return { kind: 'invalid', reason: `the status line is not HTTP: ${JSON.stringify((lines[0] ?? '').slice(0, 60))}` };
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    if (line === '') continue;
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon).trim() : '';
    if (!HEADER_NAME.test(name)) return { kind: 'invalid', reason: `header line without a name: ${JSON.stringify(line.slice(0, 60))}` };
    const key = name.toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers.set(key, headers.has(key) ? `${headers.get(key)}, ${value}` : value);
  }
  return { kind: 'head', head: { protocol: m[1]!, statusCode: Number(m[2]), statusText: m[3] ?? '', headers }, bodyStart: found.bodyStart };
}

function describe(buf: Uint8Array): string {
  return Array.from(buf.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
}
