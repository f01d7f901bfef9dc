import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { AircheckError } from '../errors.ts';
import {
  OGG_GRANULE_NONE, OGG_MAX_PAGE_BYTES, OggPacketAssembler, checkOggPage, findOggCapture,
  oggCrc32, parseOggPage, rewriteOggPage, writeOggPage,
} from './ogg-page.ts';
import type { OggPacket, OggPage } from './ogg-page.ts';
import { concatBytes } from '../bytes.ts';

const fromHex = (hex: string): Uint8Array => Uint8Array.from(hex.match(/../g) ?? [], (h) => parseInt(h, 16));
const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

// The first two pages of `ffmpeg -f lavfi -i sine -c:a libopus x.opus` (ffmpeg 5.1, libopus).
const OPUS_HEAD_PAGE = fromHex(
  '4f67675300020000000000000000f02b525600000000c1e8f9ab01134f707573486561640101380180bb0000000000');
const OPUS_TAGS_PAGE = fromHex(
  '4f67675300000000000000000000f02b52560100000068a79f5d013e4f707573546167730d0000004c61766635392e32372e3130300100' +
  '00001d000000656e636f6465723d4c61766335392e33372e313030206c69626f707573');

const tmp = mkdtempSync(join(tmpdir(), 'aircheck-ogg-page-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function ffmpeg(name: string, args: string[]): Uint8Array {
  const file = join(tmp, name);
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args, file]);
  return new Uint8Array(readFileSync(file));
}

function allPages(buf: Uint8Array): OggPage[] {
  const pages: OggPage[] = [];
  let offset = 0;
  while (offset < buf.length) {
    const r = parseOggPage(buf, offset);
    assert.ok(r, `page at ${offset} is complete`);
    pages.push(r.page);
    offset = r.nextOffset;
  }
  return pages;
}

/** Bit-at-a-time reference of the RFC 3533 CRC. */
function referenceCrc(buf: Uint8Array): number {
  let crc = 0;
  for (const byte of buf) {
    crc ^= byte << 24;
    for (let i = 0; i < 8; i++) crc = crc & 0x80000000 ? (crc << 1) ^ 0x04c11db7 : crc << 1;
  }
  return crc >>> 0;
}

/** A simple paginator for tests: lays packets into pages of at most maxSegments lacing values. */
function paginate(packets: Uint8Array[], maxSegments: number, serial = 7): Uint8Array[] {
  const pages: Uint8Array[] = [];
  let pieces: Uint8Array[] = [];
  let segments = 0;
  let continued = false;
  let sequence = 0;
  let granule = 0n;
  let completedOnPage = 0;
  const flush = (open: boolean): void => {
    pages.push(writeOggPage({
      serial, sequence: sequence++, granulePosition: completedOnPage > 0 ? granule : OGG_GRANULE_NONE,
      packets: pieces, continued, lastPacketIncomplete: open, bos: pages.length === 0,
    }));
    continued = open;
    pieces = [];
    segments = 0;
    completedOnPage = 0;
  };
  for (const packet of packets) {
    let rest = packet;
    for (;;) {
      const free = maxSegments - segments;
      const needed = Math.floor(rest.length / 255) + 1;
      if (needed <= free) {
        pieces.push(rest);
        segments += needed;
        completedOnPage++;
        granule += 960n;
        break;
      }
      if (free === 0) {
        flush(false);
        continue;
      }
      pieces.push(rest.subarray(0, free * 255));
      rest = rest.subarray(free * 255);
      segments += free;
      flush(true);
    }
  }
  if (pieces.length > 0) flush(false);
  return pages;
}

const concat = concatBytes;

describe('oggCrc32', () => {
  it('matches the CRC-32 check value for "123456789" with poly 0x04c11db7, init 0, no xor-out', () => {
    // CRC-32/POSIX's check value 0x765e7680 is this CRC xor 0xffffffff.
    assert.equal(oggCrc32(ascii('123456789')), 0x89a1897f);
  });

  it('matches a bitwise reference on any bytes, any start and end, and when continued', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300, size: 'max' }), fc.nat(), fc.nat(), (bytes, a, b) => {
      const start = bytes.length === 0 ? 0 : a % bytes.length;
      const end = start + (bytes.length === 0 ? 0 : b % (bytes.length - start + 1));
      assert.equal(oggCrc32(bytes, start, end), referenceCrc(bytes.subarray(start, end)));
      const mid = (start + end) >> 1;
      assert.equal(oggCrc32(bytes, mid, end, oggCrc32(bytes, start, mid)), referenceCrc(bytes.subarray(start, end)));
    }));
  });
});

