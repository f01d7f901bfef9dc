// A listener client on a raw socket (node:net, not node:http: servers answer HTTP/1.0 or `ICY 200`,
// without length, with ICY metadata interleaved). Connects to a server under test, records every
// byte, strips ICY metadata itself and exposes what tests assert on: status, headers, audio, titles.
// With { tap: true } it connects through arrival-tap.ts, whose worker thread times the bytes' arrival.
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { openTap, tapClockMs, type ArrivalTap } from './arrival-tap.ts';

export interface ListenerOptions {
  /** Extra request headers; they replace defaults of the same name (any case). null removes one. */
  headers?: Record<string, string | null>;
  httpVersion?: '1.0' | '1.1';
  /** Send `Icy-MetaData: 1` (ask for interleaved metadata). Default false. */
  icyMetadata?: boolean;
  method?: string;
  /** How long to wait for the response head. Default 5000 ms. */
  headTimeoutMs?: number;
  /** Body bytes kept in memory (the newest are dropped beyond it; counters still run). Default 64 MiB. */
  maxStoredBytes?: number;
  /**
   * Connect through the arrival tap (arrival-tap.ts): arrival times (arrivals(), sinceHeadMs(),
   * bytesPerSecond(), metadata atMs, headAfterMs) are taken in a worker thread as the bytes come off
   * the wire, not when this thread gets round to reading them. Needed by assertOneConnection. Default false.
   */
  tap?: boolean;
}

export interface IcyMetadataBlock {
  /** The metadata text without its NUL padding, e.g. `StreamTitle='Artist - Song';`. */
  raw: string;
  /** The StreamTitle value, or null when the block has none. */
  title: string | null;
  /** Audio bytes received before this block. */
  audioOffset: number;
  /** Milliseconds since the response head arrived. */
  atMs: number;
}

export interface BodyArrival {
  /** Milliseconds since the response head arrived. */
  atMs: number;
  /** Body bytes received so far, this read included. */
  totalBytes: number;
}

export interface ListenerCloseInfo {
  /** 'server': the peer ended the connection; 'client': close() was called; 'error': socket error. */
  by: 'server' | 'client' | 'error';
  error?: Error;
  atMs: number;
}

export interface ListenerHandle {
  /** 'HTTP/1.0', 'HTTP/1.1' or 'ICY'. */
  readonly responseProtocol: string;
  readonly statusCode: number;
  readonly statusText: string;
  /** Response headers, names lowercased; repeated headers joined with ', '. */
  readonly headers: Readonly<Record<string, string>>;
  /** The response head exactly as received (status line and headers, up to the blank line). */
  readonly rawHead: string;
  /** The request head we sent. */
  readonly requestHead: string;
  /** icy-metaint from the response, when the server interleaves metadata. */
  readonly metaint: number | null;
  /** Body bytes as they arrived on the wire (chunk framing and ICY blocks included). */
  readonly body: Uint8Array;
  /** The audio: body with chunked framing and ICY metadata removed. */
  readonly audio: Uint8Array;
  readonly bodyByteCount: number;
  readonly audioByteCount: number;
  readonly metadata: readonly IcyMetadataBlock[];
  /** Every StreamTitle seen, in order. */
  readonly titles: readonly string[];
  /** Local port of the TCP connection, for logs. Fixed for the handle's life: it proves nothing about a kept connection (assertOneConnection does). */
  readonly localPort: number;
  readonly socket: Socket;
  /** Milliseconds from connect() to the response head, and to the first body byte. */
  readonly headAfterMs: number;
  readonly firstBodyByteAfterMs: number | null;
  readonly closed: ListenerCloseInfo | null;
  /** Connected through the arrival tap: the times below are the wire's, not this event loop's. */
  readonly tapped: boolean;
  /** Body bytes received in each whole second since the response head (index 0 = first second). */
  bytesPerSecond(): number[];
  /** Every read of body bytes (the tap's reads when tapped): when (ms since the response head) and the body bytes received up to then, in order. */
  arrivals(): readonly BodyArrival[];
  /** Milliseconds since the response head arrived, now (the clock of arrivals(): the tap's when tapped). */
  sinceHeadMs(): number;
  /**
   * Milliseconds since the head of the last body bytes off the wire: for a tapped listener, the tap's
   * last read, even while this thread has not read those bytes yet (it is busy); else arrivals()'s last.
   */
  lastArrivalMs(): number;
  waitForAudioBytes(n: number, timeoutMs: number): Promise<void>;
  /** Resolves with the first title (seen already or to come) equal to the string / matching the RegExp. */
  waitForTitle(match: string | RegExp, timeoutMs: number): Promise<string>;
  waitForClose(timeoutMs: number): Promise<ListenerCloseInfo>;
  close(): void;
}

