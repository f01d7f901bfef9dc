// Launchers for the real peers the integration tests drive: source clients (ffmpeg, Liquidsoap,
// libshout's `shout`, ezstream) and Debian's icecast2 (the reference server, and a relay). Each
// returns a tracked process (processes.ts) so it dies with the test. How each client speaks on the
// wire is recorded in /work/shared/FACTS.md and test/helpers/peers.check.ts.
import { execFileSync } from 'node:child_process';
import { chmodSync, closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectListener } from './listener.ts';
import { freePort } from './ports.ts';
import { spawnTracked } from './processes.ts';
import type { TrackedProcess } from './processes.ts';
import { ENCODER_ARGS } from './tones.ts';

export type SourceFormat = 'mp3' | 'ogg-opus' | 'ogg-vorbis';

export interface PeerProcess extends TrackedProcess {
  /** The command line, for failure messages and reports. */
  readonly commandLine: readonly string[];
  /** A line the peer prints once it is streaming to the server; null when it prints none (shout). */
  readonly connectedPattern: RegExp | null;
}

const CONTENT_TYPES: Readonly<Record<SourceFormat, string>> = {
  mp3: 'audio/mpeg',
  'ogg-opus': 'audio/ogg',
  'ogg-vorbis': 'audio/ogg',
};

const tempDirs: string[] = [];

/** A temp dir removed when the test process exits (kept until then so logs can be read on failure). */
export function makeTempDir(prefix: string): string {
  if (tempDirs.length === 0) {
    process.on('exit', () => {
      for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
    });
  }
  const dir = mkdtempSync(join(tmpdir(), `aircheck-${prefix}-`));
  tempDirs.push(dir);
  return dir;
}

function peer(name: string, cmd: string, args: string[], connectedPattern: RegExp | null, extra: Parameters<typeof spawnTracked>[2] = {}): PeerProcess {
  const p = spawnTracked(cmd, args, { name, ...extra });
  return Object.assign(p, { commandLine: [cmd, ...args], connectedPattern });
}

// ── ffmpeg ──────────────────────────────────────────────────────────────────────────────────────

/** Where a source client pushes: the server, the mount and the source credentials (user default "source"). */
export interface SourceTarget {
  host: string;
  port: number;
  mount: string;
  user?: string;
  password: string;
}

export interface FfmpegSourceOptions {
  /** The server's base URL, e.g. http://127.0.0.1:8000 */
  url: string;
  mount: string;
  user?: string;
  password: string;
  format: SourceFormat;
  toneHz: number;
  /** Stop after this many seconds of audio; endless when absent. */
  durationS?: number;
  /** Pace the output at real time (-re). Default true; false pushes as fast as the server reads. */
  realtime?: boolean;
  /** Use the old `SOURCE` method (-legacy_icecast 1) instead of `PUT` + `Expect: 100-continue`. */
  legacySource?: boolean;
  /** Default: audio/mpeg for MP3, audio/ogg for Ogg (ffmpeg itself would send audio/mpeg for all). */
  contentType?: string;
  iceName?: string;
  iceDescription?: string;
  iceGenre?: string;
  iceUrl?: string;
  /** Stream tags (`-metadata KEY=VALUE`): for Ogg, comments such as TITLE and ARTIST in the stream. */
  metadata?: Record<string, string>;
}

/**
 * ffmpeg pushing a lavfi sine through its icecast:// protocol. On the wire: `PUT /mount HTTP/1.1`,
 * `Expect: 100-continue`, no Content-Length and no chunking (or `SOURCE` without Expect when legacy).
 * Prints `Output #0, … to 'icecast://…'` once the server accepted it.
 */
