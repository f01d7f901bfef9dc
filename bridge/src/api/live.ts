// The live view of REST API v1: every mount now (LiveMount, for operators), the public station
// document (public mounts only, a ladder's rungs as alternative streams of their parent), the recent
// titles of each mount and the listener history samples. Fed by the MountRegistry, the ladders, the
// studio's sessions and the station state; feeds api-router.ts and events.ts.
import type { z } from 'zod';
import type { MountRegistry } from '../mounts/mount-registry.ts';
import type { Mount } from '../mounts/mount.ts';
import type { StreamFormat } from '../../../shared/src/audio-unit.ts';
import type { ScheduleEntry } from '../../../config/src/alerts-schema.ts';
import { slotsEndingBetween } from '../../../recordings/src/alerts/show-schedule.ts';
import type { LiveMountSchema, PublicMountSchema, PublicStationSchema, ListenerRowSchema } from './api-schemas.ts';

export type LiveMount = z.infer<typeof LiveMountSchema>;
export type PublicMount = z.infer<typeof PublicMountSchema>;
export type PublicStation = z.infer<typeof PublicStationSchema>;
export type ListenerRow = z.infer<typeof ListenerRowSchema>;

export interface LiveDeps {
  registry: MountRegistry;
  /** A ladder's parent of a rung mount, and the rungs of a parent (ladder/ladder-manager.ts). */
  ladderParentOf: (path: string) => string | null;
  rungsOf: (path: string) => { path: string; codec: 'mp3' | 'aac' | 'vorbis' | 'opus'; bitrateKbps: number }[];
  pushesOf: (path: string) => readonly unknown[];
  relayOf: (path: string) => unknown;
  /** The DJ of the studio show feeding a mount now, if any (shows/dj-session.ts status). */
  studioDjOf: (path: string) => string | null;
  station: () => { name: string; description: string };
  schedule: () => ScheduleEntry[];
  now?: () => number;
}

const RECENT_TRACKS = 10;
const CODEC_OF: Record<StreamFormat, 'opus' | 'mp3' | 'vorbis' | 'aac'> = { 'ogg-opus': 'opus', mp3: 'mp3', 'ogg-vorbis': 'vorbis', aac: 'aac' };
const TYPE_OF: Record<'opus' | 'mp3' | 'vorbis' | 'aac', string> = { opus: 'audio/ogg; codecs=opus', mp3: 'audio/mpeg', vorbis: 'audio/ogg; codecs=vorbis', aac: 'audio/aac' };

export class LiveView {
  readonly #deps: LiveDeps;
  readonly #now: () => number;
  /** The last titles of each mount, newest first (kept in memory; at most RECENT_TRACKS). */
  readonly #recent = new Map<string, { title: string; at: string }[]>();
  readonly #lastTitle = new Map<string, string>();

  constructor(deps: LiveDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
  }

