// The mixer in Web Audio. Fed by capture devices (getUserMedia, one MediaStreamAudioSourceNode per
// channel) and the cart player (AudioBuffers); feeds the encoder through outputTrack (master after
// the limiter) and the DJ's headphones through the cue bus (context.destination). Only the master goes
// on air; nothing on air is played locally, so a microphone cannot feed back.
//
//   input ─► fader ─► duck ─┬─► master in ─► master fader ─► limiter ─► clip guard ─┬─► outputTrack
//                           ├─► meter                                               ├─► master meter
//                           │                                                       └─► capture worklet (encoder, where no MediaStreamTrackProcessor)
//                           └─► cue send ─► cue bus ─► cue level ─► destination (headphones)

import meterProcessorUrl from './meter-processor.ts?worker&url';
import { METER_PROCESSOR_NAME, MIN_DB, dbToGain } from './meter-math.ts';
import type { MeterReading } from './meter-math.ts';
import { captureConstraints, channelGains } from './mixer-model.ts';
import type { ChannelSettings, InputMode, MasterSettings } from './mixer-model.ts';
import type { MasterOutput } from '../encode/audio-data-source.ts';

/** The rate the mixer runs at: Opus' own; Chromium resamples each capture into it (FACTS.md). */
export const ENGINE_SAMPLE_RATE_HZ = 48_000;
/** Time constant of gain changes, so faders and talkover do not click. */
const RAMP_S = 0.015;
/** Talkover fades slower, like a hardware ducker. */
const DUCK_RAMP_S = 0.08;

export const SILENT_READING: MeterReading = { peakDb: MIN_DB, rmsDb: MIN_DB };

interface ChannelNodes {
  source: AudioNode | null;
  stream: MediaStream | null;
  input: GainNode;
  fader: GainNode;
  duck: GainNode;
  cueSend: GainNode;
  meter: AudioWorkletNode;
}

export interface CartPlayback {
  stop(): void;
  /** AudioContext time it started (the cart wall's countdown counts from it). */
  readonly startedAtS: number;
  /** Loop the cart (takes effect at once, also while it plays). */
  setLoop(loop: boolean): void;
}

export class AudioEngine {
  readonly context: AudioContext;
  #channels = new Map<string, ChannelNodes>();
  #levels = new Map<string, MeterReading>();
  #masterIn: GainNode;
  #masterFader: GainNode;
  #limiter: DynamicsCompressorNode;
  #output: MediaStreamAudioDestinationNode;
  #guard: WaveShaperNode;
  #cueLevel: GainNode;
  #listeners = new Set<() => void>();

  static async create(): Promise<AudioEngine> {
    const context = new AudioContext({ sampleRate: ENGINE_SAMPLE_RATE_HZ, latencyHint: 'interactive' });
    await context.audioWorklet.addModule(meterProcessorUrl);
    return new AudioEngine(context);
  }

