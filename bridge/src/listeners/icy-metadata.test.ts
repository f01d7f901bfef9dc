import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { concatBytes } from '../../../shared/src/bytes.ts';
import {
  EMPTY_ICY_BLOCK, ICY_MAX_METADATA_BYTES, IcyInterleaver, IcyStreamParser, buildIcyMetadataBlock,
  parseIcyMetadataText, parseIcyStream,
} from './icy-metadata.ts';

/** The field parser of icecast-metadata-js (IcyMetadataParser.parseIcyMetadata): ends a value at `';`. */
function parseLikeIcecastMetadataJs(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const m of text.matchAll(/(?<key>[^\0]+?)='(?<val>[^\0]*?)(;$|';|'$|$)/g)) fields[m.groups!.key!] = m.groups!.val!;
  return fields;
}

const text = (block: Uint8Array): string => new TextDecoder().decode(block.subarray(1)).replace(/\0+$/, '');

const concat = concatBytes;

describe('buildIcyMetadataBlock', () => {
  it('builds the golden block for a short title', () => {
    const block = buildIcyMetadataBlock('Artist - Title');
    // "StreamTitle='Artist - Title';" is 29 bytes: 2 units of 16, zero padded.
    const expected = new Uint8Array(33);
    expected[0] = 2;
    expected.set(new TextEncoder().encode("StreamTitle='Artist - Title';"), 1);
    assert.deepEqual(block, expected);
  });

  it('adds StreamUrl and encodes UTF-8', () => {
    const block = buildIcyMetadataBlock('Café ✓', 'https://example.org/');
    assert.equal(text(block), "StreamTitle='Café ✓';StreamUrl='https://example.org/';");
    assert.equal((block.length - 1) % 16, 0);
    assert.equal(block[0], (block.length - 1) / 16);
  });

  it('builds a one-unit block for an empty title', () => {
    assert.deepEqual(text(buildIcyMetadataBlock('')), "StreamTitle='';");
    assert.equal(buildIcyMetadataBlock('').length, 17);
  });

  it('removes NUL characters, which would read as padding', () => {
    assert.equal(text(buildIcyMetadataBlock('a\0b')), "StreamTitle='ab';");
  });

  it('truncates a long title at a UTF-8 boundary to the 255 × 16 maximum, keeping the closing quote', () => {
    for (const unit of ['a', 'é', '✓', '🎵']) {
      const block = buildIcyMetadataBlock(unit.repeat(5000), 'http://x');
      assert.equal(block[0], 255);
      assert.equal(block.length, 1 + ICY_MAX_METADATA_BYTES);
      const decoded = new TextDecoder('utf-8', { fatal: true }).decode(block.subarray(1)).replace(/\0+$/, '');
      assert.match(decoded, /^StreamTitle='.*';StreamUrl='http:\/\/x';$/u);
      assert.ok(!decoded.includes('\ufffd'));
    }
  });

  it('leaves out a URL too long to fit', () => {
    assert.equal(text(buildIcyMetadataBlock('t', 'u'.repeat(5000))), "StreamTitle='t';");
  });

  it("a title containing ';StreamUrl='…'; stays one StreamTitle field and adds no StreamUrl", () => {
    const block = buildIcyMetadataBlock("x';StreamUrl='http://evil.example/';");
    const decoded = text(block);
    assert.equal(decoded, "StreamTitle='x\u2019;StreamUrl=\u2019http://evil.example/\u2019;';");
    for (const parse of [parseIcyMetadataText, parseLikeIcecastMetadataJs]) {
      assert.deepEqual(Object.keys(parse(decoded)), ['StreamTitle'], parse.name);
    }
    assert.equal(/StreamTitle='([^']*)'/.exec(decoded)?.[1], 'x\u2019;StreamUrl=\u2019http://evil.example/\u2019;');
  });

  it('percent-encodes a quote in StreamUrl and removes control characters', () => {
    assert.equal(text(buildIcyMetadataBlock('a\r\nb\u007f', "http://x/?q=';StreamTitle='y")), "StreamTitle='ab';StreamUrl='http://x/?q=%27;StreamTitle=%27y';");
  });

  it('never lets a title or URL end its field or add one, for any parser (fast-check)', () => {
    const hostile = fc.string({ unit: fc.constantFrom("'", ';', '=', '\0', '\r', '\n', 'a', 'é', ' ', 'StreamUrl', "';") });
    fc.assert(fc.property(fc.oneof(hostile, fc.string({ unit: 'grapheme' })), fc.option(fc.oneof(hostile, fc.webUrl())), (title, url) => {
      const block = buildIcyMetadataBlock(title, url ?? undefined);
      const decoded = text(block);
      const hasUrl = decoded.includes("';StreamUrl='");
      // The only quotes are the ones the server wrote around each value: nothing inside a value can
      // form a terminator (`';`, or `'` for regex parsers) or open another field.
      assert.equal(decoded.split("'").length - 1, hasUrl ? 4 : 2, decoded);
      assert.ok(decoded.endsWith("';"));
      assert.ok(!decoded.includes('\0') && !/[\r\n]/.test(decoded));
      const keys = hasUrl ? ['StreamTitle', 'StreamUrl'] : ['StreamTitle'];
      assert.deepEqual(Object.keys(parseIcyMetadataText(decoded)), keys);
      assert.deepEqual(Object.keys(parseLikeIcecastMetadataJs(decoded)), keys);
    }), { numRuns: 500 });
  });

  it('always produces a valid block for any title and URL', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 3000, size: 'max' }), fc.option(fc.string()), (title, url) => {
      const block = buildIcyMetadataBlock(title, url ?? undefined);
      assert.equal(block.length, 1 + (block[0] as number) * 16);
      assert.ok(block.length - 1 <= ICY_MAX_METADATA_BYTES);
      const decoded = new TextDecoder('utf-8', { fatal: true }).decode(block.subarray(1)).replace(/\0+$/, '');
      assert.ok(decoded.startsWith("StreamTitle='") && decoded.endsWith("';"));
    }), { numRuns: 300 });
  });
});

