// Recording benchmark (issue 4): End show → finalized → stored and verified, for a synthesized show
// of a given length, with the time it takes and the peak RSS while it runs. The acceptance: memory
// must not grow with show length (the pipeline streams; it never holds a whole show in memory).
//   node test/bench/recording-finalize.ts [--minutes 60] [--store local|s3]
//   node test/bench/recording-finalize.ts --all [--store local|s3]      (10, 60 and 120 minutes)
//   node test/bench/recording-finalize.ts --minutes 120,240              (any list; BENCH_TRACE=1 prints the samples)
//   … --runs 3      every show length three times, interleaved, with min / median / max
//   … --mp3 128     after the verified show, also time its MP3 rendition (worker thread → store →
//                   verify) in a process of its own, and set its peak RSS beside ffmpeg's: both are
//                   the whole process's peak (ru_maxrss, /usr/bin/time), measured the same way
// Every show runs in a fresh child process (`--child`), so each peak RSS is that run's own; the
// parent reads one `RESULT {json}` line per child and prints a Markdown table.
//
// In the child, setup (not timed): a 20 s 440 Hz tone is encoded by ffmpeg (libopus, 128 kbps CBR
// 20 ms, the studio's default bitrate); its Opus packets are looped with increasing seq and capture
// timestamps and fed to a real ShowSpool (10 s segments, fsync'd, as the recorder configures it),
// waiting for the spool's queue every 10 s of audio. With --store s3 a Ceph RGW (memstore) is
// started and a bucket created. Then the heap is collected and the kernel's peak-RSS mark is reset
// (`5` → /proc/self/clear_refs, Linux ≥ 4.0; when refused, the 100 ms samples are the measure).
// Timed: spool.onEnd() (last segment closed, end marker) → finalizeShow (concatenate → show.opus
// → the store from createRecordingStore, the composition root's, → putAndVerify) → status verified.
// Split: "finalize" = End → putAndVerify called, "upload+verify" = putAndVerify itself. RSS is
// sampled every 100 ms in the timed part; the peak is VmHWM after it (or the samples' maximum).
// The page cache is warm (the segments were just written), as it is when a real show ends.
// Verdict: a pipeline holding the show would add at least the file's size; a streaming one adds a
// bounded amount (its buffers plus the garbage V8 lets pile up — ≈ 20 MiB with 256 KiB read chunks,
// whatever the file size), so the added peak must stay within 16 MiB between the two longest
// shows. Exit code 1 when it grows or a show is not verified.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { isOpusHead, isOpusTags, opusPacketSamples, parseOpusHead } from '../../shared/src/ogg/codec-headers.ts';
import { OggPacketAssembler, checkOggPage, readOggPage } from '../../shared/src/ogg/ogg-page.ts';
import { finalizeShow, finishRendition } from '../../recordings/src/finalize/finalize-show.ts';
import { MP3_BITRATES_KBPS, type Mp3BitrateKbps } from '../../shared/src/mp3/opus-to-mp3.ts';
import type { ShowManifest } from '../../recordings/src/show-manifest.ts';
import { ShowSpool } from '../../recordings/src/spool/show-spool.ts';
import type { RecordingStore } from '../../recordings/src/store-contract.ts';
import { createRecordingStore } from '../../recordings/src/store/create-recording-store.ts';
import { manifestKey, recordingKey, renditionKey } from '../../recordings/src/store/recording-key.ts';
import { StorageSchema, type StorageConfig } from '../../config/src/storage-schema.ts';
import { s3ServerUnavailableReason, startS3Server, type S3Server } from '../helpers/s3-server.ts';
import { toneDir } from '../helpers/tones.ts';
import { benchHeader } from './machine.ts';

const SELF = fileURLToPath(import.meta.url);
const ALL_MINUTES = [10, 60, 120] as const;
const SEGMENT_SECONDS = 10;
const FRAME_SAMPLES = 960; // 20 ms at 48 kHz
const FRAME_US = 20_000;
const BITRATE = '128k';
const TONE_SECONDS = 20;
const SAMPLE_MS = 100;
/** Memstore keeps objects in RAM: room for a 2 h show (≈ 115 MB) with plenty to spare. */
const MEMSTORE_CAP_BYTES = 1.5 * 1024 ** 3;
/** Peak RSS may differ by this much between the shortest and the longest show and still count as flat. */
const FLAT_TOLERANCE_BYTES = 16 * 1024 * 1024;
const MIB = 1024 * 1024;

