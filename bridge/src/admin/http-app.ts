// Every request that is not a source or a mount GET: Icecast's status and admin endpoints (Basic auth
// against the station's accounts), our status JSON, Prometheus metrics, health, and the web player
// page. Runs on node:http for both the stream port (handed over by the stream server) and the web port.
import type { HealthReport } from './health.ts';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { AircheckError, isAircheckError } from '../../../shared/src/errors.ts';
import type { MountRegistry } from '../mounts/mount-registry.ts';
import type { Credentials } from '../secrets/credentials.ts';
import type { AuditEntry } from '../station/audit-log.ts';
import type { Role } from '../station/users.ts';
import type { AuthThrottle } from '../http/auth-throttle.ts';
import { parseBasicAuth } from '../http/request-head.ts';
import { CORS_HEADERS, SERVER_HEADER } from '../http/responses.ts';
import type { Metrics } from './metrics.ts';
import { aircheckStatus, icecastStatus, iceResponse, listClientsXml, listMountsXml, xspfPlaylist, type AdminMountParts, type ServerFacts } from './status.ts';
import { webPlayerPage } from './web-page.ts';
import { checkListenerToken, listenerTokenFrom } from '../listeners/listener-request.ts';
import { cleanTitle, playlistLine } from '../sources/stream-info.ts';
import { clientAddress } from '../http/client-address.ts';
import { kickListener, killSource, moveListeners, requireMount, setMountTitle } from '../api/mount-actions.ts';
import { TrustedProxies } from '../http/trusted-proxies.ts';
import { safeEqual } from '../secrets/secrets.ts';

/** Roles that may use the Icecast admin endpoints (listeners, sources, metadata: issue 12's operator). */
const ADMIN_ROLES: ReadonlySet<Role> = new Set(['admin', 'operator']);

/** A signed-in account of station/users.ts. */
export interface AdminUser {
  name: string;
  role: Role;
}

export interface HttpAppDeps {
  registry: MountRegistry;
  /** Source credentials of each mount (accepted by /admin/metadata) and private mounts' listener tokens. */
  credentials: () => Credentials;
  /**
   * The station's accounts (station/users.ts `Users.verify`): name + password → the enabled user, or
   * null (an unknown name costs the same scrypt). Enabled admins and operators may use /admin/*.
   */
  users: { verify(name: string, password: string, remote?: string): Promise<AdminUser | null> };
  /** Records a change made through /admin/* (station/audit-log.ts); absent: not recorded. */
  audit?: (entry: Omit<AuditEntry, 'id' | 'at'>) => void;
  throttle: AuthThrottle;
  metrics: Metrics;
  facts: ServerFacts;
  log: Logger;
  /** Base URL listeners use for mounts (the stream port), for status documents. */
  streamBaseUrl: (req: IncomingMessage) => string;
  /** The studio section of the admin status (bridge/src/shows/dj-session.ts). */
  studioStatus?: () => unknown;
  /**
   * Each mount's pushes to external servers (outputs/push-manager.ts), pull relay (null: none;
   * sources/relay/relay-manager.ts) and ladder (null: none; ladder/ladder-manager.ts), in the admin status.
   */
  mountParts?: Partial<AdminMountParts>;
  /** The process's health now (health.ts): /health, /health.json. */
  health?: () => HealthReport;
  /** [metrics] token (Bearer) and allow (addresses / CIDRs) guarding /metrics; absent: open. */
  metricsAccess?: () => { token?: string | undefined; allow: readonly string[] };
}

type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> | void;

