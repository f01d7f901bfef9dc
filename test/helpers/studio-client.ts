// A Node studio for tests: signs in over HTTP, speaks the studio WebSocket protocol with the real
// shared/src/protocol code and ResendBuffer, sends real Opus packets paced in real time, and
// reconnects with resume (and resends) the way shared/PROTOCOL.md §7 asks the browser studio to.
import WebSocket from 'ws';
import { encodeAudioFrame } from '../../shared/src/protocol/audio-frame.ts';
import { shouldReconnect } from '../../shared/src/protocol/close-codes.ts';
import { bytesToBase64, parseServerMessage, serializeMessage, type ClientMessage, type ServerMessage, type StateMessage, type ErrorMessage } from '../../shared/src/protocol/messages.ts';
import { ResendBuffer } from '../../shared/src/protocol/resend-buffer.ts';

export { opusTonePackets, type OpusSource } from './opus-packets.ts';
import type { OpusSource } from './opus-packets.ts';

export async function studioLogin(webUrl: string, name: string, password: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${webUrl}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, password }) });
  return { status: res.status, body: await res.json() };
}

export interface StudioClientOptions {
  /** ws://host:port/api/studio/ws (a proxy's address in stall tests). */
  wsUrl: string;
  token: string;
  source: OpusSource;
  /** Reconnect when the server says nothing for this long (a stalled path). Default 2500 ms. */
  deadAfterMs?: number;
}

export class StudioClient {
  readonly opts: StudioClientOptions;
  readonly buffer = new ResendBuffer();
  readonly closes: { code: number; reason: string }[] = [];
  readonly received: ServerMessage[] = [];
  sessionId: string | null = null;
  welcomes = 0;
  lastState: StateMessage | null = null;
  /** The highest seq the bridge has acknowledged (acks and welcome.nextSeq − 1); −1 before any. */
  lastAckSeq = -1;
  ws: WebSocket | null = null;
  #welcomed = false;
  #stopped = false;
  #packetIndex = 0;
  #timer: NodeJS.Timeout | null = null;
  #startedMs = 0;
  #samplesSent = 0;
  #lastHeardMs = Date.now();
  #requests = new Map<string, { message: ClientMessage; resolve: (m: ServerMessage) => void }>();
  #requestCount = 0;
  #swapNext = false;
  #pingTimer: NodeJS.Timeout | null = null;
  #ackWaiters: ((seq: number) => void)[] = [];
  /** A network cut: no reconnect before this time (Date.now() ms). */
  #cutUntilMs = 0;
  /** Packets to send instead of the tone's, once, from the next one due (a beep). */
  #insert: { packets: OpusSource['packets']; index: number } | null = null;
  /** Capture position (48 kHz samples since startAudio) of the first inserted packet; null before. */
  insertedAtSamples: number | null = null;
  /** After the cut, the backlog is resent at this many times real time (a link of limited bandwidth); null: all at once. */
  #resendTimesRealTime: number | null = null;
  /** While a backlog is being resent: the next seq to send from the buffer (new frames wait behind it). */
  #resendFrom: number | null = null;

  constructor(opts: StudioClientOptions) {
    this.opts = opts;
  }

  /** Audio sent so far (48 kHz samples): a message sent now reaches the bridge at this audio position. */
  get samplesSent(): number {
    return this.#samplesSent;
  }

  get connected(): boolean {
    return this.#welcomed;
  }

  /** Opens the connection (and reconnects on retryable closes until stop()). Resolves on the first welcome and the state after it. */
  async start(): Promise<void> {
    this.#connect();
    await this.waitForWelcome(this.welcomes + 1);
    // The state follows the welcome at once, but may arrive in a later event on a busy machine.
    await waitUntil(() => this.lastState !== null, 5000, 'the state after the welcome');
  }

  waitForWelcome(count: number, timeoutMs = 10_000): Promise<void> {
    return waitUntil(() => this.welcomes >= count, timeoutMs, `welcome #${count}`);
  }

  /** Starts sending the tone's packets in real time (looping), buffering them while disconnected. */
  startAudio(): void {
    this.#startedMs = Date.now();
    this.#samplesSent = 0;
    this.#timer = setInterval(() => this.#pump(), 10);
  }

  /** Wall clock (Date.now() ms) of capture position 0: sample s was captured at audioStartedMs + s / 48. */
  get audioStartedMs(): number {
    return this.#startedMs;
  }