export function ffmpegSource(opts: FfmpegSourceOptions): PeerProcess {
  const base = new URL(opts.url);
  const target = new URL(`icecast://${base.host}`);
  target.username = opts.user ?? 'source';
  target.password = opts.password;
  target.pathname = opts.mount;
  const sine = `sine=frequency=${opts.toneHz}:sample_rate=48000${opts.durationS !== undefined ? `:duration=${opts.durationS}` : ''}`;
  const args = ['-hide_banner', '-nostdin', '-loglevel', 'info'];
  if (opts.realtime ?? true) args.push('-re');
  args.push('-f', 'lavfi', '-i', sine, ...ENCODER_ARGS[opts.format]);
  args.push('-content_type', opts.contentType ?? CONTENT_TYPES[opts.format]);
  if (opts.iceName !== undefined) args.push('-ice_name', opts.iceName);
  if (opts.iceDescription !== undefined) args.push('-ice_description', opts.iceDescription);
  if (opts.iceGenre !== undefined) args.push('-ice_genre', opts.iceGenre);
  if (opts.iceUrl !== undefined) args.push('-ice_url', opts.iceUrl);
  if (opts.legacySource) args.push('-legacy_icecast', '1');
  for (const [key, value] of Object.entries(opts.metadata ?? {})) args.push('-metadata', `${key}=${value}`);
  args.push(target.href);
  return peer(`ffmpeg ${opts.format} → ${opts.mount}`, 'ffmpeg', args, /^Output #0, .* to 'icecast:/);
}

// ── Liquidsoap ──────────────────────────────────────────────────────────────────────────────────

export interface LiquidsoapSourceOptions extends SourceTarget {
  toneHz: number;
  /** Default 'mp3' (%mp3 128 kbps CBR). Ogg carries metadata in-band, not via /admin/metadata. */
  format?: SourceFormat;
  /** Seconds after start-up at which `title` is inserted as metadata. */
  titleAfterS?: number;
  title?: string;
  name?: string;
  /** Send SOURCE as HTTP/1.1 with Transfer-Encoding: chunked. Default false (HTTP/1.0, raw body). */
  chunked?: boolean;
}

const LIQUIDSOAP_ENCODERS: Readonly<Record<SourceFormat, string>> = {
  mp3: '%mp3(bitrate=128, samplerate=44100, stereo=true)',
  'ogg-vorbis': '%ogg(%vorbis(quality=0.4, samplerate=44100, channels=2))',
  'ogg-opus': '%ogg(%opus(bitrate=96, samplerate=48000, channels=2))',
};

/**
 * Liquidsoap 2.1 `output.icecast` streaming a sine: `SOURCE /mount HTTP/1.0`, no Host header. With
 * `title`, it calls `insert_metadata` `titleAfterS` seconds in; for MP3 Liquidsoap sends that as
 * `GET /admin/metadata?mode=updinfo&mount=…&song=… HTTP/1.0` on a separate connection.
 * Start-up (loading its libraries) takes 2–3 s before it connects.
 */
export function liquidsoapSource(opts: LiquidsoapSourceOptions): PeerProcess {
  const dir = makeTempDir('liquidsoap');
  const format = opts.format ?? 'mp3';
  // Strings travel in the environment, so nothing needs escaping inside the script.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AIRCHECK_HOST: opts.host,
    AIRCHECK_MOUNT: opts.mount,
    AIRCHECK_USER: opts.user ?? 'source',
    AIRCHECK_PASSWORD: opts.password,
    AIRCHECK_NAME: opts.name ?? `aircheck test ${opts.toneHz} Hz`,
    AIRCHECK_TITLE: opts.title ?? '',
  };
  const lines = [
    'settings.init.allow_root.set(true)',
    'settings.log.stdout.set(true)',
    'settings.log.file.set(false)',
    'settings.log.level.set(3)',
    `s = insert_metadata(sine(${opts.toneHz.toFixed(3)}))`,
  ];
  if (opts.title !== undefined) {
    lines.push(
      `thread.run(delay=${(opts.titleAfterS ?? 3).toFixed(3)}, fun () -> begin`,
      '  log.important(label="aircheck", "inserting title")',
      '  s.insert_metadata([("title", getenv("AIRCHECK_TITLE"))])',
      'end)',
    );
  }
  lines.push(
    `output.icecast(${LIQUIDSOAP_ENCODERS[format]},`,
    `  host=getenv("AIRCHECK_HOST"), port=${opts.port}, mount=getenv("AIRCHECK_MOUNT"),`,
    '  user=getenv("AIRCHECK_USER"), password=getenv("AIRCHECK_PASSWORD"), name=getenv("AIRCHECK_NAME"),',
    `  chunked=${opts.chunked ? 'true' : 'false'}, s)`,
  );
  const script = join(dir, 'source.liq');
  writeFileSync(script, `${lines.join('\n')}\n`);
  return peer(`liquidsoap ${format} → ${opts.mount}`, 'liquidsoap', [script], /Connection setup was successful/, { env, cwd: dir });
}

