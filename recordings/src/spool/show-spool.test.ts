// The show spool: frames placed by seq into self-contained, fsync'd Ogg Opus segments with an atomic
// manifest; resends ignored, gaps recorded with their length; disk errors (full, read-only) fail the
// recording at once with a code, an error log and the failure callback, never silently.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { AircheckError } from '../../../shared/src/errors.ts';
import { parseOggPage } from '../../../shared/src/ogg/ogg-page.ts';
import { opusTonePackets } from '../../../test/helpers/studio-client.ts';
import { readManifest } from '../show-manifest.ts';
import { ShowSpool } from './show-spool.ts';
import { limitedSpaceFs } from './limited-space-fs.ts';
import { unwritableFs } from './unwritable-fs.ts';

function captureLog() {
  const lines: any[] = [];
  const log = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  return { log, lines };
}

/** A 20 ms stereo CELT packet (TOC config 31) of n bytes. */
function fakePacket(n: number): Uint8Array {
  const p = new Uint8Array(n).fill(0x55);
  p[0] = (31 << 3) | 4;
  return p;
}

const HEAD = (() => {
  const h = new Uint8Array(19);
  h.set(new TextEncoder().encode('OpusHead'));
  h[8] = 1; h[9] = 2; h[10] = 0x38; h[11] = 0x01; // version 1, 2 channels, pre-skip 312
  new DataView(h.buffer).setUint32(12, 48000, true);
  return h;
})();

function spoolIn(spoolDir: string, segmentSamples: number, extra: Partial<ConstructorParameters<typeof ShowSpool>[0]> = {}) {
  const { log, lines } = captureLog();
  const failures: AircheckError[] = [];
  const ended: string[] = [];
  const spool = new ShowSpool({
    spoolDir, showId: 'show-1', dj: 'nina', opusHead: HEAD, channels: 2, preSkipSamples: 312, segmentSamples, log,
    onFailed: (e) => failures.push(e), onEnded: (dir) => ended.push(dir), ...extra,
  });
  return { spool, lines, failures, ended };
}

test('frames are placed by seq: resends ignored, a gap recorded with its length, closed segments listed with checksums', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aircheck-spool-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { spool, failures, ended } = spoolIn(dir, 48000); // 1 s segments
  const frame = (seq: number) => ({ seq, timestampUs: seq * 20000, durationSamples: 960, flags: 0, packet: fakePacket(100) });
  for (let s = 0; s < 60; s++) spool.onFrame(frame(s));
  for (let s = 50; s < 60; s++) spool.onFrame(frame(s)); // resent after a reconnect
  for (let s = 70; s < 130; s++) spool.onFrame(frame(s)); // 10 frames lost: 200 ms
  await spool.idle();
  let m = await readManifest(spool.dir);
  assert.equal(m.status, 'recording');
  assert.equal(m.endedAt, null, 'no end marker while recording');
  assert.equal(m.segments.length, 2, 'two closed segments of 50 frames');
  assert.deepEqual(m.gaps, [{ afterSeq: 59, missingFrames: 10, framesBefore: 60, durationSamples: 9600 }]);
  assert.equal(spool.duplicates, 10);
  spool.onEnd();
  await spool.idle();
  m = await readManifest(spool.dir);
  assert.ok(m.endedAt);
  assert.deepEqual(m.segments.map((s) => [s.file, s.firstSeq, s.lastSeq, s.frames, s.durationSamples]), [
    ['segment-000001.opus', 0, 49, 50, 48000],
    ['segment-000002.opus', 50, 109, 50, 48000],
    ['segment-000003.opus', 110, 129, 20, 19200],
  ]);
  for (const s of m.segments) {
    const bytes = readFileSync(join(spool.dir, s.file));
    assert.equal(s.sizeBytes, bytes.length);
    assert.equal(s.sha256, createHash('sha256').update(bytes).digest('hex'));
    // Self-contained: BOS page with OpusHead, then OpusTags, audio, EOS.
    const first = parseOggPage(bytes, 0)!;
    assert.ok(first.page.bos);
    assert.equal(Buffer.from(first.page.packets[0]!.subarray(0, 8)).toString(), 'OpusHead');
  }
  assert.equal(failures.length, 0);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(ended, [spool.dir]);
  assert.deepEqual(readdirSync(spool.dir).filter((f) => f.startsWith('.')), [], 'no temporary manifest left behind');
});