describe('IcyInterleaver', () => {
  it('inserts the block every metaint bytes, then empty blocks until it changes', () => {
    const icy = new IcyInterleaver(4);
    const a = buildIcyMetadataBlock('A');
    const b = buildIcyMetadataBlock('B');
    const audio = Uint8Array.from({ length: 10 }, (_, i) => i);
    const out = icy.interleave(audio, a);
    assert.deepEqual(out.map((s) => [...s]), [[0, 1, 2, 3], [...a], [4, 5, 6, 7], [0], [8, 9]]);
    assert.equal(icy.bytesUntilMetadata, 2);
    const next = icy.interleave(Uint8Array.of(10, 11, 12, 13, 14, 15), b);
    assert.deepEqual(next.map((s) => [...s]), [[10, 11], [...b], [12, 13, 14, 15], [0]]);
  });

  it('returns views of the input, never copies', () => {
    const icy = new IcyInterleaver(3);
    const audio = new Uint8Array(10);
    for (const slice of icy.interleave(audio, EMPTY_ICY_BLOCK)) {
      if (slice !== EMPTY_ICY_BLOCK) assert.equal(slice.buffer, audio.buffer);
    }
    const small = new Uint8Array(2);
    assert.equal(new IcyInterleaver(16000).interleave(small, EMPTY_ICY_BLOCK)[0], small);
    assert.deepEqual(new IcyInterleaver(5).interleave(new Uint8Array(0), EMPTY_ICY_BLOCK), []);
  });

  it('puts a block at the end of a chunk that ends exactly on the metaint', () => {
    const icy = new IcyInterleaver(4);
    const out = icy.interleave(new Uint8Array(4), EMPTY_ICY_BLOCK);
    assert.equal(out.length, 2);
    assert.equal(out[1], EMPTY_ICY_BLOCK);
    assert.equal(icy.bytesUntilMetadata, 4);
  });

  it('refuses a metaint that is not a positive integer', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) assert.throws(() => new IcyInterleaver(bad), RangeError);
  });

  it('round-trips through parseIcyStream for any chunking and title changes', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 64 }),
      fc.array(fc.tuple(fc.uint8Array({ maxLength: 200 }), fc.nat(3)), { maxLength: 30 }),
      (metaInt, chunks) => {
        const blocks = ['one', 'two ✓', 'three', ''].map((t) => buildIcyMetadataBlock(t));
        const icy = new IcyInterleaver(metaInt);
        const wire: Uint8Array[] = [];
        const sentTitles: string[] = [];
        let last: Uint8Array | null = null;
        let audioSent = 0;
        for (const [chunk, which] of chunks) {
          const block = blocks[which] as Uint8Array;
          const before = Math.floor(audioSent / metaInt);
          wire.push(...icy.interleave(chunk, block));
          audioSent += chunk.length;
          const points = Math.floor(audioSent / metaInt) - before;
          if (points > 0 && block !== last) {
            sentTitles.push(['one', 'two ✓', 'three', ''][which] as string);
            last = block;
          }
        }
        const parsed = parseIcyStream(concat(wire), metaInt);
        assert.deepEqual(parsed.audio, concat(chunks.map(([c]) => c)));
        assert.deepEqual(parsed.titles, sentTitles);
      }), { numRuns: 300 });
  });
});