describe('parseOggPage', () => {
  it('reads every field of a golden OpusHead BOS page from ffmpeg', () => {
    const r = parseOggPage(OPUS_HEAD_PAGE, 0);
    assert.ok(r);
    const { page, nextOffset } = r;
    assert.equal(nextOffset, 47);
    assert.equal(page.bytes.length, 47);
    assert.equal(page.headerType, 2);
    assert.equal(page.bos, true);
    assert.equal(page.eos, false);
    assert.equal(page.continued, false);
    assert.equal(page.granulePosition, 0n);
    assert.equal(page.serial, 0x56522bf0);
    assert.equal(page.sequence, 0);
    assert.equal(page.checksum, 0xabf9e8c1);
    assert.deepEqual([...page.segmentTable], [19]);
    assert.equal(page.packets.length, 1);
    assert.equal(page.completedPackets, 1);
    assert.equal(page.lastPacketComplete, true);
    assert.deepEqual(page.packets[0]?.subarray(0, 8), ascii('OpusHead'));
    // Views, not copies.
    assert.equal(page.bytes.buffer, OPUS_HEAD_PAGE.buffer);
  });

  it('parses a page at a non-zero offset and reports the next offset', () => {
    const buf = concat([OPUS_HEAD_PAGE, OPUS_TAGS_PAGE]);
    const r = parseOggPage(buf, 47);
    assert.ok(r);
    assert.equal(r.nextOffset, buf.length);
    assert.equal(r.page.sequence, 1);
    assert.deepEqual(r.page.packets[0]?.subarray(0, 8), ascii('OpusTags'));
  });

  it('returns null for every truncation of a page', () => {
    for (let n = 0; n < OPUS_TAGS_PAGE.length; n++) {
      assert.equal(parseOggPage(OPUS_TAGS_PAGE.subarray(0, n), 0), null, `prefix of ${n} bytes`);
    }
  });

  it('rejects a page with any single corrupted byte outside the segment table with SOURCE_BAD_AUDIO', () => {
    for (let i = 0; i < OPUS_TAGS_PAGE.length; i++) {
      if (i === 26 || i === 27) continue; // segment count / lacing: the page then claims another length
      const bad = OPUS_TAGS_PAGE.slice();
      bad[i] = (bad[i] as number) ^ 0x10;
      assert.throws(() => parseOggPage(bad, 0), (e: unknown) => e instanceof AircheckError && e.code === 'SOURCE_BAD_AUDIO', `byte ${i}`);
    }
  });

  it('names the field, the value and the fix in its errors', () => {
    const badCrc = OPUS_HEAD_PAGE.slice();
    badCrc[40] = 0;
    assert.throws(() => parseOggPage(badCrc, 0), /CRC is 0xabf9e8c1, computed 0x[0-9a-f]+ \(RFC 3533 §6\).*check the encoder/);
    const badVersion = OPUS_HEAD_PAGE.slice();
    badVersion[4] = 1;
    assert.throws(() => parseOggPage(badVersion, 0), /stream_structure_version is 1, expected 0/);
    assert.throws(() => parseOggPage(ascii('ID3\x04\0\0\0\0'), 0), /capture pattern is 49 44 33 04, expected 'OggS'/);
  });

  it('rejects reserved header_type bits before waiting for the rest of the page', () => {
    assert.throws(() => parseOggPage(ascii('OggS\0\x08'), 0), /header_type is 0x8/);
  });

  it('reads granule -1 as "no packet ends here" and large granules as signed 64-bit', () => {
    const open = writeOggPage({ serial: 1, sequence: 2, granulePosition: -1n, packets: [new Uint8Array(255)], lastPacketIncomplete: true });
    const r = parseOggPage(open, 0);
    assert.equal(r?.page.granulePosition, OGG_GRANULE_NONE);
    assert.equal(r?.page.completedPackets, 0);
    assert.equal(r?.page.lastPacketComplete, false);
    const big = writeOggPage({ serial: 1, sequence: 2, granulePosition: 2n ** 62n + 5n, packets: [] });
    assert.equal(parseOggPage(big, 0)?.page.granulePosition, 2n ** 62n + 5n);
  });

  it('accepts a maximal page of 255 segments of 255 bytes', () => {
    const page = writeOggPage({ serial: 9, sequence: 0, granulePosition: -1n, packets: [new Uint8Array(255 * 255)], lastPacketIncomplete: true });
    assert.equal(page.length, OGG_MAX_PAGE_BYTES);
    assert.equal(parseOggPage(page, 0)?.nextOffset, OGG_MAX_PAGE_BYTES);
  });

  it('never throws anything but AircheckError on random bytes, with or without a capture pattern', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 600, size: 'max' }), fc.boolean(), (bytes, prefixed) => {
      const buf = prefixed ? concat([ascii('OggS\0'), bytes]) : bytes;
      try {
        const r = parseOggPage(buf, 0);
        if (r !== null) assert.ok(r.nextOffset <= buf.length);
      } catch (e) {
        assert.ok(e instanceof AircheckError, String(e));
      }
    }), { numRuns: 2000 });
  });
});