test('a segment of real Opus decodes on its own with ffmpeg', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aircheck-spool-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const source = await opusTonePackets(440, 3);
  const { spool } = spoolIn(dir, 48000, { opusHead: source.head });
  let ts = 0;
  source.packets.forEach((p, seq) => {
    spool.onFrame({ seq, timestampUs: ts, durationSamples: p.durationSamples, flags: 0, packet: p.data });
    ts += p.durationSamples / 0.048;
  });
  spool.onEnd();
  await spool.idle();
  const out = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', join(spool.dir, 'segment-000002.opus')]).toString();
  assert.ok(Math.abs(Number(out) - 1) < 0.03, `segment 2 lasts ${out}`);
});

// Fault tests through the spool's file-system seam (limited-space-fs.ts: ENOSPC; unwritable-fs.ts:
// EROFS, EACCES): they run everywhere, without root or a mounted tmpfs.

test('a full disk fails the recording at once with REC_DISK_FULL: status, error log, callback', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aircheck-spool-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const fs = limitedSpaceFs({ freeBytes: 64 * 1024 }); // what a 64 KiB tmpfs holds
  const { spool, failures, lines } = spoolIn(dir, 48000 * 10, { fs, reserveBytes: 16 * 1024 });
  for (let seq = 0; seq < 500; seq++) spool.onFrame({ seq, timestampUs: seq * 20000, durationSamples: 960, flags: 0, packet: fakePacket(400) });
  await spool.idle();
  assert.ok(fs.refusedWrites > 0, 'the disk refused a write');
  assert.equal(failures.length, 1);
  assert.equal(failures[0]!.code, 'REC_DISK_FULL', failures[0]!.message);
  assert.equal(spool.manifest.status, 'failed');
  assert.equal(spool.manifest.errorCode, 'REC_DISK_FULL');
  assert.match(spool.manifest.reason!, /disk is full \(ENOSPC\)/);
  assert.ok(lines.some((l) => l.level === 50 && l.code === 'REC_DISK_FULL'), 'logged at error');
  spool.onFrame({ seq: 500, timestampUs: 0, durationSamples: 960, flags: 0, packet: fakePacket(400) });
  await spool.idle();
  assert.equal(failures.length, 1, 'reported once');
});

for (const errno of ['EROFS', 'EACCES'] as const) {
  const what = errno === 'EROFS' ? 'a read-only spool' : 'a spool the bridge may not write';
  test(`${what} (${errno}) fails the recording with REC_SPOOL_UNWRITABLE on its first frame, reported once`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'aircheck-spool-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const fs = unwritableFs({ errno });
    const { spool, failures, lines } = spoolIn(dir, 48000, { fs });
    spool.onFrame({ seq: 0, timestampUs: 0, durationSamples: 960, flags: 0, packet: fakePacket(100) });
    await spool.idle();
    assert.ok(fs.refusals > 0, 'the disk refused a change');
    assert.equal(failures.length, 1);
    assert.equal(failures[0]!.code, 'REC_SPOOL_UNWRITABLE');
    assert.match(failures[0]!.message, new RegExp(`\\(${errno}\\)`), 'the message names the errno');
    assert.equal(spool.manifest.status, 'failed');
    assert.equal(spool.manifest.errorCode, 'REC_SPOOL_UNWRITABLE');
    assert.ok(lines.some((l) => l.level === 50 && l.code === 'REC_SPOOL_UNWRITABLE'), 'logged at error');
    assert.ok(!existsSync(join(dir, 'show-1')), 'nothing was created');
    for (let seq = 1; seq < 50; seq++) spool.onFrame({ seq, timestampUs: seq * 20000, durationSamples: 960, flags: 0, packet: fakePacket(100) });
    await spool.idle();
    assert.equal(failures.length, 1, 'reported once');
    assert.equal(spool.lostFrames, 50, 'every frame is counted in the gap');
  });
}

