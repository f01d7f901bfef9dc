// The studio's WebSocket client (shared/PROTOCOL.md §7): fed by the encoder's Opus packets and the
// UI's control / metadata requests; feeds the bridge's /api/studio/ws. It numbers frames once, keeps
// every unacknowledged frame in the ResendBuffer, reconnects with backoff after a drop and resends
// from welcome.nextSeq, so a drop shorter than the buffer loses nothing. Pure logic: the socket
// factory and the clock are given, so node tests drive it with fakes.

import { AUDIO_FRAME_FLAG_DISCONTINUITY, encodeAudioFrame } from '../../../shared/src/protocol/audio-frame.ts';
import { closeCodeInfo, shouldReconnect } from '../../../shared/src/protocol/close-codes.ts';
import { PROTOCOL_VERSION, parseServerMessage, serializeMessage, type RecordingMessage } from '../../../shared/src/protocol/messages.ts';
import type {
  ClientMessage, CodecConfig, ControlAction, ServerMessage, StateMessage, StateTarget,
} from '../../../shared/src/protocol/messages.ts';
import { ResendBuffer } from '../../../shared/src/protocol/resend-buffer.ts';
import type { ResendBufferOptions } from '../../../shared/src/protocol/resend-buffer.ts';
import { BACKOFF_RESET_AFTER_MS, reconnectDelayMs } from './backoff.ts';

