// Owns every mount: which source feeds which mount, which mount feeds each listener (fallbacks
// included), moving listeners on the same connection when a source drops or returns, and the tick
// that releases paced audio and flushes it to listeners. Fed by the stream server (sources,
// listeners) and admin routes; feeds status, metrics and (later) the recorder.
import { AircheckError } from '../../../shared/src/errors.ts';
import { MountSchema, type MountConfig } from '../../../config/src/config-schema.ts';
import type { AudioUnit, StreamFormat } from '../../../shared/src/audio-unit.ts';
import type { MountSource, MountSourceHost, MountSourceKind } from './mount-source.ts';
import type { DropReason, Listener } from '../listeners/listener.ts';
import { Mount, type FlushJob, type StreamInfo } from './mount.ts';
import type { FileFeed } from './file-feed.ts';
import type { MountOutput } from './mount-output.ts';

/** A 'heard' output (mount-output.ts): fed what a listener of `path` hears, moved like one. */
interface HeardOutput {
  path: string;
  output: MountOutput;
  /** Only feeds of this format (a push passes bytes through); null: any (a ladder decodes). */
  format: StreamFormat | null;
  feed: Mount | null;
  /** The feed's stream the output was started on (a new stream on the same mount restarts it). */
  streamStartMs: number;
  started: boolean;
  /** The title last given to the output. */
  title: string;
  /** The stream info last given to the output. */
  info: StreamInfo | null;
}

export interface RegistryObserver {
  sourceStarted(mount: Mount): void;
  sourceEnded(mount: Mount, reason: string, error: AircheckError | null): void;
  listenerJoined(mount: Mount): void;
  listenerLeft(mountPath: string, reason: DropReason): void;
  /** An admin moved a listener: it now counts under the new mount. */
  listenerMoved(from: string, to: string): void;
  bytesSent(mount: Mount, bytes: number): void;
  bytesReceived(mountPath: string, bytes: number): void;
  /** A dynamic mount went away with its source (its metric series may go too). */
  mountRemoved?(mountPath: string): void;
}

export interface RegistryLimits {
  maxListeners: number;
  maxSources: number;
  listenerQueueSeconds: number;
  /** Dynamic mounts (created by a source over the global password) that may exist at once. */
  maxDynamicMounts: number;
}

/**
 * How one tick's listener writes are spread over event-loop turns. A write to a socket costs about
 * the same whatever its size (a syscall): 1,000 listeners written in one go held the loop ~20 ms.
 */
export interface FanoutOptions {
  /** A batch of writes yields to the event loop once it has run this long, ms. */
  batchMs: number;
  /** Listeners a batch writes before it looks at the clock: a small audience is written in one go. */
  minBatchListeners: number;
  /** A monotonic clock, ms (performance.now). */
  nowMs: () => number;
  /** Runs the next batch on a later turn of the event loop, after timers and I/O (setImmediate). */
  defer: (next: () => void) => void;
}

const DEFAULT_FANOUT: FanoutOptions = {
  batchMs: 1,
  minBatchListeners: 32,
  nowMs: () => performance.now(),
  defer: (next) => setImmediate(next),
};

/** Listeners written between looks at the clock. */
const CLOCK_EVERY = 16;

/** The flush jobs of one tick, written batch by batch. */
interface Fanout {
  readonly jobs: FlushJob[];
  /** Index of the job being written. */
  index: number;
}

export class MountRegistry implements MountSourceHost {
  private readonly mounts = new Map<string, Mount>();
  private readonly sources = new Map<string, MountSource>();
  private readonly fileFeeds = new Map<string, FileFeed>();
  /** Mounts a source created over the global password: they exist while their source does. */
  private readonly dynamic = new Set<string>();
  /** Listeners fed by a mount other than the one they asked for (a fallback). */
  private readonly displaced = new Set<Listener>();
  private readonly heard = new Set<HeardOutput>();
  private listenerTotal = 0;
  /** closeAll() ran: no new source may claim a mount (an in-process source retrying would). */
  private closed = false;
  /** Listeners by the mount they asked for (kept, not counted, so admission stays O(1)). */
  private readonly requestedCounts = new Map<string, number>();
  limits: RegistryLimits;
  private readonly observer: RegistryObserver;
  /** Resolves a fallback_file setting to a running feed for a given format. */
  private readonly fileFeedFor: (file: string, format: StreamFormat) => FileFeed | null;
  private readonly fanoutOptions: FanoutOptions;
  /** The last tick's listener writes while they are still going out, batch by batch. */
  private fanout: Fanout | null = null;
  /** A tick came while `fanout` was under way: it runs once that is done (at this time). */
  private deferredTickMs: number | null = null;
  /** A displaced listener's new file feed had no audio yet: the next tick moves it (rehome). */
  private refeedPending = false;