  /** Plays `source`'s packets once in place of the tone's, from the next packet due (insertedAtSamples says where). */
  insert(source: OpusSource): void {
    this.insertedAtSamples = null;
    this.#insert = { packets: source.packets, index: 0 };
  }

  /**
   * A network cut of cutMs: the connection drops now (the bridge sees it close), audio keeps being
   * captured into the resend buffer, and the client reconnects (resume, resend the backlog at once)
   * only when the cut is over.
   */
  cut(cutMs: number, opts: { resendTimesRealTime?: number } = {}): void {
    this.#cutUntilMs = Date.now() + cutMs;
    this.#resendTimesRealTime = opts.resendTimesRealTime ?? null;
    this.ws?.terminate();
  }

  pauseAudio(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** Holds the next frames back so a later one arrives first: the bridge sees a gap and closes with 4005 (a server-side close). */
  swapNextFrames(): void {
    this.#swapNext = true;
  }

  control(action: 'test' | 'live' | 'end'): Promise<StateMessage | ErrorMessage> {
    return this.#request({ type: 'control', action, requestId: `c-${++this.#requestCount}` }) as Promise<StateMessage | ErrorMessage>;
  }

  metadata(artist: string, title: string): Promise<ServerMessage> {
    return this.#request({ type: 'metadata', artist, title, requestId: `m-${++this.#requestCount}` });
  }

  /** §4.13: the show's name, description and (optionally) MP3 bitrate; resolves with metadata-ack or error. */
  show(name: string, description: string, mp3BitrateKbps?: number): Promise<ServerMessage> {
    return this.#request({ type: 'show', name, description, ...(mp3BitrateKbps === undefined ? {} : { mp3BitrateKbps }), requestId: `s-${++this.#requestCount}` });
  }

  /** Resolves with the seq of the next ack that moves lastAckSeq forward (as soon as it is handled). */
  nextAck(timeoutMs = 10_000): Promise<number> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ack within ${timeoutMs} ms (last acknowledged seq ${this.lastAckSeq})`)), timeoutMs);
      this.#ackWaiters.push((seq) => {
        clearTimeout(timer);
        resolve(seq);
      });
    });
  }

  /** Waits until every frame sent was acknowledged. */
  drained(timeoutMs = 10_000): Promise<void> {
    return waitUntil(() => this.buffer.length === 0, timeoutMs, `all frames acknowledged (${this.buffer.length} held)`);
  }

  /** Ends the connection for good (1000). */
  stop(): void {
    this.#stopped = true;
    this.pauseAudio();
    if (this.#pingTimer) clearInterval(this.#pingTimer);
    this.ws?.close(1000, 'session ended');
  }

  #request(message: ClientMessage & { requestId: string }): Promise<ServerMessage> {
    return new Promise((resolve) => {
      this.#requests.set(message.requestId, { message, resolve });
      if (this.#welcomed) this.ws?.send(serializeMessage(message));
    });
  }

  #connect(): void {
    const ws = new WebSocket(this.opts.wsUrl);
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    this.#welcomed = false;
    this.#resendFrom = null;
    this.#lastHeardMs = Date.now();
    ws.on('open', () => {
      ws.send(serializeMessage({
        type: 'hello', protocol: 1, token: this.opts.token,
        ...(this.sessionId ? { resume: { sessionId: this.sessionId, oldestUnackedSeq: this.buffer.oldestSeq } } : {}),
        codec: { name: 'opus', sampleRateHz: 48000, channels: 2, bitrateKbps: 96, frameDurationUs: 20000, opusHead: bytesToBase64(this.opts.source.head) },
      }));
    });
    ws.on('message', (data, isBinary) => {
      if (ws !== this.ws || isBinary) return;
      this.#lastHeardMs = Date.now();
      const message = parseServerMessage(data.toString());
      this.received.push(message);
      if (message.type === 'welcome') {
        this.sessionId = message.sessionId;
        this.buffer.ack(message.nextSeq - 1);
        this.#acked(message.nextSeq - 1);
        if (this.#resendTimesRealTime !== null) this.#resendPaced(ws, message.nextSeq, this.#resendTimesRealTime);
        else for (const f of this.buffer.framesFrom(message.nextSeq)) ws.send(f.data);
        this.#welcomed = true;
        this.welcomes++;
        for (const { message: m } of this.#requests.values()) ws.send(serializeMessage(m));
      } else if (message.type === 'ack') {
        this.buffer.ack(message.seq);
        this.#acked(message.seq);
      }
      else if (message.type === 'state') {
        this.lastState = message;
        this.#settle(message.requestId, message);
      } else if (message.type === 'metadata-ack') this.#settle(message.requestId, message);
      else if (message.type === 'error') this.#settle(message.requestId, message);
    });
    ws.on('close', (code, reason) => {
      if (ws !== this.ws) return;
      this.closes.push({ code, reason: reason.toString() });
      this.#welcomed = false;
      if (!this.#stopped && shouldReconnect(code)) setTimeout(() => this.#connect(), Math.max(250, this.#cutUntilMs - Date.now()));
    });
    ws.on('error', () => {});
    if (!this.#pingTimer) {
      this.#pingTimer = setInterval(() => {
        if (this.#welcomed) this.ws?.send(serializeMessage({ type: 'ping', clientTimeMs: performance.now() }));
        // A path that carries nothing back (a stalled proxy): drop it and reconnect.
        if (this.ws && this.ws.readyState !== WebSocket.CLOSED && Date.now() - this.#lastHeardMs > (this.opts.deadAfterMs ?? 2500)) {
          const dead = this.ws;
          this.ws = null;
          dead.terminate();
          this.closes.push({ code: 1006, reason: 'no answer (client-side timeout)' });
          this.#welcomed = false;
          if (!this.#stopped) this.#connect();
        }
      }, 250);
    }
  }

  /** Resends the buffer from `from` at `timesRealTime` × real time; new frames wait in the buffer behind it. */
  #resendPaced(ws: WebSocket, from: number, timesRealTime: number): void {
    this.#resendFrom = from;
    const startMs = Date.now();
    let sentSamples = 0;
    const timer = setInterval(() => {
      if (ws !== this.ws || this.#resendFrom === null) {
        clearInterval(timer);
        if (ws !== this.ws) this.#resendFrom = null;
        return;
      }
      const allowedSamples = (Date.now() - startMs) * 48 * timesRealTime;
      for (const f of this.buffer.framesFrom(this.#resendFrom)) {
        if (sentSamples >= allowedSamples) break;
        ws.send(f.data);
        sentSamples += f.durationSamples;
        this.#resendFrom = f.seq + 1;
      }
      if (this.#resendFrom >= this.buffer.nextSeq) {
        this.#resendFrom = null;
        this.#resendTimesRealTime = null;
        clearInterval(timer);
      }
    }, 10);
  }

  #acked(seq: number): void {
    if (seq <= this.lastAckSeq) return;
    this.lastAckSeq = seq;
    for (const w of this.#ackWaiters.splice(0)) w(seq);
  }

  #settle(requestId: string | null, message: ServerMessage): void {
    if (!requestId) return;
    const pending = this.#requests.get(requestId);
    if (!pending) return;
    this.#requests.delete(requestId);
    pending.resolve(message);
  }

  #pump(): void {
    const dueSamples = ((Date.now() - this.#startedMs) / 1000) * 48000;
    const packets = this.opts.source.packets;
    const out: Uint8Array[] = [];
    while (this.#samplesSent < dueSamples) {
      let p = packets[this.#packetIndex++ % packets.length]!;
      if (this.#insert) {
        if (this.#insert.index === 0) this.insertedAtSamples = this.#samplesSent;
        p = this.#insert.packets[this.#insert.index++]!;
        if (this.#insert.index >= this.#insert.packets.length) this.#insert = null;
      }
      const seq = this.buffer.nextSeq;
      const data = encodeAudioFrame({ seq, timestampUs: Math.round((this.#samplesSent / 48) * 1000), durationSamples: p.durationSamples, packet: p.data });
      this.buffer.push({ seq, durationSamples: p.durationSamples, data }, Date.now());
      this.#samplesSent += p.durationSamples;
      out.push(data);
    }
    if (!this.#welcomed || !this.ws || this.#resendFrom !== null) return;
    if (this.#swapNext && out.length > 0) {
      // Hold this tick's frames back (they stay buffered): the next frame sent skips ahead.
      this.#swapNext = false;
      return;
    }
    for (const d of out) this.ws.send(d);
  }
}

export async function waitUntil(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