/** The part of the browser's WebSocket the client uses (a fake in tests). */
export interface UplinkSocket {
  binaryType: string;
  readonly bufferedAmount: number;
  send(data: string | Uint8Array): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

export interface UplinkClock {
  /** Monotonic ms (performance.now()). */
  now(): number;
  setTimeout(fn: () => void, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const browserClock: UplinkClock = {
  now: () => performance.now(),
  setTimeout: (fn, delayMs) => setTimeout(fn, delayMs),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * idle: not started. connecting: first socket, no welcome yet. connected: welcomed. reconnecting:
 * dropped, waiting or trying again (audio keeps buffering). ending: `end` sent, draining the buffer.
 * ended: closed with 1000. failed: closed with a code that must not be retried (see `error`).
 */
export type UplinkStatus = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'ending' | 'ended' | 'failed';

export interface UplinkHealth {
  status: UplinkStatus;
  /** Last ping round trip; null before the first pong. */
  rttMs: number | null;
  /** Audio sent (or waiting to be sent) but not acknowledged. */
  bufferedMs: number;
  bufferedFrames: number;
  /** Every reconnect attempt since the show started. */
  reconnects: number;
  /** Audio lost to buffer overflow (a drop longer than the buffer). */
  droppedFrames: number;
  droppedMs: number;
  /** Frames encoded so far (the next seq). */
  framesEncoded: number;
  /** When the next reconnect attempt starts (clock ms), or null. */
  nextAttemptAtMs: number | null;
  /** Why the last connection closed, or why the client stopped. */
  error: UplinkError | null;
}

export interface UplinkError {
  /** The AircheckError code the bridge sent, or a close name, or 'CONNECTION_LOST'. */
  code: string;
  message: string;
  closeCode: number | null;
  retry: boolean;
}

export interface UplinkState {
  target: StateTarget;
  onAir: boolean;
  mounts: string[];
}

export interface AudioPacket {
  timestampUs: number;
  durationSamples: number;
  packet: Uint8Array;
  /** AUDIO_FRAME_FLAG_* bits (discontinuity after an encoder restart). */
  flags?: number;
}

export interface UplinkOptions {
  /** ws(s)://host/api/studio/ws */
  url: string;
  /** The session token, read at every hello (it may be renewed by signing in again). */
  token: () => string;
  createSocket: (url: string) => UplinkSocket;
  clock?: UplinkClock;
  random?: () => number;
  buffer?: ResendBufferOptions;
  /** §4.4: 2000. */
  pingIntervalMs?: number;
  /** Give up on a socket that has not been welcomed after this long, and try again. Default 10 s. */
  welcomeTimeoutMs?: number;
  /** After `end` is confirmed, close even with frames unacknowledged after this long. Default 15 s. */
  endDrainTimeoutMs?: number;
  /**
   * A welcomed socket on which nothing arrives for this long (no ack, no pong) is stalled — a proxy or
   * NAT that stopped forwarding without closing — and is replaced. Default 6 s (pings go every 2 s).
   */
  silenceTimeoutMs?: number;
  log?: (level: 'info' | 'warn' | 'error', msg: string, data?: Record<string, unknown>) => void;
  /**
   * A show this page did not start: a reload, a crash or a reopened browser (PROTOCOL.md §7.6). The
   * first hello resumes sessionId; the first frame gets the seq seqAtFirstFrame() returns then (where
   * the wall clock says the show is), so the frames the old tab never sent are a gap of their real
   * length, and the hello says why (resume.tabLost).
   */
  resumeShow?: { sessionId: string; seqAtFirstFrame: () => number };
}

/** A control or metadata request the bridge refused (its `error` carried our requestId). */
export class UplinkRequestError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'UplinkRequestError';
    this.code = code;
  }
}

interface Pending {
  message: ClientMessage;
  resolve: (value: StateMessage | null) => void;
  reject: (err: Error) => void;
}

export class UplinkClient {
  #buffer: ResendBuffer;
  #bufferOptions: ResendBufferOptions | undefined;
  /** Set while a resumed show waits for its first frame (it fixes where the numbering continues). */
  #seqAtFirstFrame: (() => number) | null = null;
  /** A resumed show's hellos say resume.tabLost until the bridge welcomes one. */
  #tabLost = false;
  #resumed: boolean | null = null;
  #opts: Required<Omit<UplinkOptions, 'buffer' | 'log' | 'resumeShow'>> & Pick<UplinkOptions, 'log'>;
  #listeners = new Set<() => void>();
  #codec: CodecConfig | null = null;
  #socket: UplinkSocket | null = null;
  #status: UplinkStatus = 'idle';
  #welcomed = false;
  #welcomedAtMs: number | null = null;
  /** When the bridge last said anything on the current socket. */
  #lastHeardMs = 0;
  #sessionId: string | null = null;
  #attempt = 0;
  #reconnects = 0;
  #rttMs: number | null = null;
  #error: UplinkError | null = null;
  #state: UplinkState = { target: 'none', onAir: false, mounts: [] };
  #pending = new Map<string, Pending>();
  #requestCounter = 0;
  /**
   * Makes this page's requestIds its own: the bridge answers a repeated requestId with its first
   * answer (§4), and a page that resumes a show (§7.6) must not reuse the old page's "c-1".
   */
  readonly #requestPrefix: string;
  #timers = { ping: null as unknown, welcome: null as unknown, reconnect: null as unknown, drain: null as unknown };
  #nextAttemptAtMs: number | null = null;
  #endConfirmed = false;
  #framesAfterEnd = 0;
  #droppedLogged = false;
  #lastCloseError: UplinkError | null = null;
  #recording: RecordingMessage | null = null;
  #liveEdge: { skippedMs: number; atMs: number } | null = null;
  /** §4.12: the last listener count and when the show began (this clock's ms), or null before the first. */
  #audience: { listeners: number; showStartedAtMs: number } | null = null;
  #finishWaiters: (() => void)[] = [];

  constructor(options: UplinkOptions) {
    this.#opts = {
      clock: browserClock,
      random: Math.random,
      pingIntervalMs: 2000,
      welcomeTimeoutMs: 10_000,
      endDrainTimeoutMs: 15_000,
      silenceTimeoutMs: 6000,
      ...options,
    };
    this.#requestPrefix = Math.floor(this.#opts.random() * 36 ** 6).toString(36);
    this.#bufferOptions = options.buffer;
    this.#buffer = new ResendBuffer(options.buffer);
    if (options.resumeShow) {
      this.#sessionId = options.resumeShow.sessionId;
      this.#seqAtFirstFrame = options.resumeShow.seqAtFirstFrame;
      this.#tabLost = true;
    }
  }

  /** The unacknowledged frames (§7.3). */
  get buffer(): ResendBuffer {
    return this.#buffer;
  }