// ── libshout's shout ────────────────────────────────────────────────────────────────────────────

export interface ShoutSourceOptions extends SourceTarget {
  /** An Ogg file (Debian's `shout --format mp3` is broken). Streamed once, paced by shout itself. */
  file: string;
  format?: 'ogg' | 'mp3';
  /**
   * Unset (the default): no --tls-mode at all, libshout's own default (auto: OPTIONS * with
   * Upgrade: TLS/1.0, then GET /admin/!POKE), as a user who sets nothing runs it.
   */
  tlsMode?: 'disabled' | 'auto' | 'auto_no_plain' | 'rfc2818' | 'rfc2817';
  stationName?: string;
}

/**
 * `shout` (libshout-tools 2.4.6) reading the file on stdin. It paces itself at real time and exits
 * at the end of the file; it prints nothing when it connects. It first sends the SOURCE request
 * without credentials (expecting 401 + WWW-Authenticate), then again with Basic auth.
 */
export function shoutSource(opts: ShoutSourceOptions): PeerProcess {
  const args = ['--format', opts.format ?? 'ogg', '-H', opts.host, '-P', String(opts.port), '--mount', opts.mount];
  args.push('--user', opts.user ?? 'source', '--pass', opts.password);
  if (opts.tlsMode !== undefined) args.push('--tls-mode', opts.tlsMode);
  if (opts.stationName !== undefined) args.push('--station-name', opts.stationName);
  const fd = openSync(opts.file, 'r');
  try {
    return peer(`shout → ${opts.mount}`, 'shout', args, null, { stdin: fd });
  } finally {
    closeSync(fd); // the child has its own copy
  }
}

// ── ezstream ────────────────────────────────────────────────────────────────────────────────────

