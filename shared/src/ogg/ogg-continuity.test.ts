import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OggContinuity, patchPageHeader } from './ogg-continuity.ts';
import { parseOggPage, writeOggPage, type OggPage } from './ogg-page.ts';
import { isOpusHead, isVorbisIdentification, writeOpusTags, writeVorbisComment } from './codec-headers.ts';
import { buildOggEosPage } from './ogg-eos.ts';

// CELT fullband 20 ms, one frame (RFC 6716 §3.1, config 31, code 0): 960 samples at 48 kHz.
const TOC_20MS = (31 << 3) | 0;

function opusHead(channels: number, preSkip = 312): Uint8Array {
  const h = new Uint8Array(19);
  h.set(new TextEncoder().encode('OpusHead'), 0);
  h[8] = 1;
  h[9] = channels;
  h[10] = preSkip & 0xff;
  h[11] = preSkip >> 8;
  new DataView(h.buffer).setUint32(12, 48000, true);
  return h;
}

function opusPacket(fill: number): Uint8Array {
  const p = new Uint8Array(40).fill(fill);
  p[0] = TOC_20MS;
  return p;
}

interface ChainOptions {
  serial: number;
  channels?: number;
  pages: number;
  packetsPerPage?: number;
  /** Granule of the chain's start (encoders start at 0; a relay joined mid-way starts later). */
  startGranule?: bigint;
  eos?: boolean;
  /** The EOS page's granule trims this many samples off the end (RFC 7845 §4). */
  endTrim?: number;
  title?: string;
  fill?: number;
}

/** An Ogg Opus chain as libopus/ffmpeg writes it: BOS (OpusHead), OpusTags, then audio pages. */
function opusChain(o: ChainOptions): Uint8Array[] {
  const per = o.packetsPerPage ?? 5;
  const pages: Uint8Array[] = [];
  pages.push(writeOggPage({ serial: o.serial, sequence: 0, granulePosition: 0n, packets: [opusHead(o.channels ?? 2)], bos: true }));
  const tags = writeOpusTags({ vendor: 'test', comments: o.title ? [{ key: 'TITLE', value: o.title }] : [], trailing: new Uint8Array(0) });
  pages.push(writeOggPage({ serial: o.serial, sequence: 1, granulePosition: 0n, packets: [tags] }));
  let granule = o.startGranule ?? 0n;
  for (let i = 0; i < o.pages; i++) {
    granule += BigInt(960 * per);
    const last = i === o.pages - 1;
    const eos = last && o.eos === true;
    pages.push(writeOggPage({
      serial: o.serial,
      sequence: 2 + i,
      granulePosition: eos ? granule - BigInt(o.endTrim ?? 0) : granule,
      packets: Array.from({ length: per }, () => opusPacket(o.fill ?? i)),
      eos,
    }));
  }
  return pages;
}

