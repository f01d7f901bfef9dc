// The one schema of Aircheck's configuration (TOML file + AIRCHECK_* environment), with every default.
// Fed by config.ts (which reads the file and the environment); feeds every stage through `Config`.
// print-config.ts renders this schema's defaults and descriptions as a commented template.
import { z } from 'zod';
import { StorageSchema } from './storage-schema.ts';
import { MP3_BITRATES_KBPS } from '../../shared/src/mp3/opus-to-mp3.ts';
import { AlertsSchema, ScheduleSchema } from './alerts-schema.ts';
import { trustedProxyProblem } from './trusted-proxy-entry.ts';

export const MOUNT_PATH_RE = /^\/[a-z0-9][a-z0-9._-]{0,63}$/;
export const MOUNT_PATH_HINT =
  "use lowercase letters, digits, '-', '_', '.', starting with '/', at most 64 characters";

/** Paths the server answers itself (pages, APIs): never a mount, configured or dynamic. */
export const RESERVED_MOUNT_PATHS: ReadonlySet<string> = new Set(['/admin', '/status-json.xsl', '/status.json', '/metrics', '/health', '/health.json', '/studio', '/api', '/assets', '/console', '/station', '/favicon.ico', '/favicon.svg']);

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

/** MP3 CBR bitrates (MPEG-1 Layer III; 32–320 kbps). */
export const MP3_RUNG_BITRATES = [32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320] as const;
/** What each rung codec accepts (bridge/src/ladder/): bitrate range (kbps) and sample rates. */
export const RUNG_CODEC_LIMITS = {
  mp3: { minKbps: 32, maxKbps: 320, rates: [32000, 44100, 48000] },
  aac: { minKbps: 16, maxKbps: 320, rates: [8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000] },
  vorbis: { minKbps: 32, maxKbps: 500, rates: [8000, 11025, 16000, 22050, 32000, 44100, 48000] },
  opus: { minKbps: 6, maxKbps: 510, rates: [48000] },
} as const;

/** A derived mount of a ladder: the parent's audio (fallback included) re-encoded (bridge/src/ladder/). */
export const RungSchema = z
  .object({
    path: mountPath.describe('the derived mount, e.g. "/live-64.mp3"'),
    codec: z.enum(['mp3', 'aac', 'vorbis', 'opus']).describe('mp3 (CBR), aac (AAC-LC in ADTS; needs ffmpeg), vorbis (Ogg), opus (Ogg)'),
    bitrate_kbps: z.number().int().describe('MP3: a CBR bitrate 32–320; AAC 16–320; Vorbis 32–500 (average); Opus 6–510'),
    sample_rate_hz: z.number().int().optional().describe('default: 44100 (MP3, AAC, Vorbis), 48000 (Opus, the only rate it takes)'),
    channels: z.union([z.literal(1), z.literal(2)]).default(2).describe('1 or 2'),
    bitrate_from_studio: z
      .boolean()
      .optional()
      .describe('MP3 only: while a studio show feeds the mount, the bitrate the DJ chose in the studio ([studio] mp3_bitrates_kbps) replaces bitrate_kbps (the built-in /live.mp3 and /test.mp3 rungs do this)'),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (r.bitrate_from_studio && r.codec !== 'mp3') {
      ctx.addIssue({ code: 'custom', path: ['bitrate_from_studio'], message: `only an MP3 rung can take the studio's MP3 bitrate (this one is ${r.codec}): remove bitrate_from_studio or make the rung codec = "mp3"` });
    }
    const limits = RUNG_CODEC_LIMITS[r.codec];
    if (r.codec === 'mp3' && !(MP3_RUNG_BITRATES as readonly number[]).includes(r.bitrate_kbps)) {
      ctx.addIssue({ code: 'custom', path: ['bitrate_kbps'], message: `MP3 CBR bitrate ${r.bitrate_kbps} kbps does not exist: use one of ${MP3_RUNG_BITRATES.join(', ')}` });
    } else if (r.bitrate_kbps < limits.minKbps || r.bitrate_kbps > limits.maxKbps) {
      ctx.addIssue({ code: 'custom', path: ['bitrate_kbps'], message: `${r.codec} bitrate ${r.bitrate_kbps} kbps is out of range: use ${limits.minKbps}–${limits.maxKbps}` });
    }
    if (r.sample_rate_hz !== undefined && !(limits.rates as readonly number[]).includes(r.sample_rate_hz)) {
      ctx.addIssue({ code: 'custom', path: ['sample_rate_hz'], message: `${r.codec} cannot encode at ${r.sample_rate_hz} Hz: use one of ${limits.rates.join(', ')}` });
    }
  });

export type RungConfig = z.infer<typeof RungSchema>;