interface ChildResult {
  /** With --mp3: the rendition after the verified show (make on a worker, store, verify). */
  mp3: {
    kbps: number; seconds: number; sizeBytes: number;
    /** Peak RSS of the process that made, stored and verified the rendition (ru_maxrss, like ffmpeg's). */
    peakBytes: number;
    /** Peak RSS of the same program loading the same modules and exiting without work (what Node itself costs). */
    idlePeakBytes: number;
    ffmpegSeconds: number;
    /** Peak RSS of the ffmpeg process (ru_maxrss). */
    ffmpegPeakBytes: number;
  } | null;
  minutes: number;
  store: 'local' | 's3';
  frames: number;
  segments: number;
  finalBytes: number;
  durationSamples: number;
  status: string;
  location: string | null;
  setupS: number;
  /** End → end marker written (last segment closed and fsync'd): part of finalizeS. */
  endMarkerS: number;
  /** End → putAndVerify called (end marker, concatenate to show.opus, rename, manifest). */
  finalizeS: number;
  /** putAndVerify: digest, upload (or copy), verify, the store's manifest. */
  uploadVerifyS: number;
  /** End → finalizeShow returned with status verified. */
  totalS: number;
  rssBeforeBytes: number;
  /** VmHWM could be reset (then the peaks below are exact; else they are the 100 ms samples' maxima). */
  hwmReset: boolean;
  /** Peak RSS from End to putAndVerify called (VmHWM reset at End, read and reset again there). */
  finalizePeakBytes: number;
  /** Peak RSS during putAndVerify, and after it (the verified status written). */
  uploadPeakBytes: number;
  /** Maximum of the 100 ms VmRSS samples during the timed part. */
  sampledPeakBytes: number;
  /** Peak RSS of the whole timed part. */
  peakBytes: number;
  samples: number;
  /** Maxima of process.memoryUsage() over the samples: JS heap, and Buffers/ArrayBuffers outside it. */
  heapUsedPeakBytes: number;
  arrayBuffersPeakBytes: number;
  /** Resident memory of the Ceph daemons after the upload (s3 only). */
  serverRssBytes: number | null;
}

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '60' },
    store: { type: 'string', default: 'local' },
    all: { type: 'boolean', default: false },
    child: { type: 'boolean', default: false },
    /** Internal: make one show's MP3 rendition in this process (a job file written by the show's child). */
    rendition: { type: 'string' },
    'rendition-idle': { type: 'boolean', default: false },
    mp3: { type: 'string', default: '0' },
    /** Repeat every show this many times (interleaved: all lengths, then again) and report ranges. */
    runs: { type: 'string', default: '1' },
  },
});
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1 || runs > 20) {
  console.error(`--runs must be a whole number 1..20, not "${values.runs}"`);
  process.exit(2);
}
const mp3Kbps = Number(values.mp3);
if (mp3Kbps !== 0 && !(MP3_BITRATES_KBPS as readonly number[]).includes(mp3Kbps)) {
  console.error(`--mp3 must be 0 or one of ${MP3_BITRATES_KBPS.join(', ')}, not "${values.mp3}"`);
  process.exit(2);
}
const storeKind = values.store;
if (storeKind !== 'local' && storeKind !== 's3') {
  console.error(`--store must be local or s3, not "${storeKind}"`);
  process.exit(2);
}
const minutesList = values.all ? [...ALL_MINUTES] : values.minutes.split(',').map(Number);
if (minutesList.some((m) => !(Number.isFinite(m) && m > 0)) || (values.child && minutesList.length !== 1)) {
  console.error(`--minutes must be a positive number (or, without --child, a comma-separated list), not "${values.minutes}"`);
  process.exit(2);
}

