import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { AircheckError } from '../errors.ts';
import { OGG_FLAG_EOS, parseOggPage, rewriteOggPage, writeOggPage } from './ogg-page.ts';
import { writeOpusTags, writeVorbisComment } from './codec-headers.ts';
import type { AudioUnit } from '../audio-unit.ts';
import { OGG_MAX_GARBAGE_BYTES, OGG_MAX_HEADER_BYTES, OggFramer } from './ogg-framer.ts';
import { concatBytes } from '../bytes.ts';
import { throwsCode, feedFramer } from '../../../test/helpers/assert-code.ts';

const tmp = mkdtempSync(join(tmpdir(), 'aircheck-ogg-framer-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const fixtures = new Map<string, Uint8Array>();
function ffmpeg(name: string, args: string[]): Uint8Array {
  const cached = fixtures.get(name);
  if (cached) return cached;
  const file = join(tmp, name);
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args, file]);
  const bytes = new Uint8Array(readFileSync(file));
  fixtures.set(name, bytes);
  return bytes;
}
const tone = (seconds: number, extra: string[] = []): string[] => ['-f', 'lavfi', '-i', `sine=frequency=440:duration=${seconds}`, ...extra];
const opusFile = (): Uint8Array => ffmpeg('3s.opus', [...tone(3), '-c:a', 'libopus', '-b:a', '64k']);
const shortOpus = (): Uint8Array => ffmpeg('short.opus', [...tone(0.3), '-c:a', 'libopus', '-b:a', '32k', '-page_duration', '100000']);
const vorbisFile = (): Uint8Array => ffmpeg('2s.ogg', [...tone(2, ['-ar', '44100']), '-c:a', 'libvorbis']);

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const OPUS_HEAD = Uint8Array.from([...ascii('OpusHead'), 1, 2, 0x38, 0x01, 0x80, 0xbb, 0, 0, 0, 0, 0]);
const OPUS_TAGS = writeOpusTags({ vendor: 'test', comments: [{ key: 'TITLE', value: 'Hello' }], trailing: new Uint8Array(0) });

const concat = concatBytes;

const feed = (bytes: Uint8Array, splits: number[] = []) => feedFramer(new OggFramer(), bytes, splits);

/** A comparable summary of units: everything but identity of the byte views. */
function summary(units: AudioUnit[]): unknown[] {
  return units.map((u) => [Buffer.from(u.data).toString('hex'), u.durationUs, u.isHeader, u.isSyncPoint, u.newStream]);
}


/** A synthetic Opus stream: headers, then one page per entry holding `packets` 20 ms packets. */
function opusStream(serial: number, pagesOfPackets: number[], options: { startGranule?: bigint } = {}): Uint8Array[] {
  const pages = [
    writeOggPage({ serial, sequence: 0, granulePosition: 0n, packets: [OPUS_HEAD], bos: true }),
    writeOggPage({ serial, sequence: 1, granulePosition: 0n, packets: [OPUS_TAGS] }),
  ];
  let granule = options.startGranule ?? 0n;
  pagesOfPackets.forEach((count, i) => {
    granule += BigInt(count * 960);
    const packets = Array.from({ length: count }, (_, k) => Uint8Array.of(0xf8, i, k, 1, 2, 3));
    pages.push(writeOggPage({ serial, sequence: 2 + i, granulePosition: granule, packets, eos: i === pagesOfPackets.length - 1 }));
  });
  return pages;
}