  constructor(opts: {
    mounts: readonly MountConfig[];
    limits: RegistryLimits;
    observer: RegistryObserver;
    fileFeedFor: (file: string, format: StreamFormat) => FileFeed | null;
    fanout?: Partial<FanoutOptions>;
  }) {
    this.limits = opts.limits;
    this.observer = opts.observer;
    this.fileFeedFor = opts.fileFeedFor;
    this.fanoutOptions = { ...DEFAULT_FANOUT, ...opts.fanout };
    this.applyMounts(opts.mounts);
  }

  /** Adds new mounts and updates settings of existing ones; removed mounts stay until idle. */
  applyMounts(configs: readonly MountConfig[]): void {
    for (const c of configs) {
      // A configured path that a dynamic mount holds becomes that mount: it stays when its source leaves.
      this.dynamic.delete(c.path);
      const existing = this.mounts.get(c.path);
      if (existing) existing.applySettings(c);
      else this.mounts.set(c.path, new Mount(c));
    }
    const keep = new Set(configs.map((c) => c.path));
    for (const [path, m] of this.mounts) {
      if (this.dynamic.has(path)) continue;
      if (!keep.has(path) && !this.sources.has(path) && m.listeners.size === 0) this.mounts.delete(path);
    }
  }

  /** Whether `path` is a dynamic mount (created by its source, removed when it leaves). */
  isDynamic(path: string): boolean {
    return this.dynamic.has(path);
  }

  get dynamicCount(): number {
    return this.dynamic.size;
  }

  /**
   * The dynamic mount at `path` for a source that authenticated with the global password: the
   * existing one, or a new public mount with default settings (no fallback). Throws
   * SOURCE_DYNAMIC_LIMIT past limits.maxDynamicMounts, MOUNT_IN_USE when the path is a configured mount.
   */
  addDynamicMount(path: string): Mount {
    const existing = this.mounts.get(path);
    if (existing) {
      if (this.dynamic.has(path)) return existing;
      throw new AircheckError('MOUNT_IN_USE', `mount ${path} is a configured mount: push with its own source password, not the dynamic mounts' one`);
    }
    if (this.dynamic.size >= this.limits.maxDynamicMounts) {
      throw new AircheckError('SOURCE_DYNAMIC_LIMIT', `the server already has ${this.dynamic.size} dynamic mounts (dynamic_mounts.max = ${this.limits.maxDynamicMounts}): stop one, raise dynamic_mounts.max, or configure ${path} under [[mounts]]`);
    }
    const mount = new Mount(MountSchema.parse({ path }));
    this.mounts.set(path, mount);
    this.dynamic.add(path);
    return mount;
  }

  /** Removes a dynamic mount whose source left; listeners still on it end cleanly. */
  private removeDynamic(mount: Mount): void {
    for (const l of [...mount.listeners]) {
      mount.detach(l);
      l.close('source-ended', true);
    }
    this.mounts.delete(mount.path);
    this.dynamic.delete(mount.path);
    this.observer.mountRemoved?.(mount.path);
  }

  get(path: string): Mount | undefined {
    return this.mounts.get(path);
  }

  all(): Mount[] {
    return [...this.mounts.values()];
  }

  get listenerCount(): number {
    return this.listenerTotal;
  }

  /**
   * Sources feeding the graph (status, limits.max_sources): every one but a ladder's rungs, which the
   * graph feeds itself.
   */
  get sourceCount(): number {
    let n = 0;
    for (const s of this.sources.values()) if (s.kind !== 'rung') n++;
    return n;
  }

  sourceOf(path: string): MountSource | undefined {
    return this.sources.get(path);
  }

  registerFileFeed(key: string, feed: FileFeed): void {
    this.fileFeeds.set(key, feed);
  }

  /**
   * Forgets the file feed under `key` once nothing plays it (no listener on its loop, no output fed
   * by it), so its audio leaves memory (a replaced or deleted media file). Returns whether it is gone;
   * while in use it stays, and the caller asks again later.
   */
  releaseFileFeed(key: string): boolean {
    const feed = this.fileFeeds.get(key);
    if (!feed) return true;
    if (feed.mount.listeners.size > 0) return false;
    for (const sub of this.heard) if (sub.feed === feed.mount) return false;
    this.fileFeeds.delete(key);
    return true;
  }

