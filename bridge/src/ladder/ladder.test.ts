// The ladder on a real MountRegistry with in-process sources and a fake encoder: it follows what the
// parent's listeners hear (source → fallback mount → source) with one encoder per stream, while each
// rung's source — and so its listeners' connections — stays; titles reach the rungs.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import type { AudioUnit } from '../../../shared/src/audio-unit.ts';
import { MountSchema, type RungConfig } from '../../../config/src/config-schema.ts';
import { MountRegistry, type RegistryObserver } from '../mounts/mount-registry.ts';
import { InProcessSource } from '../mounts/mount-source.ts';
import { emptyInfo } from '../mounts/mount.ts';
import type { EncoderBackend, EncoderEvents, EncoderInput } from './encoder-backend.ts';
import { Ladder } from './ladder.ts';
import { OggFramer } from '../../../shared/src/ogg/ogg-framer.ts';
import { parseOggPage, writeOggPage, type OggPage } from '../../../shared/src/ogg/ogg-page.ts';
import { writeOpusTags } from '../../../shared/src/ogg/codec-headers.ts';

const observer: RegistryObserver = {
  sourceStarted() {}, sourceEnded() {}, listenerJoined() {}, listenerLeft() {}, listenerMoved() {}, bytesSent() {}, bytesReceived() {}, mountRemoved() {},
};
const RUNGS: RungConfig[] = [
  { path: '/live-64.mp3', codec: 'mp3', bitrate_kbps: 64, channels: 2 },
  { path: '/live.opus', codec: 'opus', bitrate_kbps: 64, channels: 2 },
];

/** MPEG-1 Layer III, 128 kbps, 44.1 kHz: 417-byte frames of 26.122 ms. */
function mp3Frame(): Uint8Array {
  const f = new Uint8Array(417);
  f.set([0xff, 0xfb, 0x90, 0x64]);
  return f;
}

/** MPEG-1 Layer III, 128 kbps, 48 kHz: 384-byte frames of 24 ms. */
function mp3Frame48k(): Uint8Array {
  const f = new Uint8Array(384);
  f.set([0xff, 0xfb, 0x94, 0x64]);
  return f;
}

/** An Opus packet: CELT fullband 20 ms, one frame (RFC 6716 §3.1, config 31, code 0). */
function opusPacket(): Uint8Array {
  const p = new Uint8Array(40).fill(7);
  p[0] = 31 << 3;
  return p;
}

/** Audio pages `from`.. of a chain: 5 packets (100 ms) each, granules counting from the chain's start. */
function opusPages(serial: number, from: number, count: number, startSequence = from): Uint8Array[] {
  return Array.from({ length: count }, (_, i) => writeOggPage({
    serial, sequence: startSequence + i, granulePosition: BigInt(4800 * (from - 1 + i)), packets: Array.from({ length: 5 }, opusPacket),
  }));
}

/** An Ogg Opus chain: BOS (OpusHead), OpusTags, then `audio` pages. */
function opusChain(serial: number, channels: number, audio: number): Uint8Array[] {
  const head = new Uint8Array(19);
  head.set(new TextEncoder().encode('OpusHead'), 0);
  head[8] = 1;
  head[9] = channels;
  head[10] = 312 & 0xff;
  head[11] = 312 >> 8;
  new DataView(head.buffer).setUint32(12, 48000, true);
  const tags = writeOpusTags({ vendor: 'test', comments: [], trailing: new Uint8Array(0) });
  return [
    writeOggPage({ serial, sequence: 0, granulePosition: 0n, packets: [head], bos: true }),
    writeOggPage({ serial, sequence: 1, granulePosition: 0n, packets: [tags] }),
    ...opusPages(serial, 2, audio),
  ];
}

/** The Ogg pages in `bytes`. */
function oggPages(bytes: Uint8Array): OggPage[] {
  const pages: OggPage[] = [];
  for (let at = 0; at < bytes.length;) {
    const parsed = parseOggPage(bytes, at);
    if (!parsed) throw new Error(`no Ogg page at byte ${at}`);
    pages.push(parsed.page);
    at = parsed.nextOffset;
  }
  return pages;
}
const unit = (data: Uint8Array): AudioUnit => ({ data, durationUs: 26_122, isHeader: false, isSyncPoint: true, newStream: false });