describe('OggFramer with real ffmpeg Ogg Opus', () => {
  it('emits one unit per page, forwarding the bytes exactly', () => {
    const file = opusFile();
    const { units, framer } = feed(file);
    assert.deepEqual(concat(units.map((u) => u.data)), file);
    assert.equal(framer.format, 'ogg-opus');
    assert.equal(framer.sampleRateHz, 48000);
    assert.equal(framer.channels, 1);
    assert.equal(framer.comments?.vendor.startsWith('Lavf'), true);
    let offset = 0;
    for (const unit of units) {
      const r = parseOggPage(file, offset);
      assert.ok(r);
      assert.equal(unit.data.length, r.page.bytes.length);
      offset = r.nextOffset;
    }
  });

  it('flags the OpusHead and OpusTags pages as headers and the BOS page as a new stream', () => {
    const { units } = feed(opusFile());
    assert.deepEqual(units.map((u) => u.isHeader), units.map((_, i) => i < 2));
    assert.deepEqual(units.map((u) => u.newStream), units.map((_, i) => i === 0));
    assert.deepEqual(units.map((u) => u.isSyncPoint), units.map((_, i) => i >= 2));
    assert.equal(units[0]?.durationUs, 0);
    assert.equal(units[1]?.durationUs, 0);
  });

  it('times pages from granule differences: 3 s of tone plus 312 samples of pre-skip', () => {
    const { units } = feed(opusFile());
    // ffmpeg's default page duration is 1 s: 50 packets of 20 ms per page.
    assert.equal(units[2]?.durationUs, 1_000_000);
    assert.equal(units.reduce((n, u) => n + u.durationUs, 0), 3_006_500);
  });

  it('gives the same units however the bytes are split (every offset)', () => {
    const file = shortOpus();
    const whole = summary(feed(file).units);
    for (let at = 0; at <= file.length; at++) {
      assert.deepEqual(summary(feed(file, [at]).units), whole, `split at ${at}`);
    }
  });

  it('gives the same units when fed one byte at a time', () => {
    const file = shortOpus();
    const splits = Array.from({ length: file.length }, (_, i) => i);
    assert.deepEqual(summary(feed(file, splits).units), summary(feed(file).units));
  });

  it('gives the same units for any random chunking', () => {
    const file = opusFile();
    const whole = summary(feed(file).units);
    fc.assert(fc.property(fc.uniqueArray(fc.integer({ min: 0, max: file.length }), { maxLength: 40, size: 'max' }), (cuts) => {
      assert.deepEqual(summary(feed(file, cuts.sort((a, b) => a - b)).units), whole);
    }), { numRuns: 100 });
  });

  it('returns views into the chunk for pages that lie inside it', () => {
    const file = opusFile();
    const { units } = feed(file);
    assert.ok(units.every((u) => u.data.buffer === file.buffer));
  });
});

describe('OggFramer with Ogg Vorbis', () => {
  it('flags the identification, comment and setup pages (ffmpeg puts comment + setup on one page)', () => {
    const file = vorbisFile();
    const { units, framer } = feed(file);
    assert.equal(framer.format, 'ogg-vorbis');
    assert.equal(framer.sampleRateHz, 44100);
    assert.deepEqual(units.map((u) => u.isHeader), units.map((_, i) => i < 2));
    assert.equal(units[0]?.newStream, true);
    assert.deepEqual(concat(units.map((u) => u.data)), file);
  });

  it('times pages at the stream rate, adding up to the last granule position', () => {
    const file = vorbisFile();
    const { units } = feed(file);
    let offset = 0;
    let lastGranule = 0n;
    while (offset < file.length) {
      const r = parseOggPage(file, offset);
      assert.ok(r);
      lastGranule = r.page.granulePosition;
      offset = r.nextOffset;
    }
    const expected = Math.round((Number(lastGranule) * 1e6) / 44100);
    assert.equal(units.reduce((n, u) => n + u.durationUs, 0), expected);
  });

  it('flags three header pages when each Vorbis header has its own page', () => {
    const file = vorbisFile();
    const { units } = feed(file);
    const idPage = units[0]?.data as Uint8Array;
    const commentSetupPage = parseOggPage(units[1]?.data as Uint8Array, 0)?.page;
    assert.ok(commentSetupPage);
    const [comment, setup] = commentSetupPage.packets; // both complete on this page
    const serial = commentSetupPage.serial;
    const rebuilt = concat([
      idPage,
      writeOggPage({ serial, sequence: 1, granulePosition: 0n, packets: [writeVorbisComment({ vendor: 'x', comments: [{ key: 'ARTIST', value: 'A' }], trailing: new Uint8Array(0) })] }),
      writeOggPage({ serial, sequence: 2, granulePosition: 0n, packets: [setup as Uint8Array] }),
      ...units.slice(2).map((u, i) => rewriteOggPage(u.data, { sequence: 3 + i })),
    ]);
    assert.ok(comment);
    const out = feed(rebuilt);
    assert.deepEqual(out.units.map((u) => u.isHeader), out.units.map((_, i) => i < 3));
    assert.equal(out.framer.comments?.comments[0]?.value, 'A');
  });
});