export function createHttpApp(deps: HttpAppDeps) {
  const send = (res: ServerResponse, status: number, type: string, body: string | Buffer, extra: [string, string][] = []) => {
    res.statusCode = status;
    res.setHeader('Server', SERVER_HEADER);
    res.setHeader('Content-Type', type);
    res.setHeader('Cache-Control', 'no-cache, no-store');
    for (const [k, v] of [...CORS_HEADERS, ...extra]) res.setHeader(k, v);
    res.end(body);
  };
  const sendError = (res: ServerResponse, err: AircheckError, extra: [string, string][] = []) =>
    send(res, err.httpStatus, 'text/plain; charset=utf-8', `${err.code}: ${err.message}\n`, extra);
  const json = (res: ServerResponse, body: unknown) => send(res, 200, 'application/json; charset=utf-8', JSON.stringify(body));

  /**
   * An enabled admin or operator of the station's accounts (or, where allowed, the mount's source
   * credentials: then null). Throws ADMIN_AUTH_FAILED — for a DJ too, whose password is right: the
   * answer never tells a right password with too little role from a wrong one.
   */
  async function authenticate(req: IncomingMessage): Promise<AdminUser>;
  async function authenticate(req: IncomingMessage, mountForSource: string | undefined): Promise<AdminUser | null>;
  async function authenticate(req: IncomingMessage, mountForSource?: string): Promise<AdminUser | null> {
    const remote = clientAddress(req);
    const auth = parseBasicAuth(req.headers.authorization ?? '');
    // Failures count per (address, user): a wrong password for one user never locks out another.
    const scope = `admin:${auth?.user ?? ''}` as const;
    if (deps.throttle.blocked(remote, scope)) throw new AircheckError('RATE_LIMITED', `too many failed logins for user "${(auth?.user ?? '').slice(0, 64)}" from this address: wait a minute`);
    if (auth) {
      const user = await deps.users.verify(auth.user, auth.password, remote);
      if (user && ADMIN_ROLES.has(user.role)) return user;
      const source = mountForSource ? deps.credentials().mounts.get(mountForSource)?.source : undefined;
      if (source && (await source.verify(auth.user, auth.password, remote))) return null;
      deps.throttle.fail(remote, scope);
    }
    throw new AircheckError('ADMIN_AUTH_FAILED', auth ? 'wrong user or password: use an enabled admin or operator account of the console' : 'this page needs an admin or operator account of the console (Basic auth)');
  }

  /** An audit entry for a change made through /admin/* by a user (as the REST API records its own). */
  const audit = (req: IncomingMessage, user: AdminUser, action: string, target: string, detail: Record<string, unknown> = {}) => {
    const remote = clientAddress(req);
    deps.audit?.({ actor: user.name, role: user.role, action, target, remote, detail: { ...detail, via: 'icecast-admin' } });
    deps.log.info({ actor: user.name, action, target, remote }, 'icecast admin change');
  };

  // /metrics: from an allowed address ([metrics] allow) and with the token ([metrics] token), when set.
  let allowList: { entries: readonly string[]; proxies: TrustedProxies } | null = null;
  const checkMetricsAccess = (req: IncomingMessage) => {
    const access = deps.metricsAccess?.();
    if (!access) return;
    if (access.allow.length) {
      if (allowList?.entries !== access.allow) allowList = { entries: access.allow, proxies: new TrustedProxies(access.allow) };
      const remote = clientAddress(req);
      if (!allowList.proxies.trusts(remote)) throw new AircheckError('AUTH_FORBIDDEN', `metrics are not served to ${remote.slice(0, 60)}: add it to [metrics] allow`);
    }
    if (access.token) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
      if (!m || !safeEqual(m[1]!, access.token)) throw new AircheckError('AUTH_REQUIRED', 'metrics need `Authorization: Bearer <[metrics] token>` (Prometheus: authorization.credentials)');
    }
  };

  const mountParam = (url: URL, name = 'mount') => {
    const path = url.searchParams.get(name);
    if (!path) throw new AircheckError('ADMIN_BAD_REQUEST', `parameter "${name}" is missing: add ?${name}=/live (a mount path)`);
    requireMount(deps.registry, path);
    return path;
  };

  const admin: Record<string, Handler> = {
    async '/admin/metadata'(req, res, url) {
      // Credentials first, so that mount names are not revealed to unauthenticated callers.
      await authenticate(req, url.searchParams.get('mount') ?? undefined);
      const path = mountParam(url);
      const mode = url.searchParams.get('mode');
      if (mode !== 'updinfo') throw new AircheckError('ADMIN_BAD_REQUEST', `mode "${(mode ?? '').slice(0, 40)}" is not supported: use mode=updinfo`);
      const title = metadataTitle(url);
      setMountTitle(deps.registry, path, title);
      deps.log.info({ mount: path, title }, 'metadata updated');
      send(res, 200, 'text/xml; charset=utf-8', iceResponse('Metadata update successful', true));
    },
    async '/admin/listclients'(req, res, url) {
      await authenticate(req);
      const path = mountParam(url);
      const listeners = deps.registry.listenersOf(path);
      if (url.searchParams.get('format') === 'json') {
        json(res, { mount: path, listeners: listeners.map((l) => ({ ...l.info, feed: l.feedPath, bytesSent: l.bytesSent })) });
      } else send(res, 200, 'text/xml; charset=utf-8', listClientsXml(path, listeners, Date.now()));
    },
    async '/admin/killclient'(req, res, url) {
      const user = await authenticate(req);
      const path = mountParam(url);
      const id = Number(url.searchParams.get('id'));
      kickListener(deps.registry, path, id, url.searchParams.get('id') ?? '');
      audit(req, user, 'listener.kick', `${path}#${id}`);
      send(res, 200, 'text/xml; charset=utf-8', iceResponse(`Client ${id} removed`, true));
    },
    async '/admin/killsource'(req, res, url) {
      const user = await authenticate(req);
      const path = mountParam(url);
      killSource(deps.registry, path, `killed by ${user.name}`);
      audit(req, user, 'source.kill', path);
      send(res, 200, 'text/xml; charset=utf-8', iceResponse('Source Removed', true));
    },
    async '/admin/moveclients'(req, res, url) {
      const user = await authenticate(req);
      const from = mountParam(url);
      const to = mountParam(url, 'destination');
      const moved = moveListeners(deps.registry, from, to);
      audit(req, user, 'listeners.move', from, { to, moved });
      send(res, 200, 'text/xml; charset=utf-8', iceResponse(`Clients moved from ${from} to ${to}`, true));
    },
    async '/admin/listmounts'(req, res) {
      await authenticate(req);
      send(res, 200, 'text/xml; charset=utf-8', listMountsXml(deps.registry, Date.now()));
    },
    async '/admin/status.json'(req, res) {
      await authenticate(req);
      const status = aircheckStatus(deps.registry, deps.facts, deps.mountParts ?? {}) as Record<string, unknown>;
      json(res, deps.studioStatus ? { ...status, studio: deps.studioStatus() } : status);
    },
  };

  const routes: Record<string, Handler> = {
    '/status-json.xsl'(req, res) {
      json(res, icecastStatus(deps.registry, deps.facts, deps.streamBaseUrl(req)));
    },
    '/status.json'(_req, res) {
      json(res, aircheckStatus(deps.registry, deps.facts, null));
    },
    async '/metrics'(req, res) {
      checkMetricsAccess(req);
      send(res, 200, deps.metrics.registry.contentType, await deps.metrics.registry.metrics());
    },
    // ok (healthy), or the level and why; 503 from critical on, for load balancers and monitors.
    '/health'(_req, res) {
      const h = deps.health?.();
      if (!h || h.level === 'healthy') return send(res, 200, 'text/plain; charset=utf-8', 'ok\n');
      send(res, h.level === 'warning' ? 200 : 503, 'text/plain; charset=utf-8', `${h.level}\n${h.reasons.join('\n')}\n`);
    },
    '/health.json'(_req, res) {
      const h = deps.health?.() ?? null;
      const body = JSON.stringify(h ?? { level: 'healthy', reasons: [] });
      send(res, h && (h.level === 'critical' || h.level === 'overloaded') ? 503 : 200, 'application/json; charset=utf-8', body);
    },
    '/'(req, res) {
      send(res, 200, 'text/html; charset=utf-8', webPlayerPage(deps.registry, deps.facts, deps.streamBaseUrl(req)));
    },
  };

  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      return sendError(res, new AircheckError('HTTP_BAD_REQUEST', 'request target is not a valid path'));
    }
    try {
      if (req.method === 'OPTIONS') return send(res, 204, 'text/plain', '');
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        throw new AircheckError('HTTP_METHOD_NOT_ALLOWED', `method ${req.method} is not allowed on ${url.pathname}: use GET (sources use SOURCE or PUT on a mount)`);
      }
      const playlist = playlistFor(url.pathname);
      if (playlist) {
        const mount = deps.registry.get(playlist.mount);
        if (mount && !mount.settings.hidden) {
          // A private mount's playlist is refused without its token, as the mount is; with it, the
          // listed URL carries the token so that the player can play.
          let token: string | null = null;
          if (mount.settings.private) {
            token = listenerTokenFrom(url.searchParams, req.headers.authorization);
            checkListenerToken(playlist.mount, clientAddress(req), token, deps.credentials(), deps.throttle);
          }
          const streamUrl = playlistLine(`${deps.streamBaseUrl(req)}${playlist.mount}${token ? `?token=${encodeURIComponent(token)}` : ''}`);
          const name = playlistLine(mount.settings.name ?? (mount.info.name || playlist.mount));
          if (playlist.kind === 'xspf') return send(res, 200, 'application/xspf+xml; charset=UTF-8', xspfPlaylist(deps.registry, mount, streamUrl));
          return playlist.kind === 'm3u'
            ? send(res, 200, 'audio/x-mpegurl', `#EXTM3U\n#EXTINF:-1,${name}\n${streamUrl}\n`)
            : send(res, 200, 'audio/x-scpls', `[playlist]\nNumberOfEntries=1\nFile1=${streamUrl}\nTitle1=${name}\nLength1=-1\nVersion=2\n`);
        }
      }
      const handler = admin[url.pathname] ?? routes[url.pathname];
      if (!handler && url.pathname.startsWith('/admin/')) {
        // Icecast answers any unknown admin command `400 Unrecognised command`, without asking for
        // credentials; libshout's default (TLS auto) handshake sends `GET /admin/!POKE` and stops
        // with "Login failed" on any other answer (FACTS.md).
        throw new AircheckError('ADMIN_UNKNOWN_COMMAND', `Unrecognised command "${url.pathname.slice(7, 47)}": admin commands are ${Object.keys(admin).map((p) => p.slice(7)).join(', ')}`);
      }
      if (!handler) {
        // Never a list of mounts: a private or hidden one must not be revealed to a guesser.
        throw new AircheckError('MOUNT_NOT_FOUND', `nothing at ${url.pathname.slice(0, 80)}: the station page is at /, public mounts are listed at /api/v1/public/station`);
      }
      await handler(req, res, url);
    } catch (err) {
      const error = isAircheckError(err) ? err : new AircheckError('HTTP_BAD_REQUEST', 'request failed', { cause: err });
      if (!isAircheckError(err)) deps.log.error({ err }, 'http handler failed');
      sendError(res, error, error.code === 'ADMIN_AUTH_FAILED' ? [['WWW-Authenticate', 'Basic realm="Icecast2 Server"']] : []);
    }
  };
}

