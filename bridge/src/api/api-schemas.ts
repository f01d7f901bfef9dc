// The zod schemas of REST API v1: every request (path parameters, query, JSON body) and every JSON
// answer. api-routes.ts binds them to routes; the router validates with them and openapi.ts turns
// the same schemas into the OpenAPI document, so the two cannot drift apart.
import { z } from 'zod';
import { WEEKDAYS } from '../../../config/src/alerts-schema.ts';
import { PushSchema } from '../../../config/src/config-schema.ts';

export const ErrorSchema = z.object({ code: z.string(), message: z.string() });

export const RoleSchema = z.enum(['admin', 'operator', 'dj']);
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const UserName = z.string().regex(NAME_RE, { message: "use 1–64 of a–z, A–Z, 0–9, '.', '_', '-', starting with a letter or digit" });
const Password = z.string().min(8, { message: 'use at least 8 characters' }).max(1024);
const IsoTime = z.string().refine((v) => !Number.isNaN(Date.parse(v)), { message: 'expected an ISO 8601 date and time, e.g. 2026-12-03T18:00:00Z' });

export const UserRefSchema = z.object({ name: z.string(), role: RoleSchema });
export const UserViewSchema = z
  .object({
    name: z.string(),
    role: RoleSchema,
    disabled: z.boolean(),
    createdAt: z.string(),
    lastLoginAt: z.string().nullable(),
    origin: z.enum(['console', 'config', 'djs.json', 'credentials']),
  })
  .meta({ id: 'UserView' });

// ---- session ----
export const SessionRequestSchema = z.object({ name: z.string().min(1).max(64), password: z.string().min(1).max(1024) }).strict();
export const SessionResponseSchema = z.object({ user: UserRefSchema, csrfToken: z.string() });
export const MeResponseSchema = z.object({ user: UserRefSchema, csrfToken: z.string().nullable() });

// ---- users ----
export const UserNameParamsSchema = z.object({ name: UserName });
export const UserCreateSchema = z.object({ name: UserName, role: RoleSchema, password: Password }).strict();
export const UserPatchSchema = z.object({ password: Password.optional(), disabled: z.boolean().optional(), role: RoleSchema.optional() }).strict();

// ---- API tokens ----
export const ApiTokenViewSchema = z.object({ id: z.string(), name: z.string(), label: z.string(), createdAt: z.string(), lastUsedAt: z.string().nullable() }).meta({ id: 'ApiToken' });
export const TokenCreateSchema = z.object({ label: z.string().min(1).max(100) }).strict();
export const TokenCreatedSchema = z.object({ id: z.string(), label: z.string(), createdAt: z.string(), token: z.string() });
export const TokenIdParamsSchema = z.object({ id: z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/, { message: 'a token id from GET /api/v1/tokens' }) });

// ---- audit ----
export const AuditQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  before: z.coerce.number().int().min(1).optional(),
});
export const AuditEntrySchema = z
  .object({
    id: z.number().int(),
    at: z.string(),
    actor: z.string(),
    role: z.enum(['admin', 'operator', 'dj', 'system']),
    action: z.string(),
    target: z.string(),
    remote: z.string(),
    detail: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'AuditEntry' });