/** A listener of `path` that keeps nothing (a rung with a listener is encoded even on the parent's fallback). */
function addListener(registry: MountRegistry, path: string): void {
  const format = path.endsWith('.opus') ? 'ogg-opus' : 'mp3';
  const l = { requestedPath: path, feedPath: null, format, usesIcy: false, needsSync: false, closed: false, send: () => true, setIcyBlock() {}, continueOggStream() {}, close() {} };
  registry.addListener(l as never, registry.get(path)!);
}

class FakeEncoder implements EncoderBackend {
  written = 0;
  readonly chunks: Uint8Array[] = [];
  bytes(): Uint8Array {
    return Buffer.concat(this.chunks);
  }
  killed = false;
  droppedBytes = 0;
  readonly input: EncoderInput;
  readonly title: string;
  readonly events: EncoderEvents;
  constructor(input: EncoderInput, title: string, events: EncoderEvents) {
    this.input = input;
    this.title = title;
    this.events = events;
  }
  write(bytes: Uint8Array): void {
    this.written += bytes.length;
    this.chunks.push(bytes.slice());
  }
  closed = false;
  close(): void {
    this.closed = true;
  }
  kill(): void {
    this.killed = true;
  }
}

function setup() {
  const registry = new MountRegistry({
    mounts: [MountSchema.parse({ path: '/live', fallback_mount: '/fb' }), MountSchema.parse({ path: '/fb' }), ...RUNGS.map((r) => MountSchema.parse({ path: r.path }))],
    limits: { maxListeners: 100, maxSources: 100, listenerQueueSeconds: 15, maxDynamicMounts: 0 },
    observer,
    fileFeedFor: () => null,
  });
  const encoders: FakeEncoder[] = [];
  const logged: string[] = [];
  let now = 1_000_000;
  const ladder = new Ladder(registry, {
    parentPath: '/live', rungs: RUNGS, engineName: 'fake', now: () => now,
    createEncoder: (input, _rungs, title, events) => {
      const e = new FakeEncoder(input, title, events);
      encoders.push(e);
      return e;
    },
    log: { info: () => {}, warn: (_o: unknown, m: string) => logged.push(m), error: (_o: unknown, m: string) => logged.push(m) } as never,
  });
  ladder.start();
  for (const r of RUNGS) addListener(registry, r.path);
  const tick = () => registry.tick((now += 100));
  const source = (path: string) => {
    const s = InProcessSource.claim(registry, { kind: 'socket', mountPath: path, remoteAddress: 'test' });
    s.start('mp3', emptyInfo());
    return s;
  };
  return { registry, ladder, encoders, tick, source, logged };
}

test('a rung follows its parent (source, fallback, source) with one encoder while the frames keep their parameters, the rung sources stay', () => {
  const { registry, encoders, tick, source } = setup();
  const live = source('/live');
  const fb = source('/fb');
  live.push([unit(mp3Frame()), unit(mp3Frame())]);
  fb.push([unit(mp3Frame())]);
  tick();
  assert.equal(encoders.length, 1);
  assert.equal(encoders[0]!.input.format, 'mp3');
  assert.equal(encoders[0]!.written, 834, 'both frames of /live, none of /fb');
  const rungSource = registry.sourceOf('/live-64.mp3');
  assert.ok(rungSource, 'the rung mount has its in-process source');
  assert.equal(registry.get('/live-64.mp3')!.format, 'mp3');
  assert.equal(registry.get('/live.opus')!.format, 'ogg-opus');

  // The encoder's output reaches the rung's mount as framed units with their durations.
  const heard: AudioUnit[] = [];
  registry.attachHeardOutput('/live-64.mp3', { name: 'probe', streamStarted() {}, streamEnded() {}, units: (u) => heard.push(...u) });
  encoders[0]!.events.output(0, Buffer.concat([mp3Frame(), mp3Frame(), mp3Frame()]));
  tick();
  assert.deepEqual(heard.map((u) => u.data.length), [417, 417, 417]);
  assert.equal(heard.reduce((n, u) => n + u.durationUs, 0), Math.floor((3 * 1152 * 1e6) / 44100), '3 frames of 1152 samples at 44.1 kHz');

  // The source leaves: the fallback mount's audio (same MPEG parameters) goes on through the same
  // encoder, no start to wait for; the rungs keep their sources.
  live.end('gone');
  fb.push([unit(mp3Frame())]);
  tick();
  fb.push([unit(mp3Frame())]);
  tick();
  assert.equal(encoders.length, 1, 'no new encoder for the fallback');
  assert.equal(encoders[0]!.killed || encoders[0]!.closed, false);
  assert.equal(encoders[0]!.written, 834 + 834, 'the fallback is encoded by the running encoder');
  assert.equal(registry.sourceOf('/live-64.mp3'), rungSource, 'same rung source: its listeners stay connected');

  const back = source('/live');
  back.push([unit(mp3Frame())]);
  tick();
  assert.equal(encoders.length, 1);
  assert.equal(encoders[0]!.written, 834 + 834 + 417, 'and the source again');
  assert.equal(registry.sourceOf('/live-64.mp3'), rungSource);
});

