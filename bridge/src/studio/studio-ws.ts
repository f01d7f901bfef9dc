// The studio WebSocket edge (shared/PROTOCOL.md): `ws` in noServer mode on the web server's upgrade
// of /api/studio/ws. Enforces the limits (§6: sizes, hello within 5 s, idle 15 s, token buckets),
// parses every message with shared/src/protocol, authenticates the hello, and turns every error
// into its close code (§8). Hands hello/control/metadata/frames to the DJ's session (dj-session.ts).
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket, type RawData } from 'ws';
import { AircheckError, isAircheckError, type ErrorCode } from '../../../shared/src/errors.ts';
import { decodeAudioFrame, MAX_AUDIO_FRAME_BYTES } from '../../../shared/src/protocol/audio-frame.ts';
import { closeCodeForError } from '../../../shared/src/protocol/close-codes.ts';
import {
  MAX_TEXT_MESSAGE_BYTES, STUDIO_WS_PATH, base64ToBytes, parseClientMessage, serializeMessage,
  type HelloMessage, type ServerMessage,
} from '../../../shared/src/protocol/messages.ts';
import { parseOpusHead } from '../../../shared/src/ogg/codec-headers.ts';
import { CAPTURE_SLACK_MS, DjSession, type DjSessions, type StudioLink } from '../shows/dj-session.ts';
import type { LivePush } from '../sources/studio/live-push.ts';
import type { FrameConsumer, ShowInfo } from '../../../shared/src/show-contract.ts';
import { clientAddress } from '../http/client-address.ts';

export const HELLO_TIMEOUT_MS = 5000;
export const IDLE_TIMEOUT_MS = 15_000;
/** §6 token buckets. */
const TEXT_BURST = 20;
const TEXT_PER_S = 10;
const AUDIO_BURST_S = 200;
const AUDIO_PER_S = 2;

export interface StudioWsDeps {
  sessions: DjSessions;
  /** The DJ name behind a sign-in token, or null. */
  checkToken: (token: string) => string | null;
  /** A new show's live push (opens no connection until the first transition). */
  createPush: (opusHead: Uint8Array, onAirChanged: () => void) => LivePush;
  /** The other consumers of a new show's frames, after the push (the recorder). */
  extraConsumers: (show: ShowInfo) => FrameConsumer[];
  /**
   * After a restart: the consumers that continue a persisted session's show (the recorder reopens
   * its spool; showId null: it had no frame yet) and the seq after the last frame they hold (null:
   * none); null when the show cannot be continued (the session is not restored).
   */
  resumeConsumers?: (show: ShowInfo, showId: string | null) => Promise<{ consumers: FrameConsumer[]; nextSeq: number | null } | null>;
  log: Logger;
  /** A consumer of a show threw on a frame (INGEST_CONSUMER_FAILED): count it. */
  onConsumerFailed?: (code: ErrorCode) => void;
  /** §4.12: listeners connected now to these mounts, for the studio's header. */
  listenerCount?: (mounts: readonly string[]) => number;
  helloTimeoutMs?: number;
  idleTimeoutMs?: number;
}

class TokenBucket {
  #tokens: number;
  #lastMs: number;
  readonly burst: number;
  readonly perS: number;
  constructor(burst: number, perS: number, nowMs: number) {
    this.burst = burst;
    this.perS = perS;
    this.#tokens = burst;
    this.#lastMs = nowMs;
  }
  take(amount: number, nowMs: number): boolean {
    this.#tokens = Math.min(this.burst, this.#tokens + ((nowMs - this.#lastMs) / 1000) * this.perS);
    this.#lastMs = nowMs;
    if (this.#tokens < amount) return false;
    this.#tokens -= amount;
    return true;
  }
}

export function createStudioWs(deps: StudioWsDeps) {
  // §6: the library refuses anything over the larger limit before buffering it.
  const wss = new WebSocketServer({ noServer: true, maxPayload: Math.max(MAX_TEXT_MESSAGE_BYTES, MAX_AUDIO_FRAME_BYTES), perMessageDeflate: false });
  const open = new Set<WebSocket>();

  function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    if (new URL(req.url ?? '/', 'http://localhost').pathname !== STUDIO_WS_PATH) return false;
    wss.handleUpgrade(req, socket, head, (ws) => serve(ws, req));
    return true;
  }

