// A real Icecast source client: TCP (or TLS, for an https:// target) connect, `PUT /mount HTTP/1.1`
// with Expect: 100-continue and Basic auth, wait for 100/200, then stream the body; now-playing for
// MP3 mounts through /admin/metadata?mode=updinfo. Used by the pushes to external servers
// (push-target.ts) and the studio's live push (sources/studio/live-push.ts); works against any Icecast
// 2.4-compatible server. Errors carry codes (MOUNT_IN_USE, …) and say where they happened (phase).
import net from 'node:net';
import tls from 'node:tls';
import { AircheckError, ERROR_CODES, type ErrorCode } from '../../../shared/src/errors.ts';

export interface SourceTarget {
  /** `http://host:port/mount`, or `https://host:port/mount` for TLS (the server's certificate is verified). */
  url: string;
  user: string;
  /** Never logged, never part of an error message. */
  password: string;
  /** `application/ogg` or `audio/mpeg`. */
  contentType: string;
  name?: string;
  description?: string;
  genre?: string;
  public?: boolean;
  /** Give up connecting after this long; default 5000 ms. */
  connectTimeoutMs?: number;
  /** TLS only: extra trusted CA certificates (PEM), e.g. a private CA; default the system's. */
  ca?: string | Buffer;
}

/**
 * Where a source connection failed: 'connect' (no answer: refused, unreachable, timeout, TLS, or
 * closed without an Icecast answer), 'answer' (the server answered and refused: `status`), or
 * 'stream' (an accepted connection ended). The code stays the one the failure has for the caller.
 */
export class SourceClientError extends AircheckError {
  readonly phase: 'connect' | 'answer' | 'stream';
  /** The server's HTTP status ('answer' only). */
  readonly status: number | null;

  constructor(phase: SourceClientError['phase'], status: number | null, code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.phase = phase;
    this.status = status;
  }
}

export interface SourceAnswer {
  status: number;
  /** The AircheckError code the body names (`CODE: message`), when the server is Aircheck. */
  code: ErrorCode | null;
  message: string;
}

const MAX_ANSWER_BYTES = 16 * 1024;
/** After `100 Continue` Icecast sends `200 OK` at once; a server that does not is taken at its 100. */
const AFTER_CONTINUE_MS = 1000;