describe('checkOggPage and findOggCapture', () => {
  it('finds the next capture pattern and a partial one at the end', () => {
    const buf = concat([ascii('xxOgxOggSyyO'), ascii('g')]);
    assert.equal(findOggCapture(buf, 0), 5);
    assert.equal(findOggCapture(buf, 6), 11);
    assert.equal(findOggCapture(ascii('abc'), 0), 3);
    assert.equal(findOggCapture(ascii('abOgq'), 0), 5);
  });

  it('returns the length, 0 for "need more", or the defect', () => {
    assert.equal(checkOggPage(OPUS_HEAD_PAGE, 0), 47);
    assert.equal(checkOggPage(OPUS_HEAD_PAGE.subarray(0, 30), 0), 0);
    assert.equal(checkOggPage(ascii('Oggx'), 0), 'capture');
    const bad = OPUS_HEAD_PAGE.slice();
    bad[46] = 1;
    assert.equal(checkOggPage(bad, 0), 'crc');
  });
});

describe('writeOggPage', () => {
  it('reproduces the golden ffmpeg pages byte for byte', () => {
    const head = parseOggPage(OPUS_HEAD_PAGE, 0)?.page;
    assert.ok(head);
    assert.deepEqual(writeOggPage({ serial: head.serial, sequence: 0, granulePosition: 0n, packets: head.packets, bos: true }), OPUS_HEAD_PAGE);
    const tags = parseOggPage(OPUS_TAGS_PAGE, 0)?.page;
    assert.ok(tags);
    assert.deepEqual(writeOggPage({ serial: tags.serial, sequence: 1, granulePosition: 0n, packets: tags.packets }), OPUS_TAGS_PAGE);
  });

  it('laces packets of 0, 254, 255 and 510 bytes per RFC 3533 §5', () => {
    const packets = [0, 254, 255, 510].map((n) => new Uint8Array(n).fill(n & 0xff));
    const page = writeOggPage({ serial: 3, sequence: 4, granulePosition: 100n, packets, eos: true });
    const parsed = parseOggPage(page, 0)?.page;
    assert.ok(parsed);
    assert.deepEqual([...parsed.segmentTable], [0, 254, 255, 0, 255, 255, 0]);
    assert.deepEqual(parsed.packets.map((p) => p.length), [0, 254, 255, 510]);
    assert.equal(parsed.eos, true);
  });

  it('refuses more than 255 lacing values and unfinished pieces that are not multiples of 255', () => {
    assert.throws(() => writeOggPage({ serial: 1, sequence: 0, granulePosition: 0n, packets: [new Uint8Array(255 * 255)] }), RangeError);
    assert.throws(() => writeOggPage({ serial: 1, sequence: 0, granulePosition: 0n, packets: [new Uint8Array(10)], lastPacketIncomplete: true }), RangeError);
  });

  it('round-trips any fields and packets through parseOggPage', () => {
    fc.assert(fc.property(
      fc.array(fc.uint8Array({ maxLength: 700, size: 'max' }), { maxLength: 8 }),
      fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff }),
      fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.boolean(), fc.boolean(), fc.boolean(),
      (packets, serial, sequence, granulePosition, continued, bos, eos) => {
        const page = writeOggPage({ serial, sequence, granulePosition, packets, continued, bos, eos });
        const parsed = parseOggPage(page, 0)?.page;
        assert.ok(parsed);
        assert.equal(parsed.serial, serial);
        assert.equal(parsed.sequence, sequence);
        assert.equal(parsed.granulePosition, granulePosition);
        assert.deepEqual([parsed.continued, parsed.bos, parsed.eos], [continued, bos, eos]);
        assert.deepEqual(parsed.packets.map((p) => [...p]), packets.map((p) => [...p]));
      }));
  });
});

describe('rewriteOggPage', () => {
  it('changes serial, sequence and granule and keeps the CRC valid', () => {
    const out = rewriteOggPage(OPUS_TAGS_PAGE, { serial: 42, sequence: 7, granulePosition: 123n });
    const page = parseOggPage(out, 0)?.page;
    assert.ok(page);
    assert.deepEqual([page.serial, page.sequence, page.granulePosition], [42, 7, 123n]);
    assert.deepEqual(page.body, parseOggPage(OPUS_TAGS_PAGE, 0)?.page.body);
    assert.equal(OPUS_TAGS_PAGE[14], 0xf0, 'the input is untouched');
  });
});

