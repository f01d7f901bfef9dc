// Admits a listener (GET or HEAD of a mount over HTTP/1.0 or 1.1): private-mount token, limits,
// the feed it will hear (the mount or its fallback), the headers players expect, then the burst.
// Fed by the stream server; feeds the MountRegistry with a Listener.
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { AircheckError, isAircheckError, type ErrorCode } from '../../../shared/src/errors.ts';
import type { RequestHead } from '../http/request-head.ts';
import { parseBasicAuth } from '../http/request-head.ts';
import { CORS_HEADERS, responseHead, sendError } from '../http/responses.ts';
import type { AuthThrottle } from '../http/auth-throttle.ts';
import type { Credentials } from '../secrets/credentials.ts';
import type { MountRegistry } from '../mounts/mount-registry.ts';
import type { Mount } from '../mounts/mount.ts';
import { Listener } from './listener.ts';
import { capSendBuffer } from './send-buffer.ts';
import { headerValue } from '../sources/stream-info.ts';
import { clientAddress } from '../http/client-address.ts';

/** Audio bytes between two ICY metadata blocks (Icecast's default). */
export const ICY_METAINT_BYTES = 16000;

export interface ListenerRequestDeps {
  registry: MountRegistry;
  credentials: () => Credentials;
  throttle: AuthThrottle;
  log: Logger;
  onRejected: (mountPath: string, code: ErrorCode) => void;
  sendBufferBytes: () => number;
}

/** The listener token of a private mount: ?token=, a Bearer token, or the password of Basic auth. */
export function listenerTokenFrom(query: URLSearchParams, authorization: string | undefined): string | null {
  const q = query.get('token');
  if (q) return q;
  const auth = authorization ?? '';
  if (/^bearer /i.test(auth)) return auth.slice(7).trim();
  return parseBasicAuth(auth)?.password ?? null;
}

/**
 * Lets a request for a private mount (the stream, or its playlist in admin/http-app.ts) through only
 * with the mount's listener token; throws RATE_LIMITED or LISTENER_AUTH_FAILED (401) otherwise.
 */
export function checkListenerToken(path: string, remote: string, token: string | null, credentials: Credentials, throttle: AuthThrottle): void {
  // Failures count per (address, mount): wrong tokens for one mount never lock out another.
  if (throttle.blocked(remote, `listener:${path}`)) {
    throw new AircheckError('RATE_LIMITED', `too many wrong listener tokens for ${path} from this address: wait a minute`);
  }
  if (!credentials.listenerTokenOk(path, token)) {
    throttle.fail(remote, `listener:${path}`);
    throw new AircheckError('LISTENER_AUTH_FAILED', `mount ${path} is private: add ?token=LISTENER_TOKEN to the URL (the token was printed when it was generated)`);
  }
}

export function handleListenerRequest(socket: Socket, head: RequestHead, deps: ListenerRequestDeps): void {
  const remote = clientAddress(socket);
  const path = head.path;
  const mount = deps.registry.get(path)!;
  try {
    if (mount.settings.private) {
      checkListenerToken(path, remote, listenerTokenFrom(head.query, head.headers.get('authorization')), deps.credentials(), deps.throttle);
    }
    deps.registry.checkListenerLimits(mount);
    const feed = deps.registry.resolveFeed(path, null);
    if (!feed || !feed.format) {
      throw new AircheckError('MOUNT_OFFLINE', `mount ${path} has no source right now and no fallback: try again when the show is on`);
    }
    // ICY metadata for every format a player asks it for, Ogg too: Ogg listeners keep one logical stream
    // (README.md), so a title change reaches them this way (GStreamer, ffmpeg and mpv ask; VLC and browsers do not).
    const wantsIcy = head.headers.get('icy-metadata') === '1';
    const headers = listenerHeaders(mount, feed, wantsIcy);
    socket.setTimeout(0);
    if (head.method === 'HEAD') {
      socket.end(responseHead(200, headers));
      return;
    }
    capSendBuffer(socket, deps.sendBufferBytes());
    // Head and burst leave in one write.
    socket.cork();
    socket.write(responseHead(200, headers));
    const listener = new Listener({
      socket,
      format: feed.format,
      requestedPath: path,
      icyMetaIntBytes: wantsIcy ? ICY_METAINT_BYTES : null,
      info: {
        ip: remote,
        userAgent: (head.headers.get('user-agent') ?? '').slice(0, 256),
        referer: (head.headers.get('referer') ?? '').slice(0, 256),
        connectedAtMs: Date.now(),
        httpVersion: head.version,
      },
      onClose: (l, reason) => deps.registry.listenerClosed(l, reason),
    });
    deps.registry.addListener(listener, feed);
    socket.uncork();
    // Listeners send nothing after their request; anything they do send is read and discarded.
    socket.on('data', () => {});
    socket.resume();
  } catch (err) {
    const error = isAircheckError(err) ? err : new AircheckError('HTTP_BAD_REQUEST', 'listener request failed', { cause: err });
    deps.onRejected(path, error.code);
    deps.log.debug({ mount: path, remote, code: error.code }, 'listener refused');
    sendError(socket, error, CORS_HEADERS);
  }
}

/** The headers players expect (Icecast's, plus CORS so browser players can read ICY metadata). */
function listenerHeaders(mount: Mount, feed: Mount, icy: boolean): [string, string][] {
  const s = mount.settings;
  const info = mount.isLive ? mount.info : feed.info;
  // Source-sent text was normalised where it entered (sources/stream-info.ts); headerValue() again
  // guarantees no control character reaches the head, whatever the origin (config included).
  const headers: [string, string][] = [
    ['Content-Type', feed.contentType],
    ['icy-name', headerValue(s.name ?? (info.name || mount.path))],
    ['icy-description', headerValue(s.description ?? info.description)],
    ['icy-genre', headerValue(s.genre ?? info.genre)],
    ['icy-url', headerValue(s.url ?? info.url)],
    ['icy-pub', s.private || s.hidden ? '0' : '1'],
  ];
  const br = info.bitrateKbps ?? (feed.bytesPerSecond > 0 ? Math.round((feed.bytesPerSecond * 8) / 1000) : null);
  if (br) headers.push(['icy-br', String(br)]);
  if (info.sampleRateHz) headers.push(['icy-sr', String(info.sampleRateHz)]);
  if (info.audioInfo) headers.push(['ice-audio-info', headerValue(info.audioInfo)]);
  if (icy) headers.push(['icy-metaint', String(ICY_METAINT_BYTES)]);
  headers.push(
    ['Cache-Control', 'no-cache, no-store'],
    ['Pragma', 'no-cache'],
    ['Expires', 'Mon, 26 Jul 1997 05:00:00 GMT'],
    ['Connection', 'Close'],
    ...CORS_HEADERS,
  );
  return headers;
}