  /**
   * Fallback settings or a fallback file changed (a reload, the console): listeners on a fallback
   * move, on the same connection, to what their mount falls back to now, as soon as it has audio
   * (a newly loaded file: at the next tick). 'Heard' outputs follow at the next tick too.
   */
  refeed(): void {
    this.rehome();
  }

  /** The mount whose audio a listener of `path` hears now: itself, else its fallback chain. */
  resolveFeed(path: string, format: StreamFormat | null): Mount | null {
    const seen = new Set<string>();
    const current = this.mounts.get(path);
    while (current && !seen.has(current.path)) {
      seen.add(current.path);
      if (current.isLive && (!format || current.format === format)) return current;
      if (current.settings.fallback_mount) {
        const next = this.mounts.get(current.settings.fallback_mount);
        if (next && (next.isLive || next.settings.fallback_mount || next.settings.fallback_file)) {
          const resolved = this.resolveFeed(next.path, format);
          if (resolved) return resolved;
        }
      }
      if (current.settings.fallback_file) {
        const feed = this.fileFeedFor(current.settings.fallback_file, format ?? current.lastFormat ?? 'mp3');
        if (feed && (!format || feed.mount.format === format)) return feed.mount;
      }
      return null;
    }
    return null;
  }

  // ---- sources ----------------------------------------------------------------------------

  /** Reserves a mount for a source that just authenticated. Throws MOUNT_IN_USE when taken. */
  claimSource(path: string, kind: MountSourceKind = 'socket'): void {
    if (this.closed) throw new AircheckError('SERVER_SHUTTING_DOWN', `the server is shutting down: mount ${path} takes no new source; reconnect to the restarted server`);
    const current = this.sources.get(path);
    // A pull relay gives way to a live source (and takes its mount back when that source leaves: sources/relay/).
    const preempted = current?.kind === 'relay' && current.state === 'streaming';
    if (current && current.state === 'streaming' && !preempted) {
      throw new AircheckError('MOUNT_IN_USE', `mount ${path} already has a source (from ${current.remoteAddress}): stop it first, or ask an admin to kill it with /admin/killsource?mount=${path}`);
    }
    // limits.max_sources counts what feeds the graph; a ladder's rungs are fed from inside it and never count.
    if (!current && kind !== 'rung' && this.sourceCount >= this.limits.maxSources) {
      throw new AircheckError('SOURCE_LIMIT_REACHED', `the server already has ${this.sourceCount} sources (limits.max_sources): raise the limit or stop a source`);
    }
    // A source still playing out its last seconds gives way to the new one.
    if (current) current.kill(preempted ? 'preempted by a live source' : 'replaced by a new source');
  }

  attachSource(session: MountSource): void {
    this.sources.set(session.mountPath, session);
    const mount = this.mounts.get(session.mountPath);
    if (!mount) return;
    mount.hasSource = true;
    // A new show starts untitled; clients send their title right after connecting (ezstream does,
    // before any audio), so this happens here and not when the first audio is released.
    mount.setTitle('');
  }

  sourceStarted(session: MountSource, format: StreamFormat, info: StreamInfo): void {
    const mount = this.feedingMount(session);
    if (!mount) return;
    this.finishFanout();
    mount.startStream(format, info);
    this.observer.sourceStarted(mount);
    this.rehome();
  }

  sourceUnits(session: MountSource, units: readonly AudioUnit[]): void {
    const mount = this.feedingMount(session);
    if (!mount) return;
    const hadAudio = mount.hasReleasedAudio;
    for (const u of units) mount.append(u);
    // Listeners on a fallback come back with the first audio, not before: no gap in what they get.
    if (!hadAudio && mount.hasReleasedAudio) this.rehome();
  }

  /** The mount `session` feeds, or undefined when it no longer holds one (replaced, killed, removed). */
  private feedingMount(session: MountSource): Mount | undefined {
    return this.sources.get(session.mountPath) === session ? this.mounts.get(session.mountPath) : undefined;
  }

  /** An in-process source's now-playing title (a socket source's comes through /admin/metadata). */
  sourceTitle(session: MountSource, title: string): void {
    const mount = this.feedingMount(session);
    if (!mount) return;
    mount.setTitle(title);
  }

