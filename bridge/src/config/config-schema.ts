// The one schema of Aircheck's configuration (TOML file + AIRCHECK_* environment), with every default.
// Fed by config.ts (which reads the file and the environment); feeds every stage through `Config`.
// print-config.ts renders this schema's defaults and descriptions as a commented template.
import { z } from 'zod';
import { StorageSchema } from '../../../recordings/src/store/store-config.ts';
import { MP3_BITRATES_KBPS } from '../../../shared/src/mp3/opus-to-mp3.ts';
import { AlertsSchema, ScheduleSchema } from '../../../recordings/src/alerts/alerts-config.ts';
import { trustedProxyProblem } from '../http/trusted-proxies.ts';

export const MOUNT_PATH_RE = /^\/[a-z0-9][a-z0-9._-]{0,63}$/;
export const MOUNT_PATH_HINT =
  "use lowercase letters, digits, '-', '_', '.', starting with '/', at most 64 characters";

/** Paths the server answers itself (pages, APIs): never a mount, configured or dynamic. */
export const RESERVED_MOUNT_PATHS: ReadonlySet<string> = new Set(['/admin', '/status-json.xsl', '/status.json', '/metrics', '/health', '/studio', '/api', '/assets']);

/** Whether a source may create a dynamic mount at `path`: a valid mount path the server does not answer itself (playlists included). */
export function isDynamicMountPath(path: string): boolean {
  return MOUNT_PATH_RE.test(path) && !RESERVED_MOUNT_PATHS.has(path) && !/\.(m3u|pls|xspf)$/.test(path);
}

const mountPath = z
  .string()
  .regex(MOUNT_PATH_RE, { message: `invalid mount path: ${MOUNT_PATH_HINT}` });

const secret = (what: string) =>
  z
    .string()
    .min(8, { message: `${what} is too short: use at least 8 characters (or leave it unset to have one generated)` })
    .max(256);

export const MountSchema = z
  .object({
    path: mountPath.describe('where listeners find the stream, e.g. "/live"'),
    source_user: z.string().min(1).max(64).default('source').describe('user name a source client sends'),
    source_password: secret('source_password')
      .optional()
      .describe('password a source client sends; /live and /test get generated ones when unset'),
    private: z.boolean().default(false).describe('listeners need ?token=LISTENER_TOKEN'),
    listener_token: secret('listener_token').optional().describe('token of a private mount; generated when unset'),
    max_listeners: z.number().int().min(0).default(0).describe('0 = only the global limit applies'),
    burst_seconds: z.number().min(0).max(30).default(2).describe('audio sent at once to a new listener'),
    fallback_mount: mountPath.optional().describe('mount whose audio listeners hear while this one has no source'),
    fallback_file: z
      .string()
      .min(1)
      .optional()
      .describe('audio file looped in real time while this mount has no source ("bundled" = the bundled file)'),
    name: z.string().max(256).optional().describe('stream name; overrides the source client\'s ice-name'),
    description: z.string().max(1024).optional().describe('overrides ice-description'),
    genre: z.string().max(256).optional().describe('overrides ice-genre'),
    url: z.string().max(1024).optional().describe('overrides ice-url'),
    hidden: z.boolean().default(false).describe('leave out of the public status pages'),
  })
  .strict();

export type MountConfig = z.infer<typeof MountSchema>;

/** DJ names: what they sign in with (bridge/src/ingest/dj-accounts.ts). */
export const DJ_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const SCRYPT_HASH_RE = /^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/;

export const DjSchema = z
  .object({
    name: z.string().regex(DJ_NAME_RE, { message: "invalid DJ name: use 1–64 of a–z, A–Z, 0–9, '.', '_', '-'" }).describe('the name a DJ signs in with'),
    password_hash: z
      .string()
      .regex(SCRYPT_HASH_RE, { message: 'expected a scrypt hash as `npm run dj -- add NAME` stores it in djs.json, never a plain password' })
      .describe('scrypt hash (copy one from djs.json); never a plain password'),
  })
  .strict();