  /** The last welcome's `resumed` (null before the first welcome): false means the bridge started a new show. */
  get resumed(): boolean | null {
    return this.#resumed;
  }

  /** Packets the encoder handed in after the show ended (not numbered, not sent): encoded = framesEncoded + this. */
  get framesAfterEnd(): number {
    return this.#framesAfterEnd;
  }

  get status(): UplinkStatus {
    return this.#status;
  }

  get state(): Readonly<UplinkState> {
    return this.#state;
  }

  get sessionId(): string | null {
    return this.#sessionId;
  }

  /** The show's recording as the bridge last reported it (§4.11); null: nothing reported (recording fine). */
  get recording(): RecordingMessage | null {
    return this.#recording;
  }

  /** The bridge's last `audience` (§4.12): listeners now, and the show's start on the clock of `clock.now()`. */
  get audience(): { listeners: number; showStartedAtMs: number } | null {
    return this.#audience;
  }

  /** §4.14: the last skip to the live edge after a cut (audio not played on air; recorded in full), or null. */
  get liveEdge(): { skippedMs: number; atMs: number } | null {
    return this.#liveEdge;
  }

  get health(): UplinkHealth {
    return {
      status: this.#status,
      rttMs: this.#rttMs,
      bufferedMs: this.buffer.bufferedMs,
      bufferedFrames: this.buffer.length,
      reconnects: this.#reconnects,
      droppedFrames: this.buffer.droppedFrames,
      droppedMs: this.buffer.droppedMs,
      framesEncoded: this.buffer.nextSeq,
      nextAttemptAtMs: this.#nextAttemptAtMs,
      error: this.#error,
    };
  }

