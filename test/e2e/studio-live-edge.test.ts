// End to end (issue 10, "live edge after a cut"): the real studio in Chromium is on air through a
// proxy; the proxy cuts its uplink for 60 s, then lets it back at about 3 Mbit/s, so the studio's
// resent backlog takes seconds to arrive. A /live listener's delay behind the studio is measured with
// beeps (the glass-to-glass benchmark's WAV and detector): a worklet tap on the studio's microphone
// notes when each beep was captured, the listener decodes /live as it arrives. Within 5 s of the
// reconnect the listener is back under 2 s behind the studio, the studio says how much was skipped on
// air, and the recording holds the whole cut.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OpusDecoder } from 'opus-decoder';
import { isOpusHead, isOpusTags } from '../../shared/src/ogg/codec-headers.ts';
import { OggPacketAssembler, parseOggPage } from '../../shared/src/ogg/ogg-page.ts';
import { readManifest } from '../../recordings/src/show-manifest.ts';
import { waitForSettled } from '../helpers/recordings.ts';
import { BEEP_AMPLITUDE, BEEP_LENGTH_S, BeepDetector, DETECTOR_OPTIONS, NOISE_PEAK, PITCHES, beepFrequencyHz, type BeepDetectorOptions } from '../bench/beeps.ts';
import { endShow, signIn, studioFixture } from './studio-fixture.ts';
import { startStudioProxy } from './studio-proxy.ts';

const DJ = { name: 'dj-edge', password: 'a long enough password' };
const CUT_MS = 60_000;
/** ≈ 3 Mbit/s: a 60 s backlog of 128 kbps Opus takes ≈ 2.5 s to resend. */
const UPLINK_BYTES_PER_S = 400_000;
/**
 * The glass-to-glass beeps, spread out: one every 3.5 s, so the 24 pitches loop every 84 s, longer
 * than the cut and the studio's reconnect backoff together: a beep's pitch names its capture time
 * without ambiguity, even for a listener still a whole cut behind.
 */
const SPACING_S = 3.5;
const LOOP_MS = PITCHES * SPACING_S * 1000;
const RATE_HZ = 48_000;

