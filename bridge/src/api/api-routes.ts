// The one table of REST API v1 routes: method, path, the least role allowed, the request schemas and
// the answer. api-router.ts dispatches and validates from it, openapi.ts documents it; a handler
// exists for every entry (api-router.ts's Handlers type makes a missing one a type error).
import { z } from 'zod';
import * as S from './api-schemas.ts';
import { MEDIA_MAX_BYTES } from '../station/media-files.ts';

/** Content-Types a media upload may carry (`application/octet-stream` for tools that know no better). */
export const MEDIA_UPLOAD_TYPES = ['audio/*', 'application/ogg', 'application/octet-stream'] as const;

/** Who may call a route: nobody signed in ('none'), or at least this role (admin ⊇ operator ⊇ dj). */
export type RouteRole = 'none' | 'dj' | 'operator' | 'admin';

export interface RouteSpec {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** OpenAPI template: `/api/v1/users/{name}`. */
  path: string;
  role: RouteRole;
  summary: string;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** A raw (non-JSON) body the handler streams itself (and limits), of these media types. */
  rawBody?: { mediaTypes: readonly string[]; description: string };
  /** The success answer: a JSON schema, or a byte / event stream of this media type, or nothing (204). */
  ok: { status: 200 | 201 | 204; schema?: z.ZodType; media?: 'audio' | 'event-stream' };
}

const json = (schema: z.ZodType, status: 200 | 201 = 200) => ({ status, schema });
const noContent = { status: 204 } as const;