describe('IcyStreamParser and parseIcyStream', () => {
  it('strips metadata from a golden ICY stream', () => {
    const block = buildIcyMetadataBlock("It's here", 'http://u');
    const wire = concat([Uint8Array.of(1, 2, 3), block, Uint8Array.of(4, 5, 6), EMPTY_ICY_BLOCK, Uint8Array.of(7)]);
    const parsed = parseIcyStream(wire, 3);
    assert.deepEqual([...parsed.audio], [1, 2, 3, 4, 5, 6, 7]);
    assert.deepEqual(parsed.metadata, ["StreamTitle='It’s here';StreamUrl='http://u';"]);
    assert.deepEqual(parsed.titles, ['It’s here']);
  });

  it('gives the same result fed one byte at a time', () => {
    const block = buildIcyMetadataBlock('Title');
    const wire = concat([new Uint8Array(5).fill(9), block, new Uint8Array(5).fill(8), EMPTY_ICY_BLOCK, new Uint8Array(2)]);
    const parser = new IcyStreamParser(5);
    const audio: number[] = [];
    const metadata: string[] = [];
    for (const byte of wire) {
      const r = parser.push(Uint8Array.of(byte));
      for (const a of r.audio) audio.push(...a);
      metadata.push(...r.metadata);
    }
    assert.deepEqual(audio, [9, 9, 9, 9, 9, 8, 8, 8, 8, 8, 0, 0]);
    assert.deepEqual(metadata, ["StreamTitle='Title';"]);
  });

  it('parses metadata text fields, tolerating an unterminated last field', () => {
    assert.deepEqual(parseIcyMetadataText("StreamTitle='A - B';StreamUrl='';"), { StreamTitle: 'A - B', StreamUrl: '' });
    assert.deepEqual(parseIcyMetadataText("StreamTitle='Rock 'n' Roll';"), { StreamTitle: "Rock 'n' Roll" });
    assert.deepEqual(parseIcyMetadataText("StreamTitle='cut"), { StreamTitle: 'cut' });
    assert.deepEqual(parseIcyMetadataText('garbage'), {});
  });

  it('never throws on random streams', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 5000, size: 'max' }), fc.integer({ min: 1, max: 100 }), (bytes, metaInt) => {
      parseIcyStream(bytes, metaInt);
    }));
  });
});