describe('OggFramer chains', () => {
  it('starts a new stream at each BOS, across codecs (Opus → Vorbis → Opus)', () => {
    const a = opusFile();
    const b = vorbisFile();
    const framer = new OggFramer();
    const formats: Array<string | null> = [];
    const units: AudioUnit[] = [];
    for (const file of [a, b, a]) {
      units.push(...framer.push(file));
      formats.push(framer.format);
    }
    assert.deepEqual(formats, ['ogg-opus', 'ogg-vorbis', 'ogg-opus']);
    assert.equal(units.filter((u) => u.newStream).length, 3);
    assert.equal(units.filter((u) => u.isHeader).length, 6);
    assert.deepEqual(concat(units.map((u) => u.data)), concat([a, b, a]));
  });

  it('treats a BOS after audio pages as a new chain even without an EOS page', () => {
    const first = opusStream(1, [5, 5]);
    const last = first.length - 1;
    first[last] = rewriteOggPage(first[last] as Uint8Array, { headerType: 0 });
    const second = opusStream(2, [5]);
    const { units } = feed(concat([...first, ...second]));
    assert.deepEqual(units.map((u) => u.newStream), [true, false, false, false, true, false, false]);
  });

  it('starts timing afresh after each chain, from packet TOCs when the granule does not start at 0', () => {
    const { units } = feed(concat(opusStream(5, [5, 3], { startGranule: 123_456_789n })));
    assert.deepEqual(units.map((u) => u.durationUs), [0, 0, 100_000, 60_000]);
  });

  it('gives 0 to pages where no packet ends and marks continued pages as not sync points', () => {
    const big = new Uint8Array(600).fill(7);
    big[0] = 0xf8;
    const serial = 9;
    const pages = [
      writeOggPage({ serial, sequence: 0, granulePosition: 0n, packets: [OPUS_HEAD], bos: true }),
      writeOggPage({ serial, sequence: 1, granulePosition: 0n, packets: [OPUS_TAGS] }),
      writeOggPage({ serial, sequence: 2, granulePosition: 960n, packets: [Uint8Array.of(0xf8, 1)] }),
      writeOggPage({ serial, sequence: 3, granulePosition: -1n, packets: [big.subarray(0, 510)], lastPacketIncomplete: true }),
      writeOggPage({ serial, sequence: 4, granulePosition: 2880n, packets: [big.subarray(510), Uint8Array.of(0xf8, 2)], continued: true, eos: true }),
    ];
    const { units } = feed(concat(pages));
    assert.deepEqual(units.map((u) => [u.durationUs, u.isSyncPoint]), [[0, false], [0, false], [20_000, true], [0, true], [40_000, false]]);
  });

  it('flags every page of an OpusTags packet that spans pages (cover art)', () => {
    const tags = writeOpusTags({ vendor: 'v', comments: [{ key: 'METADATA_BLOCK_PICTURE', value: 'x'.repeat(100_000) }], trailing: new Uint8Array(0) });
    const serial = 3;
    const pages = [writeOggPage({ serial, sequence: 0, granulePosition: 0n, packets: [OPUS_HEAD], bos: true })];
    let rest = tags;
    let sequence = 1;
    while (rest.length > 0) {
      const piece = rest.subarray(0, Math.min(rest.length, 255 * 100));
      rest = rest.subarray(piece.length);
      const open = rest.length > 0;
      pages.push(writeOggPage({ serial, sequence: sequence++, granulePosition: open ? -1n : 0n, packets: [piece], continued: sequence > 2, lastPacketIncomplete: open }));
    }
    pages.push(writeOggPage({ serial, sequence, granulePosition: 960n, packets: [Uint8Array.of(0xf8)] }));
    const { units, framer } = feed(concat(pages));
    assert.equal(units.length, pages.length);
    assert.deepEqual(units.map((u) => u.isHeader), pages.map((_, i) => i < pages.length - 1));
    assert.equal(framer.comments?.comments[0]?.value.length, 100_000);
  });

  it('refuses header pages larger than the limit with SOURCE_BAD_AUDIO', () => {
    const serial = 3;
    const pages = [writeOggPage({ serial, sequence: 0, granulePosition: 0n, packets: [OPUS_HEAD], bos: true })];
    for (let i = 0; i * 255 * 255 <= OGG_MAX_HEADER_BYTES; i++) {
      pages.push(writeOggPage({ serial, sequence: i + 1, granulePosition: -1n, packets: [new Uint8Array(255 * 255)], continued: i > 0, lastPacketIncomplete: true }));
    }
    throwsCode(() => feed(concat(pages)), 'SOURCE_BAD_AUDIO', /header pages .* exceed 1048576 bytes/);
  });
});