  /** Called after every change of status, state, health numbers. Returns an unsubscribe function. */
  subscribe(fn: () => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /** Opens the first connection; the codec config comes from the encoder's first output. */
  connect(codec: CodecConfig): void {
    // A new show needs a new client (its numbering starts at 0); 'failed' may be retried, resuming.
    if (this.#status !== 'idle' && this.#status !== 'failed') {
      throw new Error(`uplink: connect() while ${this.#status}`);
    }
    this.#codec = codec;
    this.#error = null;
    this.#endConfirmed = false;
    this.#status = 'connecting';
    this.#open();
    this.#changed();
  }

  /** The codec config the next hello carries (e.g. a new bitrate). */
  setCodec(codec: CodecConfig): void {
    this.#codec = codec;
  }

  /**
   * One encoded Opus packet: numbered, held until acknowledged, sent now when welcomed (otherwise
   * after the next welcome). Keeps working while disconnected — that is the point of the buffer.
   */
  pushAudio(audio: AudioPacket): void {
    if (this.#endConfirmed || this.#status === 'ended') {
      this.#framesAfterEnd++; // the show is over: nothing more to send
      return;
    }
    let flags = audio.flags ?? 0;
    if (this.#seqAtFirstFrame) {
      // A resumed show: the numbering continues where the show is now, not at 0, and this page's
      // capture clock does not follow on from the old tab's (§7.6).
      this.#buffer = new ResendBuffer({ ...this.#bufferOptions, firstSeq: Math.max(0, Math.round(this.#seqAtFirstFrame())) });
      this.#seqAtFirstFrame = null;
      flags |= AUDIO_FRAME_FLAG_DISCONTINUITY;
    }
    const seq = this.buffer.nextSeq;
    const data = encodeAudioFrame({ seq, timestampUs: audio.timestampUs, durationSamples: audio.durationSamples, flags, packet: audio.packet });
    const dropped = this.buffer.push({ seq, durationSamples: audio.durationSamples, data }, this.#opts.clock.now());
    if (dropped > 0 && !this.#droppedLogged) {
      this.#droppedLogged = true;
      this.#opts.log?.('warn', 'send buffer full: dropping the oldest audio', { droppedFrames: this.buffer.droppedFrames });
    }
    if (this.#welcomed && this.#socket) this.#socket.send(data);
  }

  /** Asks for a transition; resolves with the bridge's confirming `state`, rejects with its `error`. */
  control(action: ControlAction): Promise<StateMessage> {
    const requestId = `c-${this.#requestPrefix}-${++this.#requestCounter}`;
    return this.#request({ type: 'control', action, requestId }) as Promise<StateMessage>;
  }

  /** PROTOCOL.md §4.13: the show's name, description and MP3 bitrate; resolves on `metadata-ack`, rejects with its `error`. */
  show(name: string, description: string, mp3BitrateKbps?: number): Promise<void> {
    const requestId = `s-${++this.#requestCounter}`;
    return this.#request({ type: 'show', name, description, ...(mp3BitrateKbps === undefined ? {} : { mp3BitrateKbps }), requestId }).then(() => undefined);
  }

  /** Sets now-playing; resolves on `metadata-ack`. */
  metadata(artist: string, title: string): Promise<void> {
    const requestId = `m-${this.#requestPrefix}-${++this.#requestCounter}`;
    return this.#request({ type: 'metadata', artist, title, requestId }).then(() => undefined);
  }

  /**
   * §7.1 step 9: `end`, confirmed by a `state` with target none; then waits until every frame is
   * acknowledged (at most endDrainTimeoutMs) and closes with 1000. Resolves once closed. Audio pushed
   * after the confirmation is not sent.
   */
  async end(): Promise<void> {
    if (this.#status === 'idle' || this.#status === 'ended' || this.#status === 'failed') {
      this.#finish('ended');
      return;
    }
    const confirmed = this.control('end');
    this.#status = 'ending';
    this.#changed();
    await confirmed;
    this.#endConfirmed = true;
    const finished = new Promise<void>((resolve) => this.#finishWaiters.push(resolve));
    this.#timers.drain = this.#opts.clock.setTimeout(() => this.#closeEnded(), this.#opts.endDrainTimeoutMs);
    this.#maybeCloseEnded();
    await finished;
  }

  /** Stops at once, without reconnecting (sign-out, page unload). Buffered audio is abandoned. */
  stop(): void {
    this.#finish('ended');
  }

  // -------------------------------------------------------------------------------------------
  // Connection

  #open(): void {
    this.#nextAttemptAtMs = null;
    const socket = this.#opts.createSocket(this.#opts.url);
    this.#socket = socket;
    socket.binaryType = 'arraybuffer';
    socket.onopen = () => this.#sendHello();
    socket.onmessage = (ev) => this.#onMessage(ev.data);
    socket.onclose = (ev) => this.#onClose(ev.code, ev.reason);
    socket.onerror = () => {
      // A close event always follows; it decides.
    };
    this.#timers.welcome = this.#opts.clock.setTimeout(() => {
      this.#opts.log?.('warn', 'no welcome from the bridge in time: trying again', { timeoutMs: this.#opts.welcomeTimeoutMs });
      this.#abandonSocket({ code: 'CONNECTION_TIMEOUT', message: 'the bridge did not answer in time', closeCode: null, retry: true });
    }, this.#opts.welcomeTimeoutMs);
  }

  #sendHello(): void {
    if (!this.#codec || !this.#socket) return;
    const hello: ClientMessage = {
      type: 'hello',
      protocol: PROTOCOL_VERSION,
      token: this.#opts.token(),
      codec: this.#codec,
      ...(this.#sessionId !== null ? { resume: { sessionId: this.#sessionId, oldestUnackedSeq: this.buffer.oldestSeq, ...(this.#tabLost ? { tabLost: true as const } : {}) } } : {}),
    };
    this.#socket.send(serializeMessage(hello));
  }

  #onMessage(data: unknown): void {
    this.#lastHeardMs = this.#opts.clock.now();
    if (typeof data !== 'string') return; // the bridge never sends binary (§2)
    let msg: ServerMessage;
    try {
      msg = parseServerMessage(data);
    } catch (err) {
      this.#opts.log?.('warn', 'ignored a message from the bridge that does not follow the protocol', { error: (err as Error).message });
      return;
    }
    switch (msg.type) {
      case 'welcome': {
        this.#clearTimer('welcome');
        this.#welcomed = true;
        this.#welcomedAtMs = this.#opts.clock.now();
        this.#sessionId = msg.sessionId;
        this.#resumed = msg.resumed;
        this.#tabLost = false;
        this.#error = null;
        // §7.1 step 5: release what the bridge has, resend the rest in order, then the requests.
        if (msg.nextSeq > 0) this.buffer.ack(msg.nextSeq - 1);
        for (const frame of this.buffer.framesFrom(msg.nextSeq)) this.#socket?.send(frame.data);
        for (const pending of this.#pending.values()) this.#socket?.send(serializeMessage(pending.message));
        if (this.#status !== 'ending') this.#status = 'connected';
        this.#schedulePing();
        this.#opts.log?.('info', 'welcomed by the bridge', { sessionId: msg.sessionId, resumed: msg.resumed, nextSeq: msg.nextSeq });
        break;
      }
      case 'ack':
        this.buffer.ack(msg.seq);
        this.#maybeCloseEnded();
        break;
      case 'state': {
        this.#state = { target: msg.target, onAir: msg.onAir, mounts: [...msg.mounts] };
        if (msg.requestId !== null) this.#settle(msg.requestId, (p) => p.resolve(msg));
        break;
      }
      case 'metadata-ack':
        this.#settle(msg.requestId, (p) => p.resolve(null));
        break;
      case 'recording':
        this.#recording = msg;
        this.#opts.log?.(msg.status === 'failing' ? 'error' : 'info', 'recording status from the bridge', { status: msg.status, code: msg.code });
        break;
      case 'audience':
        this.#audience = { listeners: msg.listeners, showStartedAtMs: this.#opts.clock.now() - msg.showElapsedMs };
        break;
      case 'live-edge':
        this.#liveEdge = { skippedMs: msg.skippedMs, atMs: this.#opts.clock.now() };
        this.#opts.log?.('info', 'backlog skipped on air to keep listeners live', { skippedMs: msg.skippedMs });
        break;
      case 'pong':
        this.#rttMs = Math.max(0, this.#opts.clock.now() - msg.clientTimeMs);
        break;
      case 'error':
        if (msg.requestId !== null) {
          this.#settle(msg.requestId, (p) => p.reject(new UplinkRequestError(msg.code, msg.message)));
        } else {
          // The close that follows carries the code; keep the explanation for the UI.
          this.#lastCloseError = { code: msg.code, message: msg.message, closeCode: null, retry: true };
        }
        break;
    }
    this.#changed();
  }

  #onClose(code: number, reason: string): void {
    this.#detachSocket();
    const info = closeCodeInfo(code);
    const explained = this.#lastCloseError;
    this.#lastCloseError = null;
    const retry = shouldReconnect(code);
    const error: UplinkError = {
      code: explained?.code ?? info?.name ?? 'CONNECTION_LOST',
      message: explained?.message ?? (info ? info.reason : `connection lost (${code}${reason ? `: ${reason}` : ''})`),
      closeCode: code,
      retry,
    };
    if (this.#status === 'ending' && this.#endConfirmed && code === 1000) {
      this.#finish('ended');
      return;
    }
    if (!retry) {
      this.#error = error;
      this.#opts.log?.('error', 'the bridge closed the connection for good', { closeCode: code, code: error.code });
      this.#finish('failed');
      return;
    }
    this.#scheduleReconnect(error);
  }

  /** Drops a socket that misbehaves (no welcome) and goes on as after a drop. */
  #abandonSocket(error: UplinkError): void {
    const socket = this.#socket;
    this.#detachSocket();
    try {
      socket?.close(4000, 'abandoned');
    } catch {
      // already closed
    }
    this.#scheduleReconnect(error);
  }

  #scheduleReconnect(error: UplinkError): void {
    this.#error = error;
    const now = this.#opts.clock.now();
    if (this.#welcomedAtMs !== null && now - this.#welcomedAtMs >= BACKOFF_RESET_AFTER_MS) this.#attempt = 0;
    this.#welcomedAtMs = null;
    this.#attempt++;
    this.#reconnects++;
    const delayMs = reconnectDelayMs(this.#attempt, this.#opts.random);
    if (this.#status !== 'ending') this.#status = 'reconnecting';
    this.#nextAttemptAtMs = now + delayMs;
    this.#opts.log?.('warn', 'connection to the bridge lost: reconnecting', { attempt: this.#attempt, delayMs, closeCode: error.closeCode });
    this.#timers.reconnect = this.#opts.clock.setTimeout(() => {
      this.#timers.reconnect = null;
      this.#open();
      this.#changed();
    }, delayMs);
    this.#changed();
  }

  #detachSocket(): void {
    const socket = this.#socket;
    if (socket) {
      socket.onopen = null;
      socket.onmessage = null;
      socket.onclose = null;
      socket.onerror = null;
    }
    this.#socket = null;
    this.#welcomed = false;
    this.#clearTimer('ping');
    this.#clearTimer('welcome');
  }

  #schedulePing(): void {
    this.#clearTimer('ping');
    this.#timers.ping = this.#opts.clock.setTimeout(() => {
      this.#timers.ping = null;
      if (!this.#welcomed || !this.#socket) return;
      const silentMs = this.#opts.clock.now() - this.#lastHeardMs;
      if (silentMs > this.#opts.silenceTimeoutMs) {
        this.#opts.log?.('warn', 'the bridge stopped answering: reconnecting', { silentMs });
        this.#abandonSocket({ code: 'CONNECTION_STALLED', message: 'the connection stalled (nothing heard from the bridge)', closeCode: null, retry: true });
        return;
      }
      this.#socket.send(serializeMessage({ type: 'ping', clientTimeMs: Math.max(0, this.#opts.clock.now()) }));
      this.#schedulePing();
    }, this.#opts.pingIntervalMs);
  }

