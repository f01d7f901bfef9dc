// The dead-man's switch: every scheduled show must have a verified recording `grace_minutes` after
// its end, and every failed recording is reported. Each finds one alert, ever: what fired is kept in
// `<data_dir>/alerts-state.json` (atomic writes), so a restart does not fire again. Fed by the
// [[schedule]] config, the spool's manifests (recording-catalog.ts) and an injected clock; feeds the
// AlertSender, the log (level error) and aircheck_alerts_total{kind}. Created by bridge/src/bridge.ts.
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import { failureGoesToCaller, isAircheckError, type ErrorCode } from '../../../shared/src/errors.ts';
import { listRecordings } from '../recording-catalog.ts';
import { manifestDurationSamples, type RecordingStatus, type ShowManifest } from '../show-manifest.ts';
import { writeJsonAtomic } from '../spool/spool-fs.ts';
import type { Alert, AlertKind, AlertSender } from './alert-sender.ts';
import type { ScheduleEntry } from '../../../config/src/alerts-schema.ts';
import { slotsEndingBetween, type ShowSlot } from './show-schedule.ts';

/** How far back slots and failures are looked at: a restart after a day's downtime still reports them. */
export const LOOKBACK_MS = 24 * 3600 * 1000;
/** A recording still being recorded, finalized or uploaded defers a slot's alert at most this long. */
export const SETTLE_LIMIT_MS = 6 * 3600 * 1000;
/** Longest a show can last (duration_minutes ≤ 1440): recordings that started earlier are not read. */
const LONGEST_SHOW_MS = 24 * 3600 * 1000;
const STATE_VERSION = 1;

/** What the switch needs of a recording, from its manifest. */
export interface RecordingFacts {
  id: string;
  startMs: number;
  /** The end marker; for a show still on air, now; after a crash, start + recorded duration. */
  endMs: number;
  status: RecordingStatus;
  reason: string | null;
  /** When it became failed (its history), for status failed and verified_with_gaps. */
  failedAtMs: number | null;
}

export function recordingFacts(m: ShowManifest, nowMs: number): RecordingFacts {
  const startMs = Date.parse(m.startedAt);
  const endMs = m.endedAt ? Date.parse(m.endedAt) : m.status === 'recording' ? Math.max(nowMs, startMs) : startMs + manifestDurationSamples(m) / 48;
  // verified_with_gaps failed mid-show (frames received were not recorded): its failure counts too.
  const hadFailure = m.status === 'failed' || m.status === 'verified_with_gaps';
  const failedAt = hadFailure ? [...m.history].reverse().find((h) => h.status === 'failed')?.at : undefined;
  return { id: m.showId, startMs, endMs, status: m.status, reason: m.reason, failedAtMs: hadFailure ? Date.parse(failedAt ?? m.startedAt) : null };
}

export type SlotVerdict =
  | { verdict: 'covered'; recordingId: string }
  | { verdict: 'pending'; recordingId: string }
  | { verdict: 'missed'; reason: string; recordingId: string | null };

/** A recording overlaps a slot when they share time (a recording with no audio yet: its start instant). */
export function overlaps(r: RecordingFacts, slot: ShowSlot): boolean {
  return r.startMs < slot.endMs && Math.max(r.endMs, r.startMs + 1) > slot.startMs;
}

const IN_PROGRESS: ReadonlySet<RecordingStatus> = new Set(['recording', 'finalizing', 'uploaded']);

/**
 * Whether a slot that ended (grace included) is covered: a verified recording overlapping it covers
 * it; one still in progress defers the decision (up to SETTLE_LIMIT_MS after the grace); else missed.
 */
export function judgeSlot(slot: ShowSlot, recordings: readonly RecordingFacts[], nowMs: number, graceMs: number): SlotVerdict {
  const overlapping = recordings.filter((r) => overlaps(r, slot));
  const verified = overlapping.find((r) => r.status === 'verified');
  if (verified) return { verdict: 'covered', recordingId: verified.id };
  const withGaps = overlapping.find((r) => r.status === 'verified_with_gaps');
  const busy = overlapping.find((r) => IN_PROGRESS.has(r.status));
  if (busy && nowMs < slot.endMs + graceMs + SETTLE_LIMIT_MS) return { verdict: 'pending', recordingId: busy.id };
  const when = `${new Date(slot.startMs).toISOString()}–${new Date(slot.endMs).toISOString()}`;
  if (busy) {
    return { verdict: 'missed', recordingId: busy.id, reason: `the recording of "${slot.show}" (${when}) is still ${busy.status}, not verified, ${Math.round((nowMs - slot.endMs) / 60_000)} minutes after the show ended` };
  }
  if (withGaps) return { verdict: 'missed', recordingId: withGaps.id, reason: `the recording of "${slot.show}" (${when}) has gaps: ${withGaps.reason ?? 'frames were not recorded'}` };
  const failed = overlapping.find((r) => r.status === 'failed');
  if (failed) return { verdict: 'missed', recordingId: failed.id, reason: `the recording of "${slot.show}" (${when}) failed: ${failed.reason ?? 'unknown reason'}` };
  return { verdict: 'missed', recordingId: null, reason: `no recording of the scheduled show "${slot.show}" (${when})` };
}