export interface EzstreamSourceOptions extends SourceTarget {
  file: string;
  format: 'mp3' | 'ogg';
  /** Sent as metadata (GET /admin/metadata?mode=updinfo…&song=…) when each pass of the file starts. */
  title?: string;
  /** Start the file over at its end (default true); false exits after one pass. */
  loop?: boolean;
  streamName?: string;
  /** Reconnects after a lost connection (0 = forever). Default 1. */
  reconnectAttempts?: number;
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/**
 * ezstream 1.0.2 (on libshout) streaming a file as-is, paced at real time. Prints
 * `connected: http://host:port/mount` on stderr. The title comes from a tiny metadata program.
 */
export function ezstreamSource(opts: EzstreamSourceOptions): PeerProcess {
  const dir = makeTempDir('ezstream');
  let metadataXml = '<metadata><no_updates>1</no_updates></metadata>';
  if (opts.title !== undefined) {
    const titleFile = join(dir, 'title.txt');
    writeFileSync(titleFile, `${opts.title}\n`);
    const program = join(dir, 'metadata.sh');
    // ezstream calls it with no argument (whole string), "artist" or "title".
    writeFileSync(program, `#!/bin/sh\ncase "$1" in\n  ''|title) cat '${titleFile}' ;;\n  *) echo ;;\nesac\n`);
    chmodSync(program, 0o755);
    metadataXml = `<metadata><program>${xmlEscape(program)}</program><format_str>@t@</format_str></metadata>`;
  }
  const xml = `<?xml version="1.0" encoding="UTF-8"?>
<ezstream>
  <servers><server>
    <protocol>HTTP</protocol>
    <hostname>${xmlEscape(opts.host)}</hostname>
    <port>${opts.port}</port>
    <user>${xmlEscape(opts.user ?? 'source')}</user>
    <password>${xmlEscape(opts.password)}</password>
    <tls>None</tls>
    <reconnect_attempts>${opts.reconnectAttempts ?? 1}</reconnect_attempts>
  </server></servers>
  <streams><stream>
    <mountpoint>${xmlEscape(opts.mount)}</mountpoint>
    <format>${opts.format === 'mp3' ? 'MP3' : 'Ogg'}</format>
    <stream_name>${xmlEscape(opts.streamName ?? 'aircheck ezstream test')}</stream_name>
  </stream></streams>
  <intakes><intake>
    <type>file</type>
    <filename>${xmlEscape(opts.file)}</filename>
    <stream_once>${opts.loop === false ? 1 : 0}</stream_once>
  </intake></intakes>
  ${metadataXml}
</ezstream>
`;
  const config = join(dir, 'ezstream.xml');
  writeFileSync(config, xml, { mode: 0o600 }); // it holds a password
  return peer(`ezstream ${opts.format} → ${opts.mount}`, 'ezstream', ['-v', '-c', config], /connected: http:\/\//);
}

// ── GStreamer shout2send (libshout, default settings) ───────────────────────────────────────────

export interface GstShoutSourceOptions extends SourceTarget {
  /** 'mp3': `lamemp3enc` 128 kbps CBR; 'ogg-vorbis': `vorbisenc ! oggmux` (its defaults). */
  format: 'mp3' | 'ogg-vorbis';
  toneHz: number;
}

/**
 * `gst-launch-1.0 audiotestsrc freq=… ! … ! shout2send`, GStreamer 1.22 on libshout 2.4.6 with
 * libshout's defaults: TLS auto, so it first sends `OPTIONS * HTTP/1.1` + `Upgrade: TLS/1.0`, then
 * `GET /admin/!POKE` (which must get Icecast's `400`), then the 401 probe and the authenticated
 * `SOURCE`. Endless, paced by the pipeline clock; prints nothing when it connects.
 */
export function gstShoutSource(opts: GstShoutSourceOptions): PeerProcess {
  const encoder = opts.format === 'mp3' ? ['lamemp3enc', 'target=bitrate', 'bitrate=128', 'cbr=true'] : ['vorbisenc', '!', 'oggmux'];
  const args = ['-q', 'audiotestsrc', `freq=${opts.toneHz}`, '!', 'audioconvert', '!', 'audioresample', '!', 'audio/x-raw,rate=44100,channels=2', '!', ...encoder];
  args.push('!', 'shout2send', `ip=${opts.host}`, `port=${opts.port}`, `mount=${opts.mount}`, `username=${opts.user ?? 'source'}`, `password=${opts.password}`);
  return peer(`gst shout2send ${opts.format} → ${opts.mount}`, 'gst-launch-1.0', args, null);
}

// ── ices2 ───────────────────────────────────────────────────────────────────────────────────────

export interface Ices2SourceOptions extends SourceTarget {
  /** An Ogg Vorbis file, played by the 'playlist' input module (basic playlist, looped). */
  file: string;
  name?: string;
}

/**
 * ices2 2.0.3 (on libshout 2.4.6, default TLS auto handshake) streaming an Ogg Vorbis file through
 * its 'playlist' input module, in real time. Logs `Connected to server: host:port/mount` on stderr.
 */
export function ices2Source(opts: Ices2SourceOptions): PeerProcess {
  const dir = makeTempDir('ices2');
  const playlist = join(dir, 'playlist.txt');
  writeFileSync(playlist, `${opts.file}\n`);
  const xml = `<?xml version="1.0"?>
<ices>
  <background>0</background>
  <logpath>${xmlEscape(dir)}</logpath>
  <logfile>ices.log</logfile>
  <loglevel>3</loglevel>
  <consolelog>1</consolelog>
  <stream>
    <metadata><name>${xmlEscape(opts.name ?? 'aircheck ices2 test')}</name></metadata>
    <input>
      <module>playlist</module>
      <param name="type">basic</param>
      <param name="file">${xmlEscape(playlist)}</param>
      <param name="random">0</param>
      <param name="once">0</param>
    </input>
    <instance>
      <hostname>${xmlEscape(opts.host)}</hostname>
      <port>${opts.port}</port>
      <username>${xmlEscape(opts.user ?? 'source')}</username>
      <password>${xmlEscape(opts.password)}</password>
      <mount>${xmlEscape(opts.mount)}</mount>
      <reconnectdelay>1</reconnectdelay>
      <reconnectattempts>1</reconnectattempts>
    </instance>
  </stream>
</ices>
`;
  const config = join(dir, 'ices.xml');
  writeFileSync(config, xml, { mode: 0o600 }); // it holds a password
  return peer(`ices2 → ${opts.mount}`, 'ices2', [config], /Connected to server: /);
}

// ── icecast2 ────────────────────────────────────────────────────────────────────────────────────

export interface IcecastRelay {
  host: string;
  port: number;
  /** Upstream mount. */
  mount: string;
  /** Mount on this server; default the same as upstream. */
  localMount?: string;
  /** Default false: relay continuously, not only while someone listens. */
  onDemand?: boolean;
  /** Ask the upstream for ICY metadata (Icy-MetaData: 1). Default true. */
  relayShoutcastMetadata?: boolean;
  username?: string;
  password?: string;
}

export interface StartIcecastOptions {
  /** Default: a free port picked now. */
  port?: number;
  sourcePassword: string;
  adminPassword: string;
  adminUser?: string;
  relayPassword?: string;
  relay?: IcecastRelay | IcecastRelay[];
  /** <limits>: defaults as Debian's icecast.xml (100 clients, 2 sources, 512 KiB queue, 64 KiB burst). */
  maxClients?: number;
  maxSources?: number;
  queueSizeBytes?: number;
  burstOnConnect?: boolean;
  burstSizeBytes?: number;
  sourceTimeoutS?: number;
  /** 4 debug, 3 info (default), 2 warn, 1 error. The error log goes to the process's stderr. */
  logLevel?: 1 | 2 | 3 | 4;
  /** Raw XML appended inside <icecast> (e.g. <mount> sections). */
  extraXml?: string;
  startTimeoutMs?: number;
}

export interface IcecastServer {
  readonly process: PeerProcess;
  readonly port: number;
  /** http://127.0.0.1:PORT */
  readonly baseUrl: string;
  readonly dir: string;
  readonly configPath: string;
  readonly configXml: string;
  /** The access log so far (requests are logged when they end). */
  accessLog(): string;
  stop(): Promise<void>;
}

function relayXml(r: IcecastRelay): string {
  const parts = [
    `<server>${xmlEscape(r.host)}</server>`,
    `<port>${r.port}</port>`,
    `<mount>${xmlEscape(r.mount)}</mount>`,
    `<local-mount>${xmlEscape(r.localMount ?? r.mount)}</local-mount>`,
    `<on-demand>${r.onDemand ? 1 : 0}</on-demand>`,
    `<relay-shoutcast-metadata>${r.relayShoutcastMetadata === false ? 0 : 1}</relay-shoutcast-metadata>`,
  ];
  if (r.username !== undefined) parts.push(`<username>${xmlEscape(r.username)}</username>`);
  if (r.password !== undefined) parts.push(`<password>${xmlEscape(r.password)}</password>`);
  return `<relay>${parts.join('')}</relay>`;
}

function icecastConfig(o: StartIcecastOptions, port: number, logDir: string): string {
  const relays = o.relay === undefined ? [] : Array.isArray(o.relay) ? o.relay : [o.relay];
  return `<icecast>
  <location>aircheck-test</location>
  <admin>test@localhost</admin>
  <hostname>127.0.0.1</hostname>
  <limits>
    <clients>${o.maxClients ?? 100}</clients>
    <sources>${o.maxSources ?? 2}</sources>
    <queue-size>${o.queueSizeBytes ?? 524288}</queue-size>
    <client-timeout>30</client-timeout>
    <header-timeout>15</header-timeout>
    <source-timeout>${o.sourceTimeoutS ?? 10}</source-timeout>
    <burst-on-connect>${o.burstOnConnect === false ? 0 : 1}</burst-on-connect>
    <burst-size>${o.burstSizeBytes ?? 65535}</burst-size>
  </limits>
  <authentication>
    <source-password>${xmlEscape(o.sourcePassword)}</source-password>
    <relay-password>${xmlEscape(o.relayPassword ?? o.sourcePassword)}</relay-password>
    <admin-user>${xmlEscape(o.adminUser ?? 'admin')}</admin-user>
    <admin-password>${xmlEscape(o.adminPassword)}</admin-password>
  </authentication>
  <listen-socket>
    <port>${port}</port>
    <bind-address>127.0.0.1</bind-address>
  </listen-socket>
  ${relays.map(relayXml).join('\n  ')}
  <fileserve>1</fileserve>
  <paths>
    <basedir>/usr/share/icecast2</basedir>
    <logdir>${xmlEscape(logDir)}</logdir>
    <webroot>/usr/share/icecast2/web</webroot>
    <adminroot>/usr/share/icecast2/admin</adminroot>
  </paths>
  <logging>
    <accesslog>access.log</accesslog>
    <errorlog>-</errorlog>
    <loglevel>${o.logLevel ?? 3}</loglevel>
    <logsize>100000</logsize>
  </logging>
  <security><chroot>0</chroot></security>
  ${o.extraXml ?? ''}
</icecast>
`;
}

/**
 * Debian's icecast2 2.4.4 in the foreground as user icecast2 (it refuses root), its error log on
 * stderr. Resolves once `/status-json.xsl` answers 200. When no port is given and the picked port
 * is taken before icecast2 binds it, or icecast2 crashes while starting, it retries with another.
 */
export async function startIcecast(opts: StartIcecastOptions): Promise<IcecastServer> {
  const attempts = opts.port === undefined ? 3 : 1;
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const port = opts.port ?? (await freePort());
    try {
      return await startIcecastOn(opts, port);
    } catch (err) {
      lastError = err as Error;
      // Also retried: Debian's icecast2 2.4.4 crashing in its own start-up (seen once in CI: "stats
      // thread started", then "Segmentation fault", before the test had sent it anything of ours).
      if (!/Could not create listener socket|bind|Address already in use|Segmentation fault/i.test(lastError.message)) throw lastError;
    }
  }
  throw lastError!;
}

async function startIcecastOn(opts: StartIcecastOptions, port: number): Promise<IcecastServer> {
  const dir = makeTempDir('icecast');
  const logDir = join(dir, 'log');
  const configPath = join(dir, 'icecast.xml');
  const configXml = icecastConfig(opts, port, logDir);
  writeFileSync(configPath, configXml, { mode: 0o600 });
  mkdirSync(logDir);
  execFileSync('chown', ['-R', 'icecast2', dir]); // icecast2 reads the config and writes the logs as itself
  const proc = peer(`icecast2 :${port}`, 'runuser', ['-u', 'icecast2', '--', 'icecast2', '-c', configPath], /server started/);
  const baseUrl = `http://127.0.0.1:${port}`;
  const server: IcecastServer = {
    process: proc,
    port,
    baseUrl,
    dir,
    configPath,
    configXml,
    accessLog() {
      try {
        return readFileSync(join(logDir, 'access.log'), 'utf8');
      } catch {
        return '';
      }
    },
    async stop() {
      await proc.stop('SIGTERM', 3000);
    },
  };
  const deadline = performance.now() + (opts.startTimeoutMs ?? 10_000);
  try {
    await proc.waitForLine(/server started/, opts.startTimeoutMs ?? 10_000);
    // The socket is bound before that line; confirm it answers HTTP (bounded poll: no event for it).
    for (;;) {
      try {
        const probe = await connectListener(`${baseUrl}/status-json.xsl`, { headTimeoutMs: 1000 });
        probe.close();
        if (probe.statusCode === 200) return server;
      } catch {
        // not answering yet
      }
      if (performance.now() > deadline) throw new Error(`icecast2 on ${baseUrl} did not answer /status-json.xsl; output:\n${proc.tail()}`);
      if (proc.hasExited) throw new Error(`icecast2 exited during start-up; output:\n${proc.tail()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  } catch (err) {
    await proc.stop('SIGKILL', 1000);
    throw err;
  }
}