test('a spool that goes read-only mid-show fails at once with REC_SPOOL_UNWRITABLE and keeps the segments already closed', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aircheck-spool-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const fs = unwritableFs({ errno: 'EROFS', refusing: false });
  const { spool, failures } = spoolIn(dir, 48000, { fs });
  const frame = (seq: number) => ({ seq, timestampUs: seq * 20000, durationSamples: 960, flags: 0, packet: fakePacket(100) });
  for (let seq = 0; seq < 120; seq++) spool.onFrame(frame(seq)); // two closed 1 s segments, a third open
  await spool.idle();
  assert.equal(failures.length, 0);
  const closed = (await readManifest(spool.dir)).segments;
  assert.equal(closed.length, 2);
  fs.refuse(); // errors=remount-ro
  for (let seq = 120; seq < 200; seq++) spool.onFrame(frame(seq));
  await spool.idle();
  assert.equal(failures.length, 1, 'reported once');
  assert.equal(failures[0]!.code, 'REC_SPOOL_UNWRITABLE');
  assert.match(failures[0]!.message, /\(EROFS\)/);
  assert.equal(spool.manifest.status, 'failed');
  assert.equal(spool.lostFrames, 100, 'the open segment and everything after it are the gap');
  assert.deepEqual(spool.manifest.gaps.map((g) => [g.afterSeq, g.cause]), [[99, 'REC_SPOOL_UNWRITABLE']]);
  for (const s of closed) {
    const bytes = readFileSync(join(spool.dir, s.file));
    assert.equal(createHash('sha256').update(bytes).digest('hex'), s.sha256, `${s.file} is still on disk, intact`);
  }
});


test('a full disk mid-show (fs seam): failed at once with REC_DISK_FULL, and the manifest on disk lists the gap with its cause', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aircheck-spool-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const fs = limitedSpaceFs({ freeBytes: 64 * 1024 + 150_000 });
  const { spool, failures, lines, ended } = spoolIn(dir, 48000, { fs, reserveBytes: 64 * 1024 });
  const frame = (seq: number) => ({ seq, timestampUs: seq * 20000, durationSamples: 960, flags: 0, packet: fakePacket(400) });
  for (let seq = 0; seq < 500; seq++) spool.onFrame(frame(seq)); // 10 s; the disk holds about 7
  await spool.idle();
  assert.equal(failures.length, 1, 'reported once');
  assert.equal(failures[0]!.code, 'REC_DISK_FULL');
  assert.ok(lines.some((l) => l.level === 50 && l.code === 'REC_DISK_FULL'), 'logged at error');
  let m = await readManifest(spool.dir); // what a restart would find
  assert.equal(m.status, 'failed');
  assert.equal(m.errorCode, 'REC_DISK_FULL');
  assert.ok(m.segments.length >= 1 && m.segments.length < 10, `${m.segments.length} segments before the disk filled`);
  const lastRecorded = m.segments.at(-1)!.lastSeq;
  assert.equal(m.gaps.length, 1);
  assert.deepEqual({ ...m.gaps[0], since: typeof m.gaps[0]!.since, reason: typeof m.gaps[0]!.reason }, {
    afterSeq: lastRecorded, missingFrames: 499 - lastRecorded, framesBefore: lastRecorded + 1, durationSamples: (499 - lastRecorded) * 960,
    cause: 'REC_DISK_FULL', reason: 'string', since: 'string', open: true,
  });
  assert.equal(spool.lostFrames, 499 - lastRecorded);
  for (let seq = 500; seq < 550; seq++) spool.onFrame(frame(seq)); // still full: dropped, the gap grows
  spool.onEnd();
  await spool.idle();
  await new Promise((r) => setImmediate(r));
  assert.equal(failures.length, 1, 'still one failure');
  assert.equal(spool.lostFrames, 549 - lastRecorded);
  m = await readManifest(spool.dir);
  assert.ok(m.endedAt, 'the end marker fits in the space the reserve gave back');
  assert.equal(m.gaps[0]!.open, false);
  assert.equal(m.gaps[0]!.missingFrames, 549 - lastRecorded);
  const samples = m.segments.reduce((n, s) => n + s.durationSamples, 0) + m.gaps.reduce((n, g) => n + g.durationSamples, 0);
  assert.equal(samples, 550 * 960, 'recorded audio + gaps = the show');
  assert.deepEqual(ended, [spool.dir], 'what was recorded is handed on to be finalized');
  assert.ok(!readdirSync(spool.dir).includes('.reserve'));
});

