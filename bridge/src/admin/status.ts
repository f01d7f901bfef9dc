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

/** GET /status-json.xsl, shaped like Icecast 2.4's. */
export function icecastStatus(registry: MountRegistry, facts: ServerFacts, baseUrl: string): unknown {
  const sources = registry
    .all()
    .filter((m) => m.isLive && !m.settings.hidden && !m.settings.private)
    .map((m) => ({
      audio_info: m.info.audioInfo || undefined,
      bitrate: m.info.bitrateKbps ?? Math.round((m.bytesPerSecond * 8) / 1000),
      channels: m.info.channels ?? undefined,
      genre: m.settings.genre ?? (m.info.genre || 'various'),
      listener_peak: m.stats.listenerPeak,
      listeners: registry.countListenersOf(m.path),
      listenurl: `${baseUrl}${m.path}`,
      samplerate: m.info.sampleRateHz ?? undefined,
      server_description: m.settings.description ?? (m.info.description || 'Unspecified description'),
      server_name: m.settings.name ?? (m.info.name || 'Unspecified name'),
      server_type: m.contentType,
      server_url: m.settings.url ?? (m.info.url || undefined),
      stream_start: httpDate(m.streamStartMs),
      stream_start_iso8601: iso(m.streamStartMs),
      title: m.title || undefined,
      dummy: null,
    }));
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
}

/** GET /status.json: our own status, `mounts` always an array. */
export function aircheckStatus(registry: MountRegistry, facts: ServerFacts, includePrivate: boolean): unknown {
  const mounts: MountStatus[] = registry
    .all()
    .filter((m) => !m.settings.hidden && (includePrivate || !m.settings.private))
    .map((m) => mountStatus(registry, m));
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
    bitrateKbps: m.isLive ? (m.info.bitrateKbps ?? Math.round((m.bytesPerSecond * 8) / 1000)) : null,
    streamStart: m.isLive ? new Date(m.streamStartMs).toISOString() : null,
    playing,
    fallbackMount: m.settings.fallback_mount ?? null,
    drops: m.stats.drops,
  };
}

export function xmlEscape(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
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
  const items = registry
    .all()
    .filter((m) => m.isLive)
    .map(
      (m) =>
        `<source mount="${xmlEscape(m.path)}"><fallback>${xmlEscape(m.settings.fallback_mount ?? '')}</fallback><listeners>${registry.countListenersOf(m.path)}</listeners><Connected>${Math.floor((nowMs - m.streamStartMs) / 1000)}</Connected><content-type>${xmlEscape(m.contentType)}</content-type></source>`,
    )
    .join('');
  return `<?xml version="1.0"?>\n<icestats>${items}</icestats>\n`;
}