const MAX_HEAD_BYTES = 64 * 1024;
const DEFAULT_MAX_STORED_BYTES = 64 * 1024 * 1024;

/** Appends chunks, concatenates lazily, stops storing after maxBytes. */
class ByteStore {
  private chunks: Uint8Array[] = [];
  private joined: Uint8Array | null = new Uint8Array(0);
  stored = 0;
  total = 0;
  private readonly maxBytes: number;
  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
  }
  push(chunk: Uint8Array): void {
    this.total += chunk.length;
    const room = this.maxBytes - this.stored;
    if (room <= 0 || chunk.length === 0) return;
    const kept = chunk.length <= room ? chunk : chunk.subarray(0, room);
    this.chunks.push(kept);
    this.stored += kept.length;
    this.joined = null;
  }
  bytes(): Uint8Array {
    if (this.joined === null) {
      this.joined = Buffer.concat(this.chunks, this.stored);
      this.chunks = [this.joined];
    }
    return this.joined;
  }
}

/** RFC 9112 §7.1 chunked transfer coding, decoded incrementally (trailers are skipped). */
class ChunkedDecoder {
  private state: 'size' | 'data' | 'data-crlf' | 'trailer' | 'done' = 'size';
  private line = '';
  private remaining = 0;
  push(input: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    let i = 0;
    while (i < input.length && this.state !== 'done') {
      if (this.state === 'data') {
        const n = Math.min(this.remaining, input.length - i);
        out.push(input.subarray(i, i + n));
        i += n;
        this.remaining -= n;
        if (this.remaining === 0) this.state = 'data-crlf';
        continue;
      }
      const byte = input[i++]!;
      if (byte !== 0x0a) {
        if (byte !== 0x0d) this.line += String.fromCharCode(byte);
        if (this.line.length > 1024) throw new Error('chunked body: chunk-size line longer than 1024 bytes');
        continue;
      }
      const line = this.line;
      this.line = '';
      if (this.state === 'size') {
        const size = Number.parseInt(line.split(';')[0]!.trim(), 16);
        if (!Number.isFinite(size)) throw new Error(`chunked body: bad chunk-size line ${JSON.stringify(line)}`);
        this.remaining = size;
        this.state = size === 0 ? 'trailer' : 'data';
      } else if (this.state === 'data-crlf') {
        this.state = 'size';
      } else if (this.state === 'trailer' && line === '') {
        this.state = 'done';
      }
    }
    return out;
  }
}

/** Splits an ICY stream: after every `metaint` audio bytes, 1 length byte ×16, then metadata. */
class IcyDemuxer {
  private audioLeft: number;
  private metaLeft = -1; // -1: expecting the length byte next (when audioLeft is 0)
  private meta: number[] = [];
  private readonly metaint: number;
  constructor(metaint: number) {
    this.metaint = metaint;
    this.audioLeft = metaint;
  }
  push(input: Uint8Array, onAudio: (a: Uint8Array) => void, onMeta: (m: Uint8Array) => void): void {
    let i = 0;
    while (i < input.length) {
      if (this.audioLeft > 0) {
        const n = Math.min(this.audioLeft, input.length - i);
        onAudio(input.subarray(i, i + n));
        i += n;
        this.audioLeft -= n;
      } else if (this.metaLeft < 0) {
        this.metaLeft = input[i++]! * 16;
        this.meta = [];
        if (this.metaLeft === 0) this.endBlock(onMeta);
      } else {
        const n = Math.min(this.metaLeft, input.length - i);
        for (let k = 0; k < n; k++) this.meta.push(input[i + k]!);
        i += n;
        this.metaLeft -= n;
        if (this.metaLeft === 0) this.endBlock(onMeta);
      }
    }
  }
  private endBlock(onMeta: (m: Uint8Array) => void): void {
    if (this.meta.length > 0) onMeta(Uint8Array.from(this.meta));
    this.metaLeft = -1;
    this.audioLeft = this.metaint;
  }
}

