// Microbenchmark of the Ogg re-muxer (shared/src/ogg/ogg-continuity.ts) as listeners use it after a
// fallback: N listeners, each re-muxing every chunk its mount flushes (one 100 ms flush each), against
// the pass-through every listener has until its first chain change. Pure CPU, no sockets:
//   node test/bench/ogg-continuity-bench.ts [listeners=1000] [seconds=30]
import { OggContinuity } from '../../shared/src/ogg/ogg-continuity.ts';
import { writeOggPage, parseOggPage } from '../../shared/src/ogg/ogg-page.ts';
import { writeOpusTags } from '../../shared/src/ogg/codec-headers.ts';

const listeners = Number(process.argv[2] ?? 1000);
const seconds = Number(process.argv[3] ?? 30);
const PACKET_BYTES = 240; // 96 kbit/s in 20 ms packets
const TOC_20MS = (31 << 3) | 0;

function opusHead(): Uint8Array {
  const h = new Uint8Array(19);
  h.set(new TextEncoder().encode('OpusHead'), 0);
  h[8] = 1;
  h[9] = 2;
  h[10] = 312 & 0xff;
  h[11] = 312 >> 8;
  return h;
}

function packet(i: number): Uint8Array {
  const p = new Uint8Array(PACKET_BYTES);
  for (let k = 1; k < p.length; k++) p[k] = (i * 31 + k * 7) & 0xff;
  p[0] = TOC_20MS;
  return p;
}

/** A chain of `seconds` of audio with pages of `packetsPerPage` 20 ms packets. */
function chain(serial: number, packetsPerPage: number): { headers: Uint8Array[]; audio: Uint8Array[] } {
  const headers = [
    writeOggPage({ serial, sequence: 0, granulePosition: 0n, packets: [opusHead()], bos: true }),
    writeOggPage({ serial, sequence: 1, granulePosition: 0n, packets: [writeOpusTags({ vendor: 'bench', comments: [], trailing: new Uint8Array(0) })] }),
  ];
  const audio: Uint8Array[] = [];
  const pages = Math.ceil((seconds * 50) / packetsPerPage);
  for (let i = 0; i < pages; i++) {
    audio.push(writeOggPage({
      serial, sequence: 2 + i, granulePosition: BigInt((i + 1) * packetsPerPage * 960),
      packets: Array.from({ length: packetsPerPage }, (_, k) => packet(i * packetsPerPage + k)),
    }));
  }
  return { headers, audio };
}

/** The chunks a mount flushes every 100 ms: the pages released in that tick, concatenated. */
function flushes(pages: Uint8Array[], packetsPerPage: number): Uint8Array[] {
  const pageMs = packetsPerPage * 20;
  const out: Uint8Array[] = [];
  let pending: Uint8Array[] = [];
  let releasedMs = 0;
  for (let tickMs = 100, i = 0; tickMs <= seconds * 1000; tickMs += 100) {
    while (i < pages.length && releasedMs + pageMs <= tickMs) {
      pending.push(pages[i++]!);
      releasedMs += pageMs;
    }
    if (pending.length > 0) out.push(new Uint8Array(Buffer.concat(pending)));
    pending = [];
  }
  return out;
}

function run(label: string, packetsPerPage: number): void {
  const before = chain(0x1000, packetsPerPage); // the chain listeners were on (the source)
  const after = chain(0x2000, packetsPerPage); // the fallback they moved to
  const lastBefore = parseOggPage(before.audio[0]!, 0)!.page;
  const chunks = flushes(after.audio, packetsPerPage);
  const headerChunk = new Uint8Array(Buffer.concat(after.headers));
  const remuxers = Array.from({ length: listeners }, () => {
    const r = OggContinuity.resume({
      headerPages: before.headers,
      last: { serial: lastBefore.serial, sequence: lastBefore.sequence, granulePosition: lastBefore.granulePosition, eos: false },
      lastGranule: lastBefore.granulePosition,
    });
    r.push(headerChunk); // the move: the fallback's header pages, joined
    return r;
  });
  let bytes = 0;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (const c of chunks) for (const r of remuxers) bytes += r.push(c).length;
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const audioBytes = chunks.reduce((a, c) => a + c.length, 0) * listeners;
  if (bytes !== audioBytes) throw new Error(`re-muxed ${bytes} bytes, expected ${audioBytes}`);
  const share = (cpuMs / (seconds * 1000)) * 100;
  console.log(`${label}: ${listeners} listeners × ${seconds} s re-muxed in ${cpuMs.toFixed(0)} ms CPU (${wallMs.toFixed(0)} ms wall) = ${share.toFixed(2)} % of one core; ${(cpuMs * 1000 / (listeners * seconds)).toFixed(1)} µs per listener-second`);
}

run('1 s pages (ffmpeg, Liquidsoap)', 50);
run('100 ms pages (the studio)', 5);
run('20 ms pages (one packet a page)', 1);