/** A push of a mount to an external Icecast server (bridge/src/outputs/push-target.ts). */
export const PushSchema = z
  .object({
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, { message: "invalid push name: use 1–64 of a–z, A–Z, 0–9, '.', '_', '-' (it labels the status and metrics)" })
      .optional()
      .describe('names the target in status, logs and metrics; default "HOST:PORT/MOUNT"'),
    host: z.string().min(1).max(253).describe('the Icecast server to push to (name or address)'),
    port: z.number().int().min(1).max(65535).default(8000).describe("the server's source port"),
    mount: z
      .string()
      .regex(/^\/[^\s?#\u0000-\u001f\u007f]{0,255}$/, { message: "invalid target mount: start with '/', no spaces, '?' or '#', at most 256 characters" })
      .describe('the mount on that server, e.g. "/live"'),
    user: z.string().min(1).max(64).default('source').describe('source user on that server'),
    password: z.string().min(1).max(256).optional().describe('source password on that server (sent as given; never logged or shown); or password_file'),
    password_file: z.string().min(1).optional().describe('a file holding the password (its first line), read at start and on SIGHUP; instead of password'),
    tls: z.boolean().default(false).describe("connect over TLS (the server's certificate is checked against the system's CAs)"),
    format: z
      .enum(['mp3', 'ogg-opus', 'ogg-vorbis', 'aac'])
      .optional()
      .describe("push only audio of this format (the mount's source, else its fallback in that format); unset = whatever the mount plays, reconnecting when the format changes"),
    from: mountPath
      .optional()
      .describe('push what listeners of this mount hear instead, e.g. a ladder rung of the enclosing mount ("/live-64.mp3"); default the enclosing mount'),
    public: z.boolean().default(false).describe('ask the server to list the stream in directories (ice-public)'),
  })
  .strict()
  .superRefine((p, ctx) => {
    if ((p.password === undefined) === (p.password_file === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['password'],
        message: `the push to ${p.host}:${p.port}${p.mount} needs exactly one of password and password_file: ${p.password === undefined ? 'set one' : 'remove one'}`,
      });
    }
  });

export type PushConfig = z.infer<typeof PushSchema>;

/** Three ascending thresholds: where a health measure enters warning, critical and overloaded. */
function healthThresholds(field: string, defaults: [number, number, number], what: string) {
  return z
    .tuple([z.number().min(0), z.number().min(0), z.number().min(0)])
    .refine(([w, c, o]) => w <= c && c <= o, { message: `health.${field} must be [warning, critical, overloaded] in ascending order, e.g. [${defaults.join(', ')}]` })
    .default(defaults)
    .describe(`${what}: [warning, critical, overloaded], default [${defaults.join(', ')}]`);
}

/** A pull relay: the mount is fed by an upstream Icecast/SHOUTcast/HTTP stream (bridge/src/sources/relay/). */
export const RelaySchema = z
  .object({
    url: z
      .string()
      .max(2048)
      .superRefine((value, ctx) => {
        let url: URL | null;
        try {
          url = new URL(value);
        } catch {
          url = null;
        }
        if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
          ctx.addIssue({ code: 'custom', message: `relay url ${JSON.stringify(value.replace(/\/\/[^/@]*@/, '//…@').slice(0, 120))} is not an http(s) URL: write the stream's address, e.g. "http://radio.example:8000/live"` });
        }
      })
      .describe('the upstream stream, e.g. "http://radio.example:8000/live" (http or https; MP3, Ogg Opus/Vorbis, AAC ADTS); user:password@ in it is Basic auth'),
    user: z.string().min(1).max(256).optional().describe('Basic auth user for the upstream (overrides one in url)'),
    password: z.string().min(1).max(256).optional().describe('Basic auth password for the upstream (never logged or shown); or password_file'),
    password_file: z.string().min(1).optional().describe('a file holding the upstream password (its first line), read at start and on SIGHUP; instead of password'),
    on_demand: z.boolean().default(false).describe('connect only while the mount (or a mount falling back to it) has listeners, disconnect 10 s after the last leaves; needs fallback_file or fallback_mount'),
    icy_metadata: z.boolean().default(true).describe('ask the upstream for ICY metadata (Icy-MetaData: 1) and make its StreamTitle the mount\'s title'),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (r.password !== undefined && r.password_file !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['password_file'], message: 'the relay has both password and password_file: remove one' });
    }
  });

export type RelayConfig = z.infer<typeof RelaySchema>;

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
    record: z
      .boolean()
      .optional()
      .describe('record every show a source client sends here, in its own format (default: true for /live, false elsewhere; the studio records its shows itself)'),
    push: z
      .array(PushSchema)
      .max(16)
      .default([])
      .superRefine((list, ctx) => {
        const seen = new Set<string>();
        list.forEach((p, i) => {
          const key = p.name ?? `${p.host}:${p.port}${p.mount}`;
          if (seen.has(key)) ctx.addIssue({ code: 'custom', path: [i, p.name ? 'name' : 'mount'], message: `push target "${key}" is listed twice on this mount: give each [[mounts.push]] its own name or target` });
          seen.add(key);
        });
      })
      .describe('[[mounts.push]]: external Icecast servers this mount is pushed to (host, port, mount, user, password or password_file, tls, name), each with its own queue and backoff'),
    ladder: z.array(RungSchema).max(16).default([]).describe('derived mounts: this mount\'s audio re-encoded ([[mounts.ladder]] path, codec, bitrate_kbps, sample_rate_hz, channels)'),
    ladder_engine: z
      .enum(['auto', 'ffmpeg', 'wasm'])
      .default('auto')
      .describe('ladder encoder: auto = a system ffmpeg when found (faster, has AAC), else WebAssembly on a worker thread (MP3 only)'),
    relay: RelaySchema.optional().describe('[mounts.relay]: pull this mount from an upstream stream (url, user, password or password_file, on_demand, icy_metadata); a live source preempts it'),
  })
  .strict();

