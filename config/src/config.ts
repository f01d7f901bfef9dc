// Reads the configuration once: TOML file (optional) + AIRCHECK_* environment, validated by the zod
// schema with every problem reported together, then frozen. The only module that reads process.env.
// Feeds the bridge (main.ts: createBridge, the SIGHUP reload, dj-cli.ts) and `npm run recordings`.
import { readFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import type { z } from 'zod';
import { AircheckError } from '../../shared/src/errors.ts';
import { STORAGE_ENV } from './storage-schema.ts';
import { ConfigSchema, MountSchema, RESERVED_MOUNT_PATHS, RungSchema, type MountConfig, type RawConfig, type RungConfig } from './config-schema.ts';

export type Config = Readonly<
  Omit<RawConfig, 'mounts' | 'recordings'> & {
    mounts: readonly MountConfig[];
    configFile: string | null;
    /** spool_dir resolved: the configured path, or <data_dir>/spool. */
    recordings: RawConfig['recordings'] & { spool_dir: string };
    /** Fault injection for tests (TEST_FAULT_ENV), only with NODE_ENV=test; absent otherwise. */
    testFaults?: TestFaults;
  }
>;

export interface TestFaults {
  /** The spool's disk has this many bytes free (recordings' spool/limited-space-fs.ts): ENOSPC after. */
  spoolFreeBytes: number | null;
  /** With spoolFreeBytes: the disk frees again this long after the first ENOSPC. */
  spoolFullForMs: number | null;
  /** Listener history samples this often instead of once a minute (station/listener-history.ts), so a test sees one. */
  historySampleMs: number | null;
}

/** Fault and timing knobs honoured only when NODE_ENV=test (integration tests of failure paths and timers). */
const TEST_FAULT_ENV = {
  AIRCHECK_TEST_SPOOL_FREE_BYTES: 'spoolFreeBytes',
  AIRCHECK_TEST_SPOOL_FULL_FOR_MS: 'spoolFullForMs',
  AIRCHECK_TEST_HISTORY_SAMPLE_MS: 'historySampleMs',
} as const;

function testFaults(env: NodeJS.ProcessEnv, problems: string[]): TestFaults | undefined {
  const faults: TestFaults = { spoolFreeBytes: null, spoolFullForMs: null, historySampleMs: null };
  let any = false;
  for (const [name, key] of Object.entries(TEST_FAULT_ENV)) {
    const value = env[name];
    if (value === undefined) continue;
    if (env.NODE_ENV !== 'test') {
      problems.push(`environment variable ${name} is a fault injection for tests: it is honoured only with NODE_ENV=test; unset it`);
      continue;
    }
    if (!/^\d+$/.test(value)) {
      problems.push(`environment variable ${name} is ${JSON.stringify(value)}: expected a whole number`);
      continue;
    }
    faults[key] = Number(value);
    any = true;
  }
  return any ? faults : undefined;
}

/** Mounts that always exist; a config entry with the same path overrides their fields. */
const DEFAULT_MOUNTS: MountConfig[] = [
  MountSchema.parse({ path: '/live', fallback_file: 'bundled' }),
  MountSchema.parse({ path: '/test', private: true }),
  // The MP3 companions, for players without Opus or Vorbis: ladder rungs of /live and /test (companionRung()),
  // whatever source feeds them. /live.mp3's own fallback plays only while its ladder cannot.
  MountSchema.parse({ path: '/live.mp3', fallback_file: 'bundled' }),
  MountSchema.parse({ path: '/test.mp3', private: true }),
];

/** The MP3 companion of the default mounts: `<parent>.mp3` at the studio's MP3 bitrate (the DJ may pick another). */
const COMPANIONS: Readonly<Record<string, string>> = { '/live': '/live.mp3', '/test': '/test.mp3' };

function companionRung(path: string, kbps: number): RungConfig {
  // 48 kHz: the studio's Opus rate, so a studio show is not resampled.
  return RungSchema.parse({ path, codec: 'mp3', bitrate_kbps: kbps, sample_rate_hz: 48000, channels: 2, bitrate_from_studio: true });
}

const RESERVED_PATHS = RESERVED_MOUNT_PATHS;

/** Environment variables with their own names (as documented in the README). */
const NAMED_ENV: Record<string, (raw: Record<string, any>, value: string) => void> = {
  AIRCHECK_DATA_DIR: (raw, v) => (raw.data_dir = v),
  AIRCHECK_HOST: (raw, v) => (section(raw, 'server').host = v),
  AIRCHECK_STREAM_PORT: (raw, v) => (section(raw, 'server').stream_port = toNumber(v)),
  AIRCHECK_WEB_PORT: (raw, v) => (section(raw, 'server').web_port = toNumber(v)),
  AIRCHECK_ADMIN_PASSWORD: (raw, v) => (section(raw, 'admin').password = v),
  AIRCHECK_LIVE_SOURCE_PASSWORD: (raw, v) => (mountEntry(raw, '/live').source_password = v),
  AIRCHECK_TEST_SOURCE_PASSWORD: (raw, v) => (mountEntry(raw, '/test').source_password = v),
  AIRCHECK_TEST_LISTENER_TOKEN: (raw, v) => (mountEntry(raw, '/test').listener_token = v),
  AIRCHECK_LIVE_FALLBACK_FILE: (raw, v) => (mountEntry(raw, '/live').fallback_file = v),
  AIRCHECK_LOG_LEVEL: (raw, v) => (section(raw, 'log').level = v),
  // The object store of recordings, by the names the issue gives (see storage-schema.ts).
  ...Object.fromEntries(
    Object.entries(STORAGE_ENV).map(([name, key]) => [
      name,
      (raw: Record<string, any>, v: string) =>
        (section(raw, 'storage')[key] = key === 'force_path_style' ? (v === 'true' ? true : v === 'false' ? false : v) : v),
    ]),
  ),
};

/** Sections whose scalar keys can be set as AIRCHECK_<SECTION>_<KEY>. */
const ENV_SECTIONS = ['server', 'web', 'metrics', 'admin', 'dynamic_mounts', 'limits', 'log', 'recordings', 'studio', 'storage', 'alerts'] as const;

function section(raw: Record<string, any>, name: string): Record<string, any> {
  if (typeof raw[name] !== 'object' || raw[name] === null || Array.isArray(raw[name])) raw[name] = {};
  return raw[name];
}

function mountEntry(raw: Record<string, any>, path: string): Record<string, any> {
  if (!Array.isArray(raw.mounts)) raw.mounts = [];
  let entry = raw.mounts.find((m: any) => m && m.path === path);
  if (!entry) raw.mounts.push((entry = { path }));
  return entry;
}

function toNumber(value: string): number | string {
  return /^-?\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : value;
}

/** The zod type name of a leaf, looking through defaults and optionals. */
function leafType(schema: z.ZodType | undefined): string | undefined {
  let s: any = schema;
  while (s && (s._zod.def.type === 'default' || s._zod.def.type === 'optional')) s = s._zod.def.innerType;
  return s?._zod.def.type;
}

function applyEnv(raw: Record<string, any>, env: NodeJS.ProcessEnv, problems: string[]): void {
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('AIRCHECK_') || value === undefined || Object.hasOwn(TEST_FAULT_ENV, name)) continue;
    const named = Object.hasOwn(NAMED_ENV, name) ? NAMED_ENV[name] : undefined;
    if (named) {
      named(raw, value);
      continue;
    }
    const rest = name.slice('AIRCHECK_'.length).toLowerCase();
    const sec = ENV_SECTIONS.find((s) => rest.startsWith(`${s}_`));
    const key = sec ? rest.slice(sec.length + 1) : '';
    const sectionSchema: any = sec ? (ConfigSchema.shape[sec] as any)._zod.def.innerType : undefined;
    const leaf = sectionSchema?.shape && Object.hasOwn(sectionSchema.shape, key) ? sectionSchema.shape[key] : undefined;
    if (!sec || !leaf) {
      problems.push(
        `environment variable ${name} is not an Aircheck setting: see \`npm start -- --print-config\` for the keys (AIRCHECK_<SECTION>_<KEY>, e.g. AIRCHECK_LIMITS_MAX_LISTENERS)`,
      );
      continue;
    }
    const type = leafType(leaf);
    section(raw, sec)[key] =
      type === 'number' ? toNumber(value) : type === 'boolean' ? (value === 'true' ? true : value === 'false' ? false : value) : type === 'array' ? value.split(',').map((v) => v.trim()).filter((v) => v !== '') : value;
  }
}