// ---- recordings ----
export const RecordingStatusSchema = z.enum(['recording', 'finalizing', 'uploaded', 'verified', 'verified_with_gaps', 'failed']);
export const ShowIdParamsSchema = z.object({ showId: z.string().min(1).max(128).regex(/^[A-Za-z0-9._-]+$/, { message: 'a show id from GET /api/v1/recordings' }) });
export const RecordingsQuerySchema = z.object({
  dj: z.string().max(64).optional(),
  from: IsoTime.optional(),
  to: IsoTime.optional(),
  status: RecordingStatusSchema.optional(),
  soundchecks: z.enum(['0', '1']).optional(),
});
export const DownloadQuerySchema = z.object({ download: z.enum(['0', '1']).optional() });
export const RecordingItemSchema = z
  .object({
    showId: z.string(),
    dj: z.string(),
    showName: z.string(),
    description: z.string(),
    startedAt: z.string(),
    endedAt: z.string().nullable(),
    durationMs: z.number(),
    sizeBytes: z.number().nullable(),
    format: z.enum(['ogg-opus', 'mp3', 'ogg-vorbis', 'aac']),
    contentType: z.string(),
    sha256: z.string().nullable(),
    crc32c: z.string().nullable(),
    source: z.object({ kind: z.enum(['studio', 'client']), mount: z.string().optional(), address: z.string().optional(), userAgent: z.string().optional(), iceName: z.string().optional() }),
    status: RecordingStatusSchema,
    reason: z.string().nullable(),
    errorCode: z.string().nullable(),
    gaps: z.array(z.object({ offsetMs: z.number(), durationMs: z.number(), cause: z.string().nullable(), reason: z.string().nullable() })),
    tracklist: z.array(z.object({ offsetMs: z.number(), at: z.string(), artist: z.string(), title: z.string() })),
    soundcheck: z.boolean(),
    groupId: z.string(),
    storeLocation: z.string().nullable(),
    rendition: z.object({ bitrateKbps: z.number(), sizeBytes: z.number() }).nullable(),
    waveform: z.boolean(),
    wentLiveAt: z.string().nullable(),
    lastCheck: z.object({ at: z.string(), verified: z.boolean(), reason: z.string().nullable(), rendition: z.object({ verified: z.boolean(), reason: z.string().nullable() }).nullable() }).nullable(),
  })
  .meta({ id: 'RecordingItem' });
export const WaveformSchema = z.object({ peaksPerSecond: z.number(), peaks: z.array(z.number()) });
export const VerifyResultSchema = z.object({ verified: z.boolean(), reason: z.string().nullable(), checkedAt: z.string(), rendition: z.object({ verified: z.boolean(), reason: z.string().nullable() }).nullable() });
export const DeleteRecordingSchema = z.object({ confirm: z.string().min(1).max(128) }).strict();

// ---- schedule ----
const HHMM = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'use "HH:MM" (24-hour clock), e.g. "18:00"' });
export const ScheduledShowSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    dj: z.string().nullable(),
    days: z.array(z.enum(WEEKDAYS)).optional(),
    start: z.string().optional(),
    timezone: z.string().optional(),
    at: z.string().optional(),
    duration_minutes: z.number().int(),
    origin: z.enum(['config', 'console']),
    conflicts: z.array(z.string()),
  })
  .meta({ id: 'ScheduledShow' });
const ScheduleFields = {
  name: z.string().min(1).max(128),
  dj: z.string().min(1).max(64).nullable().optional(),
  days: z.array(z.enum(WEEKDAYS)).min(1).max(7).optional(),
  start: HHMM.optional(),
  timezone: z.string().min(1).max(64).optional(),
  at: IsoTime.optional(),
  duration_minutes: z.number().int().min(1).max(1440),
};
export const ScheduleCreateSchema = z.object(ScheduleFields).strict();
export const SchedulePatchSchema = z.object(ScheduleFields).partial().strict();
export const ScheduleIdParamsSchema = z.object({ id: z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/, { message: 'a schedule id from GET /api/v1/schedule' }) });
export const SlotsQuerySchema = z.object({ from: IsoTime.optional(), to: IsoTime.optional() });
export const SlotSchema = z.object({
  show: z.string(),
  dj: z.string().nullable(),
  startAt: z.string(),
  endAt: z.string(),
  showId: z.string().nullable(),
  state: z.enum(['upcoming', 'on-air', 'pending', 'recorded', 'missed']),
  reason: z.string().nullable(),
});

