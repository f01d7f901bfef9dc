// One player per mount: the stream is chosen by what the browser says it plays, Opus first.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chooseStream, playableType, streamLabel } from './stream-choice.ts';
import type { PublicStream } from './station-document.ts';

const opus: PublicStream = { url: 'u/live', contentType: 'audio/ogg', codec: 'opus', bitrateKbps: 96 };
const mp3: PublicStream = { url: 'u/live.mp3', contentType: 'audio/mpeg', codec: 'mp3', bitrateKbps: 128 };
const mp3Low: PublicStream = { ...mp3, url: 'u/live-64.mp3', bitrateKbps: 64 };
const browser = (answers: Record<string, string>) => (type: string) => answers[type] ?? '';

describe('stream choice', () => {
  it('asks about Ogg with its codec named', () => {
    assert.equal(playableType(opus), 'audio/ogg; codecs="opus"');
    assert.equal(playableType(mp3), 'audio/mpeg');
    assert.equal(playableType({ ...mp3, contentType: 'audio/mpeg; charset=x' }), 'audio/mpeg');
  });

  it('plays Opus when the browser can (Chromium, Firefox)', () => {
    assert.equal(chooseStream([mp3, opus], browser({ 'audio/ogg; codecs="opus"': 'probably', 'audio/mpeg': 'probably' })), opus);
    assert.equal(chooseStream([mp3, opus], browser({ 'audio/ogg; codecs="opus"': 'maybe', 'audio/mpeg': 'probably' })), opus);
  });

  it('falls back to MP3 when Ogg Opus does not play (older Safari)', () => {
    assert.equal(chooseStream([opus, mp3], browser({ 'audio/mpeg': 'maybe' })), mp3);
  });

  it('prefers the higher bitrate of one codec, and gives null when nothing plays', () => {
    assert.equal(chooseStream([mp3Low, mp3], browser({ 'audio/mpeg': 'probably' })), mp3);
    assert.equal(chooseStream([opus, mp3], browser({})), null);
    assert.equal(chooseStream([], browser({ 'audio/mpeg': 'probably' })), null);
  });

  it('labels a stream in plain words', () => {
    assert.equal(streamLabel(opus), 'Opus 96 kbps');
    assert.equal(streamLabel({ ...mp3, bitrateKbps: null }), 'MP3');
  });
});