describe('real ffmpeg streams', () => {
  it('parses every page of an Ogg Opus file with valid CRCs, sequences and a final EOS', () => {
    const file = ffmpeg('tone.opus', ['-f', 'lavfi', '-i', 'sine=frequency=440:duration=3', '-c:a', 'libopus', '-b:a', '64k']);
    const pages = allPages(file);
    assert.ok(pages.length >= 4);
    pages.forEach((p, i) => assert.equal(p.sequence, i));
    assert.equal(pages[0]?.bos, true);
    assert.equal(pages.at(-1)?.eos, true);
    assert.ok(pages.every((p) => p.serial === pages[0]?.serial));
    // ffmpeg's default page_duration is 1 s: 50 packets of 20 ms per audio page.
    assert.equal(pages[2]?.granulePosition, 48000n);
  });

  it('reassembles the Vorbis comment and setup headers that share a page', () => {
    const file = ffmpeg('tone.ogg', ['-f', 'lavfi', '-i', 'sine=frequency=440:duration=2', '-c:a', 'libvorbis']);
    const assembler = new OggPacketAssembler();
    const packets: OggPacket[] = [];
    for (const page of allPages(file)) packets.push(...assembler.push(page));
    assert.deepEqual([...(packets[0]?.data.subarray(0, 7) ?? [])], [...ascii('\x01vorbis')]);
    assert.deepEqual([...(packets[1]?.data.subarray(0, 7) ?? [])], [...ascii('\x03vorbis')]);
    assert.deepEqual([...(packets[2]?.data.subarray(0, 7) ?? [])], [...ascii('\x05vorbis')]);
    assert.equal(packets[0]?.bos, true);
    assert.equal(packets.at(-1)?.eos, true);
  });
});

describe('OggPacketAssembler', () => {
  it('joins packets spanning pages and returns single-page packets as views', () => {
    const packets = [new Uint8Array(100).fill(1), new Uint8Array(2000).fill(2), new Uint8Array(10).fill(3)];
    const pages = paginate(packets, 3);
    const assembler = new OggPacketAssembler();
    const out: OggPacket[] = [];
    const parsedPages = pages.map((p) => parseOggPage(p, 0)?.page as OggPage);
    for (const page of parsedPages) out.push(...assembler.push(page));
    assert.deepEqual(out.map((p) => p.data.length), [100, 2000, 10]);
    assert.ok(out[1]?.data.every((b) => b === 2));
    assert.equal(out[0]?.data.buffer, pages[0]?.buffer, 'a packet on one page is a view');
  });

  it('round-trips any packets through any page size', () => {
    fc.assert(fc.property(
      fc.array(fc.uint8Array({ maxLength: 1500, size: 'max' }), { minLength: 1, maxLength: 12 }),
      fc.integer({ min: 1, max: 255 }),
      (packets, maxSegments) => {
        const assembler = new OggPacketAssembler();
        const out: Uint8Array[] = [];
        for (const page of paginate(packets, maxSegments)) {
          // Reuse the page memory afterwards: the assembler must hold copies only.
          const copy = page.slice();
          for (const p of assembler.push(parseOggPage(copy, 0)?.page as OggPage)) out.push(p.data.slice());
          copy.fill(0xee);
        }
        assert.deepEqual(out.map((p) => [...p]), packets.map((p) => [...p]));
      }), { numRuns: 300 });
  });

  it('drops a packet whose continuation page is missing, then carries on', () => {
    const packets = [new Uint8Array(600).fill(1), new Uint8Array(20).fill(2), new Uint8Array(30).fill(3)];
    const pages = paginate(packets, 1).map((p) => parseOggPage(p, 0)?.page as OggPage);
    // Packet 1 spans pages 0..2 (255 + 255 + 90); lose page 1.
    const assembler = new OggPacketAssembler();
    const out: Uint8Array[] = [];
    for (const [i, page] of pages.entries()) if (i !== 1) for (const p of assembler.push(page)) out.push(p.data);
    assert.deepEqual(out.map((p) => p.length), [20, 30]);
  });

  it('throws SOURCE_BAD_AUDIO when a packet grows past its limit', () => {
    const pages = paginate([new Uint8Array(5000)], 4).map((p) => parseOggPage(p, 0)?.page as OggPage);
    const assembler = new OggPacketAssembler(3000);
    assert.throws(() => {
      for (const page of pages) assembler.push(page);
    }, (e: unknown) => e instanceof AircheckError && e.code === 'SOURCE_BAD_AUDIO' && /exceeds 3000 bytes/.test(e.message));
  });

  it('gives the page granule to the last packet finishing on it and -1 to the others', () => {
    const page = parseOggPage(writeOggPage({ serial: 1, sequence: 0, granulePosition: 1920n, packets: [new Uint8Array(3), new Uint8Array(4)] }), 0)?.page as OggPage;
    const out = new OggPacketAssembler().push(page);
    assert.deepEqual(out.map((p) => p.granulePosition), [-1n, 1920n]);
  });
});
