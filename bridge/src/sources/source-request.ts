// Accepts a source client (SOURCE, or PUT with or without Expect: 100-continue): mount, credentials,
// content type, mount availability, then the Icecast answer and a SourceSession. Fed by the stream
// server with the parsed request head; feeds the MountRegistry.
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { AircheckError, isAircheckError, type ErrorCode } from '../../../shared/src/errors.ts';
import type { RequestHead } from '../http/request-head.ts';
import { parseBasicAuth } from '../http/request-head.ts';
import { CORS_HEADERS, responseHead, sendError } from '../http/responses.ts';
import type { AuthThrottle } from '../http/auth-throttle.ts';
import type { Credentials } from '../secrets/credentials.ts';
import type { MountRegistry } from '../mounts/mount-registry.ts';
import { isDynamicMountPath } from '../../../config/src/config-schema.ts';
import { createFramer } from './formats/create-framer.ts';
import { SourceSession, type BodyMode, type SourceLimits } from './source-session.ts';
import { streamInfoFromHeaders } from './stream-info.ts';
import { clientAddress } from '../http/client-address.ts';

export interface SourceRequestDeps {
  registry: MountRegistry;
  credentials: () => Credentials;
  throttle: AuthThrottle;
  limits: () => SourceLimits;
  log: Logger;
  onSourceEvent: (event: 'accepted' | 'rejected', mountPath: string, code?: ErrorCode) => void;
  onBytes: (mountPath: string, bytes: number) => void;
  /** Throws SERVER_OVERLOADED while the server is critical (admin/health.ts): a new dynamic mount adds load. */
  refuseNewWork?: (what: string) => void;
}

const WWW_AUTHENTICATE: [string, string] = ['WWW-Authenticate', 'Basic realm="Icecast2 Server"'];