  constructor(context: AudioContext) {
    this.context = context;
    const c = context;
    this.#masterIn = new GainNode(c);
    this.#masterFader = new GainNode(c);
    // The limiter: fast, hard-knee compression just under full scale …
    this.#limiter = new DynamicsCompressorNode(c, { threshold: -3, knee: 0, ratio: 20, attack: 0.001, release: 0.1 });
    // … and a clip guard after it: transparent below −1 dBFS, then a soft curve that never reaches 1.
    const guard = new WaveShaperNode(c, { curve: clipGuardCurve(), oversample: '2x' });
    this.#guard = guard;
    this.#output = new MediaStreamAudioDestinationNode(c, { channelCount: 2, channelCountMode: 'explicit' });
    this.#masterIn.connect(this.#masterFader).connect(this.#limiter).connect(guard);
    guard.connect(this.#output);
    guard.connect(this.#meterNode('master'));
    this.#cueLevel = new GainNode(c);
    this.#cueLevel.connect(c.destination);
  }

  /** The mixed, limited master: what goes on air. */
  get outputTrack(): MediaStreamTrack {
    return this.#output.stream.getAudioTracks()[0] as MediaStreamTrack;
  }

  /**
   * The master as the encoder takes it: the track (MediaStreamTrackProcessor) and the clip guard's
   * node in its context (an AudioWorklet tap where the browser has no MediaStreamTrackProcessor).
   */
  get masterOutput(): MasterOutput {
    return { track: this.outputTrack, context: this.context, node: this.#guard };
  }

  /** How much the limiter is reducing the master right now, in dB (≤ 0). */
  get limiterReductionDb(): number {
    return this.#limiter.reduction;
  }

  /** Latest meter reading of a channel id or 'master'. */
  level(id: string): MeterReading {
    return this.#levels.get(id) ?? SILENT_READING;
  }

  /** Called whenever a meter has a new reading (~20 times a second per meter). */
  subscribe(fn: () => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  async resume(): Promise<void> {
    if (this.context.state !== 'running') await this.context.resume();
  }

  /** Adds a channel's nodes; for an input, opens its capture device. */
  async addChannel(settings: ChannelSettings, master: MasterSettings): Promise<void> {
    const c = this.context;
    const nodes: ChannelNodes = {
      source: null,
      stream: null,
      input: new GainNode(c),
      fader: new GainNode(c),
      duck: new GainNode(c),
      cueSend: new GainNode(c, { gain: 0 }),
      meter: this.#meterNode(settings.id),
    };
    nodes.input.connect(nodes.fader).connect(nodes.duck);
    nodes.duck.connect(this.#masterIn);
    nodes.duck.connect(nodes.meter);
    nodes.duck.connect(nodes.cueSend).connect(this.#cueLevel);
    this.#channels.set(settings.id, nodes);
    this.apply(settings, master);
    if (settings.kind === 'input') await this.openCapture(settings.id, settings.deviceId, settings.mode);
  }

  /** (Re)opens a channel's capture device with the constraints of its mode. */
  async openCapture(id: string, deviceId: string, mode: InputMode): Promise<MediaStreamTrack> {
    const nodes = this.#need(id);
    const stream = await navigator.mediaDevices.getUserMedia(captureConstraints(deviceId, mode));
    this.#closeCapture(nodes);
    nodes.stream = stream;
    nodes.source = new MediaStreamAudioSourceNode(this.context, { mediaStream: stream });
    nodes.source.connect(nodes.input);
    return stream.getAudioTracks()[0] as MediaStreamTrack;
  }

  removeChannel(id: string): void {
    const nodes = this.#channels.get(id);
    if (!nodes) return;
    this.#closeCapture(nodes);
    for (const node of [nodes.input, nodes.fader, nodes.duck, nodes.cueSend, nodes.meter]) node.disconnect();
    nodes.meter.port.onmessage = null;
    this.#channels.delete(id);
    this.#levels.delete(id);
  }

  /** Applies a channel's fader, mute, cue and the talkover ducking (ramped, click-free). */
  apply(settings: ChannelSettings, master: MasterSettings): void {
    const nodes = this.#channels.get(settings.id);
    if (!nodes) return;
    const gains = channelGains(settings, master);
    const t = this.context.currentTime;
    nodes.fader.gain.setTargetAtTime(gains.fader, t, RAMP_S);
    nodes.duck.gain.setTargetAtTime(gains.duck, t, DUCK_RAMP_S);
    nodes.cueSend.gain.setTargetAtTime(gains.cueSend, t, RAMP_S);
  }

  applyMaster(master: MasterSettings): void {
    const t = this.context.currentTime;
    this.#masterFader.gain.setTargetAtTime(dbToGain(master.gainDb), t, RAMP_S);
    this.#cueLevel.gain.setTargetAtTime(dbToGain(master.cueGainDb), t, RAMP_S);
  }

  /** Decodes a local audio file for the cart wall. */
  async decodeFile(file: Blob): Promise<AudioBuffer> {
    return this.context.decodeAudioData(await file.arrayBuffer());
  }

  /** Fires a cart into a channel (the carts channel); onEnded when it finishes or is stopped. */
  playBuffer(channelId: string, buffer: AudioBuffer, onEnded: () => void, loop = false): CartPlayback {
    const nodes = this.#need(channelId);
    const source = new AudioBufferSourceNode(this.context, { buffer, loop });
    source.connect(nodes.input);
    source.onended = () => {
      source.disconnect();
      onEnded();
    };
    const startedAtS = this.context.currentTime;
    source.start();
    return { stop: () => source.stop(), startedAtS, setLoop: (on) => { source.loop = on; } };
  }

  async close(): Promise<void> {
    for (const id of [...this.#channels.keys()]) this.removeChannel(id);
    await this.context.close();
  }

  #meterNode(id: string): AudioWorkletNode {
    const node = new AudioWorkletNode(this.context, METER_PROCESSOR_NAME, {
      numberOfInputs: 1,
      numberOfOutputs: 0,
      processorOptions: { windowMs: 50 },
    });
    node.port.onmessage = (ev: MessageEvent<MeterReading>) => {
      this.#levels.set(id, ev.data);
      for (const fn of this.#listeners) fn();
    };
    return node;
  }

  #closeCapture(nodes: ChannelNodes): void {
    nodes.source?.disconnect();
    for (const track of nodes.stream?.getTracks() ?? []) track.stop();
    nodes.source = null;
    nodes.stream = null;
  }

  #need(id: string): ChannelNodes {
    const nodes = this.#channels.get(id);
    if (!nodes) throw new Error(`audio engine: no channel "${id}"`);
    return nodes;
  }
}

/** Identity up to −1 dBFS, then a tanh knee that approaches 0.999 and never reaches full scale. */
export function clipGuardCurve(points = 4096): Float32Array<ArrayBuffer> {
  const knee = dbToGain(-1);
  const ceiling = 0.999;
  const curve = new Float32Array(points);
  for (let i = 0; i < points; i++) {
    const x = (i / (points - 1)) * 2 - 1;
    const a = Math.abs(x);
    const y = a <= knee ? a : knee + (ceiling - knee) * Math.tanh((a - knee) / (ceiling - knee));
    curve[i] = Math.sign(x) * y;
  }
  return curve;
}
