// Segments → one continuous Ogg Opus file: one stream, continuous pages and granules, the right
// duration and tone when ffmpeg decodes it, silence for gaps, a cut trailing segment read up to its
// last complete page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, truncateSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { parseOggPage } from '../../../shared/src/ogg/ogg-page.ts';
import { decodeAudio, dominantFrequencyHz, probeDurationSeconds, rms } from '../../../test/helpers/audio-analysis.ts';
import { opusTonePackets } from '../../../test/helpers/studio-client.ts';
import { SegmentWriter } from '../spool/segment-writer.ts';
import { concatenateSegments, silencePackets } from './concatenate.ts';
import { crc32c, crc32cToBase64 } from '../verify/crc32c.ts';

async function writeSegments(dir: string, seconds: number, segmentSeconds: number) {
  const source = await opusTonePackets(440, seconds);
  const paths: string[] = [];
  let writer: SegmentWriter | null = null;
  let total = 0;
  for (const p of source.packets) {
    if (!writer) {
      writer = new SegmentWriter(join(dir, `segment-${paths.length + 1}.opus`), source.head, 1234);
      paths.push(writer.path);
    }
    writer.append(p.data, p.durationSamples);
    total += p.durationSamples;
    await writer.flush();
    if (writer.durationSamples >= segmentSeconds * 48000) {
      await writer.close();
      writer = null;
    }
  }
  if (writer) await writer.close();
  return { source, paths, totalSamples: total };
}

function pagesOf(path: string) {
  const bytes = new Uint8Array(readFileSync(path));
  const pages = [];
  let offset = 0;
  while (offset < bytes.length) {
    const r = parseOggPage(bytes, offset)!;
    pages.push(r.page);
    offset = r.nextOffset;
  }
  return pages;
}

test('segments join into one logical stream with continuous pages and granules, the tone and the duration', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aircheck-concat-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { source, paths, totalSamples } = await writeSegments(dir, 7, 2);
  assert.ok(paths.length >= 4);
  const out = join(dir, 'show.opus');
  const r = await concatenateSegments({ segmentPaths: paths, opusHead: source.head, outPath: out, serial: 99, tags: { artist: 'nina', title: 'show' } });
  assert.equal(r.durationSamples, totalSamples);
  assert.equal(r.sizeBytes, statSync(out).size);
  const bytes = readFileSync(out);
  assert.equal(r.sha256, createHash('sha256').update(bytes).digest('hex'));
  assert.equal(r.crc32c, crc32cToBase64(crc32c(bytes)));

  const pages = pagesOf(out);
  assert.ok(pages.every((p) => p.serial === 99), 'one serial');
  pages.forEach((p, i) => assert.equal(p.sequence, i, 'page sequence numbers continuous'));
  assert.equal(pages.filter((p) => p.bos).length, 1);
  assert.ok(pages.at(-1)!.eos);
  const granules = pages.slice(2).map((p) => p.granulePosition);
  for (let i = 1; i < granules.length; i++) assert.ok(granules[i]! > granules[i - 1]!, 'granules increase');
  assert.equal(pages.at(-1)!.granulePosition, BigInt(totalSamples));

  const preSkip = source.head[10]! | (source.head[11]! << 8);
  const probed = await probeDurationSeconds(out);
  assert.ok(Math.abs(probed - (totalSamples - preSkip) / 48000) < 0.02, `ffprobe ${probed}`);
  const decoded = await decodeAudio(out);
  assert.ok(Math.abs(decoded.samples.length / decoded.sampleRateHz - 7) < 0.05, `decoded ${decoded.samples.length / decoded.sampleRateHz} s`);
  const f = dominantFrequencyHz(decoded.samples, decoded.sampleRateHz);
  assert.ok(f !== null && Math.abs(f - 440) < 5, `tone ${f}`);
});

test('a gap becomes silence of its length, and a trailing segment cut by a crash is read to its last complete page', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aircheck-concat-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { source, paths, totalSamples } = await writeSegments(dir, 4, 2);
  const last = paths.at(-1)!;
  const lastSize = statSync(last).size;
  truncateSync(last, lastSize - 700); // mid-page: the torn page and everything after is lost
  const out = join(dir, 'show.opus');
  const gapSamples = 48000; // 1 s after 50 frames (1 s)
  const r = await concatenateSegments({ segmentPaths: paths, opusHead: source.head, outPath: out, serial: 5, gaps: [{ framesBefore: 50, durationSamples: gapSamples }] });
  assert.equal(r.silencePackets, 50);
  assert.ok(r.durationSamples < totalSamples + gapSamples && r.durationSamples > totalSamples + gapSamples - 48000 * 0.5, `${r.durationSamples}`);
  const decoded = await decodeAudio(out);
  const rate = decoded.sampleRateHz;
  assert.ok(rms(decoded.samples, Math.round(1.1 * rate), Math.round(1.9 * rate)) < 1e-3, 'the gap is silent');
  assert.ok(rms(decoded.samples, Math.round(2.2 * rate), Math.round(2.8 * rate)) > 0.05, 'the tone resumes after the gap');
  const probed = await probeDurationSeconds(out);
  assert.ok(Math.abs(probed - decoded.samples.length / rate) < 0.03);
});

test('silence packets cover a gap to 2.5 ms', () => {
  const p = silencePackets(960 * 3 + 480 + 120 + 50, true);
  assert.deepEqual(p.map((x) => x.durationSamples), [960, 960, 960, 480, 120]);
  assert.equal(p[0]!.packet[0], (31 << 3) | 4);
});
