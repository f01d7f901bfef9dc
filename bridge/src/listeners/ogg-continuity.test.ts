// The hooks that keep an Ogg listener on one logical stream (README.md "Ogg listeners keep one
// stream"): a real Listener on a fake socket, fed by real Mounts through their flush and moves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { Listener } from './listener.ts';
import { Mount, emptyInfo } from '../mounts/mount.ts';
import { MountSchema } from '../../../config/src/config-schema.ts';
import { OggFramer } from '../../../shared/src/ogg/ogg-framer.ts';
import { parseOggPage, writeOggPage, type OggPage } from '../../../shared/src/ogg/ogg-page.ts';
import { writeOpusTags } from '../../../shared/src/ogg/codec-headers.ts';
import type { AudioUnit } from '../../../shared/src/audio-unit.ts';

const TOC_20MS = (31 << 3) | 0; // RFC 6716 §3.1: CELT 20 ms, one frame

function opusHead(channels: number): Uint8Array {
  const h = new Uint8Array(19);
  h.set(new TextEncoder().encode('OpusHead'), 0);
  h[8] = 1;
  h[9] = channels;
  h[10] = 0x38;
  h[11] = 0x01;
  return h;
}

/** The AudioUnits an Ogg Opus source would release: BOS, OpusTags, `pages` audio pages of 100 ms, EOS on the last when asked. */
function opusUnits(serial: number, pages: number, opts: { eos?: boolean; channels?: number } = {}): AudioUnit[] {
  const bytes: Uint8Array[] = [
    writeOggPage({ serial, sequence: 0, granulePosition: 0n, packets: [opusHead(opts.channels ?? 2)], bos: true }),
    writeOggPage({ serial, sequence: 1, granulePosition: 0n, packets: [writeOpusTags({ vendor: 't', comments: [], trailing: new Uint8Array(0) })] }),
  ];
  for (let i = 0; i < pages; i++) {
    const packets = Array.from({ length: 5 }, () => {
      const p = new Uint8Array(30).fill(i + 1);
      p[0] = TOC_20MS;
      return p;
    });
    bytes.push(writeOggPage({ serial, sequence: 2 + i, granulePosition: BigInt((i + 1) * 4800), packets, eos: opts.eos === true && i === pages - 1 }));
  }
  return new OggFramer().push(new Uint8Array(Buffer.concat(bytes)));
}

function fakeSocket(): { socket: Socket; writes: Uint8Array[] } {
  const writes: Uint8Array[] = [];
  const socket = {
    writableLength: 0,
    on() { return socket; },
    write(chunk: Uint8Array) { writes.push(chunk); return true; },
    cork() {},
    uncork() {},
    end() {},
    destroy() {},
  };
  return { socket: socket as unknown as Socket, writes };
}

function oggListener(): { listener: Listener; writes: Uint8Array[] } {
  const { socket, writes } = fakeSocket();
  const listener = new Listener({
    socket, format: 'ogg-opus', requestedPath: '/live', icyMetaIntBytes: null,
    info: { ip: '127.0.0.1', userAgent: 'test', referer: '', connectedAtMs: 0, httpVersion: '1.1' },
    onClose: () => undefined,
  });
  return { listener, writes };
}

function mount(path: string): Mount {
  const m = new Mount(MountSchema.parse({ path, burst_seconds: 10 }));
  m.startStream('ogg-opus', emptyInfo());
  return m;
}

function pages(writes: readonly Uint8Array[]): OggPage[] {
  const all = new Uint8Array(Buffer.concat(writes));
  const out: OggPage[] = [];
  for (let at = 0; at < all.length;) {
    const parsed = parseOggPage(all, at)!;
    out.push(parsed.page);
    at = parsed.nextOffset;
  }
  return out;
}

function assertOneStream(out: OggPage[]): void {
  assert.equal(out.filter((p) => p.bos).length, 1, 'one BOS');
  assert.equal(out.filter((p) => p.eos).length, 0, 'no EOS');
  assert.equal(new Set(out.map((p) => p.serial)).size, 1, 'one serial');
  out.forEach((p, i) => assert.equal(p.sequence, i, `page ${i}'s sequence number`));
  const granules = out.filter((p) => p.granulePosition > 0n).map((p) => p.granulePosition);
  assert.deepEqual(granules, granules.map((_, i) => BigInt((i + 1) * 4800)), 'granules continue across the joins');
}

test('an Ogg listener gets the mount\'s own chunk (zero-copy) until a chain change, then one stream across the source\'s new chain', () => {
  const live = mount('/live');
  const { listener, writes } = oggListener();
  const other = oggListener();
  for (const u of opusUnits(10, 3)) live.append(u);
  live.flush(10);
  live.addNewListener(listener); // the burst: header pages and the 3 pages so far
  live.addNewListener(other.listener);
  for (const u of opusUnits(10, 6).slice(5)) live.append(u);
  live.flush(10);
  assert.equal(listener.remuxesOgg, false, 'passing through before any chain change');
  assert.equal(writes.at(-1), other.writes.at(-1), 'both listeners were written the same buffer');
  // The source ends its chain and starts another (as a new title or an encoder restart does).
  for (const u of [...opusUnits(10, 7, { eos: true }).slice(8), ...opusUnits(11, 3)]) live.append(u);
  live.flush(10);
  assert.equal(listener.remuxesOgg, true);
  assert.notEqual(writes.at(-1), other.writes.at(-1), 'each re-muxes its own copy');
  assertOneStream(pages(writes));
});

test('a listener moved to a fallback mount and back keeps one stream (the EOS and header pages of the moves are absorbed)', () => {
  const live = mount('/live');
  const fallback = mount('/fallback');
  const { listener, writes } = oggListener();
  for (const u of opusUnits(20, 2)) live.append(u);
  live.flush(10);
  live.addNewListener(listener);
  for (const u of opusUnits(20, 4).slice(4)) live.append(u);
  live.flush(10);
  for (const u of opusUnits(30, 5)) fallback.append(u);
  fallback.flush(10);
  live.detachForMove(listener);
  fallback.addMovedListener(listener);
  for (const u of opusUnits(30, 7).slice(7)) fallback.append(u);
  fallback.flush(10);
  live.startStream('ogg-opus', emptyInfo());
  for (const u of opusUnits(40, 2)) live.append(u);
  fallback.detachForMove(listener);
  live.addMovedListener(listener);
  live.flush(10);
  const out = pages(writes);
  assertOneStream(out);
  assert.equal(out.length, 2 + 4 + 2 + 2, 'headers, 4 live pages, 2 fallback pages, 2 live pages');
});

test('a move to a mount whose Opus stream has another channel count gets a proper chain (EOS, then BOS)', () => {
  const live = mount('/live');
  const mono = mount('/mono');
  const { listener, writes } = oggListener();
  for (const u of opusUnits(50, 2)) live.append(u);
  live.flush(10);
  live.addNewListener(listener);
  for (const u of opusUnits(50, 3).slice(4)) live.append(u);
  live.flush(10);
  for (const u of opusUnits(60, 1, { channels: 1 })) mono.append(u);
  mono.flush(10);
  live.detachForMove(listener);
  mono.addMovedListener(listener);
  for (const u of opusUnits(60, 2, { channels: 1 }).slice(3)) mono.append(u);
  mono.flush(10);
  const out = pages(writes);
  assert.deepEqual(out.map((p) => (p.bos ? 'BOS' : p.eos ? 'EOS' : p.serial)), ['BOS', 50, 50, 50, 50, 'EOS', 'BOS', 60, 60]);
});