  #mounts(): Mount[] {
    return this.#deps.registry.all().filter((m) => !m.isFileFeed);
  }

  #state(m: Mount): LiveMount['state'] {
    if (m.hasSource && m.isLive) return 'live';
    const feed = this.#deps.registry.resolveFeed(m.path, null);
    return feed && feed !== m ? 'off-air-music' : m.isLive ? 'live' : 'off';
  }

  /** Every mount now, for operators (private and hidden included). */
  snapshot(): LiveMount[] {
    const { registry } = this.#deps;
    return this.#mounts().map((m) => {
      const source = registry.sourceOf(m.path);
      const dj = source?.kind === 'studio' ? this.#deps.studioDjOf(m.path) : null;
      return {
        path: m.path,
        name: m.settings.name ?? (m.info.name || m.path),
        public: !m.settings.private && !m.settings.hidden,
        state: this.#state(m),
        source: source
          ? {
              kind: source.kind,
              ...(dj ? { dj } : {}),
              address: source.remoteAddress,
              ...(m.info.userAgent ? { userAgent: m.info.userAgent } : {}),
              since: new Date(m.streamStartMs || this.#now()).toISOString(),
              format: m.format,
              bitrateKbps: m.info.bitrateKbps ?? (m.nominal?.bitrateBps ? Math.round(m.nominal.bitrateBps / 1000) : null),
            }
          : null,
        listeners: registry.countListenersOf(m.path),
        title: m.title,
        parent: this.#deps.ladderParentOf(m.path),
        rungs: this.#deps.rungsOf(m.path).map((r) => r.path),
        pushes: [...this.#deps.pushesOf(m.path)],
        relay: this.#deps.relayOf(m.path) ?? null,
      };
    });
  }

  listeners(path: string): ListenerRow[] {
    return this.#deps.registry.listenersOf(path).map((l) => ({
      id: l.id,
      mount: path,
      address: l.info.ip,
      userAgent: l.info.userAgent,
      connectedAt: new Date(l.info.connectedAtMs).toISOString(),
      bytesSent: l.bytesSent,
    }));
  }

  /** Listener counts per mount, for ListenerHistory.sample. */
  counts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const m of this.#mounts()) out[m.path] = this.#deps.registry.countListenersOf(m.path);
    return out;
  }

  /** Notes title changes (called every second and before each document): the recent tracks. */
  watchTitles(): void {
    const at = new Date(this.#now()).toISOString();
    for (const m of this.#mounts()) {
      const title = m.title;
      if (this.#lastTitle.get(m.path) === title) continue;
      this.#lastTitle.set(m.path, title);
      if (!title) continue;
      const list = this.#recent.get(m.path) ?? [];
      list.unshift({ title, at });
      list.length = Math.min(list.length, RECENT_TRACKS);
      this.#recent.set(m.path, list);
    }
  }

  /** The public station document: public mounts only (not private, not hidden), with `base` for URLs. */
  publicStation(base: string): PublicStation {
    this.watchTitles();
    const { registry } = this.#deps;
    const isPublic = (m: Mount | undefined) => !!m && !m.isFileFeed && !m.settings.private && !m.settings.hidden;
    const mounts: PublicMount[] = [];
    for (const m of this.#mounts()) {
      if (!isPublic(m)) continue;
      const parent = this.#deps.ladderParentOf(m.path);
      if (parent && isPublic(registry.get(parent))) continue; // listed as a stream of its parent
      const state = this.#state(m);
      const feed = registry.resolveFeed(m.path, null);
      const format = m.format ?? feed?.format ?? m.lastFormat ?? guessFormat(m.path);
      const rungs = this.#deps.rungsOf(m.path).filter((r) => isPublic(registry.get(r.path)));
      const codec = CODEC_OF[format];
      const streams: PublicMount['streams'] = [
        { url: `${base}${m.path}`, contentType: TYPE_OF[codec], codec, bitrateKbps: m.info.bitrateKbps ?? (m.nominal?.bitrateBps ? Math.round(m.nominal.bitrateBps / 1000) : null) },
        ...rungs.map((r) => ({ url: `${base}${r.path}`, contentType: TYPE_OF[r.codec], codec: r.codec, bitrateKbps: r.bitrateKbps })),
      ];
      const source = registry.sourceOf(m.path);
      const dj = source?.kind === 'studio' ? this.#deps.studioDjOf(m.path) : null;
      const showName = dj && m.info.name && m.info.name !== this.#deps.station().name ? m.info.name : null;
      mounts.push({
        path: m.path,
        name: m.settings.name ?? (source?.kind === 'studio' ? this.#deps.station().name : m.info.name) ?? m.path,
        description: m.settings.description ?? m.info.description ?? '',
        onAir: state === 'live',
        offAirMusic: state === 'off-air-music',
        title: (state === 'live' ? m.title : feed?.title) ?? '',
        dj,
        show: showName,
        listeners: registry.countListenersOf(m.path) + rungs.reduce((n, r) => n + registry.countListenersOf(r.path), 0),
        streams,
        recentTracks: [...(this.#recent.get(m.path) ?? [])],
        m3u: `${base}${m.path}.m3u`,
        pls: `${base}${m.path}.pls`,
      });
      if (!mounts.at(-1)!.name) mounts.at(-1)!.name = m.path;
    }
    const station = this.#deps.station();
    return { name: station.name, description: station.description, mounts, today: this.today() };
  }

  /** Today's scheduled slots (the server's local day), in start order. */
  today(): PublicStation['today'] {
    const now = new Date(this.#now());
    const dayStart = new Date(now.getFullYear(), now.getMonth(), now.getDate()).getTime();
    const dayEnd = dayStart + 86_400_000;
    return slotsEndingBetween(this.#deps.schedule(), dayStart, dayEnd + 86_400_000)
      .filter((s) => s.startMs < dayEnd && s.endMs > dayStart)
      .sort((a, b) => a.startMs - b.startMs)
      .map((s) => ({ show: s.show, dj: s.dj, startAt: new Date(s.startMs).toISOString(), endAt: new Date(s.endMs).toISOString() }));
  }
}

function guessFormat(path: string): StreamFormat {
  if (path.endsWith('.mp3')) return 'mp3';
  if (path.endsWith('.aac')) return 'aac';
  if (path.endsWith('.ogg')) return 'ogg-vorbis';
  return 'ogg-opus';
}