if (values['rendition-idle']) {
  process.exit(0);
} else if (values.rendition !== undefined) {
  await renditionChild(values.rendition);
  process.exit(0);
} else if (values.child) {
  const result = await runShow(minutesList[0]!, storeKind);
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
  process.exit(0);
} else {
  if (storeKind === 's3') {
    const why = s3ServerUnavailableReason();
    if (why) {
      console.error(`recording-finalize: --store s3: ${why}`);
      process.exit(1);
    }
  }
  const results: ChildResult[] = [];
  for (let run = 1; run <= runs; run++) {
    for (const m of minutesList) {
      console.error(`── ${m} min show, ${storeKind} store${runs > 1 ? `, run ${run} of ${runs}` : ''} ──`);
      results.push(await runChild(m, storeKind));
    }
  }
  printReport(runs > 1 ? results.slice(-minutesList.length) : results);
  if (runs > 1) printRanges(results);
}

// ── parent ───────────────────────────────────────────────────────────────────────────────────────

function runChild(minutes: number, store: string): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', SELF, '--child', '--minutes', String(minutes), '--store', store, '--mp3', String(mp3Kbps)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      out += d;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (code !== 0 || !line) {
        reject(new Error(`the ${minutes} min child exited with ${signal ?? code} and no result:\n${out}`));
        return;
      }
      resolve(JSON.parse(line.slice('RESULT '.length)) as ChildResult);
    });
  });
}