/** The request head (pure). The body follows it, endless, without length or chunking (as ffmpeg does). */
export function buildSourceRequestHead(target: SourceTarget): string {
  const url = new URL(target.url);
  const auth = Buffer.from(`${target.user}:${target.password}`).toString('base64');
  const lines = [
    `PUT ${url.pathname} HTTP/1.1`,
    `Host: ${url.host}`,
    `Authorization: Basic ${auth}`,
    `User-Agent: Aircheck`,
    `Content-Type: ${target.contentType}`,
    `Expect: 100-continue`,
    `Ice-Public: ${target.public ? 1 : 0}`,
  ];
  // One header line each: nothing that ends a line (C0, DEL, C1, U+2028/9), cut as the server keeps them.
  const clean = (v: string, maxChars: number) => v.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ').slice(0, maxChars);
  if (target.name) lines.push(`Ice-Name: ${clean(target.name, 256)}`);
  if (target.description) lines.push(`Ice-Description: ${clean(target.description, 1024)}`);
  if (target.genre) lines.push(`Ice-Genre: ${clean(target.genre, 256)}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/**
 * Reads the server's answer from the bytes so far (pure): null while the head is incomplete. A
 * `100 Continue` head followed by more bytes is skipped; the answer is the next head.
 */
export function parseSourceAnswer(bytes: Buffer, ended: boolean): { answer: SourceAnswer; headEnd: number } | null {
  let start = 0;
  for (;;) {
    const end = bytes.indexOf('\r\n\r\n', start);
    if (end < 0) return null;
    const head = bytes.subarray(start, end).toString('latin1');
    const m = /^(?:HTTP\/1\.[01]|ICY) (\d{3})[^\r\n]*/.exec(head);
    if (!m) return { answer: { status: 0, code: null, message: `not an HTTP answer: ${JSON.stringify(head.slice(0, 60))}` }, headEnd: end + 4 };
    const status = Number(m[1]);
    if (status === 100 && end + 4 < bytes.length) {
      start = end + 4;
      continue;
    }
    if (status === 100 || status === 200) return { answer: { status, code: null, message: '' }, headEnd: end + 4 };
    // An error: wait for its body (Aircheck and Icecast close after it) to read the code.
    const lengthMatch = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    const bodyBytes = bytes.length - (end + 4);
    if (!ended && (!lengthMatch || bodyBytes < Number(lengthMatch[1]))) return null;
    const body = bytes.subarray(end + 4).toString('utf8').trim();
    const cm = /^([A-Z][A-Z0-9_]+): (.*)$/s.exec(body);
    const code = cm && Object.hasOwn(ERROR_CODES, cm[1]!) ? (cm[1] as ErrorCode) : null;
    return { answer: { status, code, message: (cm ? cm[2]! : body).slice(0, 300) }, headEnd: end + 4 };
  }
}

function errorFor(target: SourceTarget, answer: SourceAnswer): AircheckError {
  const where = safeUrl(target.url);
  if (answer.code) return new SourceClientError('answer', answer.status, answer.code, `${where} refused the source: ${answer.message}`);
  const byStatus: Record<number, ErrorCode> = { 401: 'SOURCE_AUTH_FAILED', 403: 'MOUNT_IN_USE', 409: 'MOUNT_IN_USE', 404: 'SOURCE_MOUNT_UNKNOWN', 415: 'SOURCE_UNSUPPORTED_FORMAT' };
  const code = byStatus[answer.status] ?? 'SOURCE_PUSH_FAILED';
  return new SourceClientError(answer.status ? 'answer' : 'connect', answer.status || null, code, `${where} answered ${answer.status || 'something else'} to the source request${answer.message ? `: ${answer.message}` : ''}: check the mount, its credentials and that no other source is on it`);
}

function safeUrl(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname}`;
}

export class IcecastSourceClient {
  readonly target: SourceTarget;
  readonly #socket: net.Socket | tls.TLSSocket;
  #closed = false;
  #onClose: ((error: AircheckError | null) => void) | null = null;
  bytesSent = 0;

  /** Connects and waits for the server to accept the source. Rejects with a coded AircheckError. */
  static connect(target: SourceTarget): Promise<IcecastSourceClient> {
    const url = new URL(target.url);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      return Promise.reject(new SourceClientError('connect', null, 'SOURCE_PUSH_FAILED', `source push target ${safeUrl(target.url)} is not http:// or https://: use http://host:port/mount`));
    }
    const secure = url.protocol === 'https:';
    return new Promise((resolve, reject) => {
      const host = url.hostname.replace(/^\[|\]$/g, '');
      const port = Number(url.port || (secure ? 443 : 80));
      const socket = secure
        ? tls.connect({ host, port, ...(net.isIP(host) ? {} : { servername: host }), ...(target.ca ? { ca: target.ca } : {}) })
        : net.connect({ host, port, noDelay: true });
      if (secure) socket.setNoDelay(true);
      let buffered = Buffer.alloc(0);
      let settled = false;
      let continueTimer: NodeJS.Timeout | null = null;
      const timer = setTimeout(() => fail(new SourceClientError('connect', null, 'SOURCE_PUSH_FAILED', `${safeUrl(target.url)} did not accept the source within ${target.connectTimeoutMs ?? 5000} ms: check that the server is reachable`)), target.connectTimeoutMs ?? 5000);
      const cleanup = () => {
        clearTimeout(timer);
        if (continueTimer) clearTimeout(continueTimer);
        socket.off('data', onData);
        socket.off('end', onEnd);
        socket.off('error', onError);
        socket.off('close', onEnd);
      };
      const fail = (err: AircheckError) => {
        if (settled) return;
        settled = true;
        cleanup();
        socket.on('error', () => {}); // the socket is being abandoned: a late reset must not end the process
        socket.destroy();
        reject(err);
      };
      const accept = () => {
        if (settled) return;
        settled = true;
        cleanup();
        resolve(new IcecastSourceClient(target, socket));
      };
      const check = (ended: boolean) => {
        const parsed = parseSourceAnswer(buffered, ended);
        if (!parsed) {
          if (ended) fail(new SourceClientError('connect', null, 'SOURCE_PUSH_FAILED', `${safeUrl(target.url)} closed the connection without an answer`));
          return;
        }
        const { status } = parsed.answer;
        if (status === 200) accept();
        else if (status === 100) continueTimer ??= setTimeout(accept, AFTER_CONTINUE_MS);
        else fail(errorFor(target, parsed.answer));
      };
      const onData = (chunk: Buffer) => {
        buffered = Buffer.concat([buffered, chunk]);
        if (buffered.length > MAX_ANSWER_BYTES) return fail(new SourceClientError('connect', null, 'SOURCE_PUSH_FAILED', `${safeUrl(target.url)} sent an answer over ${MAX_ANSWER_BYTES} bytes`));
        check(false);
      };
      const onEnd = () => check(true);
      const onError = (err: Error) => fail(new SourceClientError('connect', null, 'SOURCE_PUSH_FAILED', `cannot push to ${safeUrl(target.url)}: ${err.message}`, { cause: err }));
      socket.on('data', onData);
      socket.on('end', onEnd);
      socket.on('close', onEnd);
      socket.on('error', onError);
      socket.on(secure ? 'secureConnect' : 'connect', () => socket.write(buildSourceRequestHead(target)));
    });
  }

  private constructor(target: SourceTarget, socket: net.Socket | tls.TLSSocket) {
    this.target = target;
    this.#socket = socket;
    socket.setTimeout(0);
    socket.on('data', () => {}); // the server says nothing more; keep the socket flowing
    socket.on('error', (err) => this.#finish(new SourceClientError('stream', null, 'SOURCE_PUSH_FAILED', `push to ${safeUrl(target.url)} failed: ${err.message}`, { cause: err })));
    socket.on('close', () => this.#finish(this.#closed ? null : new SourceClientError('stream', null, 'SOURCE_PUSH_FAILED', `${safeUrl(target.url)} closed the source connection`)));
  }

  get isOpen(): boolean {
    return !this.#closed && !this.#socket.destroyed;
  }

  /** Called once, when the connection ends: null after close(), an error when the server or network ended it. */
  onClose(callback: (error: AircheckError | null) => void): void {
    this.#onClose = callback;
  }

  /** Queues bytes; false when the kernel buffer is full (the bytes are still queued, in memory). */
  write(bytes: Uint8Array): boolean {
    if (!this.isOpen || bytes.length === 0) return true;
    this.bytesSent += bytes.length;
    return this.#socket.write(bytes);
  }

  /** Bytes queued in user space, not yet handed to the kernel. */
  get pendingBytes(): number {
    return this.#socket.writableLength;
  }

  /** Ends the connection at once, dropping what is queued (a stalled target). */
  destroy(): void {
    this.#closed = true;
    this.#socket.destroy();
  }

  /** Ends the stream after the queued bytes. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket.end();
    setTimeout(() => this.#socket.destroy(), 2000).unref();
  }

  #finish(error: AircheckError | null): void {
    const callback = this.#onClose;
    this.#onClose = null;
    this.#closed = true;
    callback?.(error);
  }
}

/** Icecast's now-playing for MP3 (and other non-Ogg) mounts: GET /admin/metadata?mode=updinfo&song=… */
export async function updateSourceMetadata(target: SourceTarget, song: string): Promise<void> {
  const url = new URL(target.url);
  const meta = new URL('/admin/metadata', url);
  meta.searchParams.set('mode', 'updinfo');
  meta.searchParams.set('mount', url.pathname);
  meta.searchParams.set('charset', 'UTF-8');
  meta.searchParams.set('song', song);
  let res: Response;
  try {
    res = await fetch(meta, {
      headers: { authorization: `Basic ${Buffer.from(`${target.user}:${target.password}`).toString('base64')}`, 'user-agent': 'Aircheck' },
      signal: AbortSignal.timeout(5000),
    });
  } catch (err) {
    throw new AircheckError('SOURCE_PUSH_FAILED', `metadata update to ${safeUrl(target.url)} failed: ${(err as Error).message}`, { cause: err });
  }
  const body = await res.text();
  if (!res.ok) throw errorFor(target, { status: res.status, code: (/^([A-Z][A-Z0-9_]+):/.exec(body)?.[1] ?? null) as ErrorCode | null, message: body.slice(0, 200) });
}
