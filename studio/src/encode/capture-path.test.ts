import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAircheckError } from '../../../shared/src/errors.ts';
import { chooseCapturePath, requestedCapturePath } from './capture-path.ts';

const CHROMIUM = { hasTrackProcessor: true, hasAudioWorklet: true, hasAudioEncoder: true, hasAudioData: true };
const FIREFOX = { ...CHROMIUM, hasTrackProcessor: false };

test('Chromium captures through MediaStreamTrackProcessor unless ?capture=worklet asks for the worklet', () => {
  assert.equal(chooseCapturePath(CHROMIUM), 'track-processor');
  assert.equal(chooseCapturePath(CHROMIUM, requestedCapturePath('?capture=worklet')), 'worklet');
  assert.equal(chooseCapturePath(CHROMIUM, requestedCapturePath('?capture=nonsense')), 'track-processor');
});

test('a browser without MediaStreamTrackProcessor (Firefox, Safari) captures through the AudioWorklet', () => {
  assert.equal(chooseCapturePath(FIREFOX), 'worklet');
  assert.equal(chooseCapturePath(FIREFOX, 'track-processor'), 'worklet');
});

test('a browser that truly cannot is told exactly what is missing', () => {
  assert.throws(() => chooseCapturePath({ ...FIREFOX, hasAudioEncoder: false }), (err) => {
    assert.ok(isAircheckError(err, 'STUDIO_BROWSER_UNSUPPORTED'));
    assert.match(err.message, /lacks WebCodecs AudioEncoder,/);
    assert.doesNotMatch(err.message, /MediaStreamTrackProcessor/);
    return true;
  });
  assert.throws(() => chooseCapturePath({ ...FIREFOX, hasAudioWorklet: false }), /lacks both MediaStreamTrackProcessor and AudioWorklet/);
});