function printReport(results: ChildResult[]): void {
  const mib = (b: number): string => (b / MIB).toFixed(1);
  const s = (x: number): string => x.toFixed(2);
  const lines = [
    '',
    benchHeader(),
    `Opus ${BITRATE}bps CBR, 20 ms frames, ${SEGMENT_SECONDS} s segments; store: ${results[0]?.store}`,
    '',
    '| Show | Final file | End → verified | finalize (of which end marker) | upload + verify | RSS before | Peak RSS: finalize | Peak RSS: upload + verify | Peak − before | JS heap peak | ArrayBuffers peak | Setup (untimed) |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...results.map((r) =>
      `| ${r.minutes} min | ${mib(r.finalBytes)} MiB | **${s(r.totalS)} s** | ${s(r.finalizeS)} s (${s(r.endMarkerS)} s) | ${s(r.uploadVerifyS)} s | ` +
      `${mib(r.rssBeforeBytes)} MiB | ${mib(r.finalizePeakBytes)} MiB | ${mib(r.uploadPeakBytes)} MiB | **${mib(r.peakBytes - r.rssBeforeBytes)} MiB** | ` +
      `${mib(r.heapUsedPeakBytes)} MiB | ${mib(r.arrayBuffersPeakBytes)} MiB | ${s(r.setupS)} s |`),
    '',
  ];
  const hwm = results.every((r) => r.hwmReset);
  lines.push(hwm
    ? `Peak RSS: the child's VmHWM, reset (/proc/self/clear_refs) at End and again when putAndVerify starts; the ${SAMPLE_MS} ms samples' maxima were ${results.map((r) => `${mib(r.sampledPeakBytes)}`).join(' / ')} MiB.`
    : `Peak RSS: maximum of VmRSS sampled every ${SAMPLE_MS} ms during the timed part (the VmHWM reset was refused in at least one run; VmHWM includes setup).`);
  lines.push('"Peak − before": what the timed part added to the RSS it started with (RSS before: after setup and a full GC).');
  if (results.some((r) => r.mp3)) {
    lines.push('', '| Show | MP3 rendition | made + stored + verified | × real time | ffmpeg transcode only | time vs ffmpeg | Peak RSS of the process: ours | Peak RSS of the process: ffmpeg |',
      '|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const r of results) {
      if (!r.mp3) continue;
      lines.push(`| ${r.minutes} min | ${r.mp3.kbps} kbps, ${mib(r.mp3.sizeBytes)} MiB | **${r.mp3.seconds.toFixed(1)} s** | ${((r.minutes * 60) / r.mp3.seconds).toFixed(0)}× | ` +
        `${r.mp3.ffmpegSeconds.toFixed(1)} s | **${(r.mp3.seconds / r.mp3.ffmpegSeconds).toFixed(2)}×** | **${mib(r.mp3.peakBytes)} MiB** | **${mib(r.mp3.ffmpegPeakBytes)} MiB** |`);
    }
    lines.push('Both peak RSS columns are measured the same way: the whole process\'s peak resident set (ru_maxrss, from /usr/bin/time), ' +
      'ours a Node process that only makes, stores and verifies the rendition (on a worker thread, as the bridge does; the worker counts), ffmpeg\'s only transcoding. ' +
      `The same Node program loading the same modules and exiting at once peaks at ${results.filter((r) => r.mp3).map((r) => mib(r.mp3!.idlePeakBytes)).join(' / ')} MiB. ` +
      'The time column is finishRendition inside that process (Node\'s start-up excluded), ffmpeg\'s is its wall time.');
  }
  if (results[0]?.store === 's3') {
    lines.push(`Ceph daemons' RSS after the upload (not the benchmark's): ${results.map((r) => `${mib(r.serverRssBytes ?? 0)}`).join(' / ')} MiB.`);
  }
  if (results.length >= 2) {
    // A pipeline that held the show would add at least the file's size; one that streams adds a
    // bounded amount (buffers, and the garbage the GC lets pile up), so between the two longest
    // shows, whose files are far beyond any buffer, the added peak must stay flat.
    const sorted = [...results].sort((a, b) => a.minutes - b.minutes);
    const added = (r: ChildResult): number => r.peakBytes - r.rssBeforeBytes;
    const first = sorted[0]!;
    const prev = sorted[sorted.length - 2]!;
    const last = sorted[sorted.length - 1]!;
    const step = added(last) - added(prev);
    const holdsShow = added(last) >= last.finalBytes / 2;
    const grew = holdsShow || step > FLAT_TOLERANCE_BYTES;
    const sign = (b: number): string => `${b >= 0 ? '+' : ''}${mib(b)}`;
    lines.push(
      `Memory vs show length: the timed part added ${sorted.map((r) => `${mib(added(r))} MiB at ${r.minutes} min`).join(', ')} ` +
      `(final files ${sorted.map((r) => mib(r.finalBytes)).join(' / ')} MiB). ${prev.minutes} → ${last.minutes} min: ${sign(step)} MiB while the file grew by ${mib(last.finalBytes - prev.finalBytes)} MiB; ` +
      `${first.minutes} → ${last.minutes} min: ${sign(added(last) - added(first))} MiB. ` +
      (grew
        ? `**GROWS with show length** (${holdsShow ? 'the added peak is at least half the file' : `more than ${mib(FLAT_TOLERANCE_BYTES)} MiB between the two longest shows`}).`
        : `**Does not grow with show length** (within ${mib(FLAT_TOLERANCE_BYTES)} MiB between the two longest shows, and far below the file size).`),
    );
    if (grew) process.exitCode = 1;
  }
  const bad = results.filter((r) => r.status !== 'verified');
  if (bad.length > 0) {
    lines.push(`NOT VERIFIED: ${bad.map((r) => `${r.minutes} min → ${r.status}`).join(', ')}`);
    process.exitCode = 1;
  }
  console.log(lines.join('\n'));
}