test('a feed whose MP3 frames another decoder set-up needs (48 kHz after 44.1 kHz) gets a new encoder; the old one is handed over', () => {
  const { registry, encoders, tick, source } = setup();
  const live = source('/live');
  const fb = source('/fb');
  live.push([unit(mp3Frame())]);
  fb.push([unit(mp3Frame48k())]);
  tick();
  live.end('gone');
  fb.push([unit(mp3Frame48k())]);
  tick();
  assert.equal(encoders.length, 2);
  assert.deepEqual([encoders[0]!.closed, encoders[0]!.written], [true, 417], 'the old encoder is closed (its tail still reaches the rungs), and got no 48 kHz frame');
  assert.equal(encoders[1]!.written, 384, 'the new one gets the 48 kHz frames');
  assert.equal(registry.sourceOf('/live-64.mp3')?.state, 'streaming');
});

test('Ogg: a fallback chain and the source\'s new chain the decoder can take reach the running encoder as one logical stream; another channel count starts a new one', () => {
  const { registry, encoders, tick } = setup();
  const ogg = (path: string) => {
    const s = InProcessSource.claim(registry, { kind: 'socket', mountPath: path, remoteAddress: 'test' });
    s.start('ogg-opus', emptyInfo());
    return s;
  };
  const live = ogg('/live');
  const fb = ogg('/fb');
  // One framer per source connection, as in the bridge.
  const framer = () => {
    const f = new OggFramer();
    return (pages: Uint8Array[]) => f.push(Buffer.concat(pages));
  };
  const fbFrames = framer();
  live.push(framer()(opusChain(0x1111, 2, 3)));
  fb.push(fbFrames(opusChain(0x2222, 2, 6)));
  tick();
  assert.equal(encoders.length, 1);
  live.end('gone');
  tick();
  fb.push(fbFrames(opusPages(0x2222, 8, 3)));
  tick();
  const back = ogg('/live');
  const backFrames = framer();
  back.push(backFrames(opusChain(0x3333, 2, 2)));
  tick();
  assert.equal(encoders.length, 1, 'one encoder through fallback and return');
  const stream = oggPages(encoders[0]!.bytes());
  assert.deepEqual([...new Set(stream.map((p) => p.serial))], [0x1111], 'one logical stream (the first chain\'s serial)');
  assert.equal(stream.filter((p) => p.bos).length, 1, 'one BOS page: the later chains\' headers are dropped');
  assert.equal(stream.length, 2 + 3 + 3 + 2, 'every audio page of /live, the fallback, /live again');
  const granules = stream.slice(2).map((p) => p.granulePosition);
  assert.deepEqual(granules, [...granules].sort((a, b) => (a < b ? -1 : 1)), 'granules count on');

  // A mono chain: the stereo decoder cannot take it: a new encoder starting with its headers.
  back.push(backFrames(opusChain(0x4444, 1, 2)));
  tick();
  assert.equal(encoders.length, 2);
  assert.equal(encoders[0]!.closed, true);
  const mono = oggPages(encoders[1]!.bytes());
  assert.deepEqual([mono[0]!.bos, mono[0]!.serial, mono.length], [true, 0x4444, 4]);
});

test('titles: ICY rungs get it at once, Ogg rungs through a new encoder (a new chain with the title)', () => {
  const { registry, encoders, tick, source } = setup();
  const live = source('/live');
  live.push([unit(mp3Frame())]);
  tick();
  assert.equal(encoders.length, 1);
  live.setTitle('Artist - Song');
  live.push([unit(mp3Frame())]);
  tick();
  assert.equal(registry.get('/live-64.mp3')!.title, 'Artist - Song');
  live.push([unit(mp3Frame())]);
  tick();
  assert.equal(encoders.length, 2, 'restarted once for the Ogg rung');
  assert.equal(encoders[1]!.title, 'Artist - Song');

  // The source leaves; the fallback mount has no title: the rungs do not keep the old one.
  const fb = source('/fb');
  live.end('gone');
  fb.push([unit(mp3Frame())]);
  tick();
  assert.equal(registry.get('/live-64.mp3')!.title, '');
  assert.equal(encoders.at(-1)!.title, '', 'the Ogg rung\'s new chain has no stale title');
});

