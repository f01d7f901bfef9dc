// A pull relay: one mount fed by an upstream Icecast/SHOUTcast/HTTP stream. GETs the upstream
// (upstream-connection.ts), strips ICY metadata into titles (icy-reader.ts), frames the body (MP3,
// Ogg Opus/Vorbis, AAC ADTS) and feeds the mount through an InProcessSource (kind 'relay', paced);
// reconnects with backoff (1 s doubling to 60 s, jitter, reset by a connection that delivered audio);
// gives the mount up to a live source (preemption) and takes it back when that source leaves.
// Created and driven by relay-manager.ts; feeds the registry; read by status and metrics.
import type { Logger } from 'pino';
import { AircheckError, isAircheckError, type ErrorCode } from '../../../../shared/src/errors.ts';
import type { StreamFormat, StreamFramer } from '../../../../shared/src/audio-unit.ts';
import { framerFor as framerForContainer } from '../../../../shared/src/stream-framer.ts';
import { AdtsFramer } from '../../ladder/adts-framer.ts';
import { InProcessSource, type MountSource, type MountSourceHost } from '../../mounts/mount-source.ts';
import type { StreamInfo } from '../../mounts/mount.ts';
import { containerForContentType, sniffFormat } from '../formats/create-framer.ts';
import { streamInfoFromHeaders } from '../stream-info.ts';
import { IcyReader, parseMetaint } from './icy-reader.ts';
import type { ConnectUpstream, UpstreamConnection, UpstreamEnd } from './upstream-connection.ts';
import type { UpstreamHead } from './upstream-response.ts';
import { backoffInterval, jitteredWait, type BackoffPolicy, type ReconnectingPeerDeps } from '../../http/backoff.ts';

export interface PullRelaySettings {
  mountPath: string;
  /** The upstream stream URL, without credentials (shown in status and logs). */
  url: string;
  /** Basic auth to the upstream; null: none. Never logged, never in status. */
  user: string | null;
  password: string | null;
  /** Connect only while the mount (or a mount falling back to it) has listeners. */
  onDemand: boolean;
  /** Ask for ICY metadata (`Icy-MetaData: 1`) and turn StreamTitle into the mount's title. */
  icyMetadata: boolean;
}

export type RelayState = 'connected' | 'connecting' | 'waiting' | 'stopped' | 'preempted';

export interface RelayStatus {
  url: string;
  state: RelayState;
  onDemand: boolean;
  format: StreamFormat | null;
  /** The upstream's current StreamTitle ('' when none). */
  title: string;
  connectedSince: string | null;
  /** Body bytes received from the upstream, over every connection. */
  bytesReceived: number;
  /** Failed attempts since the last connection that delivered audio (drives the backoff). */
  reconnectAttempts: number;
  /** Every reconnect attempt since the relay was created. */
  reconnectsTotal: number;
  /** The backoff interval in effect (the wait before the next attempt is at most this); 0 after a success. */
  backoffMs: number;
  nextAttemptAt: string | null;
  /** Audio units the mount's queue refused (the upstream ran more than 10 s ahead). */
  droppedUnits: number;
  lastError: { code: ErrorCode; message: string; at: string } | null;
}

/** What a relay needs of the registry: the source side, and who feeds a mount now. */
export interface RelayHost extends MountSourceHost {
  sourceOf(path: string): MountSource | undefined;
}

export interface PullRelayDeps extends ReconnectingPeerDeps {
  host: RelayHost;
  connect: ConnectUpstream;
  log: Pick<Logger, 'info' | 'warn'>;
  /** An upstream that sends nothing this long (after its answer) is given up as lost. */
  stallMs(): number;
  userAgent?: string;
  /** Throws (SERVER_OVERLOADED) while the server is too loaded to take new work: the attempt fails and is retried. */
  refuseNewWork?: (what: string) => void;
}

/** First wait after a failure; doubles per failed attempt up to BACKOFF_MAX_MS. */
export const BACKOFF_BASE_MS = 1_000;
export const BACKOFF_MAX_MS = 60_000;
/** Up to this share of the interval is taken off at random, so relays that fail together spread out. */
export const BACKOFF_JITTER = 0.2;
export const MAX_REDIRECTS = 5;
/** Body bytes without one audio unit before the upstream is refused as not audio. */
export const NO_AUDIO_LIMIT_BYTES = 256 * 1024;
/** Audio queued ahead of real time at which the upstream socket is paused, and resumed again. */
const PAUSE_AT_US = 6_000_000;
const RESUME_AT_US = 3_000_000;
const SNIFF_BYTES = 4;
const AAC_TYPES = new Set(['audio/aac', 'audio/aacp', 'audio/x-aac', 'audio/x-hx-aac-adts']);