/** Over --runs N: min / median / max of each figure per show length (the table above is the last run). */
function printRanges(results: ChildResult[]): void {
  const mib = (b: number): string => (b / MIB).toFixed(1);
  const range = (xs: number[], f: (x: number) => string): string => {
    const sorted = [...xs].sort((a, b) => a - b);
    return `${f(sorted[0]!)} / **${f(sorted[Math.floor(sorted.length / 2)]!)}** / ${f(sorted[sorted.length - 1]!)}`;
  };
  const lengths = [...new Set(results.map((r) => r.minutes))];
  const n = results.filter((r) => r.minutes === lengths[0]).length;
  const lines = ['', `Over ${n} runs per show length (run order interleaved: every length, then again), min / **median** / max; store: ${results[0]?.store}`, ''];
  lines.push('| Show | End → verified | Peak RSS added by the timed part |', '|---:|---:|---:|');
  for (const m of lengths) {
    const rs = results.filter((r) => r.minutes === m);
    lines.push(`| ${m} min | ${range(rs.map((r) => r.totalS), (x) => `${x.toFixed(2)} s`)} | ${range(rs.map((r) => r.peakBytes - r.rssBeforeBytes), (x) => `${mib(x)} MiB`)} |`);
  }
  if (results.some((r) => r.mp3)) {
    lines.push('', '| Show | MP3 rendition made + stored + verified | ffmpeg transcode only | ours ÷ ffmpeg (per run) | Peak RSS of the process: ours | Peak RSS of the process: ffmpeg |', '|---:|---:|---:|---:|---:|---:|');
    for (const m of lengths) {
      const rs = results.filter((r) => r.minutes === m && r.mp3).map((r) => r.mp3!);
      if (rs.length === 0) continue;
      lines.push(`| ${m} min | ${range(rs.map((r) => r.seconds), (x) => `${x.toFixed(1)} s`)} | ${range(rs.map((r) => r.ffmpegSeconds), (x) => `${x.toFixed(1)} s`)} | ` +
        `${range(rs.map((r) => r.seconds / r.ffmpegSeconds), (x) => `${x.toFixed(2)}×`)} | ${range(rs.map((r) => r.peakBytes), (x) => `${mib(x)} MiB`)} | ${range(rs.map((r) => r.ffmpegPeakBytes), (x) => `${mib(x)} MiB`)} |`);
    }
  }
  console.log(lines.join('\n'));
}

// ── child ────────────────────────────────────────────────────────────────────────────────────────

