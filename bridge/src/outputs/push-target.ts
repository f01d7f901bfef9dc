// One push of a mount to an external Icecast server: a 'heard' MountOutput (mounts/mount-output.ts)
// fed what listeners of the mount hear (its source, else its fallback), written to the server over a
// source connection (icecast-source-client.ts) through its own bounded queue, reconnecting with
// backoff. Fed by the registry's tick; feeds the external server; read by status and metrics.
import type { Logger } from 'pino';
import type { AudioUnit, StreamFormat } from '../../../shared/src/audio-unit.ts';
import { AircheckError, type ErrorCode } from '../../../shared/src/errors.ts';
import { OutputQueue, type MountOutput, type StreamStart } from '../mounts/mount-output.ts';
import type { StreamInfo } from '../mounts/mount.ts';
import { SourceClientError, type SourceTarget } from './icecast-source-client.ts';
import { backoffInterval, jitteredWait, type BackoffPolicy, type ReconnectingPeerDeps } from '../http/backoff.ts';

/** What a push needs from a source connection (IcecastSourceClient; a fake in unit tests). */
export interface PushConnection {
  write(bytes: Uint8Array): boolean;
  /** Bytes handed to the socket but not yet to the kernel. */
  readonly pendingBytes: number;
  onClose(callback: (error: AircheckError | null) => void): void;
  /** Ends after the queued bytes. */
  close(): void;
  /** Ends at once. */
  destroy(): void;
}

export interface PushTargetSettings {
  /** Names the target in status, logs and metrics. */
  name: string;
  /** The mount this push belongs to (its [[mounts]] entry). */
  mountPath: string;
  /** The mount whose heard audio is pushed (mountPath unless `from` is set). */
  fromPath: string;
  host: string;
  port: number;
  /** The mount on the target server. */
  mount: string;
  user: string;
  /** Sent to the server only: never logged, never in status. */
  password: string;
  tls: boolean;
  /** Only feeds of this format; null: whatever plays (a format change reconnects). */
  format: StreamFormat | null;
  public: boolean;
}

export type PushState = 'connected' | 'connecting' | 'waiting' | 'stopped';

export interface PushTargetStatus {
  name: string;
  /** The target without credentials: `http://host:port/mount` (https for TLS). */
  url: string;
  user: string;
  from: string;
  state: PushState;
  format: StreamFormat | null;
  connectedSince: string | null;
  bytesSent: number;
  /** Failed attempts since the last connection that stayed up STABLE_MS (drives the backoff). */
  reconnectAttempts: number;
  /** Every reconnect attempt since the push was created. */
  reconnectsTotal: number;
  /** The backoff interval in effect (the wait before the next attempt is at most this); 0 before any failure. */
  backoffMs: number;
  nextAttemptAt: string | null;
  queuedBytes: number;
  droppedBytes: number;
  lastError: { code: ErrorCode; message: string; at: string } | null;
}

export interface PushTargetDeps extends ReconnectingPeerDeps {
  connect(target: SourceTarget): Promise<PushConnection>;
  /** MP3 titles: /admin/metadata?mode=updinfo on the target. */
  updateMetadata(target: SourceTarget, song: string): Promise<void>;
  log: Pick<Logger, 'info' | 'warn'>;
  onDropped?: (bytes: number) => void;
}

/** First wait after a failure; doubles per failed attempt up to BACKOFF_MAX_MS. */
export const BACKOFF_BASE_MS = 5_000;
export const BACKOFF_MAX_MS = 300_000;
/** Up to this share of the interval is taken off at random, so targets that fail together spread out. */
export const BACKOFF_JITTER = 0.15;
/** A connection that stayed up this long resets the backoff. */
export const STABLE_MS = 30_000;
/** Audio a target may lag behind before its oldest queued audio is dropped. */
export const QUEUE_SECONDS = 5;
const MIN_QUEUE_BYTES = 64 * 1024;
/** Bytes the socket may hold before the queue keeps the rest. */
const SOCKET_HIGH_WATER_BYTES = 64 * 1024;
/** A target that takes nothing for this long while the socket is full is given up as lost. */
export const STALL_MS = 20_000;

const BACKOFF: BackoffPolicy = { baseMs: BACKOFF_BASE_MS, capMs: BACKOFF_MAX_MS, jitter: BACKOFF_JITTER };

/** The backoff interval before attempt n (1-based) after a failure. */
export function backoffIntervalMs(attempt: number): number {
  return backoffInterval(BACKOFF, attempt);
}

const CONTENT_TYPES: Record<StreamFormat, string> = { mp3: 'audio/mpeg', 'ogg-opus': 'application/ogg', 'ogg-vorbis': 'application/ogg', aac: 'audio/aac' };