export type MountConfig = z.infer<typeof MountSchema>;

/** DJ names: what they sign in with (bridge/src/accounts/dj-accounts.ts). */
export const DJ_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const SCRYPT_HASH_RE = /^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/;

export const DjSchema = z
  .object({
    name: z.string().regex(DJ_NAME_RE, { message: "invalid DJ name: use 1–64 of a–z, A–Z, 0–9, '.', '_', '-'" }).describe('the name a DJ signs in with'),
    password_hash: z
      .string()
      .regex(SCRYPT_HASH_RE, { message: 'expected a scrypt hash as `echo PASSWORD | npm run dj -- hash` prints it, never a plain password' })
      .describe('scrypt hash (`echo PASSWORD | npm run dj -- hash` prints one); never a plain password'),
  })
  .strict();

export type DjConfig = z.infer<typeof DjSchema>;

/** A list of IPv4/IPv6 addresses or CIDRs ([web] trusted_proxies, [metrics] allow), each checked at load. */
const addressList = () =>
  z
    .array(z.string().superRefine((s, ctx) => {
      const problem = trustedProxyProblem(s);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }))
    .max(1000)
    .default([]);

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
        description: z.string().max(1024).default('').describe("the station's description on its public page (the console can change it)"),
      })
      .strict()
      .prefault({}),
    web: z
      .object({
        tls_cert_file: z.string().min(1).optional().describe('PEM certificate (full chain) for HTTPS/WSS on web_port; with tls_key_file. Reloaded on SIGHUP and when the file changes'),
        tls_key_file: z.string().min(1).optional().describe('PEM private key (unencrypted) of tls_cert_file'),
        trusted_proxies: addressList()
          .describe('reverse proxies (addresses or CIDRs) whose X-Forwarded-For / X-Forwarded-Proto / Forwarded headers name the real client; as an env variable, comma-separated'),
      })
      .strict()
      .prefault({}),
    metrics: z
      .object({
        token: z.string().min(16, { message: 'metrics.token is too short: use at least 16 characters (e.g. `openssl rand -hex 24`)' }).max(256).optional()
          .describe('when set, /metrics needs `Authorization: Bearer <token>` (Prometheus: authorization.credentials)'),
        allow: addressList()
          .describe('when not empty, /metrics answers only these addresses or CIDRs (e.g. ["127.0.0.1", "10.0.0.0/8"]); with token, both must pass'),
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
    health: z
      .object({
        cpu_percent: healthThresholds('cpu_percent', [70, 90, 98], 'CPU share of all cores (%)'),
        memory_percent: healthThresholds('memory_percent', [70, 85, 95], "resident memory share of the machine's or the container's limit (%)"),
        event_loop_p99_ms: healthThresholds('event_loop_p99_ms', [50, 200, 1000], "the event loop's delay, p99 over the last 2 s (ms)"),
      })
      .strict()
      .prefault({})
      .describe('/health levels: warning, critical, overloaded thresholds of each measure; from critical on, new dynamic mounts, relays and ladders are refused'),
    recordings: z
      .object({
        segment_seconds: z.number().min(1).max(600).default(10).describe('audio per spool segment; a crash loses at most the segment being written'),
        spool_dir: z.string().min(1).optional().describe('where shows are spooled while recording and finalizing (default <data_dir>/spool)'),
        retention_hours: z.number().min(0).default(24).describe('verified shows keep their spool audio this long, then it is removed (unverified: never)'),
        source_grace_seconds: z
          .number()
          .min(0)
          .max(600)
          .default(10)
          .describe('a source that reconnects to a recorded mount within this time continues the same show (one recording, the time away a gap)'),
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
          .describe("the MP3 companion's bitrate (/live.mp3 and /test.mp3, rungs of /live and /test) unless the DJ picks another (CBR)"),
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
    mounts: z.array(MountSchema).max(1000).default([]).describe('extra mounts; /live, /test, /live.mp3 and /test.mp3 always exist (/live.mp3 and /test.mp3 are MP3 ladder rungs of /live and /test)'),
    schedule: ScheduleSchema.describe("scheduled shows the dead-man's switch expects a verified recording of"),
    djs: z.array(DjSchema).max(1000).default([]).describe('DJ accounts brought into the station database at start and reload (the console and `npm run dj -- add NAME` add others; a DJ changed in the console keeps the console\'s change)'),
  })
  .strict();

export type ConfigInput = z.input<typeof ConfigSchema>;
export type RawConfig = z.infer<typeof ConfigSchema>;