/** RIFF 16-bit stereo 48 kHz: beep i (beepFrequencyHz(i), BEEP_LENGTH_S) mid-slot i, over the benchmark's noise bed. */
function sparseBeepWav(): Uint8Array {
  const frames = Math.round((LOOP_MS / 1000) * RATE_HZ);
  const dataBytes = frames * 4;
  const out = new Uint8Array(44 + dataBytes);
  const view = new DataView(out.buffer);
  const ascii = (at: number, text: string): void => {
    for (let i = 0; i < text.length; i++) out[at + i] = text.charCodeAt(i);
  };
  ascii(0, 'RIFF');
  view.setUint32(4, 36 + dataBytes, true);
  ascii(8, 'WAVEfmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);
  view.setUint16(22, 2, true);
  view.setUint32(24, RATE_HZ, true);
  view.setUint32(28, RATE_HZ * 4, true);
  view.setUint16(32, 4, true);
  view.setUint16(34, 16, true);
  ascii(36, 'data');
  view.setUint32(40, dataBytes, true);
  const pcm = new Float32Array(frames);
  let seed = 0x2545f491;
  for (let n = 0; n < frames; n++) {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    pcm[n] = NOISE_PEAK * ((seed / 2 ** 32) * 2 - 1);
  }
  const length = Math.round(BEEP_LENGTH_S * RATE_HZ);
  const ramp = Math.round(0.002 * RATE_HZ);
  for (let i = 0; i < PITCHES; i++) {
    const start = Math.round((i + 0.5) * SPACING_S * RATE_HZ);
    for (let n = 0; n < length; n++) {
      pcm[start + n]! += BEEP_AMPLITUDE * Math.min(1, n / ramp, (length - 1 - n) / ramp) * Math.sin((2 * Math.PI * beepFrequencyHz(i) * n) / RATE_HZ);
    }
  }
  for (let n = 0; n < frames; n++) {
    const v = Math.round(Math.max(-1, Math.min(1, pcm[n]!)) * 32767);
    view.setInt16(44 + n * 4, v, true);
    view.setInt16(46 + n * 4, v, true);
  }
  return out;
}

interface Beep { index: number; atMs: number }

/** The detector in an AudioWorklet on every microphone source node the studio creates (as glass-to-glass.ts does). */
const WORKLET_SOURCE = `${BeepDetector.toString()}
registerProcessor('edge-beeps', class extends AudioWorkletProcessor {
  constructor(options) {
    super();
    this.detector = new BeepDetector({ ...options.processorOptions, sampleRateHz: sampleRate });
    this.start = -1;
    this.silence = new Float32Array(128);
  }
  process(inputs) {
    if (this.start < 0) this.start = currentFrame;
    const input = inputs[0] && inputs[0][0] ? inputs[0][0] : this.silence;
    for (const b of this.detector.push(input)) {
      this.port.postMessage({ index: b.index, onsetFrame: this.start + b.onsetSample, reachedFrame: this.start + this.detector.position });
    }
    return true;
  }
});`;

function installStudioTap({ source, options }: { source: string; options: Omit<BeepDetectorOptions, 'sampleRateHz'> }): void {
  const w = window as unknown as { edgeReport(b: unknown): void };
  const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
  const loaded = new WeakMap<BaseAudioContext, Promise<void>>();
  const Original = window.MediaStreamAudioSourceNode;
  class Tapped extends Original {
    constructor(context: AudioContext, opts: MediaStreamAudioSourceOptions) {
      super(context, opts);
      if (!loaded.has(context)) loaded.set(context, context.audioWorklet.addModule(url));
      void loaded.get(context)!.then(() => {
        const node = new AudioWorkletNode(context, 'edge-beeps', { numberOfInputs: 1, numberOfOutputs: 0, processorOptions: options });
        node.port.onmessage = (ev: MessageEvent<{ index: number; onsetFrame: number; reachedFrame: number }>) => {
          w.edgeReport({ index: ev.data.index, atMs: Date.now() - ((ev.data.reachedFrame - ev.data.onsetFrame) / context.sampleRate) * 1000 });
        };
        this.connect(node);
      });
    }
  }
  window.MediaStreamAudioSourceNode = Tapped;
}

/** A raw /live listener decoding as the bytes arrive: each beep with the time its page arrived. */
async function listenForBeeps(url: string, onBeep: (b: Beep) => void): Promise<() => void> {
  const u = new URL(url);
  const decoder = new OpusDecoder({ channels: 2 });
  await decoder.ready;
  const detector = new BeepDetector({ ...DETECTOR_OPTIONS, sampleRateHz: 48_000 });
  return new Promise((resolve, reject) => {
    const socket = connect(Number(u.port), u.hostname, () => {
      socket.write(`GET ${u.pathname} HTTP/1.0\r\nHost: ${u.host}\r\n\r\n`);
      resolve(() => { socket.destroy(); decoder.free(); });
    });
    socket.on('error', reject);
    let head = true;
    let buf = new Uint8Array(0);
    const assembler = new OggPacketAssembler();
    let serial = -1;
    socket.on('data', (chunk: Buffer) => {
      const now = Date.now();
      let data = new Uint8Array(chunk);
      if (head) {
        const end = Buffer.from(data).indexOf('\r\n\r\n');
        if (end < 0) return;
        head = false;
        data = data.subarray(end + 4);
      }
      buf = Buffer.concat([buf, data]);
      let offset = 0;
      for (;;) {
        const parsed = parseOggPage(buf, offset);
        if (!parsed) break;
        offset = parsed.nextOffset;
        if (parsed.page.serial !== serial) {
          serial = parsed.page.serial;
          assembler.reset();
        }
        for (const packet of assembler.push(parsed.page)) {
          if (isOpusHead(packet.data) || isOpusTags(packet.data)) continue;
          const { channelData } = decoder.decodeFrame(packet.data);
          for (const b of detector.push(channelData[0] ?? new Float32Array(0))) onBeep({ index: b.index, atMs: now });
        }
      }
      buf = buf.subarray(offset);
    });
  });
}

/** A heard beep's delay: since the latest capture of the same pitch before it (the WAV loops every LOOP_MS). */
function delayMs(heard: Beep, captured: readonly Beep[]): number | null {
  const source = captured.filter((c) => c.index === heard.index && c.atMs <= heard.atMs).at(-1);
  return source ? heard.atMs - source.atMs : null;
}

test('after a 60 s cut the /live listener is back under 2 s behind the studio within 5 s, the studio says what was skipped, the recording holds it all', { timeout: 180_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aircheck-edge-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const wav = join(dir, 'beeps.wav');
  writeFileSync(wav, sparseBeepWav());
  const { bridge, page } = await studioFixture(t, { dj: DJ, micWav: wav });
  const proxy = await startStudioProxy(bridge.webUrl, { uplinkBytesPerSecond: UPLINK_BYTES_PER_S });
  t.after(() => proxy.close());
  const captured: Beep[] = [];
  await page.exposeFunction('edgeReport', (b: Beep) => void captured.push(b));
  await page.addInitScript(installStudioTap, { source: WORKLET_SOURCE, options: DETECTOR_OPTIONS });

  await signIn(page, `${proxy.url}/studio/`, DJ);
  await page.getByRole('button', { name: 'Connect' }).click();
  await page.getByText('On /test (private preview)').waitFor();
  await page.getByRole('button', { name: 'Go live' }).click();
  await page.getByText('ON AIR', { exact: true }).waitFor();
  const heard: Beep[] = [];
  const stop = await listenForBeeps(bridge.url('/live'), (b) => void heard.push(b));
  t.after(stop);
  await new Promise((r) => setTimeout(r, 8000));
  const before = heard.map((h) => delayMs(h, captured)).filter((d): d is number => d !== null);
  assert.ok(before.length >= 2, `beeps heard before the cut: ${before.length}`);

  proxy.cutUplink();
  await new Promise((r) => setTimeout(r, CUT_MS));
  const cutEndMs = Date.now();
  proxy.restoreUplink();
  // The studio retries with backoff (≤ 8 s + jitter): the reconnect is when the proxy lets it through.
  const deadline = Date.now() + 15_000;
  while (proxy.lastUpgradeAtMs < cutEndMs && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.ok(proxy.lastUpgradeAtMs >= cutEndMs, 'the studio reconnected');
  const reconnectMs = proxy.lastUpgradeAtMs;
  // From 5 s after the reconnect on, every beep the listener hears is less than 2 s old (two or more beeps).
  await new Promise((r) => setTimeout(r, Math.max(0, reconnectMs + 5000 + 2 * SPACING_S * 1000 + 500 - Date.now())));
  const after = heard.filter((h) => h.index >= 0 && h.atMs > reconnectMs).map((h) => ({ ...h, delayMs: delayMs(h, captured) }));
  t.diagnostic(`delay before the cut ${before.map(Math.round).join(', ')} ms; after the reconnect ${after.map((h) => `${Math.round(h.atMs - reconnectMs)}:${h.delayMs === null ? '?' : Math.round(h.delayMs)}`).join(', ')} (ms since the reconnect:delay ms; beeps loop every ${LOOP_MS} ms)`);
  const judged = after.filter((h) => h.atMs > reconnectMs + 5000);
  assert.ok(judged.length >= 2, `beeps heard from 5 s after the reconnect: ${judged.length}`);
  for (const h of judged) assert.ok(h.delayMs !== null && h.delayMs < 2000, `a beep heard ${Math.round(h.atMs - reconnectMs)} ms after the reconnect was ${h.delayMs === null ? 'never captured' : `${Math.round(h.delayMs)} ms old`}`);

  await page.getByRole('status', { name: 'Skipped on air' }).getByText(/s of the cut were skipped on air to keep listeners live; the recording has all of it\./).waitFor();
  const notice = await page.getByRole('status', { name: 'Skipped on air' }).textContent();
  const skippedS = Number(/([\d.]+) s of the cut/.exec(notice ?? '')?.[1]);
  assert.ok(skippedS >= CUT_MS / 1000 - 1, `the studio says ${skippedS} s were skipped on air`);

  await endShow(page);
  await page.getByText('The show has ended.').waitFor();
  const recordings = await waitForSettled(bridge.dataDir, 30_000);
  assert.equal(recordings.length, 1, 'one recording for the show across the cut');
  assert.equal(recordings[0].status, 'verified', recordings[0].reason);
  const manifest = await readManifest(join(bridge.dataDir, 'spool', recordings[0].showId));
  assert.deepEqual(manifest.gaps, [], 'no gap: the cut is recorded in full');
  assert.ok(manifest.final!.durationSamples / 48_000 > CUT_MS / 1000 + 4, `the recording lasts ${manifest.final!.durationSamples / 48_000} s`);
});