async function runShow(minutes: number, store: 'local' | 's3'): Promise<ChildResult> {
  const log = pino({ level: 'warn', base: undefined }, pino.destination(2));
  const tSetup = performance.now();
  const tone = await encodeTone();
  const work = mkdtempSync(join(tmpdir(), 'aircheck-bench-rec-'));
  const spoolDir = join(work, 'spool');
  const dataDir = join(work, 'data');
  let s3: S3Server | null = null;
  let bucket = '';
  try {
    // The store, as the composition root builds it from [storage].
    if (store === 's3') {
      s3 = await startS3Server({ memoryCapBytes: MEMSTORE_CAP_BYTES });
      bucket = await s3.createBucket();
    }
    const config = StorageSchema.parse(store === 's3'
      ? { bucket, endpoint: s3!.endpoint, region: 'auto', force_path_style: true, access_key_id: s3!.accessKeyId, secret_access_key: s3!.secretAccessKey }
      : {});
    const handle = createRecordingStore(config, dataDir, log);
    await handle.start();
    let putStart = 0;
    let putEnd = 0;
    let hwmReset = false;
    let finalizeHwm = 0;
    const real = handle.store;
    const timedStore: RecordingStore = {
      keyPrefix: real.keyPrefix,
      putJson: (key, value) => real.putJson(key, value),
      putText: (key, text, type) => real.putText(key, text, type),
      getJson: (key) => real.getJson(key),
      listKeys: (prefix) => real.listKeys(prefix),
      download: (key, path) => real.download(key, path),
      deleteKeys: (keys) => real.deleteKeys(keys),
      stat: (key) => real.stat(key),
      openRead: (key, range) => real.openRead(key, range),
      async putAndVerify(input) {
        putStart = performance.now();
        if (hwmReset) {
          finalizeHwm = procStatusBytes('VmHWM');
          resetPeakRss();
        }
        try {
          return await real.putAndVerify(input);
        } finally {
          putEnd = performance.now();
        }
      },
    };

    // The show, into the spool exactly as a DJ session feeds the recorder (recorder.ts's options).
    const showId = `${new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-bench-${randomBytes(3).toString('hex')}`;
    let tEnd = 0;
    let endMarkerAt = 0;
    let finalized!: Promise<ShowManifest>;
    let spool!: ShowSpool;
    const ended = new Promise<void>((resolve) => {
      const spoolOpts = {
        spoolDir, showId, dj: 'bench', opusHead: tone.opusHead, channels: tone.channels, preSkipSamples: tone.preSkip,
        segmentSamples: SEGMENT_SECONDS * 48_000, log,
        onEnded: (dir: string, manifest: ShowManifest) => {
          endMarkerAt = performance.now();
          finalized = finalizeShow(dir, manifest, { store: timedStore, log });
          resolve();
        },
      };
      spool = new ShowSpool(spoolOpts);
    });
    const frames = Math.round((minutes * 60 * 1e6) / FRAME_US);
    const perSegment = (SEGMENT_SECONDS * 1e6) / FRAME_US;
    for (let seq = 0; seq < frames; seq++) {
      spool.onFrame({ seq, timestampUs: seq * FRAME_US, durationSamples: FRAME_SAMPLES, flags: 0, packet: tone.packets[seq % tone.packets.length]! });
      if ((seq + 1) % perSegment === 0) {
        await spool.idle(); // the disk keeps up with a live show; don't let the synthetic one outrun it
        if (spool.failure) throw spool.failure;
      }
    }
    await spool.idle();
    if (spool.failure) throw spool.failure;
    const setupS = (performance.now() - tSetup) / 1000;
    console.error(`  setup: ${frames} frames in ${spool.manifest.segments.length} segments in ${setupS.toFixed(1)} s`);

    // Timed part.
    globalThis.gc?.();
    await new Promise((r) => setTimeout(r, 200));
    globalThis.gc?.();
    const rssBeforeBytes = procStatusBytes('VmRSS');
    hwmReset = resetPeakRss();
    const samples: number[] = [];
    let heapUsedPeakBytes = 0;
    let arrayBuffersPeakBytes = 0;
    let sampledFinalize = 0;
    let sampledUpload = 0;
    const sample = (): void => {
      const m = process.memoryUsage();
      if (putStart === 0) sampledFinalize = Math.max(sampledFinalize, m.rss);
      else sampledUpload = Math.max(sampledUpload, m.rss);
      if (process.env.BENCH_TRACE) console.error(`  t=${((performance.now() - tEnd) / 1000).toFixed(1)} put=${putStart > 0 ? 1 : 0} rss=${(m.rss / MIB).toFixed(1)} heap=${(m.heapUsed / MIB).toFixed(1)} ab=${(m.arrayBuffers / MIB).toFixed(1)} ext=${(m.external / MIB).toFixed(1)}`);
      samples.push(m.rss);
      heapUsedPeakBytes = Math.max(heapUsedPeakBytes, m.heapUsed);
      arrayBuffersPeakBytes = Math.max(arrayBuffersPeakBytes, m.arrayBuffers);
    };
    sample();
    const sampler = setInterval(sample, SAMPLE_MS);
    tEnd = performance.now();
    spool.onEnd('show ended');
    await ended;
    const manifest = await finalized;
    const tDone = performance.now();
    sample();
    clearInterval(sampler);
    const uploadHwm = procStatusBytes('VmHWM');
    const sampledPeakBytes = Math.max(...samples);
    const finalizePeakBytes = hwmReset ? Math.max(finalizeHwm, sampledFinalize) : sampledFinalize;
    const uploadPeakBytes = hwmReset ? Math.max(uploadHwm, sampledUpload) : sampledUpload;

    if (manifest.status !== 'verified') throw new Error(`the show was not verified: ${manifest.status}: ${manifest.reason}`);
    const final = manifest.final!;
    if (store === 'local') {
      const stored = statSync(fileURLToPath(manifest.storeLocation!)).size;
      if (stored !== final.sizeBytes) throw new Error(`stored copy is ${stored} bytes, the show ${final.sizeBytes}`);
    }
    let mp3: ChildResult['mp3'] = null;
    if (mp3Kbps) {
      // The rendition in a process of its own, so that its peak RSS is measured exactly as ffmpeg's
      // (the whole process's ru_maxrss), against the same store.
      const job: RenditionJob = { dir: join(spoolDir, showId), manifest, storage: config, dataDir, kbps: mp3Kbps as Mp3BitrateKbps };
      const jobFile = join(work, 'rendition-job.json');
      writeFileSync(jobFile, JSON.stringify(job));
      const ours = await timeProcess(process.execPath, [SELF, '--rendition', jobFile]);
      const idle = await timeProcess(process.execPath, [SELF, '--rendition-idle']);
      const done = /^RENDITION (.+)$/m.exec(ours.stdout);
      if (!done) throw new Error(`the rendition process printed no result:\n${ours.stdout}`);
      const { seconds, sizeBytes } = JSON.parse(done[1]!) as RenditionResult;
      // The peer: ffmpeg (libopus → libmp3lame) transcoding the same file at the same bitrate, on its
      // own (no store, no verification), timed by /usr/bin/time with its peak RSS.
      const peer = await timeProcess('ffmpeg', ['-v', 'error', '-nostdin', '-y', '-i', join(spoolDir, showId, manifest.final!.file),
        '-c:a', 'libmp3lame', '-b:a', `${mp3Kbps}k`, '-ar', '48000', join(work, 'ffmpeg.mp3')]);
      mp3 = { kbps: mp3Kbps, seconds, sizeBytes, peakBytes: ours.peakBytes, idlePeakBytes: idle.peakBytes, ffmpegSeconds: peer.seconds, ffmpegPeakBytes: peer.peakBytes };
      console.error(`  MP3 rendition ${mp3Kbps} kbps: ${seconds.toFixed(1)} s (${(minutes * 60 / seconds).toFixed(0)}× real time), ${(mp3.sizeBytes / MIB).toFixed(1)} MiB, peak RSS ${(mp3.peakBytes / MIB).toFixed(1)} MiB; ffmpeg ${peer.seconds.toFixed(1)} s, ${(peer.peakBytes / MIB).toFixed(1)} MiB`);
    }
    const serverRssBytes = s3 ? s3.rssBytes() : null;
    if (s3) {
      const key = recordingKey(manifest.showId, new Date(manifest.startedAt));
      for (const k of [key, manifestKey(key), ...(mp3 ? [renditionKey(key)] : [])]) await s3.fetch('DELETE', `/${bucket}/${k}`).then((r) => r.arrayBuffer());
      await s3.fetch('DELETE', `/${bucket}`).then((r) => r.arrayBuffer());
    }
    handle.close();
    const result: ChildResult = {
      minutes, store, frames, segments: manifest.segments.length, finalBytes: final.sizeBytes, durationSamples: final.durationSamples,
      status: manifest.status, location: manifest.storeLocation, setupS,
      endMarkerS: (endMarkerAt - tEnd) / 1000, finalizeS: (putStart - tEnd) / 1000, uploadVerifyS: (putEnd - putStart) / 1000,
      totalS: (tDone - tEnd) / 1000,
      rssBeforeBytes, hwmReset, finalizePeakBytes, uploadPeakBytes, sampledPeakBytes,
      peakBytes: Math.max(finalizePeakBytes, uploadPeakBytes), samples: samples.length,
      heapUsedPeakBytes, arrayBuffersPeakBytes, serverRssBytes, mp3,
    };
    console.error(`  End → verified ${result.totalS.toFixed(2)} s (finalize ${result.finalizeS.toFixed(2)} s, upload+verify ${result.uploadVerifyS.toFixed(2)} s); ` +
      `${(final.sizeBytes / MIB).toFixed(1)} MiB; RSS ${(rssBeforeBytes / MIB).toFixed(1)} → peak ${(finalizePeakBytes / MIB).toFixed(1)} (finalize), ${(uploadPeakBytes / MIB).toFixed(1)} MiB (upload+verify)`);
    return result;
  } finally {
    await s3?.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

interface Tone {
  opusHead: Uint8Array;
  channels: number;
  preSkip: number;
  /** 20 ms audio packets, in order. */
  packets: Uint8Array[];
}

/** A tone encoded by ffmpeg's libopus at the studio's default bitrate, split into its packets. */
async function encodeTone(): Promise<Tone> {
  const path = join(toneDir(), `bench-440hz-${TONE_SECONDS}s-${BITRATE}.opus`);
  const args = [
    '-hide_banner', '-nostdin', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `sine=frequency=440:duration=${TONE_SECONDS}:sample_rate=48000`,
    '-map_metadata', '-1', '-ar', '48000', '-ac', '2', '-c:a', 'libopus', '-b:a', BITRATE, '-vbr', 'off', '-frame_duration', '20', '-f', 'ogg', path,
  ];
  await new Promise<void>((resolve, reject) => {
    execFile('ffmpeg', args, { timeout: 60_000 }, (err, _o, stderr) => (err ? reject(new Error(`ffmpeg: ${stderr || err.message}`)) : resolve()));
  });
  const bytes = new Uint8Array(readFileSync(path));
  const assembler = new OggPacketAssembler();
  const all: Uint8Array[] = [];
  for (let offset = 0; offset < bytes.length;) {
    const length = checkOggPage(bytes, offset);
    if (typeof length !== 'number' || length === 0) throw new Error(`${path}: bad Ogg page at ${offset} (${length})`);
    for (const p of assembler.push(readOggPage(bytes, offset, length))) all.push(p.data.slice());
    offset += length;
  }
  const [head, tags, ...audio] = all;
  if (!head || !isOpusHead(head) || !tags || !isOpusTags(tags)) throw new Error(`${path}: no OpusHead/OpusTags`);
  const packets = audio.filter((p) => opusPacketSamples(p) === FRAME_SAMPLES);
  if (packets.length < 100) throw new Error(`${path}: only ${packets.length} 20 ms packets`);
  const h = parseOpusHead(head);
  return { opusHead: head, channels: h.channels, preSkip: h.preSkip, packets };
}

/** Runs a command under /usr/bin/time: wall seconds, peak RSS (ru_maxrss of the whole process) and its stdout. */
function timeProcess(cmd: string, args: string[]): Promise<{ seconds: number; peakBytes: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    execFile('/usr/bin/time', ['-f', 'TIME %e %M', cmd, ...args], { timeout: 3_600_000, maxBuffer: 16 * MIB }, (err, stdout, stderr) => {
      const m = /TIME ([\d.]+) (\d+)/.exec(stderr);
      if (err || !m) reject(new Error(`${cmd} failed: ${stderr || err?.message}`));
      else resolve({ seconds: Number(m[1]), peakBytes: Number(m[2]) * 1024, stdout });
    });
  });
}

