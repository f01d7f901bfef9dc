// The public station document (GET /api/v1/public/station and each `station` event of
// /api/v1/public/events): its types, and parseStation(), which checks the JSON where it enters the
// page and fills what is missing with safe defaults, so the elements can trust their input.

export type StreamCodec = 'opus' | 'mp3' | 'vorbis' | 'aac';

export interface PublicStream {
  url: string;
  contentType: string;
  codec: StreamCodec;
  bitrateKbps: number | null;
}

export interface RecentTrack {
  title: string;
  at: string;
}

export interface PublicMount {
  path: string;
  name: string;
  description: string;
  /** A source is on the mount itself. */
  onAir: boolean;
  /** No source, but listeners hear the fallback (a file or another mount): "Off air — music continues". */
  offAirMusic: boolean;
  title: string;
  dj: string | null;
  show: string | null;
  listeners: number;
  streams: PublicStream[];
  recentTracks: RecentTrack[];
  m3u: string;
  pls: string;
}

export interface TodayShow {
  show: string;
  dj: string | null;
  startAt: string;
  endAt: string;
}

export interface PublicStation {
  name: string;
  description: string;
  mounts: PublicMount[];
  today: TodayShow[];
}

const CODECS: readonly StreamCodec[] = ['opus', 'mp3', 'vorbis', 'aac'];

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown, fallback = ''): string => (typeof v === 'string' ? v : fallback);
const strOrNull = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** The codec a stream declares, else the one its content type implies (audio/mpeg → mp3, audio/ogg → opus). */
function codecOf(s: Json): StreamCodec {
  const codec = str(s.codec).toLowerCase();
  if ((CODECS as readonly string[]).includes(codec)) return codec as StreamCodec;
  const type = str(s.contentType).toLowerCase();
  if (type.includes('mpeg') || type.includes('mp3')) return 'mp3';
  if (type.includes('aac') || type.includes('mp4')) return 'aac';
  if (type.includes('vorbis')) return 'vorbis';
  return 'opus';
}

function parseStream(v: unknown): PublicStream | null {
  if (!isObject(v) || typeof v.url !== 'string' || v.url === '') return null;
  const bitrate = v.bitrateKbps;
  return {
    url: v.url,
    contentType: str(v.contentType, 'audio/ogg'),
    codec: codecOf(v),
    bitrateKbps: typeof bitrate === 'number' && Number.isFinite(bitrate) ? bitrate : null,
  };
}

function parseMount(v: unknown): PublicMount | null {
  if (!isObject(v) || typeof v.path !== 'string' || !v.path.startsWith('/')) return null;
  const listeners = typeof v.listeners === 'number' && Number.isFinite(v.listeners) ? Math.max(0, Math.round(v.listeners)) : 0;
  return {
    path: v.path,
    name: str(v.name) || v.path,
    description: str(v.description),
    onAir: v.onAir === true,
    offAirMusic: v.onAir !== true && v.offAirMusic === true,
    title: str(v.title),
    dj: strOrNull(v.dj),
    show: strOrNull(v.show),
    listeners,
    streams: arr(v.streams).map(parseStream).filter((s): s is PublicStream => s !== null),
    recentTracks: arr(v.recentTracks)
      .filter(isObject)
      .map((t) => ({ title: str(t.title), at: str(t.at) }))
      .filter((t) => t.title !== ''),
    m3u: str(v.m3u, `${v.path}.m3u`),
    pls: str(v.pls, `${v.path}.pls`),
  };
}

function parseToday(v: unknown): TodayShow | null {
  if (!isObject(v) || typeof v.startAt !== 'string' || typeof v.endAt !== 'string') return null;
  if (Number.isNaN(Date.parse(v.startAt)) || Number.isNaN(Date.parse(v.endAt))) return null;
  return { show: str(v.show) || 'Show', dj: strOrNull(v.dj), startAt: v.startAt, endAt: v.endAt };
}

/** The document from its JSON; throws when it is not a station document at all. */
export function parseStation(json: unknown): PublicStation {
  if (!isObject(json) || !Array.isArray(json.mounts)) throw new Error('the station document has no "mounts" list');
  return {
    name: str(json.name),
    description: str(json.description),
    mounts: json.mounts.map(parseMount).filter((m): m is PublicMount => m !== null),
    today: arr(json.today)
      .map(parseToday)
      .filter((s): s is TodayShow => s !== null)
      .sort((a, b) => Date.parse(a.startAt) - Date.parse(b.startAt)),
  };
}

/**
 * The mounts that get a player: a mount whose every stream is also a stream of another listed mount
 * (an MP3 rung such as /live.mp3 listed beside /live) is already played by that mount's one player.
 */
export function playableMounts(station: PublicStation): PublicMount[] {
  const all = station.mounts;
  return all.filter((m, i) => {
    if (m.streams.length === 0) return true;
    return !all.some((o, j) => {
      if (o === m || o.streams.length < m.streams.length) return false;
      const urls = new Set(o.streams.map((s) => s.url));
      // Covered by a mount with more streams, or by an earlier one with the same streams.
      return m.streams.every((s) => urls.has(s.url)) && (o.streams.length > m.streams.length || j < i);
    });
  });
}

export type MountAirState = 'on-air' | 'off-air-music' | 'off-air';

export function airStateOf(mount: PublicMount): MountAirState {
  return mount.onAir ? 'on-air' : mount.offAirMusic ? 'off-air-music' : 'off-air';
}

/** What a listener reads for the mount's state: no "fallback", no "mount", no "source". */
export function airStateLabel(state: MountAirState): string {
  return state === 'on-air' ? 'On air' : state === 'off-air-music' ? 'Off air — music continues' : 'Off air';
}

/**
 * The title to show: the document's (the server clears it when the show ends), and never while
 * nothing plays at all, so that a stale title cannot outlive the show on the page.
 */
export function nowPlayingOf(mount: PublicMount): string {
  return airStateOf(mount) === 'off-air' ? '' : mount.title.trim();
}

/** "Show with DJ", "Show", "with DJ" or '' (nothing scheduled or announced). */
export function showLine(show: string | null, dj: string | null): string {
  if (show && dj) return `${show} with ${dj}`;
  return show ?? (dj ? `with ${dj}` : '');
}