/** The alerts due now that have not fired: missed slots (ended + grace), then failed recordings. */
export function dueAlerts(input: {
  schedule: readonly ScheduleEntry[];
  recordings: readonly RecordingFacts[];
  fired: ReadonlySet<string>;
  nowMs: number;
  graceMs: number;
  station: string;
}): Alert[] {
  const { nowMs, graceMs, station } = input;
  const firedAt = new Date(nowMs).toISOString();
  const alerts: Alert[] = [];
  for (const slot of slotsEndingBetween(input.schedule, nowMs - LOOKBACK_MS, nowMs - graceMs)) {
    const id = `show:${slot.key}`;
    if (input.fired.has(id)) continue;
    const v = judgeSlot(slot, input.recordings, nowMs, graceMs);
    if (v.verdict !== 'missed') continue;
    alerts.push({
      id, kind: 'show_missed', show: slot.show, dj: slot.dj, slot_start: new Date(slot.startMs).toISOString(), slot_end: new Date(slot.endMs).toISOString(),
      reason: v.reason, recording_id: v.recordingId, station, fired_at: firedAt,
    });
  }
  for (const r of input.recordings) {
    if (r.failedAtMs === null || r.failedAtMs < nowMs - LOOKBACK_MS || input.fired.has(recordingAlertId(r.id))) continue;
    alerts.push(recordingFailedAlert(r, input.schedule, station, firedAt));
  }
  return alerts;
}

export function recordingAlertId(recordingId: string): string {
  return `recording:${recordingId}`;
}

/** The `recording_failed` alert of a recording (one per recording, ever). */
export function recordingFailedAlert(r: Pick<RecordingFacts, 'id' | 'startMs' | 'endMs' | 'reason'>, schedule: readonly ScheduleEntry[], station: string, firedAt: string): Alert {
  const slot = slotsEndingBetween(schedule, r.startMs, r.startMs + 2 * LONGEST_SHOW_MS).find((s) => overlaps(r as RecordingFacts, s));
  return {
    id: recordingAlertId(r.id), kind: 'recording_failed', show: slot?.show ?? null, dj: slot?.dj ?? null,
    slot_start: slot ? new Date(slot.startMs).toISOString() : null, slot_end: slot ? new Date(slot.endMs).toISOString() : null,
    reason: `recording ${r.id} failed: ${r.reason ?? 'unknown reason'}`, recording_id: r.id, station, fired_at: firedAt,
  };
}

export interface DeadMansSwitchOptions {
  schedule: readonly ScheduleEntry[];
  graceMs: number;
  spoolDir: string;
  /** `<data_dir>/alerts-state.json`. */
  stateFile: string;
  station: string;
  sender: AlertSender;
  log: Logger;
  now?: () => Date;
  /** aircheck_alerts_total{kind}. */
  countAlert?: (kind: AlertKind) => void;
  /** aircheck_alert_checks_total: one per pass that read the schedule and the recordings (proof the switch runs). */
  countCheck?: () => void;
}

interface AlertsState {
  version: typeof STATE_VERSION;
  /** Alert id → when it fired (ISO). */
  fired: Record<string, string>;
}

export class DeadMansSwitch {
  readonly #opts: DeadMansSwitchOptions;
  #schedule: readonly ScheduleEntry[];
  #fired: Map<string, string> | null = null;
  #running: Promise<Alert[]> | null = null;
  #serial: Promise<unknown> = Promise.resolve();
  readonly #sending = new Set<Promise<void>>();
  #timer: NodeJS.Timeout | null = null;

  constructor(opts: DeadMansSwitchOptions) {
    this.#opts = opts;
    this.#schedule = opts.schedule;
  }