export function pushUrl(s: Pick<PushTargetSettings, 'tls' | 'host' | 'port' | 'mount'>): string {
  const host = s.host.includes(':') && !s.host.startsWith('[') ? `[${s.host}]` : s.host;
  return `${s.tls ? 'https' : 'http'}://${host}:${s.port}${s.mount}`;
}

/** A connection failure as a push error code: refused (the server answered no), unreachable, or lost. */
export function pushErrorOf(err: unknown, name: string): AircheckError {
  const message = (err as Error)?.message ?? String(err);
  if (err instanceof SourceClientError) {
    if (err.phase === 'answer') return new AircheckError('PUSH_REFUSED', `push ${name}: ${message}`, { cause: err });
    if (err.phase === 'stream') return new AircheckError('PUSH_CONNECTION_LOST', `push ${name}: ${message}`, { cause: err });
  }
  return new AircheckError('PUSH_UNREACHABLE', `push ${name}: ${message}`, { cause: err });
}

export class PushTarget implements MountOutput {
  readonly settings: PushTargetSettings;
  readonly #deps: PushTargetDeps;
  readonly #now: () => number;
  readonly #setTimer: (fn: () => void, ms: number) => unknown;
  readonly #clearTimer: (handle: unknown) => void;
  readonly #random: () => number;

  #state: PushState = 'stopped';
  /** What plays now (null: nothing to push). */
  #stream: { format: StreamFormat; info: StreamInfo } | null = null;
  #conn: PushConnection | null = null;
  #connFormat: StreamFormat | null = null;
  /** Bumped whenever a pending connect must be forgotten. */
  #attempt = 0;
  #retryTimer: unknown = null;
  #stableTimer: unknown = null;
  /** Ogg: the current chain's header pages (copies), sent first on a connection that joins mid-chain. */
  #chainHeaders: Uint8Array[] = [];
  /** After connecting: skip units until a place a listener may start. */
  #needSync = false;
  #queue: OutputQueue<Uint8Array> | null = null;
  #stallSinceMs: number | null = null;
  #title = '';
  #closed = false;
  // The feed's byte rate, measured (sizes the queue).
  #rateBytes = 0;
  #rateUs = 0;
  // Status.
  #connectedSinceMs: number | null = null;
  #bytesSent = 0;
  #reconnectAttempts = 0;
  #reconnectsTotal = 0;
  #backoffMs = 0;
  #nextAttemptAtMs: number | null = null;
  #droppedBytes = 0;
  #lastError: { code: ErrorCode; message: string; atMs: number } | null = null;

  constructor(settings: PushTargetSettings, deps: PushTargetDeps) {
    this.settings = settings;
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
    this.#setTimer = deps.setTimer ?? ((fn, ms) => setTimeout(fn, ms).unref());
    this.#clearTimer = deps.clearTimer ?? ((h) => clearTimeout(h as NodeJS.Timeout));
    this.#random = deps.random ?? Math.random;
  }

  get name(): string {
    return this.settings.name;
  }

  get state(): PushState {
    return this.#state;
  }

  // ---- MountOutput ------------------------------------------------------------------------------