// ---- live ----
const MountPath = z.string().regex(/^\/[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, { message: 'a mount path such as /live' });
export const LiveMountSchema = z
  .object({
    path: z.string(),
    name: z.string(),
    public: z.boolean(),
    state: z.enum(['live', 'off-air-music', 'off']),
    source: z
      .object({
        kind: z.string(),
        dj: z.string().optional(),
        address: z.string().optional(),
        userAgent: z.string().optional(),
        since: z.string(),
        format: z.string().nullable(),
        bitrateKbps: z.number().nullable(),
      })
      .nullable(),
    listeners: z.number().int(),
    title: z.string(),
    parent: z.string().nullable(),
    rungs: z.array(z.string()),
    pushes: z.array(z.unknown()),
    relay: z.unknown().nullable(),
  })
  .meta({ id: 'LiveMount' });
export const LiveResponseSchema = z.object({ mounts: z.array(LiveMountSchema) });
export const HistoryQuerySchema = z.object({ mount: MountPath, hours: z.coerce.number().min(1).max(24).default(24) });
export const HistoryPointSchema = z.object({ at: z.string(), listeners: z.number() });
export const MountQuerySchema = z.object({ mount: MountPath });
export const ListenerRowSchema = z.object({ id: z.number().int(), mount: z.string(), address: z.string(), userAgent: z.string(), connectedAt: z.string(), bytesSent: z.number() });
export const ListenerIdParamsSchema = z.object({ id: z.coerce.number().int().min(1) });
export const KillSourceSchema = z.object({ mount: MountPath }).strict();
export const MoveListenersSchema = z.object({ from: MountPath, to: MountPath }).strict();
export const MetadataSchema = z.object({ mount: MountPath, title: z.string().max(1024) }).strict();
export const MovedSchema = z.object({ moved: z.number().int() });

// ---- station ----
export const StationSettingsSchema = z.object({ name: z.string(), description: z.string() });
export const StationPatchSchema = z.object({ name: z.string().min(1).max(256).optional(), description: z.string().max(1024).optional() }).strict();
export const PublicMountSchema = z
  .object({
    path: z.string(),
    name: z.string(),
    description: z.string(),
    onAir: z.boolean(),
    offAirMusic: z.boolean(),
    title: z.string(),
    dj: z.string().nullable(),
    show: z.string().nullable(),
    listeners: z.number().int(),
    streams: z.array(z.object({ url: z.string(), contentType: z.string(), codec: z.enum(['opus', 'mp3', 'vorbis', 'aac']), bitrateKbps: z.number().nullable() })),
    recentTracks: z.array(z.object({ title: z.string(), at: z.string() })),
    m3u: z.string(),
    pls: z.string(),
  })
  .meta({ id: 'PublicMount' });
export const PublicStationSchema = z
  .object({
    name: z.string(),
    description: z.string(),
    mounts: z.array(PublicMountSchema),
    today: z.array(z.object({ show: z.string(), dj: z.string().nullable(), startAt: z.string(), endAt: z.string() })),
  })
  .meta({ id: 'PublicStation' });

// ---- mounts (the console's mount settings) ----
const MOUNT_FIELD_NAMES = ['name', 'description', 'genre', 'url', 'hidden', 'fallback_file', 'fallback_mount'] as const;
const MountFieldsSchema = z.object({
  name: z.string().nullable(),
  description: z.string().nullable(),
  genre: z.string().nullable(),
  url: z.string().nullable(),
  hidden: z.boolean(),
  fallback_file: z.string().nullable(),
  fallback_mount: z.string().nullable(),
});
export const MountSettingsViewSchema = z
  .object({
    path: z.string(),
    effective: MountFieldsSchema.describe('what the mount runs with: the console\'s value where set, else the config\'s'),
    config: MountFieldsSchema.describe('what the config file says'),
    overridden: z.array(z.enum(MOUNT_FIELD_NAMES)).describe('fields the console set (they win over the config until set to null)'),
  })
  .meta({ id: 'MountSettings' });
export const MountPathParamsSchema = z.object({ path: MountPath.describe('the mount path, percent-encoded: %2Flive') });
// Types only here; the limits, media file names and fallback mounts are checked by the store
// (station/mount-settings.ts), whose messages name the field, the value and the fix.
export const MountPatchSchema = z
  .object({
    name: z.string().nullable().optional(),
    description: z.string().nullable().optional(),
    genre: z.string().nullable().optional(),
    url: z.string().nullable().optional(),
    hidden: z.boolean().nullable().optional(),
    fallback_file: z.string().min(1).max(255).nullable().optional().describe('"bundled", "none" (no file: listeners get 404 while there is no source, as from Icecast), or a file name from GET /api/v1/media'),
    fallback_mount: MountPath.nullable().optional().describe('another configured mount'),
  })
  .strict()
  .describe('the fields to change; null = use the config\'s value again');
export const MediaFileSchema = z
  .object({
    name: z.string(),
    sizeBytes: z.number().int().nullable(),
    durationMs: z.number().int().nullable().describe('length of the loop; null for "bundled" and for a file the fallback loader cannot play'),
    bundled: z.boolean(),
  })
  .meta({ id: 'MediaFile' });
// The name is checked by station/media-files.ts (its message names the field, the value and the fix).
export const MediaNameParamsSchema = z.object({ name: z.string().min(1).max(255).describe('the file name in <data_dir>/media/, percent-encoded: night%20loop.mp3') });
export const MediaUploadQuerySchema = z.object({ replace: z.enum(['0', '1']).optional().describe('1 = replace a file of that name (a mount using it plays the new audio at once)') }).strict();
export const MediaUploadedSchema = MediaFileSchema.extend({ replaced: z.boolean().describe('an existing file of that name was replaced') }).meta({ id: 'MediaUploaded' });

export const EmptySchema = z.object({}).strict();

// ---- pushes (the config's [[mounts.push]], read-only here, and the console's) ----
// The push fields are the config's own (PushSchema); the store (station/push-targets.ts) checks the
// whole push with it again, and that it takes no other push's name or target.
const P = PushSchema.shape;
export const PushIdParamsSchema = z.object({ id: z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/, { message: 'a console push id from GET /api/v1/pushes' }) });
export const PushStatusSchema = z
  .object({
    name: z.string(),
    url: z.string().describe('the target without credentials'),
    user: z.string(),
    from: z.string(),
    state: z.enum(['connected', 'connecting', 'waiting', 'stopped']),
    format: z.string().nullable(),
    connectedSince: z.string().nullable(),
    bytesSent: z.number(),
    reconnectAttempts: z.number(),
    reconnectsTotal: z.number(),
    backoffMs: z.number(),
    nextAttemptAt: z.string().nullable(),
    queuedBytes: z.number(),
    droppedBytes: z.number(),
    lastError: z.object({ code: z.string(), message: z.string(), at: z.string() }).nullable(),
  })
  .meta({ id: 'PushStatus' });