  #request(message: ClientMessage & { requestId: string }): Promise<StateMessage | null> {
    const text = serializeMessage(message); // throws here, before sending, for a title too long
    return new Promise((resolve, reject) => {
      if (this.#status === 'idle' || this.#status === 'ended' || this.#status === 'failed') {
        reject(new UplinkRequestError('STUDIO_NOT_CONNECTED', 'not connected to the bridge: connect first'));
        return;
      }
      this.#pending.set(message.requestId, { message, resolve, reject });
      if (this.#welcomed && this.#socket) this.#socket.send(text);
    });
  }

  #settle(requestId: string, fn: (p: Pending) => void): void {
    const pending = this.#pending.get(requestId);
    if (!pending) return;
    this.#pending.delete(requestId);
    fn(pending);
  }

  #maybeCloseEnded(): void {
    if (this.#status === 'ending' && this.#endConfirmed && this.buffer.length === 0) this.#closeEnded();
  }

  #closeEnded(): void {
    const socket = this.#socket;
    this.#detachSocket();
    try {
      socket?.close(1000, 'session ended');
    } catch {
      // already closed
    }
    this.#finish('ended');
  }

  #finish(status: 'ended' | 'failed'): void {
    const socket = this.#socket;
    this.#detachSocket();
    if (socket) {
      try {
        socket.close(1000, 'session ended');
      } catch {
        // already closed
      }
    }
    for (const name of ['reconnect', 'drain'] as const) this.#clearTimer(name);
    this.#nextAttemptAtMs = null;
    this.#status = status;
    if (status === 'ended') this.#sessionId = null;
    this.#state = { target: 'none', onAir: false, mounts: [] };
    const reason = status === 'failed' ? this.#error?.message ?? 'connection failed' : 'the show has ended';
    for (const pending of this.#pending.values()) pending.reject(new UplinkRequestError('STUDIO_NOT_CONNECTED', reason));
    this.#pending.clear();
    for (const resolve of this.#finishWaiters.splice(0)) resolve();
    this.#changed();
  }

  #clearTimer(name: 'ping' | 'welcome' | 'reconnect' | 'drain'): void {
    const handle = this.#timers[name];
    if (handle !== null) this.#opts.clock.clearTimeout(handle);
    this.#timers[name] = null;
  }

  #changed(): void {
    for (const fn of this.#listeners) fn();
  }
}
