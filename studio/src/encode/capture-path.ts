// Decides how the encoder gets the master's PCM in this browser, and says exactly what is missing
// where it cannot. Pure (the browser's abilities come in as booleans), so node tests cover it.
//   track-processor: MediaStreamTrackProcessor on the master track → AudioData (Chromium's default)
//   worklet:         an AudioWorklet on the master node → PCM blocks → AudioData (Firefox, Safari)

import { AircheckError } from '../../../shared/src/errors.ts';

export type CapturePath = 'track-processor' | 'worklet';

export interface BrowserAbilities {
  hasTrackProcessor: boolean;
  hasAudioWorklet: boolean;
  hasAudioEncoder: boolean;
  hasAudioData: boolean;
}

/** The `?capture=` value of the studio URL: `worklet` forces the AudioWorklet path (for tests). */
export function requestedCapturePath(search: string): CapturePath | null {
  const value = new URLSearchParams(search).get('capture');
  return value === 'worklet' || value === 'track-processor' ? value : null;
}

export function chooseCapturePath(can: BrowserAbilities, requested: CapturePath | null = null): CapturePath {
  const missing: string[] = [];
  if (!can.hasAudioEncoder) missing.push('WebCodecs AudioEncoder');
  if (!can.hasTrackProcessor && !can.hasAudioWorklet) missing.push('both MediaStreamTrackProcessor and AudioWorklet (either one captures the mix)');
  else if (!can.hasTrackProcessor && !can.hasAudioData) missing.push('WebCodecs AudioData');
  if (missing.length > 0) {
    throw new AircheckError('STUDIO_BROWSER_UNSUPPORTED', `this browser lacks ${missing.join(' and ')}, which the studio needs to encode Opus: use a current Firefox, Chromium or Safari`);
  }
  if (requested === 'worklet' && can.hasAudioWorklet && can.hasAudioData) return 'worklet';
  return can.hasTrackProcessor ? 'track-processor' : 'worklet';
}

/** After AudioEncoder.isConfigSupported said no for Opus: the sentence the DJ sees. */
export function opusUnsupportedError(sampleRateHz: number, channels: number): AircheckError {
  return new AircheckError('STUDIO_BROWSER_UNSUPPORTED', `this browser's WebCodecs AudioEncoder cannot encode Opus (${sampleRateHz} Hz, ${channels} channels): use a current Firefox, Chromium or Safari`);
}