/** `/live.m3u`, `/live.pls` and `/live.xspf`, as Icecast serves them: a playlist naming the stream URL. */
function playlistFor(path: string): { mount: string; kind: 'm3u' | 'pls' | 'xspf' } | null {
  const m = /^(\/.+)\.(m3u|pls|xspf)$/.exec(path);
  return m ? { mount: m[1]!, kind: m[2] as 'm3u' | 'pls' | 'xspf' } : null;
}

/**
 * The title of an updinfo request: `song`, or `artist - title`, decoded in the request's charset
 * (Icecast's `charset` parameter; default UTF-8, ISO-8859-1 as sent by older encoders).
 */
export function metadataTitle(url: URL): string {
  const charset = (url.searchParams.get('charset') ?? 'UTF-8').toUpperCase();
  const get = (name: string): string | null => {
    if (charset === 'UTF-8' || charset === 'UTF8') return url.searchParams.get(name);
    // Percent-decode to bytes ourselves, then decode those bytes as latin1.
    for (const pair of url.search.slice(1).split('&')) {
      const [k, v = ''] = pair.split('=');
      if (k === name) {
        const bytes = Buffer.from(v.replace(/\+/g, ' ').replace(/%([0-9a-fA-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16))), 'latin1');
        return bytes.toString('latin1');
      }
    }
    return null;
  };
  const song = get('song');
  const title = get('title');
  const artist = get('artist');
  const value = song ?? (artist && title ? `${artist} - ${title}` : (title ?? artist ?? ''));
  return cleanTitle(value);
}