interface RenditionJob {
  dir: string;
  manifest: ShowManifest;
  storage: StorageConfig;
  dataDir: string;
  kbps: Mp3BitrateKbps;
}

interface RenditionResult {
  seconds: number;
  sizeBytes: number;
}

/** `--rendition JOB`: makes, stores and verifies one verified show's MP3 rendition, as the recorder does after a show. */
async function renditionChild(jobFile: string): Promise<void> {
  const job = JSON.parse(readFileSync(jobFile, 'utf8')) as RenditionJob;
  const log = pino({ level: 'warn', base: undefined }, pino.destination(2));
  const handle = createRecordingStore(job.storage, job.dataDir, log);
  await handle.start();
  const t0 = performance.now();
  await finishRendition(job.dir, job.manifest, { store: handle.store, log, mp3BitrateKbps: job.kbps });
  const seconds = (performance.now() - t0) / 1000;
  handle.close();
  if (!job.manifest.rendition?.storeLocation) throw new Error(`the MP3 rendition was not verified: ${job.manifest.renditionError}`);
  const result: RenditionResult = { seconds, sizeBytes: job.manifest.rendition.sizeBytes };
  process.stdout.write(`RENDITION ${JSON.stringify(result)}\n`);
}

function procStatusBytes(field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  if (!m) throw new Error(`no ${field} in /proc/self/status`);
  return Number(m[1]) * 1024;
}

/** Resets VmHWM to the current RSS (proc(5), /proc/pid/clear_refs value 5). False when refused. */
function resetPeakRss(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return procStatusBytes('VmHWM') <= procStatusBytes('VmRSS') + 1024 * 1024;
  } catch {
    return false;
  }
}
