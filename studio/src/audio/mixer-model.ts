// The mixer's settings as plain data: channels (microphones / line inputs, the cart player), their
// fader, mute, cue and mode, and the master section (talkover, limiter, cue level). Pure: the audio
// engine applies what it computes (gains per node) to Web Audio; the elements render it.

import { dbToGain } from './meter-math.ts';

/** voice: processing on (echo cancellation, noise suppression, AGC). music: all off, as the line is. */
export type InputMode = 'voice' | 'music';
export type ChannelKind = 'input' | 'carts';

export interface ChannelSettings {
  id: string;
  label: string;
  kind: ChannelKind;
  /** For inputs: the capture device; '' for the default device. */
  deviceId: string;
  mode: InputMode;
  gainDb: number;
  muted: boolean;
  cue: boolean;
}

export interface MasterSettings {
  gainDb: number;
  /** While on, every channel that is not a voice is lowered by talkoverDepthDb. */
  talkover: boolean;
  talkoverDepthDb: number;
  cueGainDb: number;
}

export const FADER_MIN_DB = -60;
export const FADER_MAX_DB = 6;
export const DEFAULT_TALKOVER_DEPTH_DB = 12;

/** What the engine sets on a channel's nodes. */
export interface ChannelGains {
  /** Fader × mute. */
  fader: number;
  /** Talkover ducking (1 when not ducked). */
  duck: number;
  /** Post-fader send to the cue bus (0 or 1). */
  cueSend: number;
}

/** A voice channel is never ducked by talkover; music inputs and the carts are. */
export function isDuckable(channel: ChannelSettings): boolean {
  return channel.kind === 'carts' || channel.mode === 'music';
}

export function channelGains(channel: ChannelSettings, master: MasterSettings): ChannelGains {
  return {
    fader: channel.muted ? 0 : dbToGain(channel.gainDb),
    duck: master.talkover && isDuckable(channel) ? dbToGain(-Math.abs(master.talkoverDepthDb)) : 1,
    cueSend: channel.cue ? 1 : 0,
  };
}

export function clampFaderDb(db: number): number {
  if (!Number.isFinite(db)) return FADER_MIN_DB;
  return Math.min(FADER_MAX_DB, Math.max(FADER_MIN_DB, db));
}

/**
 * getUserMedia constraints for a capture device in a mode. Music turns echo cancellation, noise
 * suppression and auto gain off and asks for stereo (Chromium then captures at 44.1 kHz, FACTS.md).
 */
export function captureConstraints(deviceId: string, mode: InputMode): MediaStreamConstraints {
  const processing = mode === 'voice';
  return {
    audio: {
      ...(deviceId ? { deviceId: { exact: deviceId } } : {}),
      echoCancellation: processing,
      noiseSuppression: processing,
      autoGainControl: processing,
      channelCount: processing ? 1 : 2,
    },
    video: false,
  };
}