  streamStarted(start: StreamStart): void {
    if (this.#closed) return;
    this.#stream = { format: start.format, info: start.info };
    this.#chainHeaders = start.headerPages.map((p) => p.slice());
    if (this.#conn && this.#connFormat !== start.format) {
      // An Icecast mount keeps one format per connection: a new connection in the new one.
      this.#dropConnection();
      this.#setState('stopped');
    }
    if (this.#state === 'connected') {
      // Another feed on the same connection (fallback and return): an Ogg feed joined mid-chain
      // starts with its chain's header pages; the registry starts us at a sync point.
      for (const page of this.#chainHeaders) this.#enqueue(page);
      return;
    }
    if (this.#state === 'stopped') this.#connectWhenAllowed();
  }

  units(units: readonly AudioUnit[]): void {
    if (this.#closed) return;
    const connected = this.#state === 'connected';
    // This tick's audio goes out as one write (write count, not bytes, costs CPU): one copy, queued.
    const parts: Uint8Array[] = [];
    for (const u of units) {
      if (u.durationUs > 0) {
        this.#rateBytes += u.data.byteLength;
        this.#rateUs += u.durationUs;
      }
      if (u.newStream) this.#chainHeaders = [];
      if (u.isHeader) this.#chainHeaders.push(u.data.slice());
      if (!connected) continue;
      if (this.#needSync) {
        if (!u.newStream && (!u.isSyncPoint || u.isHeader)) continue;
        this.#needSync = false;
      }
      parts.push(u.data);
    }
    if (!connected) return;
    if (parts.length > 0) this.#enqueue(parts.length === 1 ? parts[0]!.slice() : Buffer.concat(parts));
    this.#pump();
  }

  streamEnded(_reason: string): void {
    this.#stream = null;
    this.#dropConnection();
    if (this.#retryTimer !== null) {
      // Nothing to push: no attempts meanwhile; the next stream still waits out the backoff.
      this.#clearTimer(this.#retryTimer);
      this.#retryTimer = null;
    }
    this.#setState('stopped');
  }

  title(title: string): void {
    this.#title = title;
    if (this.#state === 'connected') this.#sendTitle();
  }

  // ---- lifecycle --------------------------------------------------------------------------------

  /** Ends the push for good (removed from the config, or the bridge stops). */
  close(): void {
    this.#closed = true;
    this.#stream = null;
    this.#dropConnection();
    if (this.#retryTimer !== null) this.#clearTimer(this.#retryTimer);
    this.#retryTimer = null;
    this.#nextAttemptAtMs = null;
    this.#setState('stopped');
  }

  status(): PushTargetStatus {
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    return {
      name: this.settings.name,
      url: pushUrl(this.settings),
      user: this.settings.user,
      from: this.settings.fromPath,
      state: this.#state,
      format: this.#connFormat ?? this.#stream?.format ?? this.settings.format,
      connectedSince: this.#state === 'connected' ? iso(this.#connectedSinceMs) : null,
      bytesSent: this.#bytesSent,
      reconnectAttempts: this.#reconnectAttempts,
      reconnectsTotal: this.#reconnectsTotal,
      backoffMs: this.#backoffMs,
      nextAttemptAt: this.#state === 'waiting' ? iso(this.#nextAttemptAtMs) : null,
      queuedBytes: this.#queue?.bytes ?? 0,
      droppedBytes: this.#droppedBytes,
      lastError: this.#lastError && { code: this.#lastError.code, message: this.#lastError.message, at: new Date(this.#lastError.atMs).toISOString() },
    };
  }

  // ---- connecting -------------------------------------------------------------------------------

  #target(format: StreamFormat, info: StreamInfo): SourceTarget {
    return {
      url: pushUrl(this.settings),
      user: this.settings.user,
      password: this.settings.password,
      contentType: CONTENT_TYPES[format],
      name: info.name || undefined,
      description: info.description || undefined,
      genre: info.genre || undefined,
      public: this.settings.public,
    };
  }

  /** Connects now, or when the backoff in effect allows. */
  #connectWhenAllowed(): void {
    const waitMs = this.#nextAttemptAtMs === null ? 0 : this.#nextAttemptAtMs - this.#now();
    if (waitMs > 0) {
      this.#setState('waiting');
      this.#retryTimer = this.#setTimer(() => {
        this.#retryTimer = null;
        if (this.#stream && this.#state === 'waiting') this.#connect();
      }, waitMs);
      return;
    }
    this.#connect();
  }

  #connect(): void {
    const stream = this.#stream;
    if (!stream || this.#closed) return;
    const attempt = ++this.#attempt;
    this.#setState('connecting');
    const target = this.#target(stream.format, stream.info);
    this.#deps.connect(target).then(
      (conn) => {
        if (attempt !== this.#attempt || this.#closed || !this.#stream) {
          conn.close();
          return;
        }
        if (this.#stream.format !== stream.format) {
          // The format changed while connecting: the server was told the old one.
          conn.close();
          this.#connect();
          return;
        }
        this.#connected(conn, stream.format);
      },
      (err: unknown) => {
        if (attempt !== this.#attempt || this.#closed) return;
        this.#failed(pushErrorOf(err, this.settings.name));
      },
    );
  }

  #connected(conn: PushConnection, format: StreamFormat): void {
    this.#conn = conn;
    this.#connFormat = format;
    this.#connectedSinceMs = this.#now();
    this.#nextAttemptAtMs = null;
    this.#stallSinceMs = null;
    const rate = this.#rateUs > 0 ? (this.#rateBytes * 1e6) / this.#rateUs : 40_000;
    this.#queue = new OutputQueue(Math.max(MIN_QUEUE_BYTES, Math.round(QUEUE_SECONDS * rate)), 'drop-oldest');
    this.#setState('connected');
    this.#deps.log.info({ mount: this.settings.mountPath, push: this.settings.name, url: pushUrl(this.settings), format }, 'push connected');
    conn.onClose((error) => {
      if (this.#conn !== conn) return;
      this.#failed(pushErrorOf(error ?? new SourceClientError('stream', null, 'SOURCE_PUSH_FAILED', 'the connection closed'), this.settings.name));
    });
    // Joining mid-chain (Ogg): the chain's header pages first, then audio from a sync point.
    for (const page of this.#chainHeaders) this.#enqueue(page);
    this.#needSync = true;
    this.#pump();
    if (this.#title) this.#sendTitle();
    this.#stableTimer = this.#setTimer(() => {
      this.#stableTimer = null;
      if (this.#conn === conn) this.#reconnectAttempts = 0;
    }, STABLE_MS);
  }

  /** A connect failed or a connection was lost: wait out the backoff, then try again. */
  #failed(error: AircheckError): void {
    const wasConnected = this.#conn !== null;
    this.#dropConnection();
    this.#lastError = { code: error.code, message: error.message, atMs: this.#now() };
    this.#deps.onError?.(error.code);
    this.#reconnectAttempts++;
    this.#backoffMs = backoffIntervalMs(this.#reconnectAttempts);
    const delayMs = jitteredWait(BACKOFF, this.#backoffMs, this.#random);
    this.#nextAttemptAtMs = this.#now() + delayMs;
    this.#deps.log.warn(
      { mount: this.settings.mountPath, push: this.settings.name, code: error.code, err: error.message, attempt: this.#reconnectAttempts, retryInMs: delayMs },
      wasConnected ? 'push connection lost; reconnecting after the backoff' : 'push failed; retrying after the backoff',
    );
    if (!this.#stream) {
      this.#setState('stopped');
      return;
    }
    this.#setState('waiting');
    this.#retryTimer = this.#setTimer(() => {
      this.#retryTimer = null;
      if (!this.#stream || this.#state !== 'waiting') return;
      this.#reconnectsTotal++;
      this.#deps.onReconnect?.();
      this.#connect();
    }, delayMs);
  }

  /** Forgets the connection (and any pending connect) without counting a failure. */
  #dropConnection(): void {
    this.#attempt++;
    const conn = this.#conn;
    this.#conn = null;
    this.#connFormat = null;
    this.#queue = null;
    this.#needSync = false;
    this.#connectedSinceMs = null;
    if (this.#stableTimer !== null) this.#clearTimer(this.#stableTimer);
    this.#stableTimer = null;
    conn?.close();
  }

  #setState(state: PushState): void {
    if (state === this.#state) return;
    if (this.#state === 'connected') this.#deps.onConnected?.(false);
    if (state === 'connected') this.#deps.onConnected?.(true);
    this.#state = state;
  }

  // ---- writing ----------------------------------------------------------------------------------

  #enqueue(bytes: Uint8Array): void {
    const queue = this.#queue;
    if (!queue) return;
    const before = queue.droppedBytes;
    queue.push(bytes);
    const dropped = queue.droppedBytes - before;
    if (dropped > 0) {
      if (this.#droppedBytes === 0) this.#deps.log.warn({ mount: this.settings.mountPath, push: this.settings.name }, 'push target is too slow; dropping its oldest queued audio');
      this.#droppedBytes += dropped;
      this.#deps.onDropped?.(dropped);
    }
  }

  /** Hands queued audio to the socket while it takes it; a target that takes nothing for STALL_MS is lost. */
  #pump(): void {
    const conn = this.#conn;
    const queue = this.#queue;
    if (!conn || !queue) return;
    let written = 0;
    while (queue.length > 0 && conn.pendingBytes < SOCKET_HIGH_WATER_BYTES) {
      const bytes = queue.shift()!;
      conn.write(bytes);
      written += bytes.byteLength;
    }
    if (written > 0) {
      this.#bytesSent += written;
      this.#deps.onBytes?.(written);
    }
    if (conn.pendingBytes < SOCKET_HIGH_WATER_BYTES) {
      this.#stallSinceMs = null;
    } else if (this.#stallSinceMs === null) {
      this.#stallSinceMs = this.#now();
    } else if (this.#now() - this.#stallSinceMs >= STALL_MS) {
      conn.destroy();
      this.#failed(new AircheckError('PUSH_CONNECTION_LOST', `push ${this.settings.name}: ${pushUrl(this.settings)} took no audio for ${STALL_MS / 1000} s: given up as lost`));
    }
  }

  #sendTitle(): void {
    const stream = this.#stream;
    if (!stream || this.#connFormat === null || this.#connFormat.startsWith('ogg')) return; // Ogg carries its titles in-band
    const title = this.#title;
    this.#deps.updateMetadata(this.#target(stream.format, stream.info), title).catch((err: unknown) => {
      const error = pushErrorOf(err, this.settings.name);
      this.#deps.log.warn({ mount: this.settings.mountPath, push: this.settings.name, code: error.code, err: error.message }, 'push title update failed');
    });
  }
}