const BACKOFF: BackoffPolicy = { baseMs: BACKOFF_BASE_MS, capMs: BACKOFF_MAX_MS, jitter: BACKOFF_JITTER };

/** The backoff interval before attempt n (1-based) after a failure. */
export function relayBackoffMs(attempt: number): number {
  return backoffInterval(BACKOFF, attempt);
}

type Container = 'mp3' | 'ogg' | 'aac';

function framerFor(container: Container): StreamFramer {
  return container === 'aac' ? new AdtsFramer() : framerForContainer(container);
}

function containerOf(contentType: string): Container | null {
  const media = contentType.split(';')[0]!.trim().toLowerCase();
  if (AAC_TYPES.has(media)) return 'aac';
  return containerForContentType(contentType);
}

const iso = (ms: number) => new Date(ms).toISOString();

export class PullRelay {
  readonly settings: PullRelaySettings;
  readonly #deps: PullRelayDeps;
  readonly #now: () => number;
  readonly #setTimer: (fn: () => void, ms: number) => unknown;
  readonly #clearTimer: (handle: unknown) => void;
  readonly #random: () => number;

  #state: RelayState = 'stopped';
  /** Whether the relay should run (false: stopped, or on demand with nobody listening). */
  #wanted = false;
  #conn: UpstreamConnection | null = null;
  /** Bumped whenever a connection's late events must be ignored. */
  #attemptId = 0;
  #retryTimer: unknown = null;
  #redirects = 0;
  #source: InProcessSource | null = null;
  // Per connection:
  #headSeen = false;
  #declared: Container | null = null;
  #declaredType = '';
  #icy: IcyReader | null = null;
  #framer: StreamFramer | null = null;
  #sniff: Uint8Array | null = null;
  #bytesWithoutAudio = 0;
  #info: StreamInfo | null = null;
  #delivered = false;
  #lastDataMs = 0;
  #paused = false;
  // Status:
  #format: StreamFormat | null = null;
  #title = '';
  #connectedSinceMs: number | null = null;
  #bytesReceived = 0;
  #attempts = 0;
  #reconnectsTotal = 0;
  #backoffMs = 0;
  #nextAttemptAtMs: number | null = null;
  #droppedUnits = 0;
  #lastError: RelayStatus['lastError'] = null;

  constructor(settings: PullRelaySettings, deps: PullRelayDeps) {
    this.settings = settings;
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
    this.#setTimer = deps.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.#clearTimer = deps.clearTimer ?? ((h) => clearTimeout(h as NodeJS.Timeout));
    this.#random = deps.random ?? Math.random;
  }

  get state(): RelayState {
    return this.#state;
  }

  status(): RelayStatus {
    return {
      url: this.settings.url,
      state: this.#state,
      onDemand: this.settings.onDemand,
      format: this.#format,
      title: this.#title,
      connectedSince: this.#connectedSinceMs === null ? null : iso(this.#connectedSinceMs),
      bytesReceived: this.#bytesReceived,
      reconnectAttempts: this.#attempts,
      reconnectsTotal: this.#reconnectsTotal,
      backoffMs: this.#backoffMs,
      nextAttemptAt: this.#nextAttemptAtMs === null ? null : iso(this.#nextAttemptAtMs),
      droppedUnits: this.#droppedUnits + (this.#source?.droppedUnits ?? 0),
      lastError: this.#lastError,
    };
  }

