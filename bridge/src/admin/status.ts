// Status documents built from the registry: Icecast's status-json.xsl (for existing dashboards and
// exporters; `source` is an object for one mount and an array for several, as Icecast does), our
// own status JSON (`mounts` always an array), and the admin XML answers. Pure over its inputs.
import type { MountRegistry } from '../mounts/mount-registry.ts';
import type { Mount } from '../mounts/mount.ts';
import type { Listener } from '../listeners/listener.ts';

export interface ServerFacts {
  name: string;
  location: string;
  adminContact: string;
  startedAtMs: number;
  version: string;
}

function httpDate(ms: number): string {
  return new Date(ms).toUTCString().replace('GMT', '+0000');
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+0000');
}

/** Keys this server sets itself; `ice-audio-info` parameters never replace them. */
const OWN_KEYS = new Set([
  'artist', 'audio_bitrate', 'audio_channels', 'audio_info', 'audio_samplerate', 'bitrate', 'dummy', 'genre', 'ice-bitrate',
  'listener_peak', 'listeners', 'listenurl', 'server_description', 'server_name', 'server_type', 'server_url',
  'stream_start', 'stream_start_iso8601', 'subtype', 'title',
]);
const AUDIO_INFO_KEY = /^[A-Za-z][A-Za-z0-9_.-]{0,39}$/;
const MAX_AUDIO_INFO_KEYS = 16;

/** A value as Icecast's XSLT writes it into JSON: a whole number as a number, anything else as text. */
function icecastValue(value: string): string | number {
  return /^-?\d{1,15}$/.test(value) ? Number(value) : value;
}

function decodeOrKeep(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * One entry of status-json.xsl's `source`, field for field as Icecast 2.4.4 builds it (source.c
 * source_apply_mount, format_vorbis.c), from three places:
 * - the source's request headers: `server_name`, `server_description`, `genre`, `server_url`,
 *   `bitrate` (ice-bitrate / icy-br), `audio_info` (ice-audio-info as sent) and each of its `key=value`
 *   parameters as its own key (`channels`, `samplerate`, `quality`, …);
 * - the stream's own headers (nominal, never measured): `audio_bitrate` (bits/s), `ice-bitrate` (kbps),
 *   `audio_channels`, `audio_samplerate`, `subtype` (Ogg codec); `title` and `artist` apart from Ogg
 *   comments, one `title` ("Artist - Title") from /admin/metadata. Icecast reads no MP3 frame header;
 *   Aircheck adds the first frame's bitrate, channels and rate, the only extra keys;
 * - the mount: `listeners`, `listener_peak`, `listenurl`, `server_type`, `stream_start*`.
 * `mount` is the listeners' mount; `feed` what they hear (the mount itself, or its fallback while it
 * has no source: the identity and listeners stay the mount's, the audio facts are the fallback's).
 */
function icecastSource(registry: MountRegistry, mount: Mount, feed: Mount, baseUrl: string): Record<string, unknown> {
  const info = feed.info;
  const own = (setting: string | undefined, sent: string) => setting ?? (sent || undefined);
  const out: Record<string, unknown> = {
    genre: own(mount.settings.genre, info.genre) ?? 'various',
    listener_peak: mount.stats.listenerPeak,
    listeners: registry.countListenersOf(mount.path),
    listenurl: `${baseUrl}${mount.path}`,
    server_description: own(mount.settings.description, info.description) ?? 'Unspecified description',
    server_name: own(mount.settings.name, info.name) ?? 'Unspecified name',
    server_type: feed.contentType,
    server_url: own(mount.settings.url, info.url),
    stream_start: httpDate(feed.streamStartMs),
    stream_start_iso8601: iso(feed.streamStartMs),
  };
  if (info.bitrateKbps !== null) out.bitrate = info.bitrateKbps;
  const nominal = feed.nominal;
  const bitrateBps = nominal?.bitrateBps ?? (info.bitrateKbps !== null ? info.bitrateKbps * 1000 : null);
  if (bitrateBps !== null && nominal?.subtype !== 'Opus') {
    out.audio_bitrate = bitrateBps;
    out['ice-bitrate'] = Math.round(bitrateBps / 1000);
  }
  if (nominal?.channels) out.audio_channels = nominal.channels;
  if (nominal?.sampleRateHz) out.audio_samplerate = nominal.sampleRateHz;
  if (nominal?.subtype) out.subtype = nominal.subtype;
  if (feed.commentTags) {
    if (feed.commentTags.title) out.title = feed.commentTags.title;
    if (feed.commentTags.artist) out.artist = feed.commentTags.artist;
  } else if (feed.title) out.title = feed.title;
  if (info.audioInfo) {
    out.audio_info = info.audioInfo;
    let kept = 0;
    for (const part of info.audioInfo.split(';')) {
      const at = part.indexOf('=');
      const key = part.slice(0, at).trim();
      const value = decodeOrKeep(part.slice(at + 1).trim());
      if (at <= 0 || !AUDIO_INFO_KEY.test(key) || OWN_KEYS.has(key) || key in out || value === '') continue;
      if (++kept > MAX_AUDIO_INFO_KEYS) break;
      out[key] = icecastValue(value);
    }
  }
  // Icecast's XSLT lists the keys in alphabetical order and ends each source with "dummy": null.
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(out).sort()) if (out[key] !== undefined) sorted[key] = out[key];
  sorted.dummy = null;
  return sorted;
}

