// test-load: realtime ~100s
// End to end (issue 10, "live edge after a cut"): the real studio in Chromium is on air through a
// proxy; the proxy cuts its uplink for 60 s, then lets it back at about 3 Mbit/s, so the studio's
// resent backlog takes seconds to arrive. A /live listener's delay behind the studio is measured with
// beeps (the glass-to-glass benchmark's WAV, detector and taps: test/helpers/beep-tap.ts): a worklet
// tap on the studio's microphone notes when each beep was captured, the listener decodes /live as it
// arrives. Within 5 s of the
// reconnect the listener is back under 2 s behind the studio, the studio says how much was skipped on
// air, and the recording holds the whole cut.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readManifest } from '../../recordings/src/show-manifest.ts';
import { waitForSettled } from '../helpers/recordings.ts';
import { WORKLET_SOURCE, installStudioTap, listenForBeeps, type PageBeep } from '../helpers/beep-tap.ts';
import { DETECTOR_OPTIONS, PITCHES, beepWav } from '../bench/beeps.ts';
import { endShow, signIn, studioFixture } from './studio-fixture.ts';
import { startStudioProxy } from './studio-proxy.ts';

const DJ = { name: 'dj-edge', password: 'a long enough password' };
const CUT_MS = 60_000;
/** ≈ 3 Mbit/s: a 60 s backlog of 128 kbps Opus takes ≈ 2.5 s to resend. */
const UPLINK_BYTES_PER_S = 400_000;
/**
 * The glass-to-glass beeps, spread out: one every 3.5 s, so the 24 pitches loop every 84 s, longer
 * than the cut and the studio's reconnect backoff together: a beep's pitch names its capture time
 * without ambiguity, even for a listener still a whole cut behind.
 */
const SPACING_S = 3.5;
const LOOP_MS = PITCHES * SPACING_S * 1000;

interface Beep { index: number; atMs: number }

/** A heard beep's delay: since the latest capture of the same pitch before it (the WAV loops every LOOP_MS). */
function delayMs(heard: Beep, captured: readonly Beep[]): number | null {
  const source = captured.filter((c) => c.index === heard.index && c.atMs <= heard.atMs).at(-1);
  return source ? heard.atMs - source.atMs : null;
}

test('after a 60 s cut the /live listener is back under 2 s behind the studio within 5 s, the studio says what was skipped, the recording holds it all', { timeout: 180_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aircheck-edge-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const wav = join(dir, 'beeps.wav');
  writeFileSync(wav, beepWav(SPACING_S));
  const { bridge, page } = await studioFixture(t, { dj: DJ, micWav: wav });
  const proxy = await startStudioProxy(bridge.webUrl, { uplinkBytesPerSecond: UPLINK_BYTES_PER_S });
  t.after(() => proxy.close());
  const captured: Beep[] = [];
  // The studio's tap (the benchmark's): a beep's capture time is when its onset sample was rendered.
  await page.exposeFunction('g2gReport', (b: PageBeep) => void captured.push({ index: b.index, atMs: b.renderedAtMs }));
  await page.addInitScript(installStudioTap, { source: WORKLET_SOURCE, options: DETECTOR_OPTIONS });

  await signIn(page, `${proxy.url}/studio/`, DJ);
  await page.getByRole('button', { name: 'Connect' }).click();
  await page.getByText('On /test (private preview)').waitFor();
  await page.getByRole('button', { name: 'Go live' }).click();
  await page.getByText('ON AIR', { exact: true }).waitFor();
  const heard: Beep[] = [];
  const stop = await listenForBeeps(bridge.url('/live'), (b) => void heard.push(b));
  t.after(stop);
  await new Promise((r) => setTimeout(r, 8000));
  const before = heard.map((h) => delayMs(h, captured)).filter((d): d is number => d !== null);
  assert.ok(before.length >= 2, `beeps heard before the cut: ${before.length}`);

  proxy.cutUplink();
  await new Promise((r) => setTimeout(r, CUT_MS));
  const cutEndMs = Date.now();
  proxy.restoreUplink();
  // The studio retries with backoff (≤ 8 s + jitter): the reconnect is when the proxy lets it through.
  const deadline = Date.now() + 15_000;
  while (proxy.lastUpgradeAtMs < cutEndMs && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.ok(proxy.lastUpgradeAtMs >= cutEndMs, 'the studio reconnected');
  const reconnectMs = proxy.lastUpgradeAtMs;
  // From 5 s after the reconnect on, every beep the listener hears is less than 2 s old (two or more beeps).
  await new Promise((r) => setTimeout(r, Math.max(0, reconnectMs + 5000 + 2 * SPACING_S * 1000 + 500 - Date.now())));
  const after = heard.filter((h) => h.index >= 0 && h.atMs > reconnectMs).map((h) => ({ ...h, delayMs: delayMs(h, captured) }));
  const backlog = proxy.backlogs.find((b) => b.fromMs >= reconnectMs);
  const skipNotice = await page.getByRole('status', { name: 'Skipped on air' }).count();
  t.diagnostic(`delay before the cut ${before.map(Math.round).join(', ')} ms; after the reconnect ${after.map((h) => `${Math.round(h.atMs - reconnectMs)}:${h.delayMs === null ? '?' : Math.round(h.delayMs)}`).join(', ')} (ms since the reconnect:delay ms; beeps loop every ${LOOP_MS} ms); the resent backlog passed the uplink ${backlog ? `${backlog.drainedAtMs - reconnectMs} ms after the reconnect` : 'not yet'}; skip notice shown: ${skipNotice > 0}`);
  const judged = after.filter((h) => h.atMs > reconnectMs + 5000);
  assert.ok(judged.length >= 2, `beeps heard from 5 s after the reconnect: ${judged.length}`);
  for (const h of judged) assert.ok(h.delayMs !== null && h.delayMs < 2000, `a beep heard ${Math.round(h.atMs - reconnectMs)} ms after the reconnect was ${h.delayMs === null ? 'never captured' : `${Math.round(h.delayMs)} ms old`}`);

  await page.getByRole('status', { name: 'Skipped on air' }).getByText(/s of the cut were skipped on air to keep listeners live; the recording has all of it\./).waitFor();
  const notice = await page.getByRole('status', { name: 'Skipped on air' }).textContent();
  const skippedS = Number(/([\d.]+) s of the cut/.exec(notice ?? '')?.[1]);
  assert.ok(skippedS >= CUT_MS / 1000 - 1, `the studio says ${skippedS} s were skipped on air`);

  await endShow(page);
  await page.getByText('The show has ended.').waitFor();
  const recordings = await waitForSettled(bridge.dataDir, 30_000);
  assert.equal(recordings.length, 1, 'one recording for the show across the cut');
  assert.equal(recordings[0].status, 'verified', recordings[0].reason);
  const manifest = await readManifest(join(bridge.dataDir, 'spool', recordings[0].showId));
  assert.deepEqual(manifest.gaps, [], 'no gap: the cut is recorded in full');
  assert.ok(manifest.final!.durationSamples / 48_000 > CUT_MS / 1000 + 4, `the recording lasts ${manifest.final!.durationSamples / 48_000} s`);
});