  /** Run (again): connect now unless already running or waiting for the backoff. */
  start(): void {
    this.#wanted = true;
    if (this.#state === 'stopped') this.#attempt();
    else if (this.#state === 'preempted') this.nudge();
  }

  /** Stop (on demand with nobody listening, or removed): the upstream is closed, listeners move to the fallback. */
  stop(reason: string): void {
    this.#wanted = false;
    this.#cancelRetry();
    this.#dropConnection();
    if (this.#source) {
      const source = this.#source;
      this.#source = null;
      source.end(reason);
    }
    this.#disconnected();
    this.#state = 'stopped';
    this.#deps.log.info({ mount: this.settings.mountPath, upstream: this.settings.url, reason }, 'relay stopped');
  }

  /** A source left a mount: a preempted relay takes its mount back. */
  nudge(): void {
    if (this.#state !== 'preempted' || !this.#wanted) return;
    if (this.#otherSource()) return;
    this.#attempt();
  }

  /** Called every few hundred ms by the manager: a stalled upstream is lost; a paused one resumes. */
  tick(nowMs: number): void {
    if (this.#paused && this.#conn && (this.#source?.queuedUs ?? 0) < RESUME_AT_US) {
      this.#paused = false;
      this.#lastDataMs = nowMs;
      this.#conn.resume();
    }
    if (this.#conn && this.#headSeen && !this.#paused && nowMs - this.#lastDataMs > this.#deps.stallMs()) {
      this.#fail(new AircheckError('RELAY_UPSTREAM_LOST', `relay ${this.settings.mountPath}: ${this.settings.url} sent nothing for ${Math.round(this.#deps.stallMs() / 1000)} s: check the upstream server and its source`));
    }
  }

  #otherSource(): MountSource | null {
    const s = this.#deps.host.sourceOf(this.settings.mountPath);
    return s && s.state === 'streaming' && s !== this.#source ? s : null;
  }

  #cancelRetry(): void {
    if (this.#retryTimer !== null) this.#clearTimer(this.#retryTimer);
    this.#retryTimer = null;
    this.#nextAttemptAtMs = null;
  }

  #dropConnection(): void {
    this.#attemptId++;
    const conn = this.#conn;
    this.#conn = null;
    this.#paused = false;
    conn?.close();
  }

  /** The mount is no longer fed by an upstream connection that delivered audio. */
  #disconnected(): void {
    if (this.#connectedSinceMs !== null) this.#deps.onConnected?.(false);
    this.#connectedSinceMs = null;
  }

  #attempt(): void {
    this.#cancelRetry();
    if (this.#otherSource()) return this.#preempt();
    try {
      this.#deps.refuseNewWork?.(`the relay of ${this.settings.mountPath}`);
    } catch (err) {
      if (!isAircheckError(err)) throw err;
      this.#delivered = false;
      return this.#fail(err);
    }
    this.#state = 'connecting';
    this.#redirects = 0;
    this.#open(new URL(this.settings.url), true);
  }

  #open(url: URL, sendCredentials: boolean): void {
    this.#dropConnection();
    const id = this.#attemptId;
    this.#headSeen = false;
    this.#declared = null;
    this.#declaredType = '';
    this.#icy = null;
    this.#framer = null;
    this.#sniff = new Uint8Array(0);
    this.#bytesWithoutAudio = 0;
    this.#delivered = false;
    this.#title = '';
    this.#lastDataMs = this.#now();
    const s = this.settings;
    this.#conn = this.#deps.connect(
      { url, user: sendCredentials ? s.user : null, password: sendCredentials ? s.password : null, icyMetadata: s.icyMetadata, userAgent: this.#deps.userAgent ?? 'Aircheck relay' },
      {
        onHead: (head) => id === this.#attemptId && this.#onHead(head, url),
        onBody: (chunk) => id === this.#attemptId && this.#onBody(chunk),
        onEnd: (end) => id === this.#attemptId && this.#onEnd(end),
      },
    );
  }

  #onHead(head: UpstreamHead, url: URL): void {
    this.#headSeen = true;
    this.#lastDataMs = this.#now();
    const where = `relay ${this.settings.mountPath}: ${this.settings.url}`;
    const location = head.headers.get('location');
    if (head.statusCode >= 300 && head.statusCode < 400 && location) {
      if (this.#redirects >= MAX_REDIRECTS) {
        return this.#fail(new AircheckError('RELAY_UPSTREAM_REFUSED', `${where} redirected more than ${MAX_REDIRECTS} times: point url at the stream itself`));
      }
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        return this.#fail(new AircheckError('RELAY_UPSTREAM_REFUSED', `${where} redirected to ${JSON.stringify(location.slice(0, 100))}, which is not a URL: point url at the stream itself`));
      }
      if (next.protocol !== 'http:' && next.protocol !== 'https:') {
        return this.#fail(new AircheckError('RELAY_UPSTREAM_REFUSED', `${where} redirected to a ${next.protocol} URL: point url at an http(s) stream`));
      }
      this.#redirects++;
      // Credentials go only to the origin they were configured for.
      return this.#open(next, next.origin === new URL(this.settings.url).origin);
    }
    if (head.statusCode < 200 || head.statusCode > 299) {
      const hint = head.statusCode === 401 || head.statusCode === 403
        ? 'check user and password (or password_file)'
        : head.statusCode === 404
          ? 'the upstream mount does not exist or has no source right now; the relay retries'
          : 'the relay retries with its backoff';
      return this.#fail(new AircheckError('RELAY_UPSTREAM_REFUSED', `${where} answered ${head.statusCode}${head.statusText ? ` ${head.statusText}` : ''}: ${hint}`));
    }
    this.#declaredType = head.headers.get('content-type') ?? '';
    this.#declared = containerOf(this.#declaredType);
    if (this.settings.icyMetadata) {
      try {
        const metaint = parseMetaint(head.headers.get('icy-metaint'));
        if (metaint !== null) this.#icy = new IcyReader(metaint);
      } catch (err) {
        return this.#fail(new AircheckError('RELAY_BAD_AUDIO', `${where}: ${(err as Error).message}: the upstream's ICY metadata cannot be read; set icy_metadata = false on the relay`, { cause: err }));
      }
    }
    this.#info = { ...streamInfoFromHeaders(head.headers).info, userAgent: '' };
  }

  #onBody(chunk: Uint8Array): void {
    this.#bytesReceived += chunk.length;
    this.#deps.onBytes?.(chunk.length);
    this.#lastDataMs = this.#now();
    let audio: Uint8Array[] = [chunk];
    if (this.#icy) {
      const read = this.#icy.push(chunk);
      audio = read.audio;
      for (const title of read.titles) {
        this.#title = title;
        this.#source?.setTitle(title);
      }
    }
    for (const piece of audio) {
      if (this.#conn === null) return; // failed on an earlier piece
      this.#frame(piece);
    }
  }

  #frame(piece: Uint8Array): void {
    const where = `relay ${this.settings.mountPath}: ${this.settings.url}`;
    if (piece.length === 0) return;
    if (!this.#framer) {
      // The first bytes decide between MP3 and Ogg when they disagree with the declared type (as for sources).
      const sniff: Uint8Array = Buffer.concat([this.#sniff!, piece]);
      if (sniff.length < SNIFF_BYTES) {
        this.#sniff = sniff;
        return;
      }
      this.#sniff = null;
      const container = sniffFormat(sniff) ?? this.#declared;
      if (container === null) {
        const shown = this.#declaredType ? JSON.stringify(this.#declaredType.slice(0, 80)) : 'no Content-Type';
        return this.#fail(new AircheckError('RELAY_UNSUPPORTED_FORMAT', `${where} sends ${shown} and its first bytes are neither MP3 nor Ogg nor AAC ADTS: point url at an MP3, Ogg Opus/Vorbis or AAC stream (not a playlist or a page)`));
      }
      this.#framer = framerFor(container);
      piece = sniff;
    }
    let units;
    try {
      units = this.#framer.push(piece);
    } catch (err) {
      const code: ErrorCode = isAircheckError(err, 'SOURCE_UNSUPPORTED_FORMAT') ? 'RELAY_UNSUPPORTED_FORMAT' : 'RELAY_BAD_AUDIO';
      return this.#fail(new AircheckError(code, `${where} sent audio that cannot be read: ${(err as Error).message}`, { cause: err }));
    }
    if (units.length === 0) {
      this.#bytesWithoutAudio += piece.length;
      if (this.#bytesWithoutAudio > NO_AUDIO_LIMIT_BYTES) {
        this.#fail(new AircheckError('RELAY_BAD_AUDIO', `${where} sent ${this.#bytesWithoutAudio} bytes without one audio frame: point url at the stream itself`));
      }
      return;
    }
    this.#bytesWithoutAudio = 0;
    if (!this.#source) {
      if (!this.#claim()) return;
    }
    const source = this.#source!;
    if (source.format === null && this.#framer.format) {
      this.#format = this.#framer.format;
      source.start(this.#framer.format, this.#info!);
      if (this.#title) source.setTitle(this.#title);
    }
    source.push(units);
    if (!this.#delivered) {
      this.#delivered = true;
      this.#state = 'connected';
      this.#connectedSinceMs = this.#now();
      this.#attempts = 0;
      this.#backoffMs = 0;
      this.#deps.onConnected?.(true);
      this.#deps.log.info({ mount: this.settings.mountPath, upstream: this.settings.url, format: this.#format }, 'relay connected');
    }
    if (!this.#paused && source.queuedUs > PAUSE_AT_US) {
      this.#paused = true;
      this.#conn?.pause();
    }
  }

  /** Takes the mount for this connection's audio; false when a live source holds it (preempted) or it cannot be had. */
  #claim(): boolean {
    if (this.#otherSource()) {
      this.#preempt();
      return false;
    }
    let source: InProcessSource;
    try {
      source = InProcessSource.claim(this.#deps.host, { kind: 'relay', mountPath: this.settings.mountPath, remoteAddress: this.settings.url, paced: true, now: this.#now });
    } catch (err) {
      if (isAircheckError(err, 'MOUNT_IN_USE')) {
        this.#preempt();
        return false;
      }
      const error = isAircheckError(err) ? err : new AircheckError('RELAY_BAD_AUDIO', `relay ${this.settings.mountPath}: ${(err as Error).message}`, { cause: err });
      this.#fail(error);
      return false;
    }
    source.onEnded = () => this.#sourceTaken(source);
    this.#source = source;
    return true;
  }

  /** Our source was ended by someone else: a live source took the mount, an admin killed it, or shutdown. */
  #sourceTaken(source: InProcessSource): void {
    if (this.#source !== source) return;
    this.#source = null;
    this.#droppedUnits += source.droppedUnits;
    this.#dropConnection();
    this.#disconnected();
    // The registry attaches the new source right after ending ours (same call): look once that is done.
    queueMicrotask(() => {
      if (this.#state === 'stopped' || this.#source !== null) return;
      if (this.#otherSource()) this.#preempt();
      else if (this.#wanted) this.#scheduleRetry(true);
      else this.#state = 'stopped';
    });
  }

  #preempt(): void {
    this.#dropConnection();
    this.#cancelRetry();
    if (this.#state !== 'preempted') {
      const by = this.#otherSource();
      this.#deps.log.info({ mount: this.settings.mountPath, upstream: this.settings.url, source: by?.kind, remote: by?.remoteAddress }, 'relay preempted by a live source');
    }
    this.#state = 'preempted';
  }

  #onEnd(end: UpstreamEnd): void {
    this.#conn = null;
    const where = `relay ${this.settings.mountPath}: ${this.settings.url}`;
    if (end.phase === 'connect') this.#fail(new AircheckError('RELAY_UPSTREAM_UNREACHABLE', `${where} cannot be reached: ${end.message}; check the host and port of url and that the server runs`, { cause: end.cause }));
    else if (end.phase === 'head') this.#fail(new AircheckError('RELAY_BAD_AUDIO', `${where} did not answer HTTP (${end.message}): point url at an Icecast, SHOUTcast or HTTP stream`));
    else this.#fail(new AircheckError('RELAY_UPSTREAM_LOST', `${where} was lost: ${end.message}; the relay reconnects`, { cause: end.cause }));
  }

  #fail(error: AircheckError): void {
    const hadAudio = this.#delivered;
    this.#dropConnection();
    if (this.#source) {
      const source = this.#source;
      this.#source = null;
      this.#droppedUnits += source.droppedUnits;
      // Paced: what is queued plays out, then listeners move to the fallback.
      source.end('upstream lost', error);
    }
    this.#disconnected();
    this.#lastError = { code: error.code, message: error.message, at: iso(this.#now()) };
    this.#deps.onError?.(error.code);
    this.#deps.log.warn({ mount: this.settings.mountPath, upstream: this.settings.url, code: error.code, err: error.message }, 'relay failed');
    if (!this.#wanted) {
      this.#state = 'stopped';
      return;
    }
    this.#scheduleRetry(hadAudio);
  }

  /** Waits out the backoff, then tries again. afterSuccess: the backoff starts over (1 s). */
  #scheduleRetry(afterSuccess: boolean): void {
    this.#cancelRetry();
    this.#attempts = (afterSuccess ? 0 : this.#attempts) + 1;
    this.#backoffMs = relayBackoffMs(this.#attempts);
    const delayMs = jitteredWait(BACKOFF, this.#backoffMs, this.#random);
    this.#state = 'waiting';
    this.#nextAttemptAtMs = this.#now() + delayMs;
    this.#retryTimer = this.#setTimer(() => {
      this.#retryTimer = null;
      this.#reconnectsTotal++;
      this.#deps.onReconnect?.();
      this.#attempt();
    }, delayMs);
  }
}