function decodeText(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder('latin1').decode(bytes);
  }
}

/** StreamTitle='…'; — the value may itself contain quotes, so it ends at `';` before the next key or the end. */
export function parseStreamTitle(raw: string): string | null {
  const m = /StreamTitle='(.*?)';(?=$|\s*[A-Za-z]+=')/s.exec(raw);
  return m ? m[1]! : null;
}

function buildRequestHead(url: URL, opts: ListenerOptions): string {
  const defaults: [string, string][] = [
    ['Host', url.host],
    ['User-Agent', 'aircheck-test-listener/1'],
    ['Accept', '*/*'],
  ];
  if (opts.icyMetadata) defaults.push(['Icy-MetaData', '1']);
  if (url.username !== '') {
    const creds = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    defaults.push(['Authorization', `Basic ${Buffer.from(creds).toString('base64')}`]);
  }
  const custom = Object.entries(opts.headers ?? {});
  const overridden = new Set(custom.map(([k]) => k.toLowerCase()));
  const lines = [`${opts.method ?? 'GET'} ${url.pathname}${url.search} HTTP/${opts.httpVersion ?? '1.0'}`];
  for (const [k, v] of defaults) if (!overridden.has(k.toLowerCase())) lines.push(`${k}: ${v}`);
  for (const [k, v] of custom) if (v !== null) lines.push(`${k}: ${v}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

function findHeadEnd(buf: Buffer): { end: number; bodyStart: number } | null {
  const crlf = buf.indexOf('\r\n\r\n');
  const lf = buf.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return { end: crlf, bodyStart: crlf + 4 };
  if (lf >= 0) return { end: lf, bodyStart: lf + 2 };
  return null;
}

/**
 * Connects, sends the request and resolves once the response head has arrived (any status).
 * Rejects when the connection fails or closes before a complete head, or after headTimeoutMs.
 */
export function connectListener(url: string | URL, opts: ListenerOptions = {}): Promise<ListenerHandle> {
  const target = new URL(url);
  if (target.protocol !== 'http:') throw new Error(`connectListener: only http: URLs, got ${target.protocol}`);
  const port = target.port === '' ? 80 : Number(target.port);
  const host = target.hostname.replace(/^\[|\]$/g, '');
  if (opts.tap) return openTap(host, port).then((tap) => openListener(target, { host: '127.0.0.1', port: tap.port }, opts, tap));
  return openListener(target, { host, port }, opts, null);
}

function openListener(target: URL, addr: { host: string; port: number }, opts: ListenerOptions, tap: ArrivalTap | null): Promise<ListenerHandle> {
  const requestHead = buildRequestHead(target, opts);
  const headTimeoutMs = opts.headTimeoutMs ?? 5000;
  // Times in ms on one clock: this thread's performance.now(), or for a tapped listener the tap's
  // clock, with arrivals taken from the tap's record of its own reads off the wire.
  const now = tap ? tapClockMs : (): number => performance.now();
  let received = 0; // bytes read from the socket, head included: the tap's byte count
  const startedAt = now();

  return new Promise((resolveHead, rejectHead) => {
    const socket = connect({ ...addr, noDelay: true });
    let headBuf: Buffer = Buffer.alloc(0);
    let headDone = false;
    let headAt = 0;
    let firstBodyAt: number | null = null;
    let closeInfo: ListenerCloseInfo | null = null;
    let closingByClient = false;
    let lastError: Error | undefined;
    const body = new ByteStore(opts.maxStoredBytes ?? DEFAULT_MAX_STORED_BYTES);
    const audio = new ByteStore(opts.maxStoredBytes ?? DEFAULT_MAX_STORED_BYTES);
    const buckets: number[] = [];
    const arrivals: BodyArrival[] = [];
    const metadata: IcyMetadataBlock[] = [];
    const titles: string[] = [];
    let chunked: ChunkedDecoder | null = null;
    let icy: IcyDemuxer | null = null;
    const changeListeners = new Set<() => void>();
    const notify = (): void => {
      for (const l of [...changeListeners]) l();
    };
    let handle: ListenerHandle | undefined;

    const headTimer = setTimeout(() => {
      socket.destroy();
      rejectHead(new Error(`listener ${target.href}: no response head within ${headTimeoutMs} ms (got ${headBuf.length} bytes: ${JSON.stringify(headBuf.toString('latin1').slice(0, 200))})`));
    }, headTimeoutMs);

    const sinceHead = (): number => now() - headAt;
    let readAtMs = 0; // when the read being parsed arrived, ms since the head

    const onAudio = (a: Uint8Array): void => audio.push(a);
    const onMeta = (m: Uint8Array): void => {
      const raw = decodeText(m).replace(/\0+$/, '');
      const title = parseStreamTitle(raw);
      metadata.push({ raw, title, audioOffset: audio.total, atMs: readAtMs });
      if (title !== null) titles.push(title);
    };

    /** A read's body bytes; they end at byte `received` of the connection. */
    const onBody = (chunk: Uint8Array): void => {
      if (chunk.length === 0) return;
      // When they came: now, or each of the tap's reads they span (bytes held up here arrive together).
      const reads = tap ? tap.readsUpTo(received) : [{ endBytes: received, timeMs: performance.now() }];
      body.push(chunk);
      let endBefore = received - chunk.length;
      for (const r of reads) {
        if (firstBodyAt === null) firstBodyAt = r.timeMs - startedAt;
        const atMs = r.timeMs - headAt;
        readAtMs = atMs;
        arrivals.push({ atMs, totalBytes: body.total - (received - r.endBytes) });
        const second = Math.floor(atMs / 1000);
        while (buckets.length <= second) buckets.push(0);
        buckets[second]! += r.endBytes - endBefore;
        endBefore = r.endBytes;
      }
      const decoded = chunked ? chunked.push(chunk) : [chunk];
      for (const d of decoded) {
        if (icy) icy.push(d, onAudio, onMeta);
        else onAudio(d);
      }
      notify();
    };

    const parseHead = (raw: string): Pick<ListenerHandle, 'responseProtocol' | 'statusCode' | 'statusText' | 'headers'> => {
      const [statusLine = '', ...headerLines] = raw.split(/\r?\n/);
      const m = /^(HTTP\/\d(?:\.\d)?|ICY)\s+(\d{3})\s*(.*)$/.exec(statusLine);
      if (!m) throw new Error(`listener ${target.href}: not an HTTP/ICY status line: ${JSON.stringify(statusLine)}`);
      const headers: Record<string, string> = {};
      for (const line of headerLines) {
        const colon = line.indexOf(':');
        if (colon <= 0) continue;
        const name = line.slice(0, colon).trim().toLowerCase();
        const value = line.slice(colon + 1).trim();
        headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
      }
      return { responseProtocol: m[1]!, statusCode: Number(m[2]), statusText: m[3]!, headers };
    };

    socket.on('data', (data: Buffer) => {
      received += data.length;
      if (headDone) {
        try {
          onBody(data);
        } catch (err) {
          lastError = err as Error;
          socket.destroy();
        }
        return;
      }
      headBuf = Buffer.concat([headBuf, data]);
      const found = findHeadEnd(headBuf);
      if (!found) {
        if (headBuf.length > MAX_HEAD_BYTES) {
          clearTimeout(headTimer);
          socket.destroy();
          rejectHead(new Error(`listener ${target.href}: response head larger than ${MAX_HEAD_BYTES} bytes`));
        }
        return;
      }
      headDone = true;
      clearTimeout(headTimer);
      try {
        headAt = tap ? tap.readsUpTo(received - headBuf.length + found.bodyStart).at(-1)!.timeMs : performance.now();
      } catch (err) {
        socket.destroy();
        rejectHead(err as Error);
        return;
      }
      const rawHead = headBuf.subarray(0, found.end).toString('latin1');
      let parsed: ReturnType<typeof parseHead>;
      try {
        parsed = parseHead(rawHead);
      } catch (err) {
        socket.destroy();
        rejectHead(err as Error);
        return;
      }
      const metaintHeader = parsed.headers['icy-metaint'];
      const metaint = metaintHeader !== undefined && Number(metaintHeader) > 0 ? Number(metaintHeader) : null;
      if (metaint !== null) icy = new IcyDemuxer(metaint);
      if (/\bchunked\b/i.test(parsed.headers['transfer-encoding'] ?? '')) chunked = new ChunkedDecoder();
      handle = makeHandle(parsed, rawHead, metaint);
      resolveHead(handle);
      try {
        onBody(headBuf.subarray(found.bodyStart));
      } catch (err) {
        lastError = err as Error;
        socket.destroy();
      }
      headBuf = Buffer.alloc(0);
    });
    socket.on('error', (err) => {
      lastError = err;
    });
    socket.on('close', () => {
      clearTimeout(headTimer);
      const by = closingByClient ? 'client' : lastError ? 'error' : 'server';
      closeInfo = { by, atMs: headDone ? sinceHead() : 0, ...(lastError ? { error: lastError } : {}) };
      if (!headDone) {
        rejectHead(
          new Error(
            `listener ${target.href}: connection closed before a complete response head` +
              `${lastError ? ` (${lastError.message})` : ''}; got ${JSON.stringify(headBuf.toString('latin1').slice(0, 300))}`,
            { cause: lastError },
          ),
        );
      }
      notify();
    });
    socket.write(requestHead);

    function describe(h: ListenerHandle): string {
      const state = closeInfo ? `closed by ${closeInfo.by}${closeInfo.error ? ` (${closeInfo.error.message})` : ''}` : 'open';
      return (
        `listener ${target.href}: status ${h.statusCode}, ${body.total} body bytes, ${audio.total} audio bytes, ` +
        `titles ${JSON.stringify(titles)}, connection ${state}, bytes/s ${JSON.stringify(buckets)}`
      );
    }

    /** Waits until check() returns a value, failing on timeout or close. */
    function waitFor<T>(what: string, timeoutMs: number, check: () => T | undefined, failOnClose = true): Promise<T> {
      const now = check();
      if (now !== undefined) return Promise.resolve(now);
      return new Promise((resolve, reject) => {
        const done = (): void => {
          clearTimeout(timer);
          changeListeners.delete(onChange);
        };
        const onChange = (): void => {
          const v = check();
          if (v !== undefined) {
            done();
            resolve(v);
          } else if (failOnClose && closeInfo) {
            done();
            reject(new Error(`${what}: connection closed first; ${describe(handle!)}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`${what}: timed out after ${timeoutMs} ms; ${describe(handle!)}`));
        }, timeoutMs);
        changeListeners.add(onChange);
        onChange();
      });
    }

    function makeHandle(parsed: ReturnType<typeof parseHead>, rawHead: string, metaint: number | null): ListenerHandle {
      const headAfterMs = headAt - startedAt;
      const localPort = socket.localPort ?? 0;
      return {
        ...parsed,
        rawHead,
        requestHead,
        metaint,
        socket,
        localPort,
        tapped: tap !== null,
        headAfterMs,
        get body() {
          return body.bytes();
        },
        get audio() {
          return audio.bytes();
        },
        get bodyByteCount() {
          return body.total;
        },
        get audioByteCount() {
          return audio.total;
        },
        metadata,
        titles,
        get firstBodyByteAfterMs() {
          return firstBodyAt;
        },
        get closed() {
          return closeInfo;
        },
        bytesPerSecond() {
          const upTo = closeInfo ? buckets.length : Math.floor(sinceHead() / 1000) + 1;
          const out = buckets.slice(0, upTo);
          while (out.length < upTo) out.push(0);
          return out;
        },
        arrivals() {
          return arrivals;
        },
        sinceHeadMs() {
          return sinceHead();
        },
        lastArrivalMs() {
          const processed = arrivals.at(-1)?.atMs ?? 0;
          const wire = tap?.lastReadMs();
          return wire == null ? processed : Math.max(processed, wire - headAt);
        },
        waitForAudioBytes(n, timeoutMs) {
          return waitFor(`waiting for ${n} audio bytes`, timeoutMs, () => (audio.total >= n ? true : undefined)).then(() => undefined);
        },
        waitForTitle(match, timeoutMs) {
          const matches = (t: string): boolean => (typeof match === 'string' ? t === match : match.test(t));
          return waitFor(`waiting for title ${String(match)}`, timeoutMs, () => titles.find(matches));
        },
        waitForClose(timeoutMs) {
          return waitFor('waiting for the connection to close', timeoutMs, () => closeInfo ?? undefined, false);
        },
        close() {
          if (closeInfo) return;
          closingByClient = true;
          socket.destroy();
        },
      };
    }
  });
}