export async function handleSourceRequest(socket: Socket, head: RequestHead, rest: Uint8Array, deps: SourceRequestDeps): Promise<void> {
  const remote = clientAddress(socket);
  const path = head.path;
  const reject = (err: AircheckError, extra: [string, string][] = []) => {
    deps.onSourceEvent('rejected', deps.registry.get(path) ? path : '(unknown)', err.code);
    deps.log.warn({ mount: path, remote, code: err.code }, 'source refused');
    sendError(socket, err, extra);
  };
  const mount = deps.registry.get(path);
  // A path that is no mount, or a dynamic one, is checked against the global password ([dynamic_mounts]).
  const dynamicCheck = !mount || deps.registry.isDynamic(path) ? deps.credentials().dynamicSource : null;
  if (!mount && (!dynamicCheck || !isDynamicMountPath(path))) {
    return reject(new AircheckError('SOURCE_MOUNT_UNKNOWN', `mount "${path}" is not configured: push to /live or /test, or add [[mounts]] path = "${path}" to the config`));
  }
  const dynamic = dynamicCheck !== null;
  const sourceUser = dynamicCheck ? dynamicCheck.user : mount!.settings.source_user;
  const whose = dynamic ? 'the dynamic mounts\' source password' : `the source password of ${path}`;
  // Failures count per (address, mount): a wrong password for one mount never locks out another.
  // Every dynamic path shares one key, so guessing the global password over many paths gains nothing.
  const throttleKey: `source:${string}` = dynamic ? 'source:(dynamic)' : `source:${path}`;
  if (deps.throttle.blocked(remote, throttleKey)) {
    return reject(new AircheckError('RATE_LIMITED', `too many failed logins for mount ${path} from this address: wait a minute, then check the source password`));
  }
  const auth = parseBasicAuth(head.headers.get('authorization') ?? '');
  if (!auth) {
    // libshout probes without credentials first and expects exactly this answer.
    return reject(new AircheckError('SOURCE_AUTH_FAILED', `mount ${path} needs credentials: send Basic auth with user "${sourceUser}" and ${whose}`), [WWW_AUTHENTICATE]);
  }
  const check = dynamic ? dynamicCheck : deps.credentials().mounts.get(path)?.source;
  let ok: boolean;
  try {
    ok = check ? await check.verify(auth.user, auth.password, remote) : false;
  } catch (err) {
    if (socket.destroyed) return;
    if (isAircheckError(err)) return reject(err); // AUTH_BUSY: too many password checks waiting
    throw err;
  }
  if (socket.destroyed) return;
  if (!ok) {
    deps.throttle.fail(remote, throttleKey);
    return reject(new AircheckError('SOURCE_AUTH_FAILED', `wrong user or password for mount ${path}: use user "${sourceUser}" and ${whose}`), [WWW_AUTHENTICATE]);
  }
  const contentType = (head.headers.get('content-type') ?? 'audio/mpeg').split(';')[0]!.trim().toLowerCase();
  try {
    createFramer(contentType);
    deps.registry.claimSource(path);
  } catch (err) {
    if (isAircheckError(err)) return reject(err);
    throw err;
  }

  let body: BodyMode = { kind: 'stream' };
  const te = head.headers.get('transfer-encoding')?.toLowerCase();
  const cl = head.headers.get('content-length');
  if (te && te.includes('chunked')) body = { kind: 'chunked' };
  else if (cl !== undefined) {
    const bytes = Number(cl);
    if (!Number.isSafeInteger(bytes) || bytes < 0) {
      return reject(new AircheckError('HTTP_BAD_REQUEST', `Content-Length "${cl.slice(0, 40)}" is not a byte count: send a whole number, or no Content-Length for an endless stream`));
    }
    body = { kind: 'length', bytes };
  }
  if (dynamic) {
    // Created last, once nothing else can refuse the source: it goes when the source leaves.
    try {
      if (!deps.registry.get(path)) deps.refuseNewWork?.(`a new dynamic mount ${path}`);
      deps.registry.addDynamicMount(path);
    } catch (err) {
      if (isAircheckError(err)) return reject(err);
      throw err;
    }
    deps.log.info({ mount: path, remote, dynamicMounts: deps.registry.dynamicCount }, 'dynamic mount created');
  }

  const expectContinue = head.headers.get('expect')?.toLowerCase() === '100-continue';
  let answer = '';
  if (expectContinue) answer += 'HTTP/1.1 100 Continue\r\n\r\n';
  answer += responseHead(200, [
    ['Connection', 'Close'],
    ['Accept-Encoding', 'identity'],
    ['Allow', 'GET, SOURCE, PUT'],
    ['Cache-Control', 'no-cache'],
    ['Pragma', 'no-cache'],
    ...CORS_HEADERS.slice(0, 1),
  ]);
  socket.write(answer);
  socket.setNoDelay(true);
  socket.setTimeout(0);

  const { info, dropped } = streamInfoFromHeaders(head.headers);
  for (const d of dropped) deps.log.warn({ mount: path, remote, field: d.field, value: d.value, reason: d.reason }, 'source header dropped');
  const session = new SourceSession({
    mountPath: path,
    socket,
    contentType,
    body,
    firstBytes: rest,
    limits: deps.limits(),
    events: {
      onStart: (s, format) => {
        deps.log.info({ mount: path, remote, format, userAgent: info.userAgent }, 'source started');
        deps.registry.sourceStarted(s, format, info);
      },
      onUnits: (s, units) => deps.registry.sourceUnits(s, units),
      onEnd: (s, reason, error) => {
        if (error) deps.log.warn({ mount: path, remote, reason, code: error.code, msg2: error.message }, 'source ended with an error');
        else deps.log.info({ mount: path, remote, reason, bytes: s.bytesReceived }, 'source ended');
        deps.registry.sourceEnded(s, reason, error);
      },
      onBytes: (_s, n) => deps.onBytes(path, n),
    },
  });
  deps.registry.attachSource(session);
  deps.onSourceEvent('accepted', path);
  socket.resume();
}
