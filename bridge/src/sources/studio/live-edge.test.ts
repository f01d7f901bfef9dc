import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LiveEdge, LIVE_EDGE_SKIP_MS } from './live-edge.ts';

const FRAME_US = 20_000;
/** A studio whose capture clock is offset from the bridge's and whose frames take 40 ms to arrive. */
const OFFSET_US = 5_000_000_000;
const TRANSIT_US = 40_000;

describe('LiveEdge', () => {
  it('puts every frame on air while they arrive in real time, with jitter under the skip threshold', () => {
    const edge = new LiveEdge();
    for (let i = 0; i < 500; i++) {
      const jitterUs = (i % 7) * 30_000; // up to 180 ms late
      const v = edge.next(i * FRAME_US, FRAME_US, OFFSET_US + i * FRAME_US + TRANSIT_US + jitterUs);
      assert.deepEqual(v, { air: true, skippedUs: null }, `frame ${i}`);
    }
  });

  it('skips a resent backlog in one piece and goes back on air at the newest frame, reporting what it skipped', () => {
    const edge = new LiveEdge();
    let seq = 0;
    const arrive = (nowUs: number) => edge.next(seq * FRAME_US, FRAME_US, nowUs);
    // 10 s live.
    for (; seq < 500; seq++) assert.equal(arrive(OFFSET_US + seq * FRAME_US + TRANSIT_US).air, true);
    // A 12 s cut: the studio keeps capturing; at reconnect its 600 buffered frames arrive within 100 ms.
    const reconnectUs = OFFSET_US + (500 + 600) * FRAME_US + TRANSIT_US;
    const verdicts = [];
    for (let k = 0; k < 600; k++, seq++) verdicts.push(arrive(reconnectUs + Math.round(k * 166)));
    const aired = verdicts.map((v, k) => (v.air ? k : -1)).filter((k) => k >= 0);
    // Only the frames within the resume threshold of the edge go on air: the last ones, contiguous.
    assert.ok(aired.length > 0 && aired.length <= 16, `aired ${aired.length} frames of the backlog`);
    assert.deepEqual(aired, Array.from({ length: aired.length }, (_, i) => 600 - aired.length + i), 'the aired frames are the newest, in one run');
    const report = verdicts.find((v) => v.skippedUs !== null)!;
    assert.equal(report.skippedUs, (600 - aired.length) * FRAME_US, 'the report counts exactly the skipped frames');
    // Live again afterwards: every frame on air.
    for (let k = 0; k < 100; k++, seq++) assert.equal(arrive(OFFSET_US + seq * FRAME_US + TRANSIT_US).air, true);
  });

  it('after a bridge restart (no history) stops a fast backlog from building a lead beyond the threshold', () => {
    const edge = new LiveEdge();
    // 30 s of backlog arrive within 3 s: nothing known about the edge before.
    let airedUs = 0;
    const startUs = OFFSET_US;
    for (let i = 0; i < 1500; i++) if (edge.next(i * FRAME_US, FRAME_US, startUs + i * 2000).air) airedUs += FRAME_US;
    const elapsedUs = 1500 * 2000;
    assert.ok(airedUs - elapsedUs <= LIVE_EDGE_SKIP_MS * 1000 + FRAME_US, `on air ahead of real time by ${(airedUs - elapsedUs) / 1000} ms`);
  });

  it('keeps skipping a backlog through a pause of the uplink in its middle, and reports the whole skip once', () => {
    const edge = new LiveEdge();
    let seq = 0;
    const arrive = (nowUs: number) => edge.next(seq * FRAME_US, FRAME_US, nowUs);
    for (; seq < 500; seq++) arrive(OFFSET_US + seq * FRAME_US + TRANSIT_US);
    // A 60 s cut; at the reconnect the buffered frames come back at 25× real time (≈ 3 Mbit/s) — and
    // those captured meanwhile, until the link has caught up — but the link stalls for 700 ms twice
    // on the way (a busy sender, a retransmit): the first just after a settle window began (625
    // frames = 500 ms in), where the lateness had not fallen yet. No frame arrives before its capture.
    const cutFrames = 3000;
    let nowUs = OFFSET_US + (500 + cutFrames) * FRAME_US + TRANSIT_US;
    const verdicts = [];
    for (let k = 0; k < cutFrames + 600; k++, seq++) {
      if (k === 630 || k === 1900) nowUs += 700_000;
      nowUs = Math.max(nowUs + FRAME_US / 25, OFFSET_US + seq * FRAME_US + TRANSIT_US);
      verdicts.push({ k, ...arrive(nowUs) });
    }
    const firstAired = verdicts.find((v) => v.air)!;
    assert.ok(firstAired.k > cutFrames, `no frame of the cut goes on air (the first aired is frame ${firstAired.k} of the resend)`);
    const reports = verdicts.filter((v) => v.skippedUs !== null);
    assert.equal(reports.length, 1, `one skip, reported once: ${JSON.stringify(reports.map((r) => [r.k, r.skippedUs]))}`);
    assert.equal(reports[0]!.k, firstAired.k);
    assert.ok(reports[0]!.skippedUs! >= cutFrames * FRAME_US, `skipped ${reports[0]!.skippedUs! / 1e6} s`);
    assert.ok(verdicts.slice(firstAired.k).every((v) => v.air), 'live from then on');
  });

  it('takes a lasting rise in network delay as the new edge instead of skipping for ever', () => {
    const edge = new LiveEdge();
    let seq = 0;
    for (; seq < 200; seq++) edge.next(seq * FRAME_US, FRAME_US, OFFSET_US + seq * FRAME_US + TRANSIT_US);
    // From now on every frame takes 1.5 s longer, in real time (no backlog).
    const aired: boolean[] = [];
    for (let k = 0; k < 200; k++, seq++) aired.push(edge.next(seq * FRAME_US, FRAME_US, OFFSET_US + seq * FRAME_US + TRANSIT_US + 1_500_000).air);
    const firstAired = aired.indexOf(true);
    assert.ok(firstAired >= 0 && firstAired <= 30, `back on air after ${firstAired} frames`);
    assert.ok(aired.slice(firstAired).every(Boolean), 'and stays on air');
  });
});
