import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isAircheckError } from '../errors.ts';
import type { ErrorCode } from '../errors.ts';
import {
  AUDIO_FRAME_HEADER_BYTES, MAX_AUDIO_FRAME_BYTES, MAX_FRAME_DURATION_SAMPLES, MAX_OPUS_PACKET_BYTES,
  MAX_SEQ, MIN_FRAME_DURATION_SAMPLES, decodeAudioFrame, encodeAudioFrame,
} from './audio-frame.ts';
import type { AudioFrame } from './audio-frame.ts';

import { opusPacketSamples } from '../ogg/codec-headers.ts';

const hex = (s: string) => Uint8Array.from(s.split(' '), (b) => parseInt(b, 16));

// PROTOCOL.md §5.1's example, and one with every field at an unusual value.
const GOLDEN_1 = hex('01 00 01 00 00 00 00 00 00 00 00 88 d3 40 c0 03 fc ff fe');
const GOLDEN_2 = hex('01 01 04 03 02 01 00 00 00 00 00 00 f0 bf 40 0b fb 03');

function rejects(bytes: Uint8Array, code: ErrorCode, pattern: RegExp): void {
  assert.throws(() => decodeAudioFrame(bytes), (err: unknown) => {
    assert.ok(isAircheckError(err, code), `expected ${code}, got ${String(err)}`);
    assert.match(err.message, pattern);
    return true;
  });
}