  /** Runs check() now and every intervalMs (the timer does not keep the process alive). */
  start(intervalMs: number): void {
    if (this.#timer) return;
    const run = () => void this.check();
    this.#timer = setInterval(run, intervalMs);
    this.#timer.unref();
    run();
  }

  /** A reloaded schedule; slots that already fired stay fired. */
  setSchedule(schedule: readonly ScheduleEntry[]): void {
    this.#schedule = schedule;
  }

  /**
   * A recording started failing mid-show (the recorder calls this at once): its `recording_failed`
   * alert fires now, once ever (a later check or a restart does not repeat it). Never rejects.
   */
  recordingFailed(failure: { showId: string; startedAt: string; reason: string }): Promise<Alert[]> {
    const run = this.#exclusive(async () => {
      const nowMs = (this.#opts.now?.() ?? new Date()).getTime();
      const fired = this.#fired ?? (this.#fired = await this.#loadState());
      if (fired.has(recordingAlertId(failure.showId))) return [];
      const startMs = Date.parse(failure.startedAt);
      const alert = recordingFailedAlert({ id: failure.showId, startMs, endMs: Math.max(nowMs, startMs), reason: failure.reason }, this.#schedule, this.#opts.station, new Date(nowMs).toISOString());
      await this.#fire([alert], fired, nowMs);
      return [alert];
    });
    return run.catch((err) => {
      this.#opts.log.error({ code: switchErrorCode(err), err: (err as Error).message }, "dead-man's switch could not fire a recording alert");
      return [];
    });
  }

  /** One pass: fires what is due (a pass already running is joined, not repeated). Never rejects. */
  check(): Promise<Alert[]> {
    this.#running ??= this.#exclusive(() => this.#check())
      .catch((err) => {
        this.#opts.log.error({ code: switchErrorCode(err), err: (err as Error).message }, "dead-man's switch check failed");
        return [];
      })
      .finally(() => (this.#running = null));
    return this.#running;
  }

  /** Resolves when the running check and every delivery started so far have finished. */
  async idle(): Promise<void> {
    await this.#running;
    while (this.#sending.size > 0) await Promise.allSettled([...this.#sending]);
  }

  close(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#opts.sender.close();
  }

  async #check(): Promise<Alert[]> {
    const nowMs = (this.#opts.now?.() ?? new Date()).getTime();
    const fired = this.#fired ?? (this.#fired = await this.#loadState());
    const { entries } = await listRecordings(this.#opts.spoolDir, { startedSince: new Date(nowMs - LOOKBACK_MS - 2 * LONGEST_SHOW_MS) });
    const recordings = entries.map((e) => recordingFacts(e.manifest, nowMs));
    const alerts = dueAlerts({ schedule: this.#schedule, recordings, fired: new Set(fired.keys()), nowMs, graceMs: this.#opts.graceMs, station: this.#opts.station });
    await this.#fire(alerts, fired, nowMs);
    this.#opts.countCheck?.();
    return alerts;
  }

  /** Passes and immediate alerts one at a time: the fired set is read and written by one at once. */
  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#serial.then(fn);
    this.#serial = run.catch(failureGoesToCaller); // the next one still runs
    return run;
  }

  async #fire(alerts: Alert[], fired: Map<string, string>, nowMs: number): Promise<void> {
    if (alerts.length === 0) return;
    // Remembered before delivery: a restart never fires twice (a crash mid-delivery leaves the log line).
    for (const a of alerts) fired.set(a.id, a.fired_at);
    for (const [id, at] of fired) if (Date.parse(at) < nowMs - LOOKBACK_MS - LONGEST_SHOW_MS) fired.delete(id);
    await this.#saveState(fired);
    for (const a of alerts) {
      this.#opts.countAlert?.(a.kind);
      this.#opts.log.error({ alert: a.id, kind: a.kind, show: a.show, slotStart: a.slot_start, slotEnd: a.slot_end, recording: a.recording_id, reason: a.reason }, 'alert fired');
      // The sender logs and counts each target's failure; a sender that throws anyway is reported here.
      const p = this.#opts.sender.send(a).catch((err: unknown) => {
        this.#opts.log.error({ code: 'ALERT_DELIVERY_FAILED', alert: a.id, kind: a.kind, err: (err as Error).message }, 'alert could not be delivered');
      });
      this.#sending.add(p);
      void p.finally(() => this.#sending.delete(p));
    }
  }

  async #loadState(): Promise<Map<string, string>> {
    let text: string;
    try {
      text = await readFile(this.#opts.stateFile, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
      throw err;
    }
    try {
      const state = JSON.parse(text) as AlertsState;
      if (state.version !== STATE_VERSION || typeof state.fired !== 'object' || state.fired === null) throw new Error(`version ${String(state.version)}`);
      return new Map(Object.entries(state.fired).filter(([, at]) => typeof at === 'string'));
    } catch (err) {
      // A corrupt state file must not silence the switch: start empty (alerts of the last day may repeat).
      this.#opts.log.error({ code: 'ALERT_STATE_UNUSABLE', file: this.#opts.stateFile, err: (err as Error).message }, 'alerts state unreadable; starting with none fired');
      return new Map();
    }
  }

  async #saveState(fired: Map<string, string>): Promise<void> {
    const state: AlertsState = { version: STATE_VERSION, fired: Object.fromEntries(fired) };
    try {
      await mkdir(dirname(this.#opts.stateFile), { recursive: true });
      await writeJsonAtomic(this.#opts.stateFile, state);
    } catch (err) {
      // Still fired (and remembered in memory); only a restart could repeat them.
      this.#opts.log.error({ code: 'ALERT_STATE_UNUSABLE', file: this.#opts.stateFile, err: (err as NodeJS.ErrnoException).code ?? (err as Error).message }, 'alerts state could not be written');
    }
  }
}

/** A pass fails reading the spool (its AircheckError) or its state file (a raw fs error: ALERT_STATE_UNUSABLE). */
function switchErrorCode(err: unknown): ErrorCode {
  return isAircheckError(err) ? err.code : 'ALERT_STATE_UNUSABLE';
}