/** Keys whose values never appear in a problem (a webhook URL's path is a credential too). */
const SECRET_KEY_RE = /password|token|secret|webhook/i;

/** How a value is shown in a problem: primitives as JSON, tables and arrays by shape only, secrets never. */
function describeValue(value: unknown, path: readonly PropertyKey[]): string {
  if (path.some((p) => typeof p === 'string' && SECRET_KEY_RE.test(p))) return '(hidden)';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (value !== null && typeof value === 'object') return `a table with keys ${Object.keys(value).slice(0, 10).join(', ') || '(none)'}`;
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

function formatIssue(issue: z.core.$ZodIssue, raw: unknown): string {
  const path = issue.path.length ? issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') : '(top level)';
  let got: unknown = raw;
  for (const p of issue.path) got = got == null ? undefined : (got as any)[p as any];
  if (issue.code === 'unrecognized_keys') {
    return `${path || '(top level)'}: unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}: remove ${issue.keys.length > 1 ? 'them' : 'it'} or check the spelling (\`npm start -- --print-config\` lists every key)`;
  }
  return `${path}: ${issue.message}; got ${describeValue(got, issue.path)}`;
}

/**
 * Checks across mounts (duplicates, reserved paths, fallback targets and cycles), on whatever mount
 * entries are readable, so they are reported together with the schema's problems.
 */
function mountProblems(entries: readonly { path?: unknown; fallback_mount?: unknown }[], problems: string[]): void {
  const paths = new Set<string>(DEFAULT_MOUNTS.map((m) => m.path));
  const seen = new Set<string>();
  entries.forEach((m, i) => {
    if (typeof m?.path !== 'string') return;
    if (seen.has(m.path)) problems.push(`mounts[${i}].path: mount "${m.path}" is listed twice; keep one entry per mount`);
    seen.add(m.path);
    paths.add(m.path);
    if (RESERVED_PATHS.has(m.path)) problems.push(`mounts[${i}].path: "${m.path}" is reserved for the server's own pages; pick another path`);
  });
  const fallbackOf = new Map<string, string>();
  for (const m of entries) if (typeof m?.path === 'string' && typeof m.fallback_mount === 'string') fallbackOf.set(m.path, m.fallback_mount);
  entries.forEach((m, i) => {
    if (typeof m?.path !== 'string' || typeof m.fallback_mount !== 'string') return;
    if (!paths.has(m.fallback_mount)) {
      problems.push(`mounts[${i}].fallback_mount: "${m.fallback_mount}" is not a mount; list it under [[mounts]] or remove fallback_mount`);
    }
    const chain = [m.path];
    let next: string | undefined = m.fallback_mount;
    while (next) {
      if (chain.includes(next)) {
        problems.push(`mounts[${i}].fallback_mount: fallback chain ${[...chain, next].join(' → ')} loops; break the cycle`);
        break;
      }
      chain.push(next);
      next = fallbackOf.get(next);
    }
  });
}

/** Ladder rungs (bridge/src/ladder/): each rung path once, never a mount that has a ladder or a source password of its own. */
function ladderProblems(entries: readonly { path?: unknown; ladder?: unknown; source_password?: unknown }[], problems: string[]): void {
  const parents = new Set<string>(['/live', '/test']);
  for (const m of entries) if (typeof m?.path === 'string' && Array.isArray(m.ladder) && m.ladder.length > 0) parents.add(m.path);
  const withPassword = new Set<string>();
  for (const m of entries) if (typeof m?.path === 'string' && typeof m.source_password === 'string') withPassword.add(m.path);
  // The built-in companions are rungs of /live and /test (which may name them in their own ladder).
  const rungOf = new Map<string, string>(Object.entries(COMPANIONS).map(([parent, rung]) => [rung, parent]));
  entries.forEach((m, i) => {
    if (typeof m?.path === 'string' && typeof m.source_password === 'string' && rungOf.has(m.path)) {
      problems.push(`mounts[${i}].source_password: "${m.path}" is the MP3 companion rung of ${rungOf.get(m.path)}, fed by its ladder only; remove the password (sources go to ${rungOf.get(m.path)})`);
    }
  });
  entries.forEach((m, i) => {
    if (typeof m?.path !== 'string' || !Array.isArray(m.ladder)) return;
    if (m.ladder.length > 0 && Object.values(COMPANIONS).includes(m.path)) {
      problems.push(`mounts[${i}].ladder: "${m.path}" is a rung of ${rungOf.get(m.path)}; a ladder goes on a mount with sources of its own (add these rungs to ${rungOf.get(m.path)})`);
    }
    m.ladder.forEach((r: any, j: number) => {
      if (typeof r?.path !== 'string') return;
      const where = `mounts[${i}].ladder[${j}].path`;
      if (rungOf.has(r.path) && !(COMPANIONS[m.path as string] === r.path)) problems.push(`${where}: "${r.path}" is already a rung of ${rungOf.get(r.path)}; give each rung its own path`);
      else if (parents.has(r.path)) problems.push(`${where}: "${r.path}" is a mount with sources of its own; a rung needs a path of its own, e.g. "${m.path}-64.mp3"`);
      else if (withPassword.has(r.path)) problems.push(`${where}: "${r.path}" has a source_password: a rung is fed by the ladder only; remove the password from its [[mounts]] entry`);
      else if (RESERVED_PATHS.has(r.path)) problems.push(`${where}: "${r.path}" is reserved for the server's own pages; pick another path`);
      rungOf.set(r.path, m.path as string);
    });
  });
}

/** HTTPS on the web port: both files or neither, and a port of its own (sources and listeners speak plain HTTP on the stream port). */
function webProblems(cfg: RawConfig, problems: string[]): void {
  const { tls_cert_file: cert, tls_key_file: key } = cfg.web;
  if ((cert === undefined) !== (key === undefined)) {
    problems.push(`web.${cert === undefined ? 'tls_cert_file' : 'tls_key_file'}: HTTPS needs both web.tls_cert_file and web.tls_key_file; set the other one, or neither for plain HTTP`);
  }
  if (cert !== undefined && cfg.server.web_port === cfg.server.stream_port && cfg.server.web_port !== 0) {
    problems.push(`server.web_port: HTTPS (web.tls_cert_file) needs a web port apart from the stream port ${cfg.server.stream_port}, which serves Icecast sources and listeners over plain HTTP; choose another web_port`);
  }
}

export interface LoadConfigOptions {
  configFile?: string | null;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** Reads, merges and validates the configuration. Throws CONFIG_INVALID listing every problem. */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const configFile = options.configFile ? resolvePath(cwd, options.configFile) : null;
  let raw: Record<string, any> = {};
  if (configFile) {
    let text: string;
    try {
      text = readFileSync(configFile, 'utf8');
    } catch (cause) {
      throw new AircheckError(
        'CONFIG_FILE_UNREADABLE',
        `config file ${configFile} cannot be read (${(cause as NodeJS.ErrnoException).code ?? 'error'}): check the path given to --config`,
        { cause },
      );
    }
    try {
      raw = parseToml(text) as Record<string, any>;
    } catch (cause) {
      // smol-toml quotes the offending line, which may hold a password: keep only the reason and position.
      const err = cause as Error & { line?: number; column?: number };
      const reason = err.message.split('\n')[0]!.replace(/^Invalid TOML document: /, '');
      throw new AircheckError('CONFIG_INVALID', `config file ${configFile} is not valid TOML: ${reason} at line ${err.line ?? '?'}, column ${err.column ?? '?'}`);
    }
  }
  const problems: string[] = [];
  applyEnv(raw, env, problems);
  const faults = testFaults(env, problems);

  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) for (const issue of parsed.error.issues) problems.push(formatIssue(issue, raw));
  mountProblems(Array.isArray(raw.mounts) ? raw.mounts : [], problems);
  ladderProblems(Array.isArray(raw.mounts) ? raw.mounts : [], problems);
  if (parsed.success) webProblems(parsed.data, problems);
  if (problems.length > 0 || !parsed.success) {
    throw new AircheckError('CONFIG_INVALID', `configuration is invalid:\n  - ${problems.join('\n  - ')}`);
  }
  const cfg = parsed.data;

  // Merge the default mounts with configured ones (same path: configured fields win).
  const mounts: MountConfig[] = DEFAULT_MOUNTS.map((m) => ({ ...m }));
  cfg.mounts.forEach((m, i) => {
    const rawEntry = (raw.mounts as any[])[i] ?? {};
    const existing = mounts.findIndex((d) => d.path === m.path);
    if (existing >= 0) {
      // Only the keys the user actually wrote override the defaults.
      const overrides = Object.fromEntries(Object.keys(rawEntry).map((k) => [k, (m as any)[k]]));
      mounts[existing] = { ...mounts[existing]!, ...overrides };
    } else {
      mounts.push(m);
    }
  });
  // /live and /test always carry their MP3 companion rung (unless their configured ladder names that path itself).
  for (const [parentPath, rungPath] of Object.entries(COMPANIONS)) {
    const i = mounts.findIndex((m) => m.path === parentPath);
    const parent = mounts[i]!;
    if (!parent.ladder.some((r) => r.path === rungPath)) mounts[i] = { ...parent, ladder: [companionRung(rungPath, cfg.studio.mp3_bitrate_kbps), ...parent.ladder] };
  }
  // Each ladder rung is a mount of its own (a configured entry with its path keeps its settings).
  for (const parent of [...mounts]) {
    for (const rung of parent.ladder) {
      if (mounts.some((m) => m.path === rung.path)) continue;
      mounts.push(MountSchema.parse({
        path: rung.path, private: parent.private, hidden: parent.hidden,
        ...(parent.listener_token ? { listener_token: parent.listener_token } : {}),
      }));
    }
  }

  const dataDir = resolvePath(cwd, cfg.data_dir);
  const config = {
    ...cfg,
    data_dir: dataDir,
    web: {
      ...cfg.web,
      ...(cfg.web.tls_cert_file ? { tls_cert_file: resolvePath(cwd, cfg.web.tls_cert_file) } : {}),
      ...(cfg.web.tls_key_file ? { tls_key_file: resolvePath(cwd, cfg.web.tls_key_file) } : {}),
    },
    recordings: { ...cfg.recordings, spool_dir: cfg.recordings.spool_dir ? resolvePath(cwd, cfg.recordings.spool_dir) : resolvePath(dataDir, 'spool') },
    mounts,
    configFile,
    ...(faults ? { testFaults: faults } : {}),
  };
  return deepFreeze(config);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