describe('audio frames', () => {
  it('encodes the example of PROTOCOL.md §5.1 byte for byte', () => {
    const bytes = encodeAudioFrame({ seq: 1, timestampUs: 20_000, durationSamples: 960, packet: hex('fc ff fe') });
    assert.deepEqual(bytes, GOLDEN_1);
    assert.deepEqual(
      encodeAudioFrame({ seq: 0x01020304, timestampUs: -1, durationSamples: 2880, flags: 1, packet: hex('fb 03') }),
      GOLDEN_2,
    );
  });

  it('decodes the golden frames, the packet as a view into the message', () => {
    const frame = decodeAudioFrame(GOLDEN_1);
    assert.deepEqual({ ...frame, packet: [...frame.packet] }, { seq: 1, timestampUs: 20_000, durationSamples: 960, flags: 0, packet: [0xfc, 0xff, 0xfe] });
    assert.equal(frame.packet.buffer, GOLDEN_1.buffer);
    const two = decodeAudioFrame(GOLDEN_2);
    assert.equal(two.seq, 0x01020304);
    assert.equal(two.timestampUs, -1);
    assert.equal(two.flags, 1);
  });

  it('decodes a frame at an offset inside a larger buffer, and from an ArrayBuffer', () => {
    const big = new Uint8Array(100);
    big.set(GOLDEN_1, 37);
    assert.equal(decodeAudioFrame(big.subarray(37, 37 + GOLDEN_1.length)).timestampUs, 20_000);
    assert.equal(decodeAudioFrame(GOLDEN_1.slice().buffer).seq, 1);
  });

  it('rejects a frame too short to hold a header and a packet', () => {
    rejects(new Uint8Array(0), 'STUDIO_MESSAGE_MALFORMED', /0 bytes, expected at least 17/);
    rejects(GOLDEN_1.subarray(0, 16), 'STUDIO_MESSAGE_MALFORMED', /16 bytes/);
  });

  it('rejects an oversized frame as too large, before looking at its header', () => {
    const big = new Uint8Array(MAX_AUDIO_FRAME_BYTES + 1);
    rejects(big, 'STUDIO_MESSAGE_TOO_LARGE', /3842 bytes \(Opus packet 3826\), the limit is 3841/);
    assert.equal(decodeAudioFrame(encodeAudioFrame({ seq: 0, timestampUs: 0, durationSamples: 960, packet: new Uint8Array(MAX_OPUS_PACKET_BYTES).fill(0xfc, 0, 1) })).packet.length, MAX_OPUS_PACKET_BYTES);
  });

  it('rejects another format version, reserved flags and impossible field values', () => {
    const mutate = (at: number, bytes: number[]) => {
      const b = GOLDEN_1.slice();
      b.set(bytes, at);
      return b;
    };
    rejects(mutate(0, [2]), 'STUDIO_MESSAGE_MALFORMED', /"version" is 2, expected 1/);
    rejects(mutate(0, [0]), 'STUDIO_MESSAGE_MALFORMED', /"version" is 0/);
    rejects(mutate(1, [0x02]), 'STUDIO_MESSAGE_MALFORMED', /"flags" is 2/);
    rejects(mutate(6, [0, 0, 0, 0, 0, 0, 0xf8, 0x7f]), 'STUDIO_MESSAGE_MALFORMED', /"timestampUs" is NaN/);
    rejects(mutate(6, [0, 0, 0, 0, 0, 0, 0xf0, 0x7f]), 'STUDIO_MESSAGE_MALFORMED', /"timestampUs" is Infinity/);
    rejects(mutate(6, [0, 0, 0, 0, 0, 0, 0xe0, 0x3f]), 'STUDIO_MESSAGE_MALFORMED', /"timestampUs" is 0.5/);
    rejects(mutate(6, [0, 0, 0, 0, 0, 0, 0x40, 0x43]), 'STUDIO_MESSAGE_MALFORMED', /"timestampUs" is 9007199254740992/);
    rejects(mutate(14, [0, 0]), 'STUDIO_MESSAGE_MALFORMED', /"durationSamples" is 0, expected 120..2880/);
    rejects(mutate(14, [0x41, 0x0b]), 'STUDIO_MESSAGE_MALFORMED', /"durationSamples" is 2881/);
  });

  it('refuses a frame whose declared duration is not what its Opus packet holds (a DJ forging hours of recording)', () => {
    // GOLDEN_1 carries a 20 ms CELT packet (TOC 0xfc); declaring 2.5 ms (120 samples) would turn 3 s of
    // traffic into 24 s of "recording".
    const forged = GOLDEN_1.slice();
    forged.set([120, 0], 14);
    rejects(forged, 'STUDIO_MESSAGE_MALFORMED', /"durationSamples" is 120, but its Opus packet holds 960 samples \(20 ms/);
    const longer = GOLDEN_1.slice();
    longer.set([0x40, 0x0b], 14);
    rejects(longer, 'STUDIO_MESSAGE_MALFORMED', /"durationSamples" is 2880, but its Opus packet holds 960/);
    // Code 3 with a frame count of 0: a packet with no audio at all.
    const empty = Uint8Array.from([...GOLDEN_1.subarray(0, 16), 0xff, 0x00]);
    rejects(empty, 'STUDIO_MESSAGE_MALFORMED', /has no frames/);
    // The same packet with the duration it really holds is accepted: 60 ms as 3 × 20 ms (code 3).
    assert.equal(decodeAudioFrame(GOLDEN_2).durationSamples, 2880);
  });

  it('refuses to encode what it would refuse to decode', () => {
    const ok = { seq: 0, timestampUs: 0, durationSamples: 960, packet: new Uint8Array([0xfc]) };
    const bad: [Partial<AudioFrame>, RegExp][] = [
      [{ seq: -1 }, /"seq" is -1/],
      [{ seq: MAX_SEQ + 1 }, /"seq" is 4294967296/],
      [{ seq: 1.5 }, /"seq"/],
      [{ timestampUs: 0.25 }, /"timestampUs"/],
      [{ durationSamples: 5760 }, /"durationSamples"/],
      [{ flags: 0x80 }, /"flags"/],
      [{ packet: new Uint8Array(0) }, /empty Opus packet/],
      [{ durationSamples: 120 }, /"durationSamples" is 120, but its Opus packet holds 960 samples/],
      [{ packet: new Uint8Array(MAX_OPUS_PACKET_BYTES + 1) }, /the limit is 3841/],
    ];
    for (const [change, pattern] of bad) {
      assert.throws(() => encodeAudioFrame({ ...ok, ...change }), (err: unknown) => isAircheckError(err) && pattern.test(err.message));
    }
  });

  it('round-trips every valid frame (fuzz)', () => {
    const frame = fc.record({
      seq: fc.integer({ min: 0, max: MAX_SEQ }),
      timestampUs: fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
      durationSamples: fc.integer({ min: MIN_FRAME_DURATION_SAMPLES, max: MAX_FRAME_DURATION_SAMPLES }),
      flags: fc.constantFrom(0, 1),
      packet: fc.uint8Array({ minLength: 1, maxLength: MAX_OPUS_PACKET_BYTES }),
    }).map((f) => {
      // The declared duration is the packet's own (TOC byte); a packet outside 2.5–60 ms becomes 20 ms.
      const samples = opusPacketSamples(f.packet);
      if (samples >= MIN_FRAME_DURATION_SAMPLES && samples <= MAX_FRAME_DURATION_SAMPLES) return { ...f, durationSamples: samples };
      const packet = f.packet.slice();
      packet[0] = 0xfc;
      return { ...f, packet, durationSamples: 960 };
    });
    fc.assert(fc.property(frame, (f) => {
      const bytes = encodeAudioFrame(f);
      assert.equal(bytes.length, AUDIO_FRAME_HEADER_BYTES + f.packet.length);
      const back = decodeAudioFrame(bytes);
      assert.deepEqual({ ...back, packet: [...back.packet] }, { ...f, packet: [...f.packet] });
    }), { numRuns: 300 });
  });

  it('either decodes arbitrary bytes into a valid frame or throws an AircheckError (fuzz)', () => {
    const anyBytes = fc.oneof(
      fc.uint8Array({ maxLength: 64 }),
      fc.uint8Array({ minLength: MAX_AUDIO_FRAME_BYTES - 4, maxLength: MAX_AUDIO_FRAME_BYTES + 4 }),
      // The golden frame with a few bytes changed: mostly valid headers with one odd field.
      fc.array(fc.tuple(fc.nat(GOLDEN_1.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }).map((edits) => {
        const b = GOLDEN_1.slice();
        for (const [at, v] of edits) b[at] = v;
        return b;
      }),
    );
    fc.assert(fc.property(anyBytes, (bytes) => {
      let frame: AudioFrame;
      try {
        frame = decodeAudioFrame(bytes);
      } catch (err) {
        assert.ok(isAircheckError(err), `threw ${String(err)}`);
        assert.ok(err.code === 'STUDIO_MESSAGE_MALFORMED' || err.code === 'STUDIO_MESSAGE_TOO_LARGE');
        return;
      }
      assert.deepEqual(encodeAudioFrame(frame), bytes);
    }), { numRuns: 2000 });
  });
});