  /** An in-process source's stream info changed (a show renamed): status and new listeners' headers. */
  sourceInfo(session: MountSource, info: StreamInfo): void {
    const mount = this.feedingMount(session);
    if (!mount) return;
    mount.info = info;
    // Outputs that hear this mount (a ladder's rungs) show it at once: a listener joining a rung now sees it.
    for (const sub of this.heard) {
      if (sub.feed !== mount || !sub.started || sub.info === info) continue;
      sub.info = info;
      sub.output.info?.(info);
    }
  }

  sourceEnded(session: MountSource, reason: string, error: AircheckError | null): void {
    if (this.sources.get(session.mountPath) !== session) return;
    this.sources.delete(session.mountPath);
    const mount = this.mounts.get(session.mountPath);
    if (!mount) return;
    mount.hasSource = false;
    // Flush what was released before the source ended (after the writes of the tick under way),
    // then move its listeners.
    this.finishFanout();
    this.flushMount(mount);
    // The show is over: its title goes too (status, and ICY listeners before they move).
    mount.setTitle('');
    mount.endStream(reason, error?.code ?? null);
    this.observer.sourceEnded(mount, reason, error);
    for (const l of [...mount.listeners]) this.rehomeListener(l, mount);
    if (this.dynamic.has(mount.path)) this.removeDynamic(mount);
  }

  // ---- listeners ----------------------------------------------------------------------------

  /** Checks the limits for a new listener of `path`; throws LISTENER_LIMIT_REACHED. */
  checkListenerLimits(mount: Mount): void {
    if (this.listenerTotal >= this.limits.maxListeners) {
      throw new AircheckError('LISTENER_LIMIT_REACHED', `the server is full (${this.listenerTotal} listeners, limits.max_listeners): try again later`);
    }
    const max = mount.settings.max_listeners;
    if (max > 0 && this.countListenersOf(mount.path) >= max) {
      throw new AircheckError('LISTENER_LIMIT_REACHED', `mount ${mount.path} is full (${max} listeners, its max_listeners): try again later`);
    }
  }

  /** Listeners that asked for `path` (wherever they are fed from). */
  countListenersOf(path: string): number {
    return this.requestedCounts.get(path) ?? 0;
  }

  private countRequested(path: string, delta: number): void {
    const n = (this.requestedCounts.get(path) ?? 0) + delta;
    if (n === 0) this.requestedCounts.delete(path);
    else this.requestedCounts.set(path, n);
  }

  listenersOf(path: string): Listener[] {
    const out: Listener[] = [];
    const mount = this.mounts.get(path);
    if (mount) for (const l of mount.listeners) if (l.requestedPath === path) out.push(l);
    for (const l of this.displaced) if (l.requestedPath === path) out.push(l);
    return out;
  }

  addListener(listener: Listener, feed: Mount): void {
    this.listenerTotal++;
    this.countRequested(listener.requestedPath, 1);
    const requested = this.mounts.get(listener.requestedPath);
    if (requested) requested.stats.listenerConnections++;
    feed.addNewListener(listener);
    if (feed.path !== listener.requestedPath) this.displaced.add(listener);
    this.observer.listenerJoined(requested ?? feed);
  }

  /** Called by the listener when its connection ends, for whatever reason. */
  listenerClosed(listener: Listener, reason: DropReason): void {
    this.listenerTotal--;
    this.countRequested(listener.requestedPath, -1);
    this.displaced.delete(listener);
    const feed = listener.feedPath ? this.feedMount(listener.feedPath) : undefined;
    feed?.detach(listener);
    const requested = this.mounts.get(listener.requestedPath);
    if (requested && reason === 'slow') requested.stats.drops++;
    this.observer.listenerLeft(listener.requestedPath, reason);
  }

  /** Moves every listener of `from` to `to` (admin moveclients): they now belong to `to`. */
  moveListeners(from: string, to: string): number {
    const target = this.mounts.get(to);
    if (!target) throw new AircheckError('MOUNT_NOT_FOUND', `mount ${to} does not exist: give an existing mount as destination`);
    const listeners = this.listenersOf(from);
    this.finishFanout();
    for (const l of listeners) {
      this.countRequested(l.requestedPath, -1);
      this.countRequested(to, 1);
      l.requestedPath = to;
      this.observer.listenerMoved(from, to);
      this.rehomeListener(l, l.feedPath ? this.feedMount(l.feedPath) : undefined);
    }
    return listeners.length;
  }

  findListener(path: string, id: number): Listener | undefined {
    return this.listenersOf(path).find((l) => l.id === id);
  }

