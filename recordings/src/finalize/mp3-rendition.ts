// The MP3 rendition of a finalized recording: show.opus (one Ogg Opus stream, concatenate.ts) decoded
// and encoded to CBR MP3 at 48 kHz by the shared transcoder (shared/src/mp3/opus-to-mp3.ts), with an
// ID3v2 title/artist and a LAME "Info" frame first, so the exact duration, gapless trimming and seeking
// are in the head of the file. Fed by finalize-show.ts (it gives a temporary outPath and renames it);
// the file goes to the store, which checks it with ../verify/mp3-duration.ts.
//
// Streaming: the Ogg file is read in 256 KiB chunks (a page may straddle two), packets are transcoded
// one by one and MP3 frames written in 256 KiB batches; the Info frame's place is reserved at the start
// and filled by a positional write at the end. A four-hour show is never held in memory.

import { open, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { AircheckError, ignoreCleanupError, isAircheckError } from '../../../shared/src/errors.ts';
import { isOpusHead, isOpusTags, parseOpusHead } from '../../../shared/src/ogg/codec-headers.ts';
import { OGG_MAX_PAGE_BYTES, OggPacketAssembler, checkOggPage, readOggPage } from '../../../shared/src/ogg/ogg-page.ts';
import type { OggPage } from '../../../shared/src/ogg/ogg-page.ts';
import { writeId3v2Tag } from '../../../shared/src/mp3/id3v2-tag.ts';
import { LAME_MAX_DELAY_OR_PADDING, crc16Lame, infoFrameLayout, writeInfoFrame } from '../../../shared/src/mp3/mp3-info-frame.ts';
import { OpusToMp3 } from '../../../shared/src/mp3/opus-to-mp3.ts';
import type { Mp3BitrateKbps } from '../../../shared/src/mp3/opus-to-mp3.ts';
import { MAX_OPUS_PACKET_BYTES } from '../../../shared/src/protocol/audio-frame.ts';
import { spoolError } from '../spool/spool-fs.ts';
import { crc32cToBase64 } from '../verify/crc32c.ts';
import { digestFile } from '../verify/local-digest.ts';

export const MP3_RENDITION_DEFAULT_KBPS: Mp3BitrateKbps = 128;

/**
 * Samples LAME puts before the audio, measured for wasm-media-encoders 0.7.0 (LAME 3.100) at 48 kHz,
 * mono and stereo, 32–320 kbps: a click at input sample k decodes (FFmpeg, no Info frame) at
 * k + 1105 = k + 576 + 529, 529 being the decoder's own delay that players add themselves. LAME writes
 * frames for delay + samples + padding, the padding 576..1727 samples (the flush fills the last frame
 * and one more). mp3-rendition.test.ts checks the tone starts where the Opus file's does.
 */
export const LAME_ENCODER_DELAY_SAMPLES = 576;
/** What the encoder version field says: players trust the delay and padding of a "LAME" tag only. */
const ENCODER_VERSION = 'LAME3.100';

const READ_CHUNK_BYTES = 256 * 1024;
const WRITE_CHUNK_BYTES = 256 * 1024;
const SAMPLES_PER_FRAME = 1152; // MPEG-1 Layer III

export interface RenderMp3Options {
  /** A finalized Ogg Opus file: one logical stream, OpusHead (1 or 2 channels), OpusTags, audio pages. */
  inPath: string;
  /** Written (truncated first), fsync'd. The caller writes to a temporary name and renames. */
  outPath: string;
  /** CBR bitrate; default 128. */
  bitrateKbps?: Mp3BitrateKbps;
  /** ID3v2 TIT2 / TPE1; no tag when neither is given. */
  title?: string;
  artist?: string;
}

export interface RenderMp3Result {
  sizeBytes: number;
  /** SHA-256 of the file, lowercase hex. */
  sha256: string;
  /** CRC-32C of the file, base64 of its 4 big-endian bytes (S3's form). */
  crc32c: string;
  /**
   * Playable samples at 48 kHz: what the MP3 decodes to with its Info frame honoured, the same as the
   * Opus file's playable duration (last granule position − pre-skip).
   */
  durationSamples: number;
  /** Audio frames (the Info frame not counted). */
  mp3Frames: number;
  channels: 1 | 2;
  bitrateKbps: Mp3BitrateKbps;
  opusPackets: number;
  /** Packets libopus rejected; each became silence of its length. */
  decodeErrors: number;
  encoderDelaySamples: number;
  paddingSamples: number;
}

/**
 * Renders inPath to outPath. Throws AircheckError: REC_FINALIZE_FAILED (the input is not a finalized
 * recording), REC_DISK_FULL / REC_SPOOL_UNWRITABLE (writing failed); a partial outPath is removed.
 */
export async function renderMp3(opts: RenderMp3Options): Promise<RenderMp3Result> {
  const bitrateKbps = opts.bitrateKbps ?? MP3_RENDITION_DEFAULT_KBPS;
  const fail = (problem: string, cause?: unknown): AircheckError =>
    new AircheckError('REC_FINALIZE_FAILED', `MP3 rendition of "${opts.inPath}": ${problem}`, cause === undefined ? undefined : { cause });

  let input: FileHandle;
  try {
    input = await open(opts.inPath, 'r');
  } catch (err) {
    throw fail(`cannot open it (${(err as NodeJS.ErrnoException).code ?? String(err)}); finalize the show first`, err);
  }
  let output: FileHandle | null = null;
  let createdOutput = false;
  let transcoder: OpusToMp3 | null = null;
  try {
    const pages = readOggPages(input, opts.inPath);
    const assembler = new OggPacketAssembler();
    let serial = -1;
    let packetIndex = 0;
    let channels: 1 | 2 = 2;
    let preSkip = 0;
    let lastGranule = -1n;

    // Output state: ID3v2 tag, the reserved Info frame, then MP3 frames in batches.
    let id3: Uint8Array = new Uint8Array(0);
    let infoBytes = 0;
    let infoBitrateIndex = 0;
    let firstHeader: Uint8Array | null = null;
    let batch: Uint8Array[] = [];
    let batchBytes = 0;
    let mp3Bytes = 0;
    let mp3Frames = 0;
    let musicCrc = 0;
    const flushBatch = async (): Promise<void> => {
      if (batchBytes === 0 || !output) return;
      const buf = Buffer.concat(batch, batchBytes);
      batch = [];
      batchBytes = 0;
      try {
        await output.write(buf);
      } catch (err) {
        throw spoolError(err, 'writing the MP3 rendition', opts.outPath);
      }
    };
    const take = async (units: { data: Uint8Array }[]): Promise<void> => {
      for (const u of units) {
        if (firstHeader === null) firstHeader = u.data.slice(0, 4);
        musicCrc = crc16Lame(u.data, musicCrc);
        batch.push(u.data);
        batchBytes += u.data.length;
        mp3Bytes += u.data.length;
        mp3Frames++;
      }
      if (batchBytes >= WRITE_CHUNK_BYTES) await flushBatch();
    };

    for await (const { page, offset } of pages) {
      if (serial === -1) {
        if (!page.bos) throw fail('the first Ogg page is not a BOS page (RFC 7845 §3): it is not a finalized recording');
        serial = page.serial;
      } else if (page.serial !== serial || page.bos) {
        throw fail(`the Ogg page at byte ${offset} belongs to stream ${page.serial}, the file's stream is ${serial}: a chained or multiplexed file cannot be rendered`);
      }
      if (page.granulePosition >= 0n) lastGranule = page.granulePosition;
      for (const packet of assembler.push(page)) {
        const index = packetIndex++;
        if (index === 0) {
          if (!isOpusHead(packet.data)) throw fail('the first packet is not an OpusHead (RFC 7845 §5.1): it is not an Ogg Opus file');
          let head;
          try {
            head = parseOpusHead(packet.data);
          } catch (err) {
            throw fail((err as Error).message, err);
          }
          if (head.channels !== 1 && head.channels !== 2) {
            throw fail(`the OpusHead has ${head.channels} channels; the MP3 rendition takes mono or stereo recordings only`);
          }
          channels = head.channels;
          preSkip = head.preSkip;
          transcoder = await OpusToMp3.create({ channels, preSkipSamples: head.preSkip, bitrateKbps, outputSampleRateHz: 48000 });
          const layout = infoFrameLayout(48000, channels, bitrateKbps);
          infoBytes = layout.frameBytes;
          infoBitrateIndex = layout.bitrateIndex;
          id3 = writeId3v2Tag({ ...(opts.title ? { title: opts.title } : {}), ...(opts.artist ? { artist: opts.artist } : {}) });
          try {
            output = await open(opts.outPath, 'w', 0o644);
            createdOutput = true;
            await output.write(Buffer.concat([id3, new Uint8Array(infoBytes)]));
          } catch (err) {
            throw spoolError(err, 'creating the MP3 rendition', opts.outPath);
          }
          continue;
        }
        if (index === 1) {
          if (!isOpusTags(packet.data)) throw fail('the second packet is not OpusTags (RFC 7845 §5.2)');
          continue;
        }
        if (packet.data.length === 0 || packet.data.length > MAX_OPUS_PACKET_BYTES) {
          throw fail(`packet ${index} (page at byte ${offset}) is ${packet.data.length} bytes, an Opus packet is 1..${MAX_OPUS_PACKET_BYTES}`);
        }
        if (!transcoder) throw fail('audio before the OpusHead');
        await take(transcoder.push(packet.data));
      }
    }
    if (packetIndex < 2 || !transcoder || !output) throw fail('the file ends before its OpusHead and OpusTags: it is empty or not a finalized recording');
    await take(transcoder.flush());
    await flushBatch();
    const stats = transcoder.stats;
    if (mp3Frames === 0 || firstHeader === null) throw fail('the encoder produced no MP3 frame');
    // RFC 7845 §4: a last granule position below the samples decoded trims the end (an encoder's
    // padding); the Info frame's padding drops the same samples, so both files play equally long.
    const granuleSamples = Number(lastGranule) - preSkip;
    const durationSamples = lastGranule >= 0n && granuleSamples >= 0 && granuleSamples < stats.samples ? granuleSamples : stats.samples;
    const paddingSamples = mp3Frames * SAMPLES_PER_FRAME - LAME_ENCODER_DELAY_SAMPLES - durationSamples;
    if (paddingSamples < 0 || paddingSamples > LAME_MAX_DELAY_OR_PADDING) {
      throw fail(`LAME wrote ${mp3Frames} frames for ${durationSamples} samples (${stats.samples} decoded), which leaves ${paddingSamples} samples of padding (expected 0..${LAME_MAX_DELAY_OR_PADDING}): the end trimming is too long, or the encoder's delay is no longer ${LAME_ENCODER_DELAY_SAMPLES} (measure it again, see LAME_ENCODER_DELAY_SAMPLES)`);
    }
    const info = writeInfoFrame({
      firstFrameHeader: firstHeader, bitrateIndex: infoBitrateIndex, frameBytes: infoBytes,
      frames: mp3Frames, streamBytes: infoBytes + mp3Bytes, encoderDelaySamples: LAME_ENCODER_DELAY_SAMPLES,
      paddingSamples, musicCrc16: musicCrc, encoderVersion: ENCODER_VERSION, bitrateKbps,
    });
    try {
      await output.write(info, 0, info.length, id3.length);
      await output.sync();
      await output.close();
    } catch (err) {
      throw spoolError(err, 'writing the MP3 rendition', opts.outPath);
    }
    output = null;

    const digest = await digestFile(opts.outPath);
    const expectedBytes = id3.length + infoBytes + mp3Bytes;
    if (digest.sizeBytes !== expectedBytes) {
      throw fail(`"${opts.outPath}" has ${digest.sizeBytes} bytes after writing, expected ${expectedBytes}: another process changed it`);
    }
    return {
      sizeBytes: digest.sizeBytes, sha256: digest.sha256Hex, crc32c: crc32cToBase64(digest.crc32c),
      durationSamples, mp3Frames, channels, bitrateKbps, opusPackets: stats.packets,
      decodeErrors: stats.decodeErrors, encoderDelaySamples: LAME_ENCODER_DELAY_SAMPLES, paddingSamples,
    };
  } catch (err) {
    if (createdOutput) await rm(opts.outPath, { force: true }).catch(ignoreCleanupError); // the error below is what counts
    if (isAircheckError(err)) throw err;
    throw fail(`${(err as Error).message ?? String(err)}`, err);
  } finally {
    transcoder?.close();
    await output?.close().catch(ignoreCleanupError);
    await input.close().catch(ignoreCleanupError);
  }
}

/**
 * The pages of an Ogg file, read in READ_CHUNK_BYTES chunks; a page cut by a chunk boundary waits in
 * the buffer for the next read. Each page is a view into the buffer, valid until the next page is
 * asked for. Throws REC_FINALIZE_FAILED on a page that is not valid (RFC 3533 §6: capture, version,
 * flags, CRC) and on bytes after the last complete page.
 */
async function* readOggPages(fh: FileHandle, path: string): AsyncGenerator<{ page: OggPage; offset: number }> {
  const buf = new Uint8Array(READ_CHUNK_BYTES + OGG_MAX_PAGE_BYTES);
  let start = 0; // first byte not yet parsed
  let end = 0; // end of the bytes read
  let fileOffset = 0; // file offset of buf[start]
  let eof = false;
  for (;;) {
    while (start < end) {
      const result = checkOggPage(buf.subarray(0, end), start);
      if (result === 0) break;
      if (typeof result === 'string') {
        throw new AircheckError('REC_FINALIZE_FAILED',
          `MP3 rendition of "${path}": the bytes at ${fileOffset} are not a valid Ogg page (${result === 'crc' ? 'CRC mismatch' : `bad ${result}`}, RFC 3533 §6): the file is corrupt or not Ogg`);
      }
      const page = readOggPage(buf, start, result);
      yield { page, offset: fileOffset };
      start += result;
      fileOffset += result;
    }
    if (eof) {
      if (start < end) {
        throw new AircheckError('REC_FINALIZE_FAILED',
          `MP3 rendition of "${path}": the file ends with ${end - start} bytes at ${fileOffset} that are not a complete Ogg page: it is truncated`);
      }
      return;
    }
    buf.copyWithin(0, start, end);
    end -= start;
    start = 0;
    const { bytesRead } = await fh.read(buf, end, Math.min(READ_CHUNK_BYTES, buf.length - end), null);
    if (bytesRead === 0) eof = true;
    end += bytesRead;
  }
}