test('a restart within one feed (a title change) hands over: the old encoder\'s tail reaches the rung, then the new one\'s output, nothing lost', () => {
  const { registry, encoders, tick, source } = setup();
  const live = source('/live');
  live.push([unit(mp3Frame())]);
  tick();
  const heard: number[] = [];
  registry.attachHeardOutput('/live-64.mp3', { name: 'probe', streamStarted() {}, streamEnded() {}, units: (u) => heard.push(...u.map((x) => x.data.length)) });
  live.setTitle('Next Song'); // the Ogg rung needs a new chain: a new encoder
  live.push([unit(mp3Frame())]);
  tick();
  assert.equal(encoders.length, 2);
  const [old, next] = encoders as [FakeEncoder, FakeEncoder];
  assert.deepEqual([old.closed, old.killed], [true, false], 'the old encoder is closed (it encodes what it holds), not killed');
  next.events.output(0, Buffer.concat([mp3Frame(), mp3Frame()])); // the new encoder is quicker: its output waits
  old.events.output(0, Buffer.concat([mp3Frame(), mp3Frame()])); // the old one's tail
  tick();
  assert.equal(heard.length, 2, 'the tail reached the rung; the new output is held');
  old.events.exited(null);
  tick();
  assert.deepEqual(heard, [417, 417, 417, 417], 'then the new encoder\'s output, in order');
  next.events.output(0, mp3Frame());
  tick();
  assert.equal(heard.length, 5);
});

test('nothing left to play ends the rungs; an encoder failure ends them and logs LADDER_ENCODER_FAILED', async () => {
  const { registry, encoders, tick, source, logged } = setup();
  const live = source('/live');
  live.push([unit(mp3Frame())]);
  tick();
  const { AircheckError } = await import('../../../shared/src/errors.ts');
  encoders[0]!.events.exited(new AircheckError('LADDER_ENCODER_FAILED', 'ffmpeg exited'));
  assert.equal(registry.sourceOf('/live-64.mp3'), undefined);
  assert.deepEqual(logged, ['ladder encoder failed']);
  live.push([unit(mp3Frame())]);
  tick();
  assert.equal(encoders.length, 1, 'no restart before the retry delay');
  live.kill('admin');
  tick();
  assert.equal(registry.sourceOf('/live.opus'), undefined);
});

/** /live with a fallback mount /fb and its built-in MP3 companion /live.mp3 (bitrate_from_studio), each encoder's bitrate kept. */
function studioCompanion() {
  const registry = new MountRegistry({
    mounts: [MountSchema.parse({ path: '/live', fallback_mount: '/fb' }), MountSchema.parse({ path: '/fb' }), MountSchema.parse({ path: '/live.mp3' })],
    limits: { maxListeners: 100, maxSources: 100, listenerQueueSeconds: 15, maxDynamicMounts: 0 },
    observer,
    fileFeedFor: () => null,
  });
  const encoders: { kbps: number; encoder: FakeEncoder }[] = [];
  const ladder = new Ladder(registry, {
    parentPath: '/live', rungs: [{ path: '/live.mp3', codec: 'mp3', bitrate_kbps: 128, channels: 2, bitrate_from_studio: true }], engineName: 'fake',
    createEncoder: (input, rungs, title, events) => {
      const encoder = new FakeEncoder(input, title, events);
      encoders.push({ kbps: rungs[0]!.bitrate_kbps, encoder });
      return encoder;
    },
    log: { info() {}, warn() {}, error() {} } as never,
  });
  ladder.start();
  return { registry, ladder, encoders };
}

