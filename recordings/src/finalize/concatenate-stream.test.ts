import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OGG_FLAG_BOS, OGG_FLAG_EOS, checkOggPage, parseOggPage, writeOggPage } from '../../../shared/src/ogg/ogg-page.ts';
import { opusHead } from '../verify/opus-fixture.ts';
import { concatenateStream } from './concatenate-stream.ts';
import { StreamDuration } from '../verify/stream-duration.ts';

/** One 20 ms CELT packet (TOC 0xFC: fullband, stereo, one frame) with filler. */
const packet = (i: number) => Buffer.concat([Buffer.from([0xfc]), Buffer.alloc(60, i & 0xff)]);

function chain(serial: number, preSkip: number) {
  const head = writeOggPage({ serial, sequence: 0, granulePosition: 0n, packets: [opusHead(preSkip)], bos: true });
  const tags = writeOggPage({ serial, sequence: 1, granulePosition: 0n, packets: [Buffer.from('OpusTags\0\0\0\0\0\0\0\0')] });
  const audio = (from: number, n: number) => Array.from({ length: n }, (_, k) => writeOggPage({
    serial, sequence: 2 + from + k, granulePosition: BigInt(preSkip + 960 * (from + k + 1)), packets: [packet(from + k)],
  }));
  return { head, tags, audio };
}

function pages(bytes: Uint8Array) {
  const out: { serial: number; flags: number; granule: bigint; firstByte: number }[] = [];
  for (let at = 0; at < bytes.length;) {
    const length = checkOggPage(bytes, at);
    assert.equal(typeof length, 'number', `a valid page at ${at}`);
    const { page } = parseOggPage(bytes, at)!;
    out.push({ serial: page.serial, flags: (page.bos ? OGG_FLAG_BOS : 0) | (page.eos ? OGG_FLAG_EOS : 0), granule: page.granulePosition, firstByte: page.packets[0]?.[0] ?? -1 });
    at += length as number;
  }
  return out;
}

describe('concatenateStream (a source stream joined as received)', () => {
  test('Ogg: the header copy of a segment that continues its chain is dropped, an open chain is closed before the next, the last one at the end', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aircheck-concat-stream-'));
    try {
      const a = chain(11, 312);
      const b = chain(22, 120);
      const seg1 = Buffer.concat([a.head, a.tags, ...a.audio(0, 5)]);
      const seg2 = Buffer.concat([a.head, a.tags, ...a.audio(5, 5)]); // opens inside chain A: a copy of its headers first
      const seg3 = Buffer.concat([b.head, b.tags, ...b.audio(0, 4)]); // the source reconnected: chain B, A never ended
      const paths = [seg1, seg2, seg3].map((bytes, i) => {
        const p = join(dir, `segment-00000${i + 1}.opus`);
        writeFileSync(p, bytes);
        return p;
      });
      const out = join(dir, 'recording.opus');
      const r = await concatenateStream({
        format: 'ogg-opus', outPath: out,
        segments: [{ path: paths[0]!, prefixBytes: 0 }, { path: paths[1]!, prefixBytes: a.head.length + a.tags.length }, { path: paths[2]!, prefixBytes: b.head.length + b.tags.length }],
      });
      const bytes = readFileSync(out);
      const list = pages(bytes);
      assert.deepEqual(list.map((p) => `${p.serial}${p.flags & OGG_FLAG_BOS ? ' BOS' : ''}${p.flags & OGG_FLAG_EOS ? ' EOS' : ''}`), [
        '11 BOS', '11', '11', '11', '11', '11', '11', '11', '11', '11', '11', '11', '11 EOS',
        '22 BOS', '22', '22', '22', '22', '22', '22 EOS',
      ]);
      assert.equal(r.sizeBytes, bytes.length);
      // 10 + 4 packets of 20 ms: the duration read back from the file.
      const d = new StreamDuration('ogg-opus');
      d.push(bytes);
      assert.equal(r.durationSamples, d.samples48k);
      assert.ok(Math.abs(r.durationSamples - 14 * 960) <= 2 * 960, `${r.durationSamples} samples for 14 packets (pre-skip counted per chain)`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
