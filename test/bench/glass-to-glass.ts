// Glass-to-glass latency: a click in the studio's (fake) microphone → its arrival at a listener of
// /live. Chromium's fake microphone loops a WAV of silence with one 40 ms beep per period; the studio
// (real UI, real bridge) goes live; a raw-socket listener of /live decodes the Ogg Opus as it arrives
// and notes when each beep's page arrived. The beep onsets in wall time come from the studio's own
// mic meter (Date.now() when a 50 ms meter window first shows the beep); the period is chosen not to
// be a multiple of the meter window, so the earliest detection pins the onset to a few ms.
//   node test/bench/glass-to-glass.ts [--clicks N]      (target: median and max under 1 s)
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { OpusDecoder } from 'opus-decoder';
import { isOpusHead, isOpusTags } from '../../shared/src/ogg/codec-headers.ts';
import { OggPacketAssembler, parseOggPage } from '../../shared/src/ogg/ogg-page.ts';
import { startBridge } from '../helpers/bridge.ts';
import { addDj } from '../helpers/dj.ts';
import { buildStudio, launchChromium } from '../e2e/browser.ts';
import { startStudioProxy } from '../e2e/studio-proxy.ts';

const PERIOD_S = 3.013;
const BEEP_AT_S = 0.5;
const BEEP_S = 0.04;
const DJ = { name: 'bench-dj', password: 'bench password 1' };

const { values } = parseArgs({ options: { clicks: { type: 'string', default: '8' } } });
const clicks = Math.max(3, Number(values.clicks));

function makeClickWav(dir: string): Promise<string> {
  const file = join(dir, 'click.wav');
  const expr = `if(between(t\\,${BEEP_AT_S}\\,${BEEP_AT_S + BEEP_S})\\,0.8*sin(2*PI*1000*t)\\,0)`;
  return new Promise((resolve, reject) => {
    execFile('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `aevalsrc=${expr}|${expr}:s=48000:d=${PERIOD_S}`,
      '-c:a', 'pcm_s16le', file], (err, _o, stderr) => (err ? reject(new Error(`ffmpeg: ${stderr}`)) : resolve(file)));
  });
}

