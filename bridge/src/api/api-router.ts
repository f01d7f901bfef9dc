// REST API v1 (/api/v1/*): authentication (session cookie or API token), role checks, CSRF, bounded
// JSON bodies validated by the route table's zod schemas (api-routes.ts), an audit entry for every
// change, and one handler per route. Fed by bridge.ts (the station state, the recordings catalog, the
// live view, the event hub); answers JSON `{code, message}` errors with each code's HTTP status.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { AircheckError, isAircheckError } from '../../../shared/src/errors.ts';
import { ScheduleEntrySchema, type ScheduleEntry } from '../../../config/src/alerts-schema.ts';
import type { AuthThrottle } from '../http/auth-throttle.ts';
import { clientAddress, clientProto } from '../http/client-address.ts';
import type { MountRegistry } from '../mounts/mount-registry.ts';
import { ROUTES, compilePath, type RouteId, type RouteSpec } from './api-routes.ts';
import { ROLE_RANK, type MountSettingsPort, type PushTargetsPort, type RecordingCatalogPort, type RecordingItem, type ScheduledShow, type StationPorts, type UserView } from './api-deps.ts';
import { attachmentHeader, badRequest, checkCsrf, checkOrigin, checkRawContentType, cookieValue, declaredBodyBytes, parseRange, readJsonBody, SESSION_COOKIE, sessionCookie } from './api-http.ts';
import { openApiDocument } from './openapi.ts';
import type { LiveView } from './live.ts';
import type { EventHub } from './events.ts';
import { kickListener, killSource, moveListeners, requireMount, setMountTitle } from './mount-actions.ts';

export const API_PREFIX = '/api/v1';
const DAY_MS = 86_400_000;
const MAX_SLOT_RANGE_MS = 62 * DAY_MS;

export interface ApiRouterDeps {
  station: StationPorts;
  /** The console's mount settings, applied to the running mounts (bridge.ts). */
  mounts: MountSettingsPort;
  /** Pushes to external Icecast servers: the config's and the console's, applied to the running mounts (bridge.ts). */
  pushes: PushTargetsPort;
  /** null while the recordings catalog is not available: lists are empty, items not found. */
  catalog: RecordingCatalogPort | null;
  live: LiveView;
  registry: MountRegistry;
  events: EventHub;
  throttle: AuthThrottle;
  log: Logger;
  version: string;
  /** Base URL of the mounts for this request (the stream port, or the page's origin over https). */
  streamBaseUrl: (req: IncomingMessage) => string;
  /** config server.name / description: what the station settings fall back to. */
  stationDefaults: () => { name: string; description: string };
  /** The schedule changed: the dead-man's switch gets the new entries. */
  onScheduleChanged: () => void;
  /** [alerts] grace: a slot is missed this long after its end without a verified recording. */
  graceMs: () => number;
  /** Session lifetime for the cookie's Max-Age (WebSessions' lifetime). */
  sessionLifetimeMs: number;
  /** The studio's sign-ins (accounts/studio-logins.ts): ended with the console's sessions when an account's password, state or role changes. */
  studioLogins?: { revokeAllOf(name: string): unknown };
}

/** Who is calling: a console session (cookie + CSRF token) or an API token. */
interface Caller {
  user: UserView;
  sessionId: string | null;
  csrfToken: string | null;
}

type Infer<S> = S extends z.ZodType ? z.output<S> : undefined;
interface Ctx<R extends RouteSpec> {
  req: IncomingMessage;
  res: ServerResponse;
  remote: string;
  caller: R['role'] extends 'none' ? Caller | null : Caller;
  params: Infer<R['params']>;
  query: Infer<R['query']>;
  body: Infer<R['body']>;
  audit: (action: string, target: string, detail?: Record<string, unknown>) => void;
}
/** A handler returns the JSON answer (or nothing for 204), or STREAMED when it wrote the answer itself. */
const STREAMED = Symbol('streamed');
type Handlers = { [K in RouteId]: (ctx: Ctx<(typeof ROUTES)[K]>) => unknown };

const compiled = (Object.entries(ROUTES) as [RouteId, RouteSpec][]).map(([id, spec]) => ({ id, spec, match: compilePath(spec.path) }));

