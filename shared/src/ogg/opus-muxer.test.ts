// The Opus muxer against real packets: libopus (ffmpeg) encodes a tone, its packets are muxed again,
// and ffmpeg must decode the result to the same tone and duration; titles start new chains.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OpusMuxer } from './opus-muxer.ts';
import { parseOggPage } from './ogg-page.ts';
import { opusPacketSamples, parseOpusTags, getComment } from './codec-headers.ts';
import { decodeAudio, dominantFrequencyHz, durationSeconds } from '../../../test/helpers/audio-analysis.ts';
import { splitOggChains } from '../../../test/helpers/ogg-chains.ts';
import { concatBytes } from '../bytes.ts';
import { opusTonePackets } from '../../../test/helpers/opus-packets.ts';

async function tonePackets(frequencyHz: number, durationS: number): Promise<{ head: Uint8Array; packets: Uint8Array[] }> {
  const { head, packets } = await opusTonePackets(frequencyHz, durationS);
  return { head, packets: packets.map((p) => p.data) };
}

function pagesOf(bytes: Uint8Array) {
  const pages = [];
  let offset = 0;
  for (;;) {
    const parsed = parseOggPage(bytes, offset);
    if (!parsed) break;
    pages.push(parsed.page);
    offset = parsed.nextOffset;
  }
  return pages;
}

describe('OpusMuxer', () => {
  it('muxes libopus packets into a stream ffmpeg decodes to the same tone and duration', async () => {
    const { head, packets } = await tonePackets(440, 3);
    const muxer = new OpusMuxer({ opusHead: head });
    const out = [...muxer.beginChain(0x1234, { artist: 'A', title: 'T' })];
    for (const p of packets) out.push(...muxer.push(p, opusPacketSamples(p)));
    out.push(...muxer.endChain());
    const stream = concatBytes(out);
    const decoded = await decodeAudio(stream, { inputFormat: 'ogg' });
    const hz = dominantFrequencyHz(decoded.samples, decoded.sampleRateHz)!;
    assert.ok(Math.abs(hz - 440) < 5, `decoded ${hz} Hz`);
    assert.ok(Math.abs(durationSeconds(decoded.samples, decoded.sampleRateHz) - 3) < 0.1);
  });

  it('closes a page every 100 ms with the granule position of its last packet, headers at granule 0', async () => {
    const { head, packets } = await tonePackets(440, 1);
    const muxer = new OpusMuxer({ opusHead: head });
    const out = [...muxer.beginChain(7)];
    let samples = 0;
    for (const p of packets.slice(0, 20)) {
      samples += opusPacketSamples(p);
      out.push(...muxer.push(p, opusPacketSamples(p)));
    }
    out.push(...muxer.endChain());
    const pages = pagesOf(concatBytes(out));
    assert.ok(pages[0]!.bos && pages[0]!.granulePosition === 0n && pages[1]!.granulePosition === 0n);
    const audio = pages.slice(2);
    assert.equal(audio.length, 5, '20 packets of 20 ms → 4 pages of 100 ms, then an empty EOS page');
    assert.deepEqual(audio.map((p) => p.granulePosition), [4800n, 9600n, 14400n, 19200n, 19200n]);
    assert.equal(audio[4]!.packets.length, 0);
    assert.equal(BigInt(samples), 19200n);
    assert.ok(audio.at(-1)!.eos);
    assert.deepEqual(pages.map((p) => p.sequence), [0, 1, 2, 3, 4, 5, 6]);
    assert.ok(pages.every((p) => p.serial === 7));
  });

  it('starts a new chain with fresh OpusTags when now-playing changes, and both chains decode', async () => {
    const { head, packets } = await tonePackets(660, 2);
    const muxer = new OpusMuxer({ opusHead: head });
    const out = [...muxer.beginChain(1, null)];
    const half = Math.floor(packets.length / 2);
    for (const p of packets.slice(0, half)) out.push(...muxer.push(p, opusPacketSamples(p)));
    out.push(...muxer.beginChain(2, { artist: 'Nina Simone', title: 'Sinnerman' }));
    for (const p of packets.slice(half)) out.push(...muxer.push(p, opusPacketSamples(p)));
    out.push(...muxer.endChain());
    const chains = splitOggChains(concatBytes(out));
    assert.equal(chains.length, 2);
    const second = pagesOf(chains[1]!);
    assert.ok(second[0]!.bos && second[0]!.serial === 2);
    const tags = parseOpusTags(second[1]!.packets[0]!);
    assert.equal(getComment(tags, 'TITLE'), 'Sinnerman');
    assert.equal(getComment(tags, 'ARTIST'), 'Nina Simone');
    assert.ok(pagesOf(chains[0]!).at(-1)!.eos, 'the first chain ends with EOS');
    for (const chain of chains) {
      const decoded = await decodeAudio(chain, { inputFormat: 'ogg' });
      const hz = dominantFrequencyHz(decoded.samples, decoded.sampleRateHz)!;
      assert.ok(Math.abs(hz - 660) < 5, `decoded ${hz} Hz`);
    }
  });

  it('refuses a broken OpusHead', () => {
    assert.throws(() => new OpusMuxer({ opusHead: new Uint8Array(19) }), /OpusHead/);
  });
});
