// The station page's composition root: the feed of the public station document, the page's route,
// one MountPlayer per public mount (their <audio> elements live in a hidden holder outside the
// views, so switching views never stops the sound) and the AudioGraph of the visualizer. Elements
// render it and call its methods; it tells them when anything changed.
import { AudioGraph } from './audio-graph.ts';
import { MountPlayer, type PlayerStorage } from './mount-player.ts';
import { parseRoute, routeHref, type Route } from './route.ts';
import { airStateOf, nowPlayingOf, playableMounts, type PublicMount, type PublicStation } from './station-document.ts';
import type { StationFeed } from './station-feed.ts';

export class Station {
  readonly feed: StationFeed;
  readonly graph = new AudioGraph();
  route: Route;
  #players = new Map<string, MountPlayer>();
  #holder: HTMLElement;
  #storage: PlayerStorage | null;
  #listeners = new Set<() => void>();

  constructor(feed: StationFeed, holder: HTMLElement, storage: PlayerStorage | null) {
    this.feed = feed;
    this.#holder = holder;
    this.#storage = storage;
    this.route = parseRoute(location.search);
    feed.subscribe(() => {
      this.#syncPlayers();
      this.#emit();
    });
    window.addEventListener('popstate', () => {
      this.route = parseRoute(location.search);
      this.#emit();
    });
  }

  get station(): PublicStation | null {
    return this.feed.station;
  }

  /** The mounts with a player, in the document's order. */
  get mounts(): PublicMount[] {
    return this.station ? playableMounts(this.station) : [];
  }

  start(): void {
    this.feed.start();
  }

  subscribe(fn: () => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  player(path: string): MountPlayer {
    let player = this.#players.get(path);
    if (!player) {
      const audio = document.createElement('audio');
      this.#holder.append(audio);
      player = new MountPlayer(path, audio, this.graph, this.#storage);
      player.subscribe(() => {
        this.#updateMediaSession();
        this.#emit();
      });
      this.#players.set(path, player);
    }
    return player;
  }

  /** Plays the mount, stopping any other: one stream at a time. Call from a click. */
  toggle(path: string): void {
    const player = this.player(path);
    if (!player.active) for (const other of this.#players.values()) if (other !== player && other.active) other.stop();
    player.toggle();
  }

  /** Shows another view without reloading (what plays keeps playing). Call from a click. */
  navigate(route: Route): void {
    this.graph.unlock(); // a click: the visualizer of the next view may start
    history.pushState(null, '', routeHref(route));
    this.route = route;
    this.#emit();
    window.scrollTo(0, 0);
  }

  #syncPlayers(): void {
    for (const mount of this.mounts) this.player(mount.path).update(mount.streams, airStateOf(mount));
    this.#updateMediaSession();
  }

  /** The phone's lock screen and headset controls show what plays. */
  #updateMediaSession(): void {
    if (!('mediaSession' in navigator) || typeof MediaMetadata === 'undefined') return;
    const playing = [...this.#players.values()].find((p) => p.active);
    const mount = playing && this.mounts.find((m) => m.path === playing.path);
    if (!mount) {
      navigator.mediaSession.metadata = null;
      return;
    }
    const title = nowPlayingOf(mount) || mount.name;
    const artist = mount.show ?? mount.dj ?? mount.name;
    const current = navigator.mediaSession.metadata;
    if (current?.title === title && current.artist === artist) return;
    navigator.mediaSession.metadata = new MediaMetadata({ title, artist, album: this.station?.name ?? '' });
  }

  #emit(): void {
    for (const fn of this.#listeners) fn();
  }
}
