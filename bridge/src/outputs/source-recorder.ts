// Every show recorded, whatever its source: an output on each mount marked for recording (`record`,
// /live by default) that records the mount's own source client (never a fallback) in its own format
// through the recorder (recordings/src/source-recording.ts). A source that comes back within the
// grace period (`[recordings] source_grace_seconds`) continues the same show: one recording, the time
// away a gap with the reason it left. The studio's own in-process source is not recorded here (the
// DJ session records its show, frame by frame, with acknowledgements). Fed by the mount
// (mount-output.ts, 'source'); feeds the recorder.
import type { Logger } from 'pino';
import type { ErrorCode } from '../../../shared/src/errors.ts';
import type { AudioUnit, StreamFormat } from '../../../shared/src/audio-unit.ts';
import type { SourceEntry } from '../../../recordings/src/show-manifest.ts';
import type { SourceRecording } from '../../../recordings/src/source-recording.ts';
import type { Mount } from '../mounts/mount.ts';
import type { MountOutput, StreamStart } from '../mounts/mount-output.ts';

export interface SourceRecorderDeps {
  createRecording(show: { dj: string; format: StreamFormat; channels: number; source: SourceEntry }): SourceRecording;
  /** The source feeding a mount now: its kind ('studio' is not recorded here) and address. */
  sourceOf(path: string): { kind: string; remoteAddress: string } | undefined;
  graceMs(): number;
  log: Logger;
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => { cancel(): void };
}

/** The recorder of one mount's source shows. */
export class MountRecorder implements MountOutput {
  readonly name = 'recorder';
  readonly mountPath: string;
  readonly #deps: SourceRecorderDeps;
  #show: SourceRecording | null = null;
  /** The source left: the show waits this long for it (or another source) to come back. */
  #away: { sinceMs: number; cause: ErrorCode; reason: string; timer: { cancel(): void } } | null = null;
  /** The stream now on the mount is not recorded here: the studio's (its session records it), or AAC (a relay; only MP3 and Ogg are kept). */
  #notRecorded = false;

  constructor(mountPath: string, deps: SourceRecorderDeps) {
    this.mountPath = mountPath;
    this.#deps = deps;
  }

  streamStarted(start: StreamStart): void {
    const source = this.#deps.sourceOf(this.mountPath);
    const studio = source?.kind === 'studio';
    this.#notRecorded = studio || start.format === 'aac';
    const away = this.#away;
    this.#away = null;
    away?.timer.cancel();
    if (this.#notRecorded) {
      // The studio (or a stream the recorder cannot keep) took the mount: a waiting source show is over.
      if (!studio) this.#deps.log.warn({ mount: this.mountPath, format: start.format }, 'an AAC stream is not recorded (recordings keep MP3 and Ogg)');
      this.#endShow(studio ? 'the studio went on air on this mount' : 'an AAC stream took the mount');
      return;
    }
    if (this.#show && away && this.#show.format === start.format) {
      this.#show.gap(this.#now() - away.sinceMs, away.cause, away.reason);
      this.#deps.log.info({ mount: this.mountPath, show: this.#show.showId, awayMs: this.#now() - away.sinceMs }, 'source back within the grace period: the show goes on');
    } else {
      this.#endShow(away ? `a source of another format (${start.format}) came back` : 'a new show started');
      const show = this.#deps.createRecording({
        dj: showName(this.mountPath), format: start.format, channels: start.info.channels ?? 2,
        source: {
          kind: 'client', mount: this.mountPath, address: source?.remoteAddress ?? '',
          userAgent: start.info.userAgent, iceName: start.info.name,
        },
      });
      this.#show = show;
      if (start.info.name || start.info.description) show.show(start.info.name, start.info.description);
      this.#deps.log.info({ mount: this.mountPath, show: show.showId, format: start.format, address: source?.remoteAddress }, 'recording the source');
    }
  }

  units(units: readonly AudioUnit[]): void {
    if (!this.#notRecorded && !this.#away) this.#show?.units(units);
  }

  title(title: string): void {
    if (!this.#notRecorded && !this.#away) this.#show?.title(title);
  }

  streamEnded(reason: string, code?: ErrorCode | null): void {
    if (this.#notRecorded) {
      this.#notRecorded = false;
      return;
    }
    if (!this.#show || this.#away) return;
    const graceMs = this.#deps.graceMs();
    if (graceMs <= 0) {
      this.#endShow(reason);
      return;
    }
    const setTimer = this.#deps.setTimer ?? defaultTimer;
    this.#away = {
      sinceMs: this.#now(), cause: code ?? 'SOURCE_AWAY', reason,
      timer: setTimer(() => {
        this.#away = null;
        this.#endShow(`${reason}; no source came back within ${graceMs / 1000} s`);
      }, graceMs),
    };
  }

  /** Ends the show now (shutdown, the mount no longer recorded). */
  close(reason: string): void {
    this.#away?.timer.cancel();
    this.#away = null;
    this.#endShow(reason);
  }

  #endShow(reason: string): void {
    const show = this.#show;
    this.#show = null;
    show?.end(reason);
  }

  #now(): number {
    return (this.#deps.now ?? Date.now)();
  }
}

/** The recorders of every mount marked for recording: attached, kept across reloads, detached. */
export class SourceRecorders {
  readonly #deps: SourceRecorderDeps;
  readonly #byMount = new Map<Mount, MountRecorder>();

  constructor(deps: SourceRecorderDeps) {
    this.#deps = deps;
  }

  /** After start and every reload: mounts marked for recording get a recorder, others lose theirs. */
  sync(mounts: readonly Mount[]): void {
    const live = new Set(mounts);
    for (const [mount, rec] of this.#byMount) {
      if (live.has(mount) && recorded(mount)) continue;
      mount.outputs.delete(rec);
      rec.close(live.has(mount) ? 'the mount is no longer recorded' : 'the mount was removed');
      this.#byMount.delete(mount);
    }
    for (const mount of mounts) {
      if (mount.isFileFeed || !recorded(mount) || this.#byMount.has(mount)) continue;
      const rec = new MountRecorder(mount.path, this.#deps);
      this.#byMount.set(mount, rec);
      mount.outputs.add(rec);
    }
  }

  /** Shutdown: every source show ends now and is finalized. */
  closeAll(reason: string): void {
    for (const rec of this.#byMount.values()) rec.close(reason);
  }
}

/** A mount records its source shows when marked (`record`), /live when unset. */
export function recorded(mount: Mount): boolean {
  return mount.settings.record ?? mount.path === '/live';
}

/** A name safe in a show id, from the mount path ("/live" → "live", "/a/b.mp3" → "a-b.mp3"). */
export function showName(path: string): string {
  const name = path.replace(/^\/+/, '').replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 64);
  return name || 'source';
}

function defaultTimer(fn: () => void, ms: number): { cancel(): void } {
  const t = setTimeout(fn, ms);
  t.unref();
  return { cancel: () => clearTimeout(t) };
}