test("a bitrate_from_studio rung encodes at the MP3 bitrate the feed asks for (the studio DJ's), else at its own", () => {
  const { registry, ladder, encoders } = studioCompanion();
  /** The bitrate each encoder was started at. */
  const asked = () => encoders.map((e) => e.kbps);
  let now = 0;
  const studio = InProcessSource.claim(registry, { kind: 'studio', mountPath: '/live', remoteAddress: 'studio' });
  studio.start('mp3', { ...emptyInfo(), companionMp3Kbps: 64 });
  studio.push([unit(mp3Frame())]);
  registry.tick((now += 100));
  assert.deepEqual(asked(), [64], "the DJ's bitrate");
  assert.equal(registry.get('/live.mp3')!.info.bitrateKbps, 64, 'and the rung mount says so (icy-br, status)');
  studio.setInfo({ ...emptyInfo(), name: 'Night Shift', companionMp3Kbps: 64 });
  studio.push([unit(mp3Frame())]);
  registry.tick((now += 100));
  assert.deepEqual([registry.get('/live.mp3')!.info.name, registry.get('/live.mp3')!.info.bitrateKbps, asked().length], ['Night Shift', 64, 1], 'a rename reaches the rung; the encoder stays');
  const fb = InProcessSource.claim(registry, { kind: 'socket', mountPath: '/fb', remoteAddress: 'test' });
  fb.start('mp3', emptyInfo());
  studio.end('show over');
  fb.push([unit(mp3Frame())]);
  registry.tick((now += 100));
  assert.deepEqual(asked(), [64], 'the fallback with nobody on the rung: no encoder (on demand)');
  assert.equal(ladder.status.encoding, false);
  addListener(registry, '/live.mp3');
  fb.push([unit(mp3Frame())]);
  registry.tick(now + 100);
  assert.deepEqual(asked(), [64, 128], 'a rung listener: the fallback is encoded, at the configured bitrate');
  const st = ladder.status;
  assert.deepEqual([st.engine, st.encoding, st.encoderStarts, st.failures, st.rungs.map((r) => [r.path, r.bitrateKbps, r.sampleRateHz])], ['fake', true, 2, 0, [['/live.mp3', 128, 44100]]]);
  assert.equal(registry.get('/live.mp3')!.info.bitrateKbps, 128);
  ladder.stop();
});

test('a switch to a feed that asks another MP3 bitrate (the studio\'s 64 kbps, then the fallback at the configured 128) starts an encoder at that bitrate and stops the old one', () => {
  const { registry, ladder, encoders } = studioCompanion();
  addListener(registry, '/live.mp3'); // encoded on the fallback too
  let now = 0;
  const fb = InProcessSource.claim(registry, { kind: 'socket', mountPath: '/fb', remoteAddress: 'test' });
  fb.start('mp3', emptyInfo());
  const studio = InProcessSource.claim(registry, { kind: 'studio', mountPath: '/live', remoteAddress: 'studio' });
  studio.start('mp3', { ...emptyInfo(), companionMp3Kbps: 64 });
  studio.push([unit(mp3Frame())]);
  fb.push([unit(mp3Frame())]);
  registry.tick((now += 100));
  studio.end('show over');
  fb.push([unit(mp3Frame())]);
  registry.tick((now += 100));
  fb.push([unit(mp3Frame())]);
  registry.tick(now + 100);
  assert.deepEqual(encoders.map((e) => e.kbps), [64, 128], 'same MP3 frames, another bitrate: a new encoder');
  assert.equal(encoders[0]!.encoder.killed, true, 'a switch of bitrate stops the old encoder');
  assert.ok(encoders[1]!.encoder.written > 0);
  ladder.stop();
});

test('LadderManager: an unchanged ladder keeps running on reload; newIn names only new or changed ones', async () => {
  const { LadderManager } = await import('./ladder-manager.ts');
  const { registry } = setup();
  const created: string[] = [];
  const plan = (kbps: number) => [{
    mount: MountSchema.parse({ path: '/fb', ladder: [{ path: '/fb-x.mp3', codec: 'mp3', bitrate_kbps: kbps }] }),
    choice: { engineName: 'wasm' as const, createEncoder: () => new FakeEncoder({ format: 'mp3' }, '', { output() {}, exited() {} }) },
    key: String(kbps),
  }];
  const log = { info: (_o: { mount: string }) => created.push(_o.mount), warn() {}, error() {} };
  const m = new LadderManager(registry, log as never);
  assert.deepEqual(m.newIn(plan(64)), ['/fb']);
  m.apply(plan(64));
  const first = m.get('/fb');
  assert.deepEqual(m.newIn(plan(64)), []);
  m.apply(plan(64));
  assert.equal(m.get('/fb'), first, 'unchanged: the same ladder');
  assert.deepEqual(m.newIn(plan(128)), ['/fb']);
  m.apply(plan(128));
  assert.notEqual(m.get('/fb'), first, 'changed: rebuilt');
  m.apply([]);
  assert.equal(m.get('/fb'), undefined);
  assert.deepEqual(created, ['/fb', '/fb']);
});