test('the disk frees again mid-show: recording resumes in a new segment, the gap keeps its cause and length', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aircheck-spool-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  let nowMs = Date.parse('2026-11-21T18:00:00Z');
  const fs = limitedSpaceFs({ freeBytes: 64 * 1024 + 100_000 });
  const resumed: number[] = [];
  const { spool, failures } = spoolIn(dir, 48000, { fs, reserveBytes: 64 * 1024, retryMs: 1000, now: () => new Date(nowMs), onResumed: () => resumed.push(nowMs) });
  const frame = (seq: number) => ({ seq, timestampUs: seq * 20000, durationSamples: 960, flags: 0, packet: fakePacket(400) });
  let seq = 0;
  const send = async (n: number) => {
    for (let i = 0; i < n; i++, seq++) {
      spool.onFrame(frame(seq));
      nowMs += 20;
      if (seq % 10 === 0) await spool.idle(); // the disk keeps up with real time
    }
    await spool.idle();
  };
  await send(400);
  assert.equal(failures.length, 1);
  assert.equal(spool.manifest.status, 'failed');
  await send(100); // 2 s still full: probed twice, still failing
  assert.deepEqual(resumed, []);
  fs.addFreeBytes(10_000_000); // space comes back
  await send(100);
  assert.equal(resumed.length, 1, 'resumed once');
  assert.equal(spool.manifest.status, 'recording');
  assert.equal(spool.failure, null);
  await send(150);
  spool.onEnd();
  await spool.idle();
  const m = await readManifest(spool.dir);
  assert.deepEqual(m.history.map((h) => h.status), ['recording', 'failed', 'recording']);
  assert.equal(m.gaps.length, 1);
  const gap = m.gaps[0]!;
  assert.equal(gap.cause, 'REC_DISK_FULL');
  assert.equal(gap.open, false);
  const after = m.segments.find((s) => s.firstSeq > gap.afterSeq)!;
  assert.equal(after.firstSeq, gap.afterSeq + gap.missingFrames + 1, 'the next segment starts right after the gap');
  assert.ok(m.segments.at(-1)!.lastSeq === seq - 1, 'recorded to the end of the show');
  const samples = m.segments.reduce((n, s) => n + s.durationSamples, 0) + m.gaps.reduce((n, g) => n + g.durationSamples, 0);
  assert.equal(samples, seq * 960, 'recorded audio + gap = the show');
  assert.equal(spool.lostFrames, gap.missingFrames);
  assert.equal(failures.length, 1);
});

test('a studio tab lost mid-show: the gap it leaves has its real length (from the frame count) and the cause STUDIO_TAB_LOST, and the show is not marked as a recorder loss', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aircheck-spool-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { spool } = spoolIn(dir, 48000);
  for (let s = 0; s < 30; s++) spool.onFrame({ seq: s, timestampUs: 5e9 + s * 20000, durationSamples: 960, flags: 0, packet: fakePacket(100) });
  spool.onStudioGap('STUDIO_TAB_LOST', 'the studio tab was reloaded');
  // The reopened tab's encoder has a new capture clock (timestamps from 0) and numbers on from 180: 3 s away.
  for (let s = 180; s < 200; s++) spool.onFrame({ seq: s, timestampUs: (s - 180) * 20000, durationSamples: 960, flags: 0, packet: fakePacket(100) });
  spool.onFrame({ seq: 205, timestampUs: 25 * 20000, durationSamples: 960, flags: 0, packet: fakePacket(100) }); // a later, ordinary gap
  spool.onEnd();
  await spool.idle();
  const m = await readManifest(spool.dir);
  assert.deepEqual(m.gaps, [
    { afterSeq: 29, missingFrames: 150, framesBefore: 30, durationSamples: 150 * 960, studioCause: 'STUDIO_TAB_LOST', reason: 'the studio tab was reloaded' },
    { afterSeq: 199, missingFrames: 5, framesBefore: 50, durationSamples: 5 * 960 },
  ]);
  assert.equal(spool.lostFrames, 0, 'the recorder lost nothing it received');
});