  /** After a source starts: listeners on a fallback whose own mount (or a better one) is live go back. */
  private rehome(): void {
    this.finishFanout();
    for (const l of [...this.displaced]) {
      const current = l.feedPath ? this.feedMount(l.feedPath) : undefined;
      const target = this.resolveFeed(l.requestedPath, l.format);
      // A source that has released no audio yet would leave the listener without any (players
      // underrun; VLC stops): it stays on its fallback until sourceUnits() brings the first audio,
      // or, for a file feed, until the next tick has released its first audio.
      if (!target || target === current) continue;
      if (target.hasReleasedAudio || current === undefined) this.moveListener(l, current, target);
      else if (target.isFileFeed) this.refeedPending = true;
    }
  }

  private rehomeListener(l: Listener, current: Mount | undefined): void {
    // What the listener is owed from its feed goes out before an EOS, a new chain or the end.
    this.finishFanout();
    const target = this.resolveFeed(l.requestedPath, l.format);
    if (!target) {
      // Nothing to play and no fallback in the listener's format: end the stream cleanly.
      current?.detach(l);
      l.close(this.resolveFeed(l.requestedPath, null) ? 'format-mismatch' : 'source-ended', true);
      return;
    }
    if (target !== current) this.moveListener(l, current, target);
  }

  private moveListener(l: Listener, from: Mount | undefined, to: Mount): void {
    this.finishFanout();
    from?.detachForMove(l);
    to.addMovedListener(l);
    if (to.path === l.requestedPath) this.displaced.delete(l);
    else this.displaced.add(l);
  }

  private feedMount(path: string): Mount | undefined {
    return this.mounts.get(path) ?? this.fileFeedMount(path);
  }

  private fileFeedMount(path: string): Mount | undefined {
    for (const f of this.fileFeeds.values()) if (f.mount.path === path) return f.mount;
    return undefined;
  }

  // ---- outputs ----------------------------------------------------------------------------------

  /**
   * Feeds `output` what a listener of `path` hears (its own source, else its fallback), moving it
   * between feeds at a sync point with the new feed's header pages. format: only feeds of this
   * format (null: any). Returns the detach function.
   */
  attachHeardOutput(path: string, output: MountOutput, format: StreamFormat | null = null): () => void {
    const sub: HeardOutput = { path, output, format, feed: null, streamStartMs: 0, started: false, title: '', info: null };
    this.heard.add(sub);
    return () => {
      if (!this.heard.delete(sub)) return;
      if (sub.started) output.streamEnded('output detached');
    };
  }

  /** Points each 'heard' output at the feed a listener of its path would get now. */
  private resolveHeard(): void {
    for (const sub of this.heard) {
      const target = this.resolveFeed(sub.path, sub.format);
      if (target === sub.feed && (!target || target.streamStartMs === sub.streamStartMs)) continue;
      if (sub.started && !target) sub.output.streamEnded('nothing to play');
      sub.feed = target;
      sub.streamStartMs = target?.streamStartMs ?? 0;
      sub.started = false;
    }
  }

  /** Gives the 'heard' outputs fed by m what m releases now (before its listeners get it). */
  private feedHeard(m: Mount): void {
    const units = m.pendingUnits;
    if (units.length === 0 || m.format === null) return;
    for (const sub of this.heard) {
      if (sub.feed !== m) continue;
      let from = 0;
      if (!sub.started) {
        from = units.findIndex((u) => u.isSyncPoint || u.newStream);
        if (from < 0) continue;
        sub.started = true;
        sub.output.streamStarted({
          mountPath: sub.path, feedPath: m.path, format: m.format, info: m.info,
          headerPages: units[from]!.newStream ? [] : [...m.currentHeaderPages],
        });
        sub.title = '';
        sub.info = m.info;
      }
      // The feed's title (its source's, or the fallback's) as of this tick.
      if (m.title !== sub.title) {
        sub.title = m.title;
        sub.output.title?.(m.title);
      }
      sub.output.units(from === 0 ? units : units.slice(from));
    }
  }

  // ---- the tick --------------------------------------------------------------------------------

