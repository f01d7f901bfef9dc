// Test fixture: real finalized recordings for the catalog tests, made the way the bridge makes them
// (Recorder → spool → finalize → LocalRecordingStore) from libopus tone packets, at times a fake
// clock sets. Not used at run time.
import pino from 'pino';
import { opusTonePackets, type OpusSource } from '../../../test/helpers/opus-packets.ts';
import { Recorder } from '../recorder.ts';
import type { RecordingStore } from '../store-contract.ts';
import type { Mp3BitrateKbps } from '../../../shared/src/mp3/opus-to-mp3.ts';
import { readFileSync } from 'node:fs';
import { framerFor } from '../../../shared/src/stream-framer.ts';
import { toneSequenceFile } from '../../../test/helpers/tones.ts';

export const silentLog = pino({ level: 'silent' });

export interface FakeClock {
  now: () => Date;
  set(iso: string | number): void;
}

export function fakeClock(iso: string): FakeClock {
  let ms = Date.parse(iso);
  return { now: () => new Date(ms), set: (t) => (ms = typeof t === 'number' ? t : Date.parse(t)) };
}

const tones = new Map<string, Promise<OpusSource>>();

export interface ShowSpec {
  dj: string;
  /** ISO start (the clock is set here for the first frame). */
  at: string;
  seconds: number;
  name?: string;
  /** The show reached /live (RecordingConsumer.onWentLive): before its first frame (true), or after this many seconds. */
  live?: boolean | number;
  titles?: { atS: number; artist: string; title: string }[];
}

/** A recorder on spoolDir with store; record() plays one show through it and waits until it settled. */
export function showRecorder(opts: { spoolDir: string; store: RecordingStore | null; clock: FakeClock; mp3BitrateKbps?: Mp3BitrateKbps }) {
  const recorder = new Recorder({
    spoolDir: opts.spoolDir, segmentSeconds: 1, store: opts.store, log: silentLog, now: opts.clock.now,
    uploadSegments: false, tracksGoingLive: true, mp3BitrateKbps: opts.mp3BitrateKbps ?? null,
  });
  return {
    recorder,
    async record(spec: ShowSpec): Promise<string> {
      const key = `440:${Math.ceil(spec.seconds)}`;
      if (!tones.has(key)) tones.set(key, opusTonePackets(440, Math.ceil(spec.seconds)));
      const source = await tones.get(key)!;
      opts.clock.set(spec.at);
      const consumer = recorder.createConsumer({ dj: spec.dj, opusHead: source.head, channels: 2, preSkipSamples: 312 });
      if (spec.name !== undefined) consumer.onShow({ name: spec.name, description: `${spec.name} with ${spec.dj}` });
      if (spec.live === true) consumer.onWentLive();
      let samples = 0;
      const startMs = Date.parse(spec.at);
      for (const [seq, p] of source.packets.entries()) {
        if (samples >= spec.seconds * 48_000) break;
        if (typeof spec.live === 'number' && Math.round(spec.live * 48_000) === samples) consumer.onWentLive();
        for (const t of spec.titles ?? []) if (Math.round(t.atS * 48_000) === samples) consumer.onMetadata({ artist: t.artist, title: t.title });
        consumer.onFrame({ seq, timestampUs: Math.round(samples / 0.048), durationSamples: p.durationSamples, flags: 0, packet: p.data });
        samples += p.durationSamples;
      }
      opts.clock.set(startMs + Math.round(samples / 48));
      consumer.onEnd();
      await recorder.idle();
      return consumer.showId;
    },
    /** A source client's MP3 show on /live (ffmpeg's tone, framed as the bridge frames a source), kept as received. */
    async recordSourceMp3(spec: { dj: string; at: string; seconds: number }): Promise<string> {
      const file = await toneSequenceFile('mp3', [{ frequencyHz: 440, durationS: spec.seconds }]);
      opts.clock.set(spec.at);
      const rec = recorder.createSourceRecording({
        dj: spec.dj, format: 'mp3', channels: 2,
        source: { kind: 'client', mount: '/live', address: '192.0.2.7', userAgent: 'Lavf/59.27.100', iceName: 'Tone FM' },
      });
      rec.units(framerFor('mp3').push(new Uint8Array(readFileSync(file))));
      opts.clock.set(Date.parse(spec.at) + spec.seconds * 1000);
      rec.end('source disconnected');
      await recorder.idle();
      return rec.showId;
    },
  };
}