  function serve(ws: WebSocket, req: IncomingMessage): void {
    open.add(ws);
    const remote = clientAddress(req);
    let session: DjSession | null = null;
    let helloSeen = false;
    let endConfirmed = false;
    let closing = false;
    const textBucket = new TokenBucket(TEXT_BURST, TEXT_PER_S, Date.now());
    const audioBucket = new TokenBucket(AUDIO_BURST_S, AUDIO_PER_S, Date.now());

    const send = (message: ServerMessage) => {
      if (ws.readyState === ws.OPEN) ws.send(serializeMessage(message));
    };
    const closeWith = (err: unknown) => {
      if (closing) return;
      closing = true;
      const info = closeCodeForError(err);
      const message = isAircheckError(err) ? err.message : 'internal error';
      if (!isAircheckError(err)) deps.log.error({ err }, 'studio connection failed');
      else deps.log.info({ remote, code: err.code, close: info.code }, 'studio connection closed by the bridge');
      const code = isAircheckError(err) ? err.code : 'SOURCE_PUSH_FAILED';
      if (ws.readyState === ws.OPEN) {
        ws.send(JSON.stringify({ type: 'error', code, message: message.slice(0, 1000), requestId: null }));
        originalClose(info.code, info.reason);
      }
      clearTimers();
    };
    const link: StudioLink = { send, closeWith };

    // §6: ws answers an oversized message with 1009 from inside its receiver; the protocol says 4004.
    const originalClose = ws.close.bind(ws);
    ws.close = ((code?: number, reason?: string | Buffer) => {
      if (code === 1009 && !closing) {
        closeWith(new AircheckError('STUDIO_MESSAGE_TOO_LARGE', `a message is over ${Math.max(MAX_TEXT_MESSAGE_BYTES, MAX_AUDIO_FRAME_BYTES)} bytes: text messages are limited to ${MAX_TEXT_MESSAGE_BYTES} bytes and audio frames to ${MAX_AUDIO_FRAME_BYTES}, see shared/PROTOCOL.md §6`));
        return;
      }
      originalClose(code, reason);
    }) as typeof ws.close;

    let idleTimer: NodeJS.Timeout | null = null;
    const armIdle = () => {
      if (idleTimer) clearTimeout(idleTimer);
      idleTimer = setTimeout(() => closeWith(new AircheckError('STUDIO_IDLE_TIMEOUT', `nothing arrived for ${(deps.idleTimeoutMs ?? IDLE_TIMEOUT_MS) / 1000} s: send a ping every 2 s`)), deps.idleTimeoutMs ?? IDLE_TIMEOUT_MS);
    };
    const helloTimer = setTimeout(() => closeWith(new AircheckError('STUDIO_HELLO_TIMEOUT', `no hello within ${(deps.helloTimeoutMs ?? HELLO_TIMEOUT_MS) / 1000} s of opening: send hello first`)), deps.helloTimeoutMs ?? HELLO_TIMEOUT_MS);
    const clearTimers = () => {
      clearTimeout(helloTimer);
      if (idleTimer) clearTimeout(idleTimer);
    };
    armIdle();

    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (closing) return;
      armIdle();
      const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
      try {
        if (isBinary) onBinary(bytes);
        else onText(bytes);
      } catch (err) {
        closeWith(err);
      }
    });
    ws.on('close', () => {
      open.delete(ws);
      clearTimers();
      if (session && endConfirmed) deps.sessions.remove(session, 'ended by the DJ');
      else if (session) session.detach(link);
    });
    ws.on('error', () => {
      // Receiver errors (oversized, bad UTF-8) are answered by ws.close above; the socket goes away.
    });

    function onBinary(bytes: Buffer): void {
      if (!session) throw new AircheckError('STUDIO_PROTOCOL_VIOLATION', 'an audio frame arrived before "welcome": send hello and wait for welcome, see shared/PROTOCOL.md §5.2');
      const frame = decodeAudioFrame(bytes);
      const nowMs = Date.now();
      if (!audioBucket.take(frame.durationSamples / 48000, nowMs)) {
        throw new AircheckError('STUDIO_RATE_LIMITED', `audio arrives faster than ${AUDIO_PER_S}× real time beyond a ${AUDIO_BURST_S} s burst: send frames as they are encoded`);
      }
      session.onFrame(frame, nowMs);
    }

    function onText(bytes: Buffer): void {
      if (bytes.length > MAX_TEXT_MESSAGE_BYTES) {
        throw new AircheckError('STUDIO_MESSAGE_TOO_LARGE', `text message is ${bytes.length} bytes, the limit is ${MAX_TEXT_MESSAGE_BYTES}, see shared/PROTOCOL.md §6`);
      }
      if (!textBucket.take(1, Date.now())) {
        throw new AircheckError('STUDIO_RATE_LIMITED', `more than ${TEXT_BURST} text messages at once, or more than ${TEXT_PER_S} per second: slow down`);
      }
      const message = parseClientMessage(bytes.toString('utf8'));
      if (message.type === 'hello') {
        if (helloSeen) throw new AircheckError('STUDIO_PROTOCOL_VIOLATION', 'a second hello on the same connection: send hello once, first');
        helloSeen = true;
        clearTimeout(helloTimer);
        void onHello(message).catch((err) => closeWith(err));
        return;
      }
      if (!session) throw new AircheckError('STUDIO_PROTOCOL_VIOLATION', `"${message.type}" arrived before "welcome": send hello first and wait for welcome, see shared/PROTOCOL.md §7.1`);
      const s = session;
      if (message.type === 'ping') send({ type: 'pong', clientTimeMs: message.clientTimeMs, serverTimeMs: Date.now() });
      else if (message.type === 'control') {
        void s.control(message).then(() => {
          // §7.1 step 9: the show is over once the studio has every frame acknowledged and closes;
          // frames still in flight are taken and acknowledged until then.
          if (message.action === 'end' && s.status().target === 'none') {
            endConfirmed = true;
            s.flushAck();
          }
        });
      } else if (message.type === 'show') void s.show(message);
      else void s.metadata(message);
    }

    async function onHello(hello: HelloMessage): Promise<void> {
      const dj = deps.checkToken(hello.token);
      if (!dj) throw new AircheckError('STUDIO_AUTH_FAILED', 'the session token is unknown or expired: sign in again');
      let found = deps.sessions.find(dj, hello.resume?.sessionId);
      const resumed = found !== null;
      if (!found) {
        // A DJ has one show: a new session takes the old one over (§7.1 step 3).
        const old = deps.sessions.ofDj(dj);
        if (old) {
          old.link?.closeWith(new AircheckError('STUDIO_SESSION_TAKEN', 'a new studio session of the same DJ took over: continue there'));
          deps.sessions.remove(old, 'taken over by a new session');
        }
        const head = base64ToBytes(hello.codec.opusHead);
        const preSkip = parseOpusHead(head).preSkip;
        let created: DjSession | null = null;
        const push = deps.createPush(head, () => created?.pushChanged());
        created = new DjSession(dj, push, [push, ...deps.extraConsumers({ dj, opusHead: head, channels: hello.codec.channels, preSkipSamples: preSkip, onHealth: (h) => created?.recordingChanged(h) })], deps.log, hello.resume?.oldestUnackedSeq ?? 0,
          { codec: { opusHead: head, channels: hello.codec.channels }, onConsumerFailed: deps.onConsumerFailed, listenerCount: deps.listenerCount });
        deps.sessions.add(created);
        found = created;
      }
      if (closing || ws.readyState !== ws.OPEN) {
        if (!resumed) deps.sessions.remove(found, 'connection closed during hello');
        return;
      }
      session = found;
      found.attach(link, hello, resumed);
    }
  }

  /**
   * At start, before the web port listens: the sessions a previous run left resumable (persisted in
   * `<data_dir>/studio-sessions.json`) come back detached, with their show, numbering and target, so
   * the studio's resume (§7.1 step 3) finds them. One not resumed within RESUMABLE_MS of when it was
   * last alive ends like any dropped session (its recording is finalized).
   */
  async function restoreSessions(): Promise<number> {
    let restored = 0;
    for (const stored of deps.sessions.restorable()) {
      try {
        const head = base64ToBytes(stored.opusHead);
        const preSkip = parseOpusHead(head).preSkip;
        const show: ShowInfo = { dj: stored.dj, opusHead: head, channels: stored.channels, preSkipSamples: preSkip, onHealth: (h) => created?.recordingChanged(h) };
        const continued = deps.resumeConsumers
          ? await deps.resumeConsumers(show, stored.showId)
          : { consumers: deps.extraConsumers(show), nextSeq: null };
        if (!continued) {
          deps.log.warn({ dj: stored.dj, show: stored.showId }, 'studio session not restored: its recording cannot be continued (recovery finalizes it)');
          continue;
        }
        let created: DjSession | null = null;
        const push = deps.createPush(head, () => created?.pushChanged());
        // The show's name, description and MP3 bitrate as the studio last set them (§4.13).
        if (stored.show && typeof stored.show.name === 'string' && typeof stored.show.description === 'string') {
          try {
            push.setShow(stored.show);
          } catch (err) {
            deps.log.warn({ dj: stored.dj, err: (err as Error).message }, 'the restored show settings were refused (the config changed?); the station name is used until the studio sets them again');
          }
        }
        created = new DjSession(stored.dj, push, [push, ...continued.consumers], deps.log, continued.nextSeq ?? stored.nextSeq,
          { id: stored.id, target: stored.target, codec: { opusHead: head, channels: stored.channels }, startedAtMs: stored.startedAtMs, audioSamples: stored.audioSamples,
            onConsumerFailed: deps.onConsumerFailed, listenerCount: deps.listenerCount,
            // The original show's start is known: its elapsed time covers the studio's backlog.
            backlogAllowanceMs: stored.startedAtMs !== undefined ? CAPTURE_SLACK_MS : undefined });
        created.detachedAtMs = stored.aliveAtMs;
        deps.sessions.add(created);
        restored++;
        deps.log.info({ dj: stored.dj, show: stored.showId, nextSeq: continued.nextSeq ?? stored.nextSeq, target: stored.target }, 'studio session restored after a restart; waiting for the studio to resume');
      } catch (err) {
        deps.log.error({ dj: stored.dj, err: (err as Error).message }, 'studio session could not be restored');
      }
    }
    return restored;
  }

  return {
    handleUpgrade,
    restoreSessions,
    /**
     * Shutdown: every studio gets 4011 and reconnects to the restarted bridge, which restores its
     * session (suspended and written to the file here; resolves when written).
     */
    closeAll(): Promise<void> {
      for (const ws of open) {
        try {
          ws.send(JSON.stringify({ type: 'error', code: 'SERVER_SHUTTING_DOWN', message: 'the bridge is restarting: reconnect', requestId: null }));
          ws.close(4011, 'server shutting down');
        } catch {
          ws.terminate();
        }
      }
      return deps.sessions.suspendAll('server shutting down');
    },
  };
}