describe('OggFramer refusals', () => {
  it('refuses two multiplexed logical streams (grouped BOS pages) with SOURCE_UNSUPPORTED_FORMAT', () => {
    const file = ffmpeg('two.ogg', ['-f', 'lavfi', '-i', 'sine=duration=0.5', '-f', 'lavfi', '-i', 'sine=frequency=880:duration=0.5', '-map', '0', '-map', '1', '-c:a', 'libopus', '-f', 'ogg']);
    throwsCode(() => feed(file), 'SOURCE_UNSUPPORTED_FORMAT', /multiplexes two logical streams \(serials \d+ and \d+/);
  });

  it('refuses pages of a second logical stream interleaved with the first', () => {
    const a = opusStream(1, [2, 2]);
    const b = opusStream(2, [2]);
    throwsCode(() => feed(concat([a[0], a[1], a[2], rewriteOggPage(b[2] as Uint8Array, { serial: 2 })] as Uint8Array[])), 'SOURCE_UNSUPPORTED_FORMAT', /serials 1 and 2/);
  });

  it('refuses FLAC and Speex in Ogg, naming the codec', () => {
    throwsCode(() => feed(ffmpeg('a.oga', [...tone(0.3), '-c:a', 'flac', '-f', 'ogg'])), 'SOURCE_UNSUPPORTED_FORMAT', /carries flac; .*Opus and Ogg Vorbis only/);
    throwsCode(() => feed(ffmpeg('a.spx', [...tone(0.3, ['-ar', '16000']), '-c:a', 'libspeex', '-f', 'ogg'])), 'SOURCE_UNSUPPORTED_FORMAT', /carries speex/);
    const unknown = writeOggPage({ serial: 1, sequence: 0, granulePosition: 0n, packets: [ascii('Mystery!')], bos: true });
    throwsCode(() => feed(unknown), 'SOURCE_UNSUPPORTED_FORMAT', /unknown codec \(first bytes 4d 79 73/);
  });

  it('refuses a broken OpusHead with SOURCE_BAD_AUDIO', () => {
    const head = OPUS_HEAD.slice();
    head[9] = 0;
    throwsCode(() => feed(writeOggPage({ serial: 1, sequence: 0, granulePosition: 0n, packets: [head], bos: true })), 'SOURCE_BAD_AUDIO', /channel count is 0/);
  });

  it('refuses a Vorbis stream whose third packet is not the setup header', () => {
    const file = vorbisFile();
    const { units } = feed(file);
    const page = parseOggPage(units[1]?.data as Uint8Array, 0)?.page;
    assert.ok(page);
    const broken = writeOggPage({ serial: page.serial, sequence: 1, granulePosition: 0n, packets: [page.packets[0] as Uint8Array, ascii('\x05vorbiz')] });
    throwsCode(() => feed(concat([units[0]?.data as Uint8Array, broken])), 'SOURCE_BAD_AUDIO', /not a setup header/);
  });
});

describe('OggFramer garbage and resync', () => {
  it('skips garbage before the first page and between pages', () => {
    const pages = opusStream(4, [3, 3, 3]);
    const junk = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 37 + 11) & 0xff);
    const { units } = feed(concat([junk(1000), ...pages.slice(0, 3), junk(500), ...pages.slice(3)]));
    assert.deepEqual(units.map((u) => u.data), pages);
  });

  it('drops a page with a bad CRC and carries on with the next valid page', () => {
    const pages = opusStream(4, [3, 3, 3]);
    const corrupt = (pages[3] as Uint8Array).slice();
    corrupt[30] = (corrupt[30] as number) ^ 0xff;
    const { units } = feed(concat([...pages.slice(0, 3), corrupt, ...pages.slice(4)]));
    assert.equal(units.length, pages.length - 1);
    assert.deepEqual(units.at(-1)?.data, pages.at(-1));
  });

  it('survives fake capture patterns and truncated pages inside the garbage', () => {
    const pages = opusStream(4, [3]);
    const fake = concat([ascii('OggS'), new Uint8Array(22), Uint8Array.of(0, 0, 0, 0, 3, 255, 255, 255)]);
    const truncated = (pages[2] as Uint8Array).subarray(0, 40);
    const { units } = feed(concat([fake, truncated, ascii('OggSOggS'), ...pages]));
    assert.deepEqual(units.map((u) => u.data), pages);
  });

  it(`throws SOURCE_BAD_AUDIO after ${OGG_MAX_GARBAGE_BYTES} bytes without a valid page, hinting at MP3`, () => {
    const mp3ish = concat([ascii('ID3\x04\0\0\0\0\0\0'), new Uint8Array(OGG_MAX_GARBAGE_BYTES)]);
    throwsCode(() => feed(mp3ish), 'SOURCE_BAD_AUDIO', /no valid Ogg page in \d+ bytes .*looks like MP3: declare Content-Type audio\/mpeg/);
  });

  it('throws SOURCE_BAD_AUDIO on garbage even when it arrives in small pieces', () => {
    const framer = new OggFramer();
    throwsCode(() => {
      for (let i = 0; i < 2000; i++) framer.push(new Uint8Array(100).fill(0x4f));
    }, 'SOURCE_BAD_AUDIO');
  });

  it('stops crafted garbage of plausible page headers with bad CRCs quickly', () => {
    // Page headers claiming maximal bodies, packed as densely as possible.
    const fakeHeader = concat([ascii('OggS'), Uint8Array.of(0, 0), new Uint8Array(20), Uint8Array.of(255), new Uint8Array(255).fill(255)]);
    const junk = concat(Array.from({ length: 300 }, () => fakeHeader));
    const started = performance.now();
    throwsCode(() => {
      const framer = new OggFramer();
      for (let i = 0; i < 20; i++) framer.push(junk);
    }, 'SOURCE_BAD_AUDIO');
    assert.ok(performance.now() - started < 3000);
  });

  it('skips pages that arrive before any BOS page, then refuses after 64 KiB of them', () => {
    const pages = opusStream(4, [3, 3]);
    const { units } = feed(concat([...pages.slice(2, 3), ...pages]));
    assert.equal(units.length, pages.length);
    const orphan = writeOggPage({ serial: 4, sequence: 9, granulePosition: 960n, packets: [new Uint8Array(5000)] });
    throwsCode(() => feed(concat(Array.from({ length: 14 }, () => orphan))), 'SOURCE_BAD_AUDIO', /without a beginning-of-stream page/);
  });

  it('ignores pages after EOS until the next BOS', () => {
    const pages = opusStream(4, [3]);
    const stray = rewriteOggPage(pages[2] as Uint8Array, { sequence: 50, headerType: 0 });
    const { units } = feed(concat([...pages, stray, ...opusStream(5, [2])]));
    assert.equal(units.length, pages.length + 3);
    assert.equal(((units[2]?.data[5] ?? 0) & OGG_FLAG_EOS) !== 0, true);
  });

  it('never throws anything but AircheckError, and never hangs, on random or mutated bytes', () => {
    const base = shortOpus();
    fc.assert(fc.property(
      fc.oneof(
        fc.uint8Array({ maxLength: 3000, size: 'max' }),
        fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 20, size: 'max' }).map((edits) => {
          const copy = base.slice();
          for (const [at, v] of edits) copy[at] = v;
          return copy;
        }),
        fc.tuple(fc.nat(base.length), fc.nat(base.length)).map(([a, b]) => concat([base.subarray(Math.min(a, b), Math.max(a, b)), base])),
      ),
      fc.array(fc.nat(3000), { maxLength: 6 }),
      (bytes, cuts) => {
        const started = performance.now();
        try {
          feed(bytes, cuts.map((c) => c % (bytes.length + 1)).sort((a, b) => a - b));
        } catch (e) {
          assert.ok(e instanceof AircheckError, String(e));
        }
        assert.ok(performance.now() - started < 1000);
      }), { numRuns: 500 });
  });
});