/**
 * GET /status-json.xsl, shaped like Icecast 2.4's. Public mounts are listed while they have a source,
 * and while listeners on them hear their fallback (a file or another mount), with those listeners:
 * exporters then count everyone who is listening. An idle mount with nobody on it stays out.
 */
/**
 * Live as a directory sees it: a mount with its own source; a ladder rung only while its parent is
 * (a rung's ladder also transcodes the parent's fallback, which is not a show on air).
 */
function showsAsLive(registry: MountRegistry, m: Mount, rungParents: ReadonlyMap<string, string>): boolean {
  if (!m.isLive) return false;
  const parent = rungParents.get(m.path);
  return parent === undefined || registry.get(parent)?.isLive === true;
}

/** Rung path → parent path, from the mounts' ladders. */
function rungParentsOf(registry: MountRegistry): Map<string, string> {
  return new Map(registry.all().flatMap((m) => m.settings.ladder.map((r) => [r.path, m.path] as const)));
}

export function icecastStatus(registry: MountRegistry, facts: ServerFacts, baseUrl: string): unknown {
  const sources: Record<string, unknown>[] = [];
  const rungParents = rungParentsOf(registry);
  for (const m of registry.all()) {
    if (m.settings.hidden || m.settings.private) continue;
    // Listed while live, or while listeners hear it (its fallback, or a rung's transcoded fallback), as icecast2 does.
    const feed = showsAsLive(registry, m, rungParents) ? m : registry.countListenersOf(m.path) > 0 ? (m.isLive ? m : registry.resolveFeed(m.path, null)) : null;
    if (feed) sources.push(icecastSource(registry, m, feed, baseUrl));
  }
  const icestats: Record<string, unknown> = {
    admin: facts.adminContact,
    host: new URL(baseUrl).hostname,
    location: facts.location,
    server_id: `Icecast 2.4.4 (${facts.name} ${facts.version})`,
    server_start: httpDate(facts.startedAtMs),
    server_start_iso8601: iso(facts.startedAtMs),
  };
  if (sources.length === 1) icestats.source = sources[0];
  else if (sources.length > 1) icestats.source = sources;
  return { icestats };
}

export interface MountStatus {
  path: string;
  live: boolean;
  private: boolean;
  format: string | null;
  contentType: string | null;
  listeners: number;
  listenerPeak: number;
  title: string;
  name: string;
  description: string;
  genre: string;
  url: string;
  bitrateKbps: number | null;
  streamStart: string | null;
  /** What listeners of this mount hear now: the mount itself, a fallback mount, a fallback file, or nothing. */
  playing: 'source' | 'fallback-mount' | 'fallback-file' | 'nothing';
  fallbackMount: string | null;
  drops: number;
  /** Admin status only: the mount's pushes to external servers (outputs/push-target.ts PushTargetStatus). */
  pushes?: readonly unknown[];
  /** Admin status only: the mount's pull relay (sources/relay/pull-relay.ts RelayStatus), null when it has none. */
  relay?: unknown;
  /** Admin status only: the mount's transcoded ladder (ladder/ladder.ts LadderStatus), null when it has none. */
  ladder?: unknown;
}

/** What only the admin status adds to each mount: its pushes, pull relay and ladder. */
export interface AdminMountParts {
  pushesOf(path: string): readonly unknown[];
  relayOf(path: string): unknown;
  ladderOf(path: string): unknown;
}

/** GET /status.json: our own status, `mounts` always an array. `admin` (the admin status): private mounts and each mount's parts. */
export function aircheckStatus(registry: MountRegistry, facts: ServerFacts, admin: Partial<AdminMountParts> | null): unknown {
  const mounts: MountStatus[] = registry
    .all()
    .filter((m) => !m.settings.hidden && (admin !== null || !m.settings.private))
    .map((m) => {
      const st = mountStatus(registry, m);
      if (admin?.pushesOf) st.pushes = admin.pushesOf(m.path);
      if (admin?.relayOf) st.relay = admin.relayOf(m.path);
      if (admin?.ladderOf) st.ladder = admin.ladderOf(m.path);
      return st;
    });
  return {
    server: {
      name: facts.name,
      version: facts.version,
      startedAt: new Date(facts.startedAtMs).toISOString(),
      listeners: registry.listenerCount,
      sources: registry.sourceCount,
    },
    mounts,
  };
}