export function createApiRouter(deps: ApiRouterDeps): (req: IncomingMessage, res: ServerResponse) => boolean {
  const { station, log } = deps;
  const catalog = () => deps.catalog;

  const forbidden = (what: string) => new AircheckError('AUTH_FORBIDDEN', `${what}: ask an admin`);

  const stationSettings = () => {
    const s = station.settings.get();
    const d = deps.stationDefaults();
    return { name: s.name ?? d.name, description: s.description ?? d.description };
  };

  /** A recording the caller may see (a DJ: their own); else RECORDING_NOT_FOUND, never "forbidden". */
  const visibleRecording = async (caller: Caller, showId: string): Promise<RecordingItem> => {
    const item = (await catalog()?.get(showId)) ?? null;
    if (!item || (caller.user.role === 'dj' && item.dj !== caller.user.name)) {
      throw new AircheckError('RECORDING_NOT_FOUND', `no recording "${showId}": list them with GET /api/v1/recordings`);
    }
    return item;
  };

  const sendAudio = async (ctx: Ctx<RouteSpec>, showId: string, which: 'original' | 'rendition', download: boolean) => {
    const item = await visibleRecording(ctx.caller!, showId);
    const cat = catalog()!;
    if (which === 'rendition' && !item.rendition) throw new AircheckError('RECORDING_UNAVAILABLE', `recording ${showId} has no MP3 rendition (yet): use its original at /api/v1/recordings/${showId}/audio`);
    let size = which === 'original' ? item.sizeBytes : (item.rendition?.sizeBytes ?? null);
    let opened: Awaited<ReturnType<RecordingCatalogPort['open']>> | null = null;
    if (size === null) {
      opened = await cat.open(showId, which);
      size = opened.size;
    }
    const range = parseRange(ctx.req.headers.range, size);
    if (range === 'unsatisfiable') {
      (opened?.body as Readable | undefined)?.destroy?.();
      ctx.res.setHeader('content-range', `bytes */${size}`);
      throw new AircheckError('RANGE_NOT_SATISFIABLE', `range ${JSON.stringify(String(ctx.req.headers.range).slice(0, 60))} is outside the ${size} bytes of this recording: ask for bytes=0-${Math.max(0, size - 1)} or less`);
    }
    if (range) {
      (opened?.body as Readable | undefined)?.destroy?.();
      opened = await cat.open(showId, which, range);
    } else opened ??= await cat.open(showId, which);
    const body = opened.body as Readable;
    const headers: Record<string, string> = {
      'content-type': opened.contentType,
      'accept-ranges': 'bytes',
      'cache-control': 'private, no-cache',
      'x-content-type-options': 'nosniff',
      'content-length': String(range ? range.end - range.start + 1 : opened.size),
    };
    if (range) headers['content-range'] = `bytes ${range.start}-${range.end}/${opened.size}`;
    if (download) headers['content-disposition'] = attachmentHeader(opened.fileName);
    ctx.res.writeHead(range ? 206 : 200, headers);
    if (ctx.req.method === 'HEAD') {
      body.destroy?.();
      ctx.res.end();
      return STREAMED;
    }
    // A listener that goes away mid-file (seeking does) ends the read; neither side can crash the process.
    body.on('error', () => ctx.res.destroy());
    pipeline(body, ctx.res).catch((err: unknown) => log.debug({ showId, err: (err as Error).message }, 'recording download ended early'));
    return STREAMED;
  };

  const scheduleWithConflicts = () => {
    const pairs = station.schedule.conflicts();
    return station.schedule.list().map((s) => ({
      ...s,
      conflicts: pairs.filter((p) => p.includes(s.id)).map(([a, b]) => (a === s.id ? b : a)),
    }));
  };

  /** The entry as the dead-man's switch reads it, checked with the config's own rules. */
  const checkScheduleEntry = (e: Omit<ScheduledShow, 'id' | 'origin'>, exceptId: string | null): void => {
    const entry: Record<string, unknown> = { name: e.name, duration_minutes: e.duration_minutes };
    for (const k of ['days', 'start', 'timezone', 'at'] as const) if (e[k] !== undefined) entry[k] = e[k];
    if (e.dj) entry.dj = e.dj;
    const parsed = ScheduleEntrySchema.safeParse(entry);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new AircheckError('SCHEDULE_INVALID', `schedule field "${issue.path.join('.') || 'entry'}" is invalid: ${issue.message}`);
    }
    if (station.schedule.list().some((s) => s.name === e.name && s.id !== exceptId)) {
      throw new AircheckError('SCHEDULE_INVALID', `a show named "${e.name.slice(0, 80)}" is already scheduled: give this one another name (one entry can list several days)`);
    }
  };
  const scheduleById = (id: string) => {
    const found = station.schedule.list().find((s) => s.id === id);
    if (!found) throw new AircheckError('SCHEDULE_NOT_FOUND', `no scheduled show with id "${id}": list them with GET /api/v1/schedule`);
    return found;
  };

  const handlers: Handlers = {
    async createSession(ctx) {
      const { name, password } = ctx.body;
      const scope = `console:${name.slice(0, 64).toLowerCase()}` as const;
      if (deps.throttle.blocked(ctx.remote, scope)) throw new AircheckError('RATE_LIMITED', 'too many failed sign-ins for this name from this address: wait a minute');
      const user = await station.users.verify(name, password, ctx.remote);
      if (!user || user.disabled) {
        deps.throttle.fail(ctx.remote, scope);
        log.warn({ remote: ctx.remote }, 'console sign-in failed');
        throw new AircheckError('LOGIN_FAILED', 'wrong name or password');
      }
      // Always a new session: a cookie the request brought (an attacker's choice) is never adopted.
      const { sessionId, session } = station.sessions.create(user, ctx.remote, String(ctx.req.headers['user-agent'] ?? '').slice(0, 256));
      ctx.res.setHeader('set-cookie', sessionCookie(sessionId, deps.sessionLifetimeMs / 1000, clientProto(ctx.req) === 'https'));
      station.audit.add({ actor: user.name, role: user.role, action: 'session.create', target: user.name, remote: ctx.remote, detail: {} });
      log.info({ user: user.name, role: user.role, remote: ctx.remote }, 'console sign-in');
      return { user: { name: user.name, role: user.role }, csrfToken: session.csrfToken };
    },
    deleteSession(ctx) {
      if (ctx.caller.sessionId) station.sessions.revoke(ctx.caller.sessionId);
      ctx.res.setHeader('set-cookie', sessionCookie('', 0, clientProto(ctx.req) === 'https'));
      ctx.audit('session.delete', ctx.caller.user.name);
    },
    me(ctx) {
      return { user: { name: ctx.caller.user.name, role: ctx.caller.user.role }, csrfToken: ctx.caller.csrfToken };
    },
    listUsers(ctx) {
      const all = station.users.list();
      return ctx.caller.user.role === 'admin' ? all : all.filter((u) => u.role === 'dj');
    },
    async createUser(ctx) {
      if (ctx.caller.user.role !== 'admin' && ctx.body.role !== 'dj') throw forbidden(`an operator can create DJ accounts only, not role "${ctx.body.role}"`);
      const user = await station.users.create(ctx.body);
      ctx.audit('user.create', user.name, { role: user.role });
      ctx.res.statusCode = 201;
      return user;
    },
    async updateUser(ctx) {
      const target = station.users.get(ctx.params.name);
      if (!target) throw new AircheckError('USER_NOT_FOUND', `no account "${ctx.params.name}": list them with GET /api/v1/users`);
      if (ctx.caller.user.role !== 'admin') {
        if (target.role !== 'dj') throw forbidden(`an operator can change DJ accounts only; "${target.name}" is ${target.role}`);
        if (ctx.body.role !== undefined && ctx.body.role !== target.role) throw forbidden('an operator cannot change roles');
      }
      const user = await station.users.update(target.name, ctx.body);
      // A new password or a disabled account ends the account's sessions at once.
      if (ctx.body.password !== undefined || ctx.body.disabled === true || (ctx.body.role !== undefined && ctx.body.role !== target.role)) {
        station.sessions.revokeAllOf(target.name);
        deps.studioLogins?.revokeAllOf(target.name);
      }
      ctx.audit('user.update', target.name, { fields: Object.keys(ctx.body), ...(ctx.body.disabled !== undefined ? { disabled: ctx.body.disabled } : {}), ...(ctx.body.role ? { role: ctx.body.role } : {}) });
      return user;
    },
    deleteUser(ctx) {
      if (!station.users.get(ctx.params.name)) throw new AircheckError('USER_NOT_FOUND', `no account "${ctx.params.name}": list them with GET /api/v1/users`);
      if (ctx.params.name === ctx.caller.user.name) throw new AircheckError('USER_INVALID', 'you cannot remove your own account: ask another admin');
      station.users.remove(ctx.params.name);
      station.sessions.revokeAllOf(ctx.params.name);
      deps.studioLogins?.revokeAllOf(ctx.params.name);
      ctx.audit('user.delete', ctx.params.name);
    },
    listTokens(ctx) {
      return station.tokens.list(ctx.caller.user.name);
    },
    createToken(ctx) {
      const { token, view } = station.tokens.create(ctx.caller.user.name, ctx.body.label);
      ctx.audit('token.create', view.id, { label: view.label });
      ctx.res.statusCode = 201;
      return { id: view.id, label: view.label, createdAt: view.createdAt, token };
    },
    deleteToken(ctx) {
      station.tokens.revoke(ctx.params.id, ctx.caller.user.name);
      ctx.audit('token.revoke', ctx.params.id);
    },
    audit(ctx) {
      return station.audit.list({ limit: ctx.query.limit, ...(ctx.query.before !== undefined ? { beforeId: ctx.query.before } : {}) });
    },
    async listRecordings(ctx) {
      const q = ctx.query;
      const dj = ctx.caller.user.role === 'dj' ? ctx.caller.user.name : q.dj;
      const list = (await catalog()?.list({ ...(dj ? { dj } : {}), ...(q.from ? { from: q.from } : {}), ...(q.to ? { to: q.to } : {}), ...(q.status ? { status: q.status } : {}), includeSoundchecks: q.soundchecks === '1' })) ?? [];
      // The filter is applied here too: a DJ never sees another DJ's show, whatever the catalog does.
      return ctx.caller.user.role === 'dj' ? list.filter((r) => r.dj === ctx.caller.user.name) : list;
    },
    getRecording(ctx) {
      return visibleRecording(ctx.caller, ctx.params.showId);
    },
    recordingAudio(ctx) {
      return sendAudio(ctx as Ctx<RouteSpec>, ctx.params.showId, 'original', ctx.query.download === '1');
    },
    recordingRendition(ctx) {
      return sendAudio(ctx as Ctx<RouteSpec>, ctx.params.showId, 'rendition', ctx.query.download === '1');
    },
    async recordingWaveform(ctx) {
      await visibleRecording(ctx.caller, ctx.params.showId);
      const wave = await catalog()!.waveform(ctx.params.showId);
      if (!wave) throw new AircheckError('RECORDING_UNAVAILABLE', `recording ${ctx.params.showId} has no waveform (it is computed when a show is finalized)`);
      return wave;
    },
    async verifyRecording(ctx) {
      await visibleRecording(ctx.caller, ctx.params.showId);
      const result = await catalog()!.reverify(ctx.params.showId);
      ctx.audit('recording.verify', ctx.params.showId, { verified: result.verified, reason: result.reason });
      deps.events.recordingChanged(ctx.params.showId);
      return result;
    },
    async deleteRecording(ctx) {
      if (ctx.body.confirm !== ctx.params.showId) {
        throw new AircheckError('API_BAD_REQUEST', `body field "confirm" must repeat the show id "${ctx.params.showId}" to delete it; got ${JSON.stringify(ctx.body.confirm.slice(0, 80))}`);
      }
      const item = await visibleRecording(ctx.caller, ctx.params.showId);
      await catalog()!.remove(ctx.params.showId);
      ctx.audit('recording.delete', ctx.params.showId, { dj: item.dj, showName: item.showName, startedAt: item.startedAt });
      deps.events.recordingChanged(ctx.params.showId);
    },
    listSchedule() {
      return scheduleWithConflicts();
    },
    createSchedule(ctx) {
      const input = { ...ctx.body, dj: ctx.body.dj ?? null };
      checkScheduleEntry(input, null);
      const created = station.schedule.create(input);
      deps.onScheduleChanged();
      ctx.audit('schedule.create', created.id, { name: created.name });
      ctx.res.statusCode = 201;
      return scheduleWithConflicts().find((s) => s.id === created.id) ?? { ...created, conflicts: [] };
    },
    updateSchedule(ctx) {
      const current = scheduleById(ctx.params.id);
      const patch = ctx.body;
      const merged: Omit<ScheduledShow, 'id' | 'origin'> = { ...current, ...patch, dj: patch.dj === undefined ? current.dj : patch.dj };
      // Switching between one-off and weekly drops the other kind's fields.
      if (patch.at !== undefined && patch.days === undefined && patch.start === undefined) {
        delete merged.days;
        delete merged.start;
        delete merged.timezone;
      }
      if ((patch.days !== undefined || patch.start !== undefined) && patch.at === undefined) delete merged.at;
      checkScheduleEntry(merged, current.id);
      const updated = station.schedule.update(current.id, patch);
      deps.onScheduleChanged();
      ctx.audit('schedule.update', current.id, { fields: Object.keys(patch) });
      return scheduleWithConflicts().find((s) => s.id === updated.id) ?? { ...updated, conflicts: [] };
    },
    deleteSchedule(ctx) {
      const current = scheduleById(ctx.params.id);
      station.schedule.remove(current.id);
      deps.onScheduleChanged();
      ctx.audit('schedule.delete', current.id, { name: current.name });
    },
    async scheduleSlots(ctx) {
      const now = Date.now();
      const fromMs = ctx.query.from ? Date.parse(ctx.query.from) : now - 7 * DAY_MS;
      const toMs = ctx.query.to ? Date.parse(ctx.query.to) : now + 7 * DAY_MS;
      if (toMs <= fromMs || toMs - fromMs > MAX_SLOT_RANGE_MS) {
        throw new AircheckError('API_BAD_REQUEST', `query fields "from" and "to" must give a range of at most 62 days with from before to; got ${new Date(fromMs).toISOString()} … ${new Date(toMs).toISOString()}`);
      }
      const entries: ScheduleEntry[] = station.schedule.entries();
      const slots = (await catalog()?.slots(entries, fromMs, toMs, deps.graceMs())) ?? [];
      return ctx.caller.user.role === 'dj' ? slots.filter((s) => s.dj === ctx.caller.user.name) : slots;
    },
    live() {
      return { mounts: deps.live.snapshot() };
    },
    liveHistory(ctx) {
      return station.history.series(ctx.query.mount, Date.now() - ctx.query.hours * 3_600_000);
    },
    listeners(ctx) {
      requireMount(deps.registry, ctx.query.mount);
      return deps.live.listeners(ctx.query.mount);
    },
    kickListener(ctx) {
      kickListener(deps.registry, ctx.query.mount, ctx.params.id);
      ctx.audit('listener.kick', `${ctx.query.mount}#${ctx.params.id}`);
    },
    killSource(ctx) {
      killSource(deps.registry, ctx.body.mount, `killed by ${ctx.caller.user.name}`);
      ctx.audit('source.kill', ctx.body.mount);
    },
    moveListeners(ctx) {
      const moved = moveListeners(deps.registry, ctx.body.from, ctx.body.to);
      ctx.audit('listeners.move', ctx.body.from, { to: ctx.body.to, moved });
      return { moved };
    },
    setMetadata(ctx) {
      setMountTitle(deps.registry, ctx.body.mount, ctx.body.title);
      ctx.audit('mount.metadata', ctx.body.mount, { title: ctx.body.title.slice(0, 200) });
    },
    events(ctx) {
      deps.events.attach(ctx.req, ctx.res, 'private', deps.streamBaseUrl(ctx.req));
      return STREAMED;
    },
    listMounts() {
      return deps.mounts.list();
    },
    updateMount(ctx) {
      const view = deps.mounts.update(ctx.params.path, ctx.body);
      ctx.audit('mount.update', ctx.params.path, { fields: Object.keys(ctx.body) });
      return view;
    },
    listMedia() {
      return deps.mounts.media();
    },
    async uploadMedia(ctx) {
      const spec = ROUTES.uploadMedia.rawBody;
      checkRawContentType(ctx.req.headers['content-type'], spec.mediaTypes);
      const uploaded = await deps.mounts.uploadMedia(ctx.params.name, ctx.req, { declaredBytes: declaredBodyBytes(ctx.req.headers), replace: ctx.query.replace === '1' });
      ctx.audit('media.upload', uploaded.name, { sizeBytes: uploaded.sizeBytes, durationMs: uploaded.durationMs, replaced: uploaded.replaced });
      ctx.res.statusCode = uploaded.replaced ? 200 : 201;
      return uploaded;
    },
    deleteMedia(ctx) {
      deps.mounts.deleteMedia(ctx.params.name);
      ctx.audit('media.delete', ctx.params.name);
    },
    getStation() {
      return stationSettings();
    },
    updateStation(ctx) {
      station.settings.set(ctx.body);
      ctx.audit('station.update', 'station', { fields: Object.keys(ctx.body) });
      return stationSettings();
    },
    listPushes() {
      return deps.pushes.list();
    },
    createPush(ctx) {
      const view = deps.pushes.create(ctx.body, ctx.caller.user.name);
      // Never the password: what was added, where to.
      ctx.audit('push.create', view.id ?? view.label, { path: view.path, label: view.label, target: `${view.host}:${view.port}${view.mount}`, tls: view.tls, enabled: view.enabled });
      ctx.res.statusCode = 201;
      return view;
    },
    updatePush(ctx) {
      const view = deps.pushes.update(ctx.params.id, ctx.body, ctx.caller.user.name);
      ctx.audit('push.update', ctx.params.id, { path: view.path, label: view.label, fields: Object.keys(ctx.body), ...(ctx.body.enabled !== undefined ? { enabled: ctx.body.enabled } : {}) });
      return view;
    },
    deletePush(ctx) {
      const gone = deps.pushes.remove(ctx.params.id);
      ctx.audit('push.delete', ctx.params.id, { path: gone.path, label: gone.label });
    },
    publicStation(ctx) {
      return deps.live.publicStation(deps.streamBaseUrl(ctx.req));
    },
    publicEvents(ctx) {
      deps.events.attach(ctx.req, ctx.res, 'public', deps.streamBaseUrl(ctx.req));
      return STREAMED;
    },
    openapi() {
      return openApiDocument(deps.version);
    },
  };

  const authenticate = (req: IncomingMessage): Caller | null => {
    // Only a Bearer token counts (a browser may repeat the Basic credentials of /admin/ pages).
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    if (bearer) {
      const user = station.tokens.check(bearer[1]!);
      if (!user || user.disabled) throw new AircheckError('AUTH_REQUIRED', 'the API token is unknown, revoked or its account disabled: create one in the console (Tokens)');
      return { user, sessionId: null, csrfToken: null };
    }
    const id = cookieValue(req.headers.cookie, SESSION_COOKIE);
    if (!id) return null;
    const session = station.sessions.check(id);
    if (!session || session.user.disabled) return null;
    return { user: session.user, sessionId: id, csrfToken: session.csrfToken };
  };

  const sendJson = (res: ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(Buffer.byteLength(text)),
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
    res.end(text);
  };

  const validate = <T extends z.ZodType | undefined>(schema: T, input: unknown, where: 'body' | 'query' | 'path'): Infer<T> => {
    if (!schema) return undefined as Infer<T>;
    const parsed = schema.safeParse(input);
    if (!parsed.success) throw badRequest(where, parsed.error, input);
    return parsed.data as Infer<T>;
  };

  async function handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');
    let found: { id: RouteId; spec: RouteSpec; raw: Record<string, string> } | null = null;
    let pathKnown = false;
    for (const r of compiled) {
      const raw = r.match(url.pathname);
      if (!raw) continue;
      pathKnown = true;
      if (r.spec.method === method) {
        found = { id: r.id, spec: r.spec, raw };
        break;
      }
    }
    if (!found) {
      if (pathKnown) throw new AircheckError('HTTP_METHOD_NOT_ALLOWED', `method ${req.method} is not allowed on ${url.pathname.slice(0, 100)}: see /api/v1/openapi.json`);
      throw new AircheckError('HTTP_NOT_FOUND', `no API route ${url.pathname.slice(0, 100)}: see /api/v1/openapi.json`);
    }
    const { id, spec } = found;
    const remote = clientAddress(req);
    // Public routes look at no credential: a stale token never locks anyone out of the station page.
    const caller = spec.role === 'none' ? null : authenticate(req);
    if (spec.role !== 'none') {
      if (!caller) throw new AircheckError('AUTH_REQUIRED', 'sign in first: POST /api/v1/session with {"name","password"}, or send an API token (Authorization: Bearer ack_…)');
      if (ROLE_RANK[caller.user.role] < ROLE_RANK[spec.role]) throw forbidden(`${spec.method} ${spec.path} needs role ${spec.role}; you are ${caller.user.role}`);
    }
    if (method !== 'GET') {
      const ownOrigin = `${clientProto(req)}://${req.headers.host ?? ''}`;
      const origin = typeof req.headers.origin === 'string' ? req.headers.origin : undefined;
      const csrfHeader = typeof req.headers['x-csrf-token'] === 'string' ? req.headers['x-csrf-token'] : undefined;
      if (caller?.sessionId && spec.role !== 'none') checkCsrf({ csrfHeader, expectedToken: caller.csrfToken, origin, ownOrigin });
      else checkOrigin(origin, ownOrigin);
    }
    const params: Record<string, string> = {};
    for (const [k, v] of Object.entries(found.raw)) {
      try {
        params[k] = decodeURIComponent(v);
      } catch {
        throw new AircheckError('API_BAD_REQUEST', `path field "${k}" is not valid percent-encoding`);
      }
    }
    const ctx = {
      req,
      res,
      remote,
      caller,
      params: validate(spec.params, params, 'path'),
      query: validate(spec.query, Object.fromEntries(url.searchParams), 'query'),
      body: spec.body ? validate(spec.body, (await readJsonBody(req)) ?? {}, 'body') : undefined,
      audit: (action: string, target: string, detail: Record<string, unknown> = {}) => {
        station.audit.add({ actor: caller?.user.name ?? 'anonymous', role: caller?.user.role ?? 'system', action, target, remote, detail });
        log.info({ actor: caller?.user.name, action, target, remote }, 'console change');
      },
    };
    const result = await (handlers[id] as (c: typeof ctx) => unknown)(ctx);
    if (result === STREAMED) return;
    if (spec.ok.status === 204) {
      res.writeHead(204, { 'cache-control': 'no-store' });
      res.end();
      return;
    }
    // A handler may answer 201 (created) on a 200 route, or 200 (replaced) on a raw upload's 201 route.
    sendJson(res, res.statusCode === 201 || (spec.rawBody && res.statusCode === 200) ? res.statusCode : spec.ok.status, result);
  }

  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (path !== API_PREFIX && !path.startsWith(`${API_PREFIX}/`)) return false;
    res.on('error', () => res.destroy());
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      sendJson(res, 400, { code: 'HTTP_BAD_REQUEST', message: 'request target is not a valid path' });
      return true;
    }
    handle(req, res, url).catch((err: unknown) => {
      const error = isAircheckError(err) ? err : null;
      if (!error) log.error({ err, path: url.pathname }, 'API request failed');
      if (res.headersSent) return void res.destroy();
      // A body left unread would be taken for the next request on this connection.
      if (!req.readableEnded) res.setHeader('connection', 'close');
      if (error) sendJson(res, error.httpStatus, { code: error.code, message: error.message });
      else sendJson(res, 500, { code: 'INTERNAL_ERROR', message: 'the request failed inside the server: see the server log (API request failed)' });
    });
    return true;
  };
}
