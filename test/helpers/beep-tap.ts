// The glass-to-glass beeps' taps, shared by the benchmark (test/bench/glass-to-glass.ts) and the
// studio e2e tests that measure delay with beeps (studio-live-edge): the AudioWorklet module with
// the detector, the studio page's microphone tap, and a raw /live listener that decodes the Ogg
// Opus as it arrives and detects the beeps in it.
import { connect } from 'node:net';
import { OpusDecoder } from 'opus-decoder';
import { isOpusHead, isOpusTags } from '../../shared/src/ogg/codec-headers.ts';
import { OggPacketAssembler, parseOggPage } from '../../shared/src/ogg/ogg-page.ts';
import { BeepDetector, DETECTOR_OPTIONS, type BeepDetectorOptions, type BeepEvent } from '../bench/beeps.ts';

/** What the pages report over page.exposeFunction. */
export interface PageBeep {
  index: number;
  purity: number;
  /** Date.now() clock: when the audio graph processed the onset sample. */
  renderedAtMs: number;
  /** Date.now() clock: when Chromium says the onset sample leaves the output (getOutputTimestamp). */
  audibleAtMs: number;
}

/**
 * The AudioWorklet module the pages load (the benchmark's studio and player, the e2e studio): the
 * detector's own source text plus a processor ('g2g-beeps') that feeds it
 * and posts each beep with its onset frame and the frame it has reached.
 */
export const WORKLET_SOURCE = `${BeepDetector.toString()}
registerProcessor('g2g-beeps', class extends AudioWorkletProcessor {
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
      this.port.postMessage({ index: b.index, purity: b.purity, onsetFrame: this.start + b.onsetSample, reachedFrame: this.start + this.detector.position });
    }
    return true;
  }
});`;

export interface TapArgs {
  source: string;
  options: Omit<BeepDetectorOptions, 'sampleRateHz'>;
}

/**
 * Runs in the studio page before its scripts: every MediaStreamAudioSourceNode the studio creates
 * (its microphone) is also connected to the beep worklet. Nothing else in the studio changes.
 */
export function installStudioTap({ source, options }: TapArgs): void {
  const w = window as unknown as { g2gReport(b: unknown): void; g2gBeeps: number; g2gOnBeep: (() => void)[] };
  const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
  const loaded = new WeakMap<BaseAudioContext, Promise<void>>();
  w.g2gBeeps = 0;
  w.g2gOnBeep = [];
  const Original = window.MediaStreamAudioSourceNode;
  class Tapped extends Original {
    constructor(context: AudioContext, opts: MediaStreamAudioSourceOptions) {
      super(context, opts);
      if (!loaded.has(context)) loaded.set(context, context.audioWorklet.addModule(url));
      void loaded.get(context)!.then(() => {
        const node = new AudioWorkletNode(context, 'g2g-beeps', { numberOfInputs: 1, numberOfOutputs: 0, processorOptions: options });
        node.port.onmessage = (ev: MessageEvent<{ index: number; purity: number; onsetFrame: number; reachedFrame: number }>) => {
          const now = Date.now();
          const renderedAtMs = now - ((ev.data.reachedFrame - ev.data.onsetFrame) / context.sampleRate) * 1000;
          w.g2gReport({ index: ev.data.index, purity: ev.data.purity, renderedAtMs, audibleAtMs: renderedAtMs });
          w.g2gBeeps++;
          for (const fn of w.g2gOnBeep.splice(0)) fn();
        };
        this.connect(node);
      });
    }
  }
  window.MediaStreamAudioSourceNode = Tapped;
}

/** Listens to an Ogg Opus mount; reports each beep with the time (Date.now()) its page arrived. */
export async function listenForBeeps(url: string, onBeep: (beep: BeepEvent, quietSamples: number) => void, onAudio: (quietSamples: number) => void = () => undefined): Promise<() => void> {
  const u = new URL(url);
  const decoder = new OpusDecoder({ channels: 2 });
  await decoder.ready; // one decoder across Ogg chains
  const detector = new BeepDetector({ ...DETECTOR_OPTIONS, sampleRateHz: 48_000 });
  return new Promise((resolve, reject) => {
    const socket = connect(Number(u.port), u.hostname, () => {
      socket.write(`GET ${u.pathname} HTTP/1.0\r\nHost: ${u.host}\r\nUser-Agent: aircheck-bench\r\n\r\n`);
      resolve(() => {
        socket.destroy();
        decoder.free();
      });
    });
    socket.on('error', reject);
    let head = true;
    let buf: Uint8Array = new Uint8Array(0);
    let offset = 0;
    const assembler = new OggPacketAssembler();
    let serial = -1;
    socket.on('data', (chunk: Buffer) => {
      const now = Date.now();
      let data = new Uint8Array(chunk);
      if (head) {
        const text = Buffer.from(data).toString('latin1');
        const end = text.indexOf('\r\n\r\n');
        if (end < 0) return;
        head = false;
        data = data.subarray(end + 4);
      }
      const merged = new Uint8Array(buf.length - offset + data.length);
      merged.set(buf.subarray(offset));
      merged.set(data, buf.length - offset);
      buf = merged;
      offset = 0;
      for (;;) {
        const parsed = parseOggPage(buf, offset);
        if (!parsed) break;
        offset = parsed.nextOffset;
        const page = parsed.page;
        if (page.serial !== serial) {
          serial = page.serial;
          assembler.reset();
        }
        for (const packet of assembler.push(page)) {
          if (isOpusHead(packet.data) || isOpusTags(packet.data)) continue;
          const { channelData } = decoder.decodeFrame(packet.data);
          for (const b of detector.push(channelData[0] ?? new Float32Array(0))) onBeep({ index: b.index, atMs: now }, detector.quietSamples);
        }
      }
      onAudio(detector.quietSamples);
    });
  });
}