function mountStatus(registry: MountRegistry, m: Mount): MountStatus {
  const feed = registry.resolveFeed(m.path, null);
  const playing: MountStatus['playing'] = !feed ? 'nothing' : feed === m ? 'source' : feed.isFileFeed ? 'fallback-file' : 'fallback-mount';
  return {
    path: m.path,
    live: m.isLive,
    private: m.settings.private,
    format: m.format,
    contentType: m.isLive ? m.contentType : null,
    listeners: registry.countListenersOf(m.path),
    listenerPeak: m.stats.listenerPeak,
    title: m.title,
    name: m.settings.name ?? m.info.name,
    description: m.settings.description ?? m.info.description,
    genre: m.settings.genre ?? m.info.genre,
    url: m.settings.url ?? m.info.url,
    // Nominal, as the stream's headers (or, failing those, the source's ice-* headers) say: never measured.
    bitrateKbps: m.isLive ? (m.nominal?.bitrateBps ? Math.round(m.nominal.bitrateBps / 1000) : m.info.bitrateKbps) : null,
    streamStart: m.isLive ? new Date(m.streamStartMs).toISOString() : null,
    playing,
    fallbackMount: m.settings.fallback_mount ?? null,
    drops: m.stats.drops,
  };
}

export function xmlEscape(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/**
 * GET /MOUNT.xspf: Icecast 2.4's XSPF playlist (xspf.xsl) — the stream URL, the current title and an
 * annotation with the stream's name, description, type, listeners and genre. `streamUrl` is the URL
 * to list (with the listener token for a private mount).
 */
export function xspfPlaylist(registry: MountRegistry, m: Mount, streamUrl: string): string {
  const feed = m.isLive ? m : registry.resolveFeed(m.path, null);
  const name = m.settings.name ?? (m.info.name || 'Unspecified name');
  const description = m.settings.description ?? (m.info.description || 'Unspecified description');
  const genre = m.settings.genre ?? (m.info.genre || 'various');
  const annotation = [
    `Stream Title: ${name}`,
    `Stream Description: ${description}`,
    `Content Type:${feed ? feed.contentType : ''}`,
    `Current Listeners: ${registry.countListenersOf(m.path)}`,
    `Peak Listeners: ${m.stats.listenerPeak}`,
    `Stream Genre: ${genre}`,
  ].join('\n');
  const title = feed?.title ?? '';
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<playlist xmlns="http://xspf.org/ns/0/" version="1">\n' +
    '  <title/>\n  <creator/>\n  <trackList>\n    <track>\n' +
    `      <location>${xmlEscape(streamUrl)}</location>\n` +
    (title ? `      <title>${xmlEscape(title)}</title>\n` : '      <title/>\n') +
    `      <annotation>${xmlEscape(annotation)}</annotation>\n` +
    '    </track>\n  </trackList>\n</playlist>\n'
  );
}

export function iceResponse(message: string, ok: boolean): string {
  return `<?xml version="1.0"?>\n<iceresponse><message>${xmlEscape(message)}</message><return>${ok ? 1 : 0}</return></iceresponse>\n`;
}

export function listClientsXml(path: string, listeners: Listener[], nowMs: number): string {
  const items = listeners
    .map(
      (l) =>
        `<listener id="${l.id}"><IP>${xmlEscape(l.info.ip)}</IP><UserAgent>${xmlEscape(l.info.userAgent)}</UserAgent><Connected>${Math.floor((nowMs - l.info.connectedAtMs) / 1000)}</Connected><ID>${l.id}</ID></listener>`,
    )
    .join('');
  return `<?xml version="1.0"?>\n<icestats><source mount="${xmlEscape(path)}"><Listeners>${listeners.length}</Listeners>${items}</source></icestats>\n`;
}

export function listMountsXml(registry: MountRegistry, nowMs: number): string {
  const rungParents = rungParentsOf(registry);
  const items = registry
    .all()
    .filter((m) => showsAsLive(registry, m, rungParents))
    .map(
      (m) =>
        `<source mount="${xmlEscape(m.path)}"><fallback>${xmlEscape(m.settings.fallback_mount ?? '')}</fallback><listeners>${registry.countListenersOf(m.path)}</listeners><Connected>${Math.floor((nowMs - m.streamStartMs) / 1000)}</Connected><content-type>${xmlEscape(m.contentType)}</content-type></source>`,
    )
    .join('');
  return `<?xml version="1.0"?>\n<icestats>${items}</icestats>\n`;
}