function parseAll(bytes: Uint8Array): OggPage[] {
  const out: OggPage[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const parsed = parseOggPage(bytes, offset); // throws on a bad CRC
    assert.ok(parsed, `a whole page at byte ${offset}`);
    out.push(parsed.page);
    offset = parsed.nextOffset;
  }
  return out;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

/** Asserts one logical stream: one serial, one BOS (first), no EOS, sequence +1 each page, granules non-decreasing. */
function assertOneStream(pages: OggPage[]): void {
  assert.ok(pages.length > 0);
  const serial = pages[0]!.serial;
  assert.ok(pages[0]!.bos, 'the stream starts with its BOS page');
  let granule = -1n;
  pages.forEach((p, i) => {
    assert.equal(p.serial, serial, `page ${i} keeps the serial`);
    assert.equal(p.sequence, pages[0]!.sequence + i, `page ${i} has the next sequence number`);
    if (i > 0) assert.equal(p.bos, false, `page ${i} is no BOS`);
    assert.equal(p.eos, false, `page ${i} is no EOS`);
    if (p.granulePosition >= 0n) {
      assert.ok(p.granulePosition >= granule, `page ${i} granule ${p.granulePosition} ≥ ${granule}`);
      granule = p.granulePosition;
    }
  });
}

function opusHeadCount(pages: OggPage[]): number {
  return pages.filter((p) => p.packets.some((q) => isOpusHead(q))).length;
}

test('two Opus chains of the same channel count become one logical stream with continuing granules', () => {
  const a = opusChain({ serial: 111, pages: 3, eos: true });
  const b = opusChain({ serial: 222, pages: 3, title: 'second' });
  const remux = new OggContinuity();
  const out = parseAll(concat([remux.push(concat(a)), remux.push(concat(b))]));
  assertOneStream(out);
  assert.equal(opusHeadCount(out), 1, 'the second chain\'s header pages are dropped');
  assert.equal(out.length, 2 + 3 + 3);
  // 5 packets × 960 samples per page, continuing across the join.
  assert.deepEqual(out.slice(2).map((p) => p.granulePosition), [4800n, 9600n, 14400n, 19200n, 24000n, 28800n]);
  assert.equal(remux.joins, 1);
  assert.equal(remux.chains, 0);
});

test('the audio packets are kept byte for byte across a join', () => {
  const a = opusChain({ serial: 1, pages: 2, fill: 7 });
  const b = opusChain({ serial: 2, pages: 2, fill: 9 });
  const remux = new OggContinuity();
  const out = parseAll(concat([remux.push(concat(a)), remux.push(concat(b))]));
  const inPackets = [...a.slice(2), ...b.slice(2)].flatMap((bytes) => parseOggPage(bytes, 0)!.page.packets.map((p) => Buffer.from(p).toString('hex')));
  const outPackets = out.slice(2).flatMap((p) => p.packets.map((q) => Buffer.from(q).toString('hex')));
  assert.deepEqual(outPackets, inPackets);
});

test('pages pass through untouched (the same buffer) until the first chain change', () => {
  const a = opusChain({ serial: 5, pages: 3 });
  const chunk = concat(a);
  const remux = new OggContinuity();
  assert.equal(remux.push(chunk), chunk);
});

test('an EOS page that trims the end is untrimmed when the stream goes on (RFC 7845 §4)', () => {
  const a = opusChain({ serial: 1, pages: 2, eos: true, endTrim: 500 });
  const b = opusChain({ serial: 2, pages: 1 });
  const remux = new OggContinuity();
  const out = parseAll(concat([remux.push(concat(a)), remux.push(concat(b))]));
  assertOneStream(out);
  assert.deepEqual(out.slice(2).map((p) => p.granulePosition), [4800n, 9600n, 14400n]);
});

test('a chain that starts at a late granule (joined mid-way) continues from the output\'s granule', () => {
  const a = opusChain({ serial: 1, pages: 2 });
  const b = opusChain({ serial: 2, pages: 2, startGranule: 48000n * 3600n });
  const remux = new OggContinuity();
  const out = parseAll(concat([remux.push(concat(a)), remux.push(concat(b))]));
  assertOneStream(out);
  assert.deepEqual(out.slice(2).map((p) => p.granulePosition), [4800n, 9600n, 14400n, 19200n]);
});

test('a change of channel count ends the stream with an EOS page and starts a proper chain', () => {
  const a = opusChain({ serial: 1, pages: 2 });
  const b = opusChain({ serial: 2, pages: 2, channels: 1 });
  const c = opusChain({ serial: 3, pages: 2, channels: 1 });
  const remux = new OggContinuity();
  const out = parseAll(concat([remux.push(concat(a)), remux.push(concat(b)), remux.push(concat(c))]));
  const eosAt = out.findIndex((p) => p.eos);
  assert.equal(eosAt, 4, 'an EOS page ends the two-channel stream');
  assert.equal(out[eosAt]!.serial, 1);
  assert.equal(out[eosAt]!.sequence, 4);
  assert.ok(out[eosAt + 1]!.bos, 'then the mono chain begins with its BOS');
  assertOneStream(out.slice(0, eosAt));
  // The mono chain continues as one stream too: chain c joins b.
  assertOneStream(out.slice(eosAt + 1));
  assert.equal(out.slice(eosAt + 1).length, 2 + 2 + 2);
  assert.equal(remux.chains, 1);
  assert.equal(remux.joins, 1);
});

test('a new chain reusing the output serial gets another serial when it cannot join', () => {
  const a = opusChain({ serial: 9, pages: 1 });
  const b = opusChain({ serial: 9, pages: 1, channels: 1 });
  const remux = new OggContinuity();
  const out = parseAll(concat([remux.push(concat(a)), remux.push(concat(b))]));
  const bos = out.filter((p) => p.bos);
  assert.equal(bos.length, 2);
  assert.notEqual(bos[0]!.serial, bos[1]!.serial);
  assert.ok(out.slice(out.indexOf(bos[1]!)).every((p) => p.serial === bos[1]!.serial));
});

test('resuming part-way through a chain (seeded) joins the next chain after the last page sent', () => {
  const a = opusChain({ serial: 40, pages: 4 });
  const listenerGot = concat(a.slice(0, 4)); // headers + 2 audio pages, passed through before re-muxing started
  const last = parseOggPage(a[3]!, 0)!.page;
  const remux = OggContinuity.resume({
    headerPages: a.slice(0, 2),
    last: { serial: 40, sequence: last.sequence, granulePosition: last.granulePosition, eos: false },
    lastGranule: last.granulePosition,
  });
  const eos = buildOggEosPage({ serial: 40, sequence: last.sequence, granulePosition: last.granulePosition, eos: false });
  const b = opusChain({ serial: 41, pages: 2 });
  const out = parseAll(concat([listenerGot, remux.push(eos), remux.push(concat(b))]));
  assertOneStream(out);
  assert.deepEqual(out.slice(2).map((p) => p.granulePosition), [4800n, 9600n, 14400n, 19200n]);
});

test('pages split across chunks are held until whole', () => {
  const a = opusChain({ serial: 1, pages: 2 });
  const b = opusChain({ serial: 2, pages: 2 });
  const all = concat([...a, ...b]);
  const remux = new OggContinuity();
  const parts: Uint8Array[] = [];
  for (let i = 0; i < all.length; i += 37) parts.push(remux.push(all.subarray(i, i + 37)));
  const out = parseAll(concat(parts));
  assertOneStream(out);
  assert.equal(out.length, 2 + 2 + 2);
});

test('a packet spanning two pages counts its samples once, on the page it finishes on', () => {
  const a = opusChain({ serial: 1, pages: 1 });
  // Chain b: one 600-byte packet split 510 + 90 across two pages, then a normal page.
  const big = new Uint8Array(600).fill(3);
  big[0] = TOC_20MS;
  const b = opusChain({ serial: 2, pages: 0 });
  b.push(writeOggPage({ serial: 2, sequence: 2, granulePosition: -1n, packets: [big.subarray(0, 510)], lastPacketIncomplete: true }));
  b.push(writeOggPage({ serial: 2, sequence: 3, granulePosition: 960n, packets: [big.subarray(510)], continued: true }));
  const remux = new OggContinuity();
  const out = parseAll(concat([remux.push(concat(a)), remux.push(concat(b))]));
  assertOneStream(out);
  assert.deepEqual(out.slice(2).map((p) => p.granulePosition), [4800n, -1n, 5760n]);
  assert.ok(out[4]!.continued, 'the continuation flag is kept');
});

// ── Vorbis ─────────────────────────────────────────────────────────────────────────────────────

function vorbisId(channels: number, rateHz: number): Uint8Array {
  const p = new Uint8Array(30);
  p.set([1, ...new TextEncoder().encode('vorbis')], 0);
  const v = new DataView(p.buffer);
  v.setUint32(7, 0, true);
  p[11] = channels;
  v.setUint32(12, rateHz, true);
  v.setInt32(20, 128000, true);
  p[28] = (11 << 4) | 8; // blocksizes 256 / 2048
  p[29] = 1;
  return p;
}

function vorbisSetup(variant: number): Uint8Array {
  const p = new Uint8Array(300).fill(variant);
  p.set([5, ...new TextEncoder().encode('vorbis')], 0);
  return p;
}

function vorbisChain(serial: number, setupVariant: number, pages: number, rateHz = 44100): Uint8Array[] {
  const out: Uint8Array[] = [];
  out.push(writeOggPage({ serial, sequence: 0, granulePosition: 0n, packets: [vorbisId(2, rateHz)], bos: true }));
  const comment = writeVorbisComment({ vendor: 'test', comments: [], trailing: new Uint8Array(0) });
  out.push(writeOggPage({ serial, sequence: 1, granulePosition: 0n, packets: [comment, vorbisSetup(setupVariant)] }));
  for (let i = 0; i < pages; i++) {
    out.push(writeOggPage({ serial, sequence: 2 + i, granulePosition: BigInt((i + 1) * 4096), packets: [new Uint8Array(50).fill(i)] }));
  }
  return out;
}

test('two Vorbis chains with an identical setup header become one stream', () => {
  const remux = new OggContinuity();
  const out = parseAll(concat([remux.push(concat(vorbisChain(1, 7, 2))), remux.push(concat(vorbisChain(2, 7, 2)))]));
  assertOneStream(out);
  assert.equal(out.filter((p) => p.packets.some((q) => isVorbisIdentification(q))).length, 1);
  assert.deepEqual(out.slice(2).map((p) => p.granulePosition), [4096n, 8192n, 12288n, 16384n]);
});

test('a Vorbis chain with another setup header gets a proper chain (EOS, then BOS)', () => {
  const remux = new OggContinuity();
  const out = parseAll(concat([remux.push(concat(vorbisChain(1, 7, 2))), remux.push(concat(vorbisChain(2, 8, 2)))]));
  const eosAt = out.findIndex((p) => p.eos);
  assert.equal(eosAt, 4);
  assert.ok(out[eosAt + 1]!.bos);
  assert.equal(out[eosAt + 1]!.serial, 2);
  assert.equal(out.length, 4 + 1 + 4);
});

test('a codec change (Vorbis after Opus) gets a proper chain', () => {
  const remux = new OggContinuity();
  const out = parseAll(concat([remux.push(concat(opusChain({ serial: 1, pages: 2 }))), remux.push(concat(vorbisChain(2, 7, 2)))]));
  assert.equal(out.filter((p) => p.eos).length, 1);
  assert.equal(out.filter((p) => p.bos).length, 2);
  assert.equal(remux.joins, 0);
});

test('re-muxing never writes into the pages it is given, even in a Node Buffer (shared by every listener)', () => {
  const a = opusChain({ serial: 1, pages: 2 });
  const b = Buffer.concat(opusChain({ serial: 2, pages: 2 }));
  const before = Buffer.from(b);
  const remux = new OggContinuity();
  remux.push(concat(a));
  remux.push(b);
  assert.ok(b.equals(before), 'the input chunk is unchanged');
});

test('a header patched in place carries the CRC a full recomputation gives', () => {
  for (const packets of [1, 5, 50, 200]) {
    const page = writeOggPage({ serial: 77, sequence: 3, granulePosition: 12345n, packets: Array.from({ length: packets }, (_, i) => opusPacket(i)) });
    const patched = page.slice();
    patchPageHeader(patched, 0xdeadbeef, 0x12345678, 0x0102030405060708n, 0x01);
    const expected = writeOggPage({ serial: 0xdeadbeef, sequence: 0x12345678, granulePosition: 0x0102030405060708n, packets: Array.from({ length: packets }, (_, i) => opusPacket(i)), continued: true });
    assert.deepEqual(Buffer.from(patched), Buffer.from(expected), `${packets} packets`);
  }
});