export const PushViewSchema = z
  .object({
    id: z.string().nullable().describe('null for a config push (changed in the config file only)'),
    origin: z.enum(['config', 'console']),
    path: z.string().describe('the mount pushed'),
    name: z.string().nullable(),
    label: z.string().describe('names the push in status, logs and metrics: its name, else HOST:PORT/MOUNT'),
    host: z.string(),
    port: z.number().int(),
    mount: z.string().describe('the mount on the target server'),
    user: z.string(),
    passwordSet: z.boolean().describe('the password itself is never shown'),
    tls: z.boolean(),
    format: P.format.unwrap().nullable(),
    from: z.string().nullable(),
    public: z.boolean(),
    enabled: z.boolean(),
    createdAt: z.string().nullable(),
    createdBy: z.string().nullable(),
    updatedAt: z.string().nullable(),
    updatedBy: z.string().nullable(),
    problem: z.string().nullable().describe('why an enabled console push does not run (its mount is gone, a config push took its name or target)'),
    status: PushStatusSchema.nullable().describe('null while it does not run'),
  })
  .meta({ id: 'Push' });
export const PushCreateSchema = z
  .object({
    path: MountPath.describe('the configured mount to push'),
    name: P.name.unwrap().nullable().optional(),
    host: P.host,
    port: P.port,
    mount: P.mount,
    user: P.user,
    password: P.password.unwrap().describe('the source password of the target server (stored, never shown)'),
    tls: P.tls,
    format: P.format.unwrap().nullable().optional(),
    from: P.from.unwrap().nullable().optional(),
    public: P.public,
    enabled: z.boolean().default(true),
  })
  .strict();
export const PushPatchSchema = z
  .object({
    name: P.name.unwrap().nullable().optional(),
    host: P.host.optional(),
    port: P.port.unwrap().optional(),
    mount: P.mount.optional(),
    user: P.user.unwrap().optional(),
    password: P.password.unwrap().optional().describe('absent: the stored password stays'),
    tls: P.tls.unwrap().optional(),
    format: P.format.unwrap().nullable().optional(),
    from: P.from.unwrap().nullable().optional(),
    public: P.public.unwrap().optional(),
    enabled: z.boolean().optional(),
  })
  .strict()
  .describe('the fields to change; null clears name, format and from');
