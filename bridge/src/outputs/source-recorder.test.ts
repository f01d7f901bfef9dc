import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { AudioUnit, StreamFormat } from '../../../shared/src/audio-unit.ts';
import type { ErrorCode } from '../../../shared/src/errors.ts';
import type { SourceRecording } from '../../../recordings/src/source-recording.ts';
import { emptyInfo } from '../mounts/mount.ts';
import { MountRecorder, showName } from './source-recorder.ts';

/** A fake clock and a log of what the recorder did with each show. */
function harness(opts: { kind?: string; graceMs?: number } = {}) {
  let now = 1_000_000;
  const timers: { at: number; fn: () => void; cancelled: boolean }[] = [];
  const shows: { format: StreamFormat; events: string[] }[] = [];
  let kind = opts.kind ?? 'socket';
  const rec = new MountRecorder('/live', {
    createRecording: (show) => {
      const entry = { format: show.format, events: [] as string[] };
      shows.push(entry);
      return {
        format: show.format, showId: `show-${shows.length}`,
        units: (u: readonly AudioUnit[]) => entry.events.push(`units ${u.length}`),
        title: (t: string) => entry.events.push(`title ${t}`),
        show: () => {},
        gap: (ms: number, cause: ErrorCode) => entry.events.push(`gap ${ms} ${cause}`),
        end: (reason: string) => entry.events.push(`end ${reason}`),
      } as unknown as SourceRecording;
    },
    sourceOf: () => ({ kind, remoteAddress: '192.0.2.7' }),
    graceMs: () => opts.graceMs ?? 10_000,
    log: pino({ level: 'silent' }),
    now: () => now,
    setTimer: (fn, ms) => {
      const t = { at: now + ms, fn, cancelled: false };
      timers.push(t);
      return { cancel: () => { t.cancelled = true; } };
    },
  });
  const advance = (ms: number) => {
    now += ms;
    for (const t of timers) if (!t.cancelled && t.at <= now) {
      t.cancelled = true;
      t.fn();
    }
  };
  const start = (format: StreamFormat = 'mp3') => rec.streamStarted({ mountPath: '/live', feedPath: '/live', format, info: emptyInfo(), headerPages: [] });
  const unit: AudioUnit = { data: new Uint8Array(4), durationUs: 26_000, isHeader: false, isSyncPoint: true, newStream: false };
  return { rec, shows, advance, start, unit, setKind: (k: string) => { kind = k; } };
}

describe('MountRecorder (every source recorded)', () => {
  test('a source back within the grace period continues the same show, the time away a gap with its cause', () => {
    const h = harness();
    h.start();
    h.rec.units([h.unit]);
    h.rec.streamEnded('connection lost', 'SOURCE_CONNECTION_LOST');
    h.advance(5000);
    h.rec.units([h.unit]); // nothing is recorded while the source is away (a fallback is never recorded)
    h.start();
    h.rec.units([h.unit]);
    assert.equal(h.shows.length, 1);
    assert.deepEqual(h.shows[0]!.events, ['units 1', 'gap 5000 SOURCE_CONNECTION_LOST', 'units 1']);
  });

  test('a clean leave is a SOURCE_AWAY gap; past the grace period the show ends and the next source starts a new one', () => {
    const h = harness();
    h.start();
    h.rec.streamEnded('source disconnected', null);
    h.advance(9_999);
    assert.deepEqual(h.shows[0]!.events, []);
    h.advance(1);
    assert.match(h.shows[0]!.events.at(-1)!, /^end source disconnected; no source came back within 10 s/);
    h.start();
    assert.equal(h.shows.length, 2);
  });

  test('a source of another format ends the waiting show and starts a new one', () => {
    const h = harness();
    h.start('mp3');
    h.rec.streamEnded('source disconnected', null);
    h.advance(2000);
    h.start('ogg-vorbis');
    assert.equal(h.shows.length, 2);
    assert.match(h.shows[0]!.events.at(-1)!, /^end a source of another format/);
    assert.equal(h.shows[1]!.format, 'ogg-vorbis');
  });

  test("the studio's own stream is not recorded here, and ends a waiting source show", () => {
    const h = harness();
    h.start();
    h.rec.streamEnded('source disconnected', null);
    h.setKind('studio');
    h.start('ogg-opus');
    h.rec.units([h.unit]);
    assert.equal(h.shows.length, 1);
    assert.match(h.shows[0]!.events.at(-1)!, /^end the studio went on air/);
    h.rec.streamEnded('studio left', null);
    h.setKind('socket');
    h.start();
    assert.equal(h.shows.length, 2, 'the next source starts its own show');
  });

  test('an AAC stream (a relay) is not recorded: the waiting show ends, nothing new starts', () => {
    const h = harness();
    h.start('mp3');
    h.rec.streamEnded('source disconnected', null);
    h.start('aac');
    h.rec.units([h.unit]);
    assert.equal(h.shows.length, 1);
    assert.match(h.shows[0]!.events.at(-1)!, /^end an AAC stream took the mount/);
    h.rec.streamEnded('relay stopped', null);
    h.start('mp3');
    assert.equal(h.shows.length, 2, 'the next MP3 source starts its own show');
  });

  test('grace 0: the show ends with its source', () => {
    const h = harness({ graceMs: 0 });
    h.start();
    h.rec.streamEnded('source disconnected', null);
    assert.deepEqual(h.shows[0]!.events, ['end source disconnected']);
  });

  test('show names are safe in a show id', () => {
    assert.equal(showName('/live'), 'live');
    assert.equal(showName('/a b/c.mp3'), 'a-b-c.mp3');
    assert.equal(showName('/'), 'source');
  });
});