  /**
   * Releases paced audio of every source and file feed, then flushes each mount to its listeners:
   * the first batch of writes now, the rest on the next turns of the event loop (writeBatch), so a
   * large audience never holds the loop for one long task. A tick that comes while the previous
   * one's writes are still going out waits for them (each listener's chunks stay in order) and runs
   * right after; until then no audio is released, so nothing is pending outside a tick and a
   * listener that joins meanwhile gets everything released so far in its burst, once.
   */
  tick(nowMs: number): void {
    if (this.fanout !== null) {
      this.deferredTickMs = nowMs;
      return;
    }
    this.deferredTickMs = null;
    for (const s of [...this.sources.values()]) s.tick(nowMs);
    for (const f of this.fileFeeds.values()) f.tick(nowMs);
    if (this.refeedPending) {
      this.refeedPending = false;
      this.rehome();
    }
    if (this.heard.size > 0) this.resolveHeard();
    const jobs: FlushJob[] = [];
    for (const m of this.mounts.values()) this.takeFlush(m, jobs);
    for (const f of this.fileFeeds.values()) this.takeFlush(f.mount, jobs);
    if (jobs.length === 0) return;
    const fanout: Fanout = { jobs, index: 0 };
    this.fanout = fanout;
    this.writeBatch(fanout);
  }

  /** Gives m's 'heard' outputs what it released, and queues its flush to listeners in `jobs`. */
  private takeFlush(m: Mount, jobs: FlushJob[]): void {
    if (this.heard.size > 0) this.feedHeard(m);
    const job = m.takeFlush(this.limits.listenerQueueSeconds);
    if (job !== null) jobs.push(job);
  }

  /** Writes listeners of `fanout` until the batch's time is up, then yields to the loop (or ends it). */
  private writeBatch(fanout: Fanout): void {
    if (this.fanout !== fanout) return; // finished at once meanwhile (finishFanout)
    const { batchMs, minBatchListeners, nowMs, defer } = this.fanoutOptions;
    const started = nowMs();
    let written = 0;
    let sent = 0; // bytes of the current job in this batch, counted once (the metric is a labelled counter)
    while (fanout.index < fanout.jobs.length) {
      const job = fanout.jobs[fanout.index]!;
      const from = job.next;
      sent += job.mount.writeFlush(job, from + CLOCK_EVERY).sent;
      written += job.next - from;
      const done = job.next >= job.listeners.length;
      const timeUp = written >= minBatchListeners && nowMs() - started >= batchMs;
      if ((done || timeUp) && sent > 0) this.observer.bytesSent(job.mount, sent);
      if (done || timeUp) sent = 0;
      if (done) fanout.index++;
      if (timeUp) break;
    }
    if (fanout.index < fanout.jobs.length) {
      defer(() => this.writeBatch(fanout));
      return;
    }
    this.fanout = null;
    this.runDeferredTick();
  }

  /** Finishes the writes under way at once: before anything else writes to a listener or moves one. */
  private finishFanout(): void {
    const fanout = this.fanout;
    if (fanout === null) return;
    this.fanout = null;
    for (; fanout.index < fanout.jobs.length; fanout.index++) {
      const job = fanout.jobs[fanout.index]!;
      this.writeJob(job, job.listeners.length);
    }
    this.runDeferredTick();
  }

  private writeJob(job: FlushJob, end: number): void {
    const { sent } = job.mount.writeFlush(job, end);
    if (sent > 0) this.observer.bytesSent(job.mount, sent);
  }

  /** Runs the tick that waited for the last writes, on the next turn (not in this batch's task). */
  private runDeferredTick(): void {
    if (this.deferredTickMs === null || this.closed) return;
    this.fanoutOptions.defer(() => {
      // Another tick may have run first (the timer's): then this one has nothing to do.
      if (this.deferredTickMs !== null && !this.closed) this.tick(this.deferredTickMs);
    });
  }

  /** Flushes m now, all listeners at once (a source ends: what it released goes out before the move). */
  private flushMount(m: Mount): void {
    if (this.heard.size > 0) this.feedHeard(m);
    const before = m.stats.bytesSent;
    m.flush(this.limits.listenerQueueSeconds);
    if (m.stats.bytesSent !== before) this.observer.bytesSent(m, m.stats.bytesSent - before);
  }

  /** Ends everything (shutdown): listeners get what is queued, sources are closed. */
  closeAll(): void {
    // What was released goes out first, and a tick that waited for it runs too.
    this.finishFanout();
    const waiting = this.deferredTickMs;
    if (waiting !== null) {
      this.tick(waiting);
      this.finishFanout();
    }
    this.closed = true;
    for (const s of [...this.sources.values()]) s.kill('server shutting down');
    for (const m of [...this.mounts.values(), ...[...this.fileFeeds.values()].map((f) => f.mount)]) {
      for (const l of [...m.listeners]) l.close('shutdown', true);
    }
  }
}