export const ROUTES = {
  createSession: { method: 'POST', path: '/api/v1/session', role: 'none', summary: 'Sign in: sets the session cookie (always a new session)', body: S.SessionRequestSchema, ok: json(S.SessionResponseSchema) },
  deleteSession: { method: 'DELETE', path: '/api/v1/session', role: 'dj', summary: 'Sign out: ends the session and clears the cookie', ok: noContent },
  me: { method: 'GET', path: '/api/v1/me', role: 'dj', summary: 'Who is signed in, and the CSRF token of the session (null with an API token)', ok: json(S.MeResponseSchema) },
  listUsers: { method: 'GET', path: '/api/v1/users', role: 'operator', summary: 'Accounts: operators see DJs, admins everyone', ok: json(z.array(S.UserViewSchema)) },
  createUser: { method: 'POST', path: '/api/v1/users', role: 'operator', summary: 'Create an account (operators: DJs only)', body: S.UserCreateSchema, ok: json(S.UserViewSchema, 201) },
  updateUser: { method: 'PATCH', path: '/api/v1/users/{name}', role: 'operator', summary: 'Change password, disable, change role (operators: DJs, no role change)', params: S.UserNameParamsSchema, body: S.UserPatchSchema, ok: json(S.UserViewSchema) },
  deleteUser: { method: 'DELETE', path: '/api/v1/users/{name}', role: 'admin', summary: 'Remove an account', params: S.UserNameParamsSchema, ok: noContent },
  listTokens: { method: 'GET', path: '/api/v1/tokens', role: 'dj', summary: 'Your API tokens', ok: json(z.array(S.ApiTokenViewSchema)) },
  createToken: { method: 'POST', path: '/api/v1/tokens', role: 'dj', summary: 'Create an API token (shown once)', body: S.TokenCreateSchema, ok: json(S.TokenCreatedSchema, 201) },
  deleteToken: { method: 'DELETE', path: '/api/v1/tokens/{id}', role: 'dj', summary: 'Revoke one of your API tokens', params: S.TokenIdParamsSchema, ok: noContent },
  audit: { method: 'GET', path: '/api/v1/audit', role: 'admin', summary: 'The audit log, newest first', query: S.AuditQuerySchema, ok: json(z.array(S.AuditEntrySchema)) },
  listRecordings: { method: 'GET', path: '/api/v1/recordings', role: 'dj', summary: 'Recordings, newest first (DJs: their own)', query: S.RecordingsQuerySchema, ok: json(z.array(S.RecordingItemSchema)) },
  getRecording: { method: 'GET', path: '/api/v1/recordings/{showId}', role: 'dj', summary: 'One recording', params: S.ShowIdParamsSchema, ok: json(S.RecordingItemSchema) },
  recordingAudio: { method: 'GET', path: '/api/v1/recordings/{showId}/audio', role: 'dj', summary: 'The original recording (HTTP Range supported)', params: S.ShowIdParamsSchema, query: S.DownloadQuerySchema, ok: { status: 200, media: 'audio' } },
  recordingRendition: { method: 'GET', path: '/api/v1/recordings/{showId}/rendition.mp3', role: 'dj', summary: 'The MP3 rendition (HTTP Range supported)', params: S.ShowIdParamsSchema, query: S.DownloadQuerySchema, ok: { status: 200, media: 'audio' } },
  recordingWaveform: { method: 'GET', path: '/api/v1/recordings/{showId}/waveform', role: 'dj', summary: 'Peaks for drawing the waveform', params: S.ShowIdParamsSchema, ok: json(S.WaveformSchema) },
  verifyRecording: { method: 'POST', path: '/api/v1/recordings/{showId}/verify', role: 'operator', summary: 'Read the stored recording again and check it against its manifest', params: S.ShowIdParamsSchema, ok: json(S.VerifyResultSchema) },
  deleteRecording: { method: 'DELETE', path: '/api/v1/recordings/{showId}', role: 'admin', summary: 'Delete a recording everywhere (confirm with its show id)', params: S.ShowIdParamsSchema, body: S.DeleteRecordingSchema, ok: noContent },
  listSchedule: { method: 'GET', path: '/api/v1/schedule', role: 'dj', summary: 'Scheduled shows, each with the ids it conflicts with', ok: json(z.array(S.ScheduledShowSchema)) },
  createSchedule: { method: 'POST', path: '/api/v1/schedule', role: 'operator', summary: 'Schedule a show', body: S.ScheduleCreateSchema, ok: json(S.ScheduledShowSchema, 201) },
  updateSchedule: { method: 'PATCH', path: '/api/v1/schedule/{id}', role: 'operator', summary: 'Change a scheduled show', params: S.ScheduleIdParamsSchema, body: S.SchedulePatchSchema, ok: json(S.ScheduledShowSchema) },
  deleteSchedule: { method: 'DELETE', path: '/api/v1/schedule/{id}', role: 'operator', summary: 'Remove a scheduled show', params: S.ScheduleIdParamsSchema, ok: noContent },
  scheduleSlots: { method: 'GET', path: '/api/v1/schedule/slots', role: 'dj', summary: 'Slots between from and to with their recordings (DJs: their own)', query: S.SlotsQuerySchema, ok: json(z.array(S.SlotSchema)) },
  live: { method: 'GET', path: '/api/v1/live', role: 'operator', summary: 'Every mount now', ok: json(S.LiveResponseSchema) },
  liveHistory: { method: 'GET', path: '/api/v1/live/history', role: 'operator', summary: 'Listeners of a mount, one sample a minute', query: S.HistoryQuerySchema, ok: json(z.array(S.HistoryPointSchema)) },
  listeners: { method: 'GET', path: '/api/v1/listeners', role: 'operator', summary: 'The listeners of a mount', query: S.MountQuerySchema, ok: json(z.array(S.ListenerRowSchema)) },
  kickListener: { method: 'DELETE', path: '/api/v1/listeners/{id}', role: 'operator', summary: 'Disconnect a listener', params: S.ListenerIdParamsSchema, query: S.MountQuerySchema, ok: noContent },
  killSource: { method: 'POST', path: '/api/v1/live/kill-source', role: 'operator', summary: "Disconnect a mount's source", body: S.KillSourceSchema, ok: noContent },
  moveListeners: { method: 'POST', path: '/api/v1/live/move-listeners', role: 'operator', summary: "Move a mount's listeners to another mount", body: S.MoveListenersSchema, ok: json(S.MovedSchema) },
  setMetadata: { method: 'POST', path: '/api/v1/live/metadata', role: 'operator', summary: "Set a mount's now-playing title", body: S.MetadataSchema, ok: noContent },
  events: { method: 'GET', path: '/api/v1/events', role: 'dj', summary: 'Server-sent events: live (LiveMount[]), recordings ({changed})', ok: { status: 200, media: 'event-stream' } },
  listMounts: { method: 'GET', path: '/api/v1/mounts', role: 'operator', summary: "Each configured mount's settings: effective, the config's, and which the console set", ok: json(z.array(S.MountSettingsViewSchema)) },
  updateMount: { method: 'PATCH', path: '/api/v1/mounts/{path}', role: 'operator', summary: "Change a mount's name, description, genre, url, hidden or fallback (null = the config's value); applied at once, kept over reloads and restarts", params: S.MountPathParamsSchema, body: S.MountPatchSchema, ok: json(S.MountSettingsViewSchema) },
  listMedia: { method: 'GET', path: '/api/v1/media', role: 'operator', summary: 'Fallback audio to choose from: "bundled" and the audio files in <data_dir>/media/', ok: json(z.array(S.MediaFileSchema)) },
  uploadMedia: { method: 'PUT', path: '/api/v1/media/{name}', role: 'operator', summary: 'Upload a fallback audio file (raw body; 201 created, 200 replaced); kept only if the fallback loader plays it', params: S.MediaNameParamsSchema, query: S.MediaUploadQuerySchema, rawBody: { mediaTypes: MEDIA_UPLOAD_TYPES, description: `the audio file itself (MP3, Ogg Opus or Ogg Vorbis), at most ${MEDIA_MAX_BYTES} bytes` }, ok: json(S.MediaUploadedSchema, 201) },
  deleteMedia: { method: 'DELETE', path: '/api/v1/media/{name}', role: 'operator', summary: 'Delete a media file (refused while a mount falls back to it)', params: S.MediaNameParamsSchema, ok: noContent },
  getStation: { method: 'GET', path: '/api/v1/station', role: 'operator', summary: 'Station name and description', ok: json(S.StationSettingsSchema) },
  updateStation: { method: 'PATCH', path: '/api/v1/station', role: 'operator', summary: 'Change the station name or description', body: S.StationPatchSchema, ok: json(S.StationSettingsSchema) },
  listPushes: { method: 'GET', path: '/api/v1/pushes', role: 'operator', summary: "Every push to an external Icecast server: the config's (read-only, id null) and the console's, with live status (never a password)", ok: json(z.array(S.PushViewSchema)) },
  createPush: { method: 'POST', path: '/api/v1/pushes', role: 'operator', summary: "Add a push of a configured mount (the config's push fields); applied at once, kept over reloads and restarts; a config push's name or target is refused", body: S.PushCreateSchema, ok: json(S.PushViewSchema, 201) },
  updatePush: { method: 'PATCH', path: '/api/v1/pushes/{id}', role: 'operator', summary: 'Change or enable/disable a console push (an absent password stays); applied at once', params: S.PushIdParamsSchema, body: S.PushPatchSchema, ok: json(S.PushViewSchema) },
  deletePush: { method: 'DELETE', path: '/api/v1/pushes/{id}', role: 'operator', summary: 'Remove a console push (its connection ends at once)', params: S.PushIdParamsSchema, ok: noContent },
  publicStation: { method: 'GET', path: '/api/v1/public/station', role: 'none', summary: 'The public station document: public mounts, now playing, today', ok: json(S.PublicStationSchema) },
  publicEvents: { method: 'GET', path: '/api/v1/public/events', role: 'none', summary: 'Server-sent events: station (the public station document on change)', ok: { status: 200, media: 'event-stream' } },
  openapi: { method: 'GET', path: '/api/v1/openapi.json', role: 'none', summary: 'This document', ok: { status: 200, schema: z.record(z.string(), z.unknown()) } },
} as const satisfies Record<string, RouteSpec>;

export type RouteId = keyof typeof ROUTES;

/** A path template as a matcher: `/api/v1/users/{name}` → the raw (still percent-encoded) parameters. */
export function compilePath(template: string): (path: string) => Record<string, string> | null {
  const names: string[] = [];
  const re = new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_, n: string) => (names.push(n), '([^/]+)'))}$`);
  return (path) => {
    const m = re.exec(path);
    if (!m) return null;
    return Object.fromEntries(names.map((n, i) => [n, m[i + 1]!]));
  };
}
