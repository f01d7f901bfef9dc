// Real Opus packets for tests: an Ogg Opus tone made by ffmpeg (libopus), split into its packets as
// WebCodecs' AudioEncoder would emit them (the OpusHead kept apart, OpusTags dropped).
import { readFileSync } from 'node:fs';
import { OggPacketAssembler, parseOggPage } from '../../shared/src/ogg/ogg-page.ts';
import { opusPacketSamples } from '../../shared/src/ogg/codec-headers.ts';
import { toneFile } from './tones.ts';

export interface OpusSource {
  head: Uint8Array;
  packets: { data: Uint8Array; durationSamples: number }[];
}

export async function opusTonePackets(frequencyHz: number, durationS: number): Promise<OpusSource> {
  const bytes = new Uint8Array(readFileSync(await toneFile('ogg-opus', frequencyHz, durationS)));
  const assembler = new OggPacketAssembler();
  const all: Uint8Array[] = [];
  let offset = 0;
  for (;;) {
    const parsed = parseOggPage(bytes, offset);
    if (!parsed) break;
    for (const p of assembler.push(parsed.page)) all.push(p.data.slice());
    offset = parsed.nextOffset;
  }
  return { head: all[0]!, packets: all.slice(2).map((data) => ({ data, durationSamples: opusPacketSamples(data) })) };
}
