// Renders a complete, commented TOML template of every setting with its default, from the schema
// itself (so the template can never drift from what is accepted). Used by `--print-config`.
import { ConfigSchema, MountSchema } from './config-schema.ts';
import { STORAGE_ENV } from './storage-schema.ts';

function unwrap(schema: any): any {
  let s = schema;
  while (s?._zod?.def && ['default', 'optional', 'prefault'].includes(s._zod.def.type)) s = s._zod.def.innerType;
  return s;
}

function defaultOf(schema: any): unknown {
  let s = schema;
  while (s?._zod?.def) {
    if (s._zod.def.type === 'default') return typeof s._zod.def.defaultValue === 'function' ? s._zod.def.defaultValue() : s._zod.def.defaultValue;
    if (s._zod.def.type !== 'optional' && s._zod.def.type !== 'prefault') return undefined;
    s = s._zod.def.innerType;
  }
  return undefined;
}

function describe(schema: any): string | undefined {
  let s = schema;
  while (s) {
    if (s.description) return s.description;
    s = s?._zod?.def?.innerType;
  }
  return undefined;
}

function toml(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : Array.isArray(value) ? `[${value.map(toml).join(', ')}]` : String(value);
}

/**
 * Values shown for keys that have no default (unset unless given): each valid TOML and accepted by
 * the schema once uncommented, marked `# example` so that nobody mistakes it for a default.
 */
const EXAMPLES: Record<string, string> = {
  password: '"choose-a-long-secret"',
  source_password: '"choose-a-long-secret"',
  listener_token: '"choose-a-long-token"',
  spool_dir: '"/var/lib/aircheck/spool"',
  bucket: '"radio-recordings"',
  endpoint: '"https://ACCOUNT_ID.r2.cloudflarestorage.com"',
  access_key_id: '"YOUR_ACCESS_KEY_ID"',
  secret_access_key: '"YOUR_SECRET_ACCESS_KEY"',
  webhook_url: '"https://hooks.example.org/aircheck"',
  token: '"a-long-random-metrics-token-48"',
  telegram_bot_token: '"123456:ABC-your-bot-token"',
  telegram_chat_id: '"-1001234567890"',
  path: '"/jazz"',
  fallback_mount: '"/live"',
  fallback_file: '"/srv/aircheck/loop.mp3"',
  name: '"Jazz Night"',
  description: '"Live jazz every Friday"',
  genre: '"Jazz"',
  url: '"https://radio.example.org/"',
  record: 'true',
  tls_cert_file: '"/etc/letsencrypt/live/radio.example.org/fullchain.pem"',
  tls_key_file: '"/etc/letsencrypt/live/radio.example.org/privkey.pem"',
  // A mount's optional table, shown inline ([mounts.relay] in a file reads the same).
  relay: '{ url = "http://radio.example.org:8000/jazz" }',
};
export const EXAMPLE_MARK = '# example; unset by default';

function renderFields(shape: Record<string, any>, envPrefix: string | null): string[] {
  const lines: string[] = [];
  for (const [key, field] of Object.entries(shape)) {
    const inner = unwrap(field);
    const isArray = inner?._zod?.def?.type === 'array' || inner?._zod?.def?.type === 'tuple';
    // Tables ([[mounts]], …) are rendered on their own; a list of numbers or strings is a key here.
    // A mount's own lists of tables ([[mounts.push]], …) show as their empty default, with their description.
    const tableList = isArray && unwrap(inner._zod.def.element)?._zod?.def?.type === 'object';
    const inlineTable = envPrefix === null && Object.hasOwn(EXAMPLES, key);
    if ((inner?._zod?.def?.type === 'object' && !inlineTable) || (tableList && (envPrefix !== null || !Array.isArray(defaultOf(field))))) continue;
    const desc = describe(field);
    const def = defaultOf(field);
    const env = envPrefix && !isArray ? `  (env ${envPrefix}${key.toUpperCase()})` : ''; // lists come from the file only
    if (desc) lines.push(`# ${desc}${env}`);
    else if (env) lines.push(`#${env}`);
    lines.push(def === undefined ? `# ${key} = ${EXAMPLES[key] ?? '""'}  ${EXAMPLE_MARK}` : `# ${key} = ${toml(def)}`);
  }
  return lines;
}

export function configTemplate(): string {
  const out: string[] = [
    '# Aircheck configuration. Every setting is shown with its default, commented out.',
    '# Use it with `npm start -- --config FILE`; AIRCHECK_* environment variables override the file.',
    '# Named overrides: AIRCHECK_DATA_DIR, AIRCHECK_HOST, AIRCHECK_STREAM_PORT, AIRCHECK_WEB_PORT,',
    '# AIRCHECK_ADMIN_PASSWORD, AIRCHECK_LIVE_SOURCE_PASSWORD, AIRCHECK_TEST_SOURCE_PASSWORD,',
    '# AIRCHECK_TEST_LISTENER_TOKEN, AIRCHECK_LIVE_FALLBACK_FILE, AIRCHECK_LOG_LEVEL.',
    '# Secrets left unset are generated on first start, stored (hashed) in data_dir/credentials.json',
    '# and printed once. Send SIGHUP to reload mounts and credentials without dropping anyone.',
    '',
  ];
  const shape = ConfigSchema.shape as Record<string, any>;
  out.push(...renderFields(shape, 'AIRCHECK_'), '');
  for (const [key, field] of Object.entries(shape)) {
    const inner = unwrap(field);
    if (inner?._zod?.def?.type !== 'object') continue;
    if (key === 'storage') {
      out.push(`# Also by the names of the S3 world: ${Object.keys(STORAGE_ENV).join(', ')}.`);
    }
    out.push(`[${key}]`, ...renderFields(inner.shape, `AIRCHECK_${key.toUpperCase()}_`), '');
  }
  out.push(
    '# Mounts. /live (public, falls back to the bundled file) and /test (private preview) always exist;',
    '# an entry with their path changes their settings. Add as many [[mounts]] as you need.',
    '# [[mounts]]',
    ...renderFields(MountSchema.shape as Record<string, any>, null).map((l) => (l.startsWith('#') ? l : `# ${l}`)),
    '',
    '# DJ accounts besides those in the station database (`npm run dj -- add NAME`, the console):',
    '# a scrypt hash, never a plain password; as many [[djs]] as you need. Once the console changes',
    "# such a DJ (password, disabled), the console's version stays.",
    '# [[djs]]',
    '#   name = "nina"',
    '#   password_hash = "scrypt$16384$8$1$SALT$HASH"  # e.g. from an older djs.json',
    '',
    "# Scheduled shows for the dead-man's switch ([alerts]): each needs a verified recording by",
    '# grace_minutes after its end (any recording overlapping the slot counts), else one alert fires.',
    '# Weekly: days (sun mon tue wed thu fri sat), start "HH:MM" in timezone (IANA, default "UTC").',
    '# One-off: at, an ISO time with its offset. Both need duration_minutes (1–1440); dj is optional.',
    '# [[schedule]]',
    '#   name = "Morning Show"',
    '#   dj = "nina"',
    '#   days = ["mon", "wed", "fri"]',
    '#   start = "07:30"',
    '#   timezone = "Europe/Berlin"',
    '#   duration_minutes = 120',
    '# [[schedule]]',
    '#   name = "Election Night"',
    '#   at = "2026-11-03T18:00:00-05:00"',
    '#   duration_minutes = 240',
    '',
  );
  return out.join('\n');
}