/**
 * Connects repeatedly until the mount answers 200 (a source takes a moment to appear), polling every
 * intervalMs until timeoutMs. Non-200 answers are closed and retried; the last one is reported.
 */
export async function connectListenerWhenLive(url: string | URL, opts: ListenerOptions = {}, timeoutMs = 10_000, intervalMs = 50): Promise<ListenerHandle> {
  const deadline = performance.now() + timeoutMs;
  let last: string;
  for (;;) {
    try {
      const l = await connectListener(url, opts);
      if (l.statusCode === 200) return l;
      last = `status ${l.statusCode} ${l.statusText}`;
      l.close();
    } catch (err) {
      last = (err as Error).message;
    }
    if (performance.now() + intervalMs > deadline) {
      throw new Error(`listener ${String(url)}: mount not live within ${timeoutMs} ms; last answer: ${last}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * Proves that one TCP connection carried the stream throughout (a fallback, a move, a reload): its
 * close event never fired, the server sent one response head only (none inside the body, as a
 * reconnect or a re-sent answer would put there), and body bytes kept arriving, never pausing longer
 * than maxGapMs (counted up to now). Throws with what was seen otherwise; returns the longest pause.
 * Only on a tapped listener (connectListener(url, { tap: true })), whose times are the wire's.
 * With afterFirstBytes, the wait for the first body bytes is not a pause (a mount's on-demand encoder
 * starting for its first listener: the caller bounds that wait itself, e.g. with waitForAudioBytes).
 */
export function assertOneConnection(l: ListenerHandle, maxGapMs: number, opts: { afterFirstBytes?: boolean } = {}): { gapMs: number; atMs: number } {
  // Untapped times are this event loop's: its own stalls (decoding, GC) would be blamed on the server.
  if (!l.tapped) throw new Error('pauses are measured only on a tapped listener: connectListener(url, { tap: true })');
  if (l.closed || l.socket.destroyed) {
    throw new Error(`the listener's connection closed (by ${l.closed?.by ?? 'client'}${l.closed?.error ? `: ${l.closed.error.message}` : ''})`);
  }
  const heads = Buffer.from(l.body).toString('latin1').match(/(?:HTTP\/1\.[01]|ICY) [1-5]\d\d /g) ?? [];
  if (heads.length > 0) throw new Error(`a second response head inside the body: ${JSON.stringify(heads)}`);
  const arrivals = l.arrivals();
  if (arrivals.length === 0) throw new Error('no body bytes arrived');
  let worst = { gapMs: opts.afterFirstBytes ? 0 : arrivals[0]!.atMs, atMs: 0 };
  for (let i = 1; i < arrivals.length; i++) {
    const gapMs = arrivals[i]!.atMs - arrivals[i - 1]!.atMs;
    if (gapMs > worst.gapMs) worst = { gapMs, atMs: arrivals[i - 1]!.atMs };
  }
  // Up to now: from the tap's last read (bytes this thread, if busy, has not read yet count as arrived).
  const last = l.lastArrivalMs();
  if (l.sinceHeadMs() - last > worst.gapMs) worst = { gapMs: l.sinceHeadMs() - last, atMs: last };
  if (worst.gapMs > maxGapMs) {
    throw new Error(`no body bytes for ${Math.round(worst.gapMs)} ms from ${Math.round(worst.atMs)} ms after the head (at most ${maxGapMs} ms allowed)`);
  }
  return worst;
}