/** Listens to an Ogg Opus mount and reports the arrival time (Date.now()) of each beep's first loud frame. */
async function listenForBeeps(url: string, onBeep: (arrivedAtMs: number) => void): Promise<() => void> {
  const u = new URL(url);
  const decoder = new OpusDecoder({ channels: 2 });
  await decoder.ready; // one decoder across Ogg chains: a click is loud whatever came before
  return new Promise((resolve, reject) => {
    const socket = connect(Number(u.port), u.hostname, () => {
      socket.write(`GET ${u.pathname} HTTP/1.0\r\nHost: ${u.host}\r\nUser-Agent: aircheck-bench\r\n\r\n`);
      resolve(() => {
        socket.destroy();
        decoder.free();
      });
    });
    socket.on('error', reject);
    let head = true;
    let buf: Uint8Array = new Uint8Array(0);
    let offset = 0;
    const assembler = new OggPacketAssembler();
    let serial = -1;
    let quietMs = 0;
    socket.on('data', (chunk: Buffer) => {
      const now = Date.now();
      let data = new Uint8Array(chunk);
      if (head) {
        const text = Buffer.from(data).toString('latin1');
        const end = text.indexOf('\r\n\r\n');
        if (end < 0) return;
        head = false;
        data = data.subarray(end + 4);
      }
      const merged = new Uint8Array(buf.length - offset + data.length);
      merged.set(buf.subarray(offset));
      merged.set(data, buf.length - offset);
      buf = merged;
      offset = 0;
      for (;;) {
        const parsed = parseOggPage(buf, offset);
        if (!parsed) break;
        offset = parsed.nextOffset;
        const page = parsed.page;
        if (page.serial !== serial) {
          serial = page.serial;
          assembler.reset();
        }
        for (const packet of assembler.push(page)) {
          if (isOpusHead(packet.data) || isOpusTags(packet.data)) continue;
          const { channelData, samplesDecoded } = decoder.decodeFrame(packet.data);
          let peak = 0;
          for (const v of channelData[0] ?? []) peak = Math.max(peak, Math.abs(v));
          if (peak > 0.1) {
            if (quietMs >= 1000) onBeep(now);
            quietMs = 0;
          } else quietMs += samplesDecoded / 48;
        }
      }
    });
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'aircheck-g2g-'));
  const cleanups: (() => unknown)[] = [() => rmSync(dir, { recursive: true, force: true })];
  try {
    const [wav] = await Promise.all([makeClickWav(dir), buildStudio()]);
    await addDj(dir, DJ.name, DJ.password);
    const bridge = await startBridge({ dataDir: dir, env: { AIRCHECK_LOG_LEVEL: 'warn' } });
    cleanups.push(() => bridge.stop());
    // Until the bridge serves /studio/ itself, serve the build and proxy the API.
    let studioUrl = `${bridge.webUrl}/studio/`;
    if ((await fetch(studioUrl)).status !== 200) {
      const proxy = await startStudioProxy(bridge.webUrl);
      cleanups.push(() => proxy.close());
      studioUrl = `${proxy.url}/studio/`;
    }
    const browser = await launchChromium(wav);
    cleanups.push(() => browser.close());
    const page = await browser.newPage();
    page.setDefaultTimeout(15_000);
    await page.goto(studioUrl);
    await page.getByLabel('DJ name').fill(DJ.name);
    await page.getByLabel('Password').fill(DJ.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('combobox', { name: 'Mic 1 mode' }).selectOption('music');
    // The studio's mic meter: wall time of every rise above −20 dBFS.
    await page.evaluate(() => {
      const w = window as unknown as { aircheckStudio: { subscribe(fn: () => void): void; channels: { id: string }[]; level(id: string): { peakDb: number } }; beepsSeen: number[] };
      w.beepsSeen = [];
      let loud = false;
      w.aircheckStudio.subscribe(() => {
        const id = w.aircheckStudio.channels[0]?.id;
        const now = Date.now();
        const isLoud = id !== undefined && w.aircheckStudio.level(id).peakDb > -20;
        if (isLoud && !loud) w.beepsSeen.push(now);
        loud = isLoud;
      });
    });
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.getByText('On /test (private preview)').waitFor();
    await page.getByRole('button', { name: 'Go live' }).click();
    await page.getByText('ON AIR', { exact: true }).waitFor();
    await new Promise((r) => setTimeout(r, 1000)); // let /live switch from its fallback to the studio

    const connectedAtMs = Date.now();
    const arrivals: number[] = [];
    const stopListening = await listenForBeeps(bridge.url('/live'), (t) => arrivals.push(t));
    cleanups.push(stopListening);
    const deadline = Date.now() + (clicks + 3) * PERIOD_S * 1000;
    while (arrivals.filter((t) => t > connectedAtMs + 1500).length < clicks && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const seen = await page.evaluate(() => (window as unknown as { beepsSeen: number[] }).beepsSeen);
    if (seen.length < 2) throw new Error(`the studio's meter saw ${seen.length} clicks: is the fake microphone working?`);

    // Onset phase: the earliest of (detection − k × period) over all detections.
    const periodMs = PERIOD_S * 1000;
    const t0 = seen[0] as number;
    const phase = Math.min(...seen.map((s) => s - Math.round((s - t0) / periodMs) * periodMs));
    const latencies = arrivals
      .filter((t) => t > connectedAtMs + 1500) // skip the burst-on-connect backlog
      .map((t) => {
        const k = Math.floor((t - phase) / periodMs);
        return t - (phase + k * periodMs);
      })
      .slice(0, clicks)
      .sort((a, b) => a - b);
    if (latencies.length === 0) throw new Error('no click reached the listener of /live');
    const median = percentile(latencies, 0.5);
    const max = latencies.at(-1) as number;
    console.log(`glass-to-glass (fake mic → studio → bridge → /live listener), ${latencies.length} clicks:`);
    console.log(`  each (ms): ${latencies.map((l) => Math.round(l)).join(', ')}`);
    console.log(`  median ${Math.round(median)} ms, max ${Math.round(max)} ms, target < 1000 ms: ${max < 1000 ? 'met' : 'NOT met'}`);
    console.log(`  (onsets from the studio meter's 50 ms windows, pinned by ${seen.length} detections; accuracy ≈ ±10 ms)`);
  } finally {
    for (const fn of cleanups.reverse()) await Promise.resolve(fn()).catch(() => undefined);
  }
}

await main();