export type DjConfig = z.infer<typeof DjSchema>;

export const ConfigSchema = z
  .object({
    data_dir: z.string().min(1).default('./data').describe('credentials, spool and state live here'),
    server: z
      .object({
        host: z.string().min(1).default('0.0.0.0').describe('address to listen on'),
        stream_port: z.number().int().min(0).max(65535).default(8000).describe('sources and listeners (Icecast protocol)'),
        web_port: z.number().int().min(0).max(65535).default(8080).describe('studio, admin and web player; may equal stream_port'),
        name: z.string().max(256).default('Aircheck').describe('server name in status pages'),
        location: z.string().max(256).default('Earth').describe('shown in status pages'),
        admin_contact: z.string().max(256).default('admin@localhost').describe('shown in status pages'),
      })
      .strict()
      .prefault({}),
    web: z
      .object({
        tls_cert_file: z.string().min(1).optional().describe('PEM certificate (full chain) for HTTPS/WSS on web_port; with tls_key_file. Reloaded on SIGHUP and when the file changes'),
        tls_key_file: z.string().min(1).optional().describe('PEM private key (unencrypted) of tls_cert_file'),
        trusted_proxies: z
          .array(z.string().superRefine((s, ctx) => {
            const problem = trustedProxyProblem(s);
            if (problem) ctx.addIssue({ code: 'custom', message: problem });
          }))
          .max(1000)
          .default([])
          .describe('reverse proxies (addresses or CIDRs) whose X-Forwarded-For / X-Forwarded-Proto / Forwarded headers name the real client; as an env variable, comma-separated'),
      })
      .strict()
      .prefault({}),
    admin: z
      .object({
        user: z.string().min(1).max(64).default('admin'),
        password: secret('admin.password').optional().describe('generated on first start when unset'),
      })
      .strict()
      .prefault({}),
    dynamic_mounts: z
      .object({
        source_password: z
          .string()
          .min(8, { message: 'dynamic_mounts.source_password is too short: use at least 8 characters (or leave it unset to keep dynamic mounts off)' })
          .max(256)
          .optional()
          .describe('a source sending this password may push to any free mount path, which exists while it streams; unset = off (never generated)'),
        source_user: z.string().min(1).max(64).default('source').describe('user name a source client sends with the global password'),
        max: z.number().int().min(1).max(1000).default(16).describe('dynamic mounts at once; past it a new one is refused (SOURCE_DYNAMIC_LIMIT)'),
      })
      .strict()
      .prefault({}),
    limits: z
      .object({
        max_listeners: z.number().int().min(1).default(20000).describe('listeners across all mounts'),
        max_sources: z.number().int().min(1).default(64),
        max_pending_connections: z.number().int().min(10).default(4000).describe('connections that have not finished their request head (past it the oldest is dropped)'),
        max_pending_per_address: z.number().int().min(1).default(256).describe('unfinished connections per client address (past it that address\'s oldest is dropped)'),
        max_head_bytes: z.number().int().min(1024).max(1048576).default(16384).describe('request line + headers'),
        head_timeout_ms: z.number().int().min(100).default(10000).describe('time a client has to send its request head'),
        source_timeout_ms: z.number().int().min(100).default(10000).describe('a source silent this long is disconnected'),
        listener_queue_seconds: z.number().min(1).max(600).default(15).describe('audio queued for a slow listener before it is dropped'),
        listener_send_buffer_bytes: z.number().int().min(0).max(4194304).default(32768).describe('kernel send buffer of a listener socket (0 = the kernel\'s autotuning, up to 4 MiB); small finds stuck listeners fast'),
        source_lead_ms: z.number().int().min(100).max(60000).default(3000).describe('audio read ahead of real time before a fast source is paused'),
        flush_interval_ms: z.number().int().min(10).max(1000).default(100).describe('shortest interval between writes to a listener (low latency for small audiences)'),
        flush_interval_max_ms: z.number().int().min(10).max(2000).default(500).describe('longest interval between writes to a listener (large audiences)'),
        listener_writes_per_second: z.number().int().min(100).default(4000).describe('write budget: the interval grows with the audience to stay under it (write count, not bytes, costs CPU)'),
        auth_failures_per_minute: z.number().int().min(1).default(20).describe('per client address, then 429'),
        studio_resumable_seconds: z.number().int().min(5).max(3600).default(180).describe('a studio whose connection dropped, or whose bridge restarted, may resume its show this long; then the show ends and is finalized'),
      })
      .strict()
      .prefault({}),
    recordings: z
      .object({
        segment_seconds: z.number().min(1).max(600).default(10).describe('audio per spool segment; a crash loses at most the segment being written'),
        spool_dir: z.string().min(1).optional().describe('where shows are spooled while recording and finalizing (default <data_dir>/spool)'),
        retention_hours: z.number().min(0).default(24).describe('verified shows keep their spool audio this long, then it is removed (unverified: never)'),
        upload_segments: z.boolean().default(true).describe('copy each closed segment to the bucket during the show, so a lost disk loses at most the last segments (not with the embedded local store, which shares the spool\'s disk)'),
        mp3_kbps: z
          .number()
          .int()
          .refine((n) => n === 0 || (MP3_BITRATES_KBPS as readonly number[]).includes(n), {
            message: `must be 0 (no MP3 rendition) or one of ${MP3_BITRATES_KBPS.join(', ')}`,
          })
          .default(0)
          .describe('an MP3 rendition of every recording at this bitrate (CBR), stored and verified next to it; 0 = none'),
      })
      .strict()
      .prefault({}),
    studio: z
      .object({
        mp3_bitrate_kbps: z
          .number()
          .int()
          .refine((n) => (MP3_BITRATES_KBPS as readonly number[]).includes(n), { message: `must be one of ${MP3_BITRATES_KBPS.join(', ')}` })
          .default(128)
          .describe("the MP3 companion's (/test.mp3, /live.mp3) bitrate unless the DJ picks another (CBR)"),
        mp3_bitrates_kbps: z
          .array(z.number().int().refine((n) => (MP3_BITRATES_KBPS as readonly number[]).includes(n), { message: `must be one of ${MP3_BITRATES_KBPS.join(', ')}` }))
          .min(1)
          .max(MP3_BITRATES_KBPS.length)
          .default([64, 96, 128, 160, 192, 256, 320])
          .describe('the MP3 companion bitrates a DJ may choose in the studio (off air); must include mp3_bitrate_kbps'),
      })
      .strict()
      .refine((s) => s.mp3_bitrates_kbps.includes(s.mp3_bitrate_kbps), {
        message: 'mp3_bitrate_kbps must be one of mp3_bitrates_kbps: add it to the list, or pick a listed bitrate',
        path: ['mp3_bitrate_kbps'],
      })
      .prefault({}),
    storage: StorageSchema.describe('where verified recordings are kept: unset bucket = <data_dir>/recordings/, else R2 / S3'),
    alerts: AlertsSchema.describe("the dead-man's switch: an alert when a [[schedule]] show has no verified recording grace_minutes after its end, or a recording fails"),
    log: z
      .object({
        level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
      })
      .strict()
      .prefault({}),
    mounts: z.array(MountSchema).max(1000).default([]).describe('extra mounts; /live, /test, /live.mp3 and /test.mp3 always exist'),
    schedule: ScheduleSchema.describe("scheduled shows the dead-man's switch expects a verified recording of"),
    djs: z.array(DjSchema).max(1000).default([]).describe('DJ accounts besides those in <data_dir>/djs.json (npm run dj -- add NAME)'),
  })
  .strict();

export type ConfigInput = z.input<typeof ConfigSchema>;
export type RawConfig = z.infer<typeof ConfigSchema>;
