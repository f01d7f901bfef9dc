// The relay's ICY reader: audio and titles split back out of a byte stream, across any chunking,
// against blocks built by the listeners' own builder, a captured-style Latin-1 block and corrupt input.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { buildIcyMetadataBlock, EMPTY_ICY_BLOCK } from '../../listeners/icy-metadata.ts';
import { decodeIcyText, IcyReader, parseMetaint, streamTitleOf } from './icy-reader.ts';

/** audio (metaint bytes) + block, repeated: what an Icecast listener with Icy-MetaData: 1 receives. */
function icyStream(metaint: number, blocks: Uint8Array[]): { bytes: Uint8Array; audio: Uint8Array } {
  const parts: Uint8Array[] = [];
  const audio: Uint8Array[] = [];
  blocks.forEach((block, i) => {
    const a = new Uint8Array(metaint).fill(i + 1);
    audio.push(a);
    parts.push(a, block);
  });
  return { bytes: Buffer.concat(parts), audio: Buffer.concat(audio) };
}

function readAll(reader: IcyReader, bytes: Uint8Array, chunkBytes: number): { audio: Uint8Array; titles: string[] } {
  const audio: Uint8Array[] = [];
  const titles: string[] = [];
  for (let at = 0; at < bytes.length; at += chunkBytes) {
    const r = reader.push(bytes.subarray(at, at + chunkBytes));
    audio.push(...r.audio);
    titles.push(...r.titles);
  }
  return { audio: Buffer.concat(audio), titles };
}

describe('IcyReader', () => {
  it('gives back the audio byte for byte and each StreamTitle once, whatever the chunking', () => {
    const blocks = [buildIcyMetadataBlock('Artist – Song’s “one”'), EMPTY_ICY_BLOCK, buildIcyMetadataBlock('Second', 'https://radio.example/'), EMPTY_ICY_BLOCK];
    const { bytes, audio } = icyStream(100, blocks);
    for (const chunk of [1, 7, 100, 101, 117, bytes.length]) {
      const out = readAll(new IcyReader(100), bytes, chunk);
      assert.deepEqual(out.audio, audio, `audio with ${chunk}-byte chunks`);
      assert.deepEqual(out.titles, ['Artist – Song’s “one”', 'Second'], `titles with ${chunk}-byte chunks`);
    }
  });

  it('reads a Latin-1 title (SHOUTcast v1) and an empty title', () => {
    const latin = Buffer.concat([Buffer.from("StreamTitle='Caf"), Buffer.from([0xe9]), Buffer.from("';")]);
    const block = new Uint8Array(1 + 16 * Math.ceil(latin.length / 16));
    block[0] = (block.length - 1) / 16;
    block.set(latin, 1);
    const { bytes } = icyStream(16, [block, buildIcyMetadataBlock('')]);
    assert.deepEqual(readAll(new IcyReader(16), bytes, 5).titles, ['Café', '']);
  });

  it('a block without StreamTitle gives no title; a block of the largest size is read whole', () => {
    const other = buildIcyMetadataBlock('x');
    other.fill(0, 1);
    other.set(Buffer.from("StreamUrl='u';"), 1);
    const long = buildIcyMetadataBlock('é'.repeat(3000));
    assert.equal(long[0], 255);
    const out = readAll(new IcyReader(8), icyStream(8, [other, long]).bytes, 33);
    assert.equal(out.titles.length, 1);
    assert.ok(out.titles[0]!.startsWith('ééé') && out.titles[0]!.length > 1900, `long title read: ${out.titles[0]!.length} chars`);
  });

  it('garbage where a block should be never throws: it is read as blocks and audio, bounded by the length byte', () => {
    const reader = new IcyReader(4);
    const garbage = new Uint8Array(20_000);
    for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 7919) & 0xff;
    let audioBytes = 0;
    for (let at = 0; at < garbage.length; at += 333) for (const a of reader.push(garbage.subarray(at, at + 333)).audio) audioBytes += a.length;
    assert.ok(audioBytes > 0 && audioBytes < garbage.length);
  });
});

describe('parseMetaint', () => {
  it('reads a byte count and refuses what is not one', () => {
    assert.equal(parseMetaint(undefined), null);
    assert.equal(parseMetaint('16000'), 16000);
    assert.equal(parseMetaint(' 8192 '), 8192);
    for (const bad of ['0', '-1', 'abc', '1e4', '99999999', '']) assert.throws(() => parseMetaint(bad), RangeError, bad);
  });
});

describe('streamTitleOf / decodeIcyText', () => {
  it('ends a value at the first quote-semicolon and takes the rest when there is none', () => {
    assert.equal(streamTitleOf("StreamTitle='A - B';StreamUrl='x';"), 'A - B');
    assert.equal(streamTitleOf("StreamTitle='Unterminated'"), 'Unterminated');
    assert.equal(streamTitleOf("StreamUrl='x';"), null);
    assert.equal(decodeIcyText(Buffer.from('Grüße')), 'Grüße');
    assert.equal(decodeIcyText(Buffer.from([0x47, 0x72, 0xfc, 0xdf, 0x65])), 'Grüße');
  });
});
