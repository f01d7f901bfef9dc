// Glass-to-glass latency: a beep in the studio's (fake) microphone → the same beep arriving at a
// listener of /live, and → the same beep played by a real <audio src=/live> in Chromium (what a
// listener hears, the player's buffer included). Chromium's fake microphone loops a WAV of beeps,
// each at its own pitch (beeps.ts); the real studio goes live through the real bridge.
//   - Studio: an AudioWorklet tapped onto the microphone's MediaStreamAudioSourceNode (before the
//     fader) notes each beep's onset to the sample and its pitch (Date.now() clock).
//   - Listener: a raw-socket listener of /live decodes the Ogg Opus as it arrives; a beep's arrival
//     is when the page carrying its onset arrived.
//   - Player: a second page plays /live in an <audio> routed through createMediaElementSource into
//     the same AudioWorklet; a beep is heard when Chromium says that sample leaves the output
//     (AudioContext.getOutputTimestamp()).
// Every beep is paired with its own arrival, never by folding into a period: once the listener and
// the player play, the microphone's fader goes down 30 dB (beeps below the detector's threshold;
// the WAV's noise bed keeps the stream its real size), both must then hear no beep for 1.5 s of
// their audio (so everything from before is behind them), and the fader goes back up between two
// beeps; from then on the k-th beep played is the k-th beep heard, and its pitch must match. A beep
// missing, of another pitch or out of order ends the run with exit code 1.
//   node test/bench/glass-to-glass.ts [--beeps 24] [--uplink-delay-ms 0] [--max-wait-s 30]
// --uplink-delay-ms N (test only): the studio's WebSocket goes through a proxy that holds every
// byte N ms, so the figure must grow by N ms (test/e2e/glass-to-glass.test.ts).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { startBridge, waitForMount } from '../helpers/bridge.ts';
import { addDj } from '../helpers/dj.ts';
import { WORKLET_SOURCE, installStudioTap, listenForBeeps, type PageBeep, type TapArgs } from '../helpers/beep-tap.ts';
import { buildStudio, launchChromium } from '../e2e/browser.ts';
import { startStudioProxy } from '../e2e/studio-proxy.ts';
import {
  BEEP_SPACING_S, BeepPairingError, DETECTOR_OPTIONS, PITCHES, beepFrequencyHz, beepWav, pairBeeps, type BeepEvent,
} from './beeps.ts';
import { benchHeader } from './machine.ts';
import { percentile } from './stats.ts';

const DJ = { name: 'bench-dj', password: 'bench password 1' };
/** How long the listener and the player must hear no beep before the microphone's fader goes back up. */
const QUIET_BEFORE_START_MS = 1500;
/** The microphone's fader while they connect: the beeps (−6 dBFS) fall to −36 dBFS, below the detector's −16.5 dBFS threshold. */
const DIP_DB = -30;
const TARGET_MS = 1000;

const { values } = parseArgs({
  options: {
    beeps: { type: 'string', default: String(PITCHES) },
    'uplink-delay-ms': { type: 'string', default: '0' },
    'max-wait-s': { type: 'string', default: '30' },
  },
});
const beeps = Number(values.beeps);
const uplinkDelayMs = Number(values['uplink-delay-ms']);
const maxWaitMs = Number(values['max-wait-s']) * 1000;
if (!Number.isInteger(beeps) || beeps < 3 || !(uplinkDelayMs >= 0) || !(maxWaitMs > 0)) {
  console.error('usage: glass-to-glass.ts [--beeps N ≥ 3 (20+ for a figure)] [--uplink-delay-ms MS] [--max-wait-s S]');
  process.exit(2);
}

/** Runs in the player page: <audio src=/live> → createMediaElementSource → the beep worklet (and the output). */
async function startPlayer({ source, options }: TapArgs): Promise<void> {
  const w = window as unknown as { g2gReport(b: unknown): void; g2gAudio: HTMLAudioElement; g2gLastBeepMediaS: number; g2gStalls: number };
  const context = new AudioContext({ sampleRate: 48_000 });
  await context.audioWorklet.addModule(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })));
  const audio = new Audio();
  audio.src = '/live';
  const node = new AudioWorkletNode(context, 'g2g-beeps', { numberOfInputs: 1, numberOfOutputs: 0, processorOptions: options });
  const element = context.createMediaElementSource(audio);
  element.connect(node);
  element.connect(context.destination);
  w.g2gAudio = audio;
  w.g2gLastBeepMediaS = 0;
  w.g2gStalls = 0;
  audio.addEventListener('waiting', () => w.g2gStalls++); // playback stopped: its buffer ran dry
  node.port.onmessage = (ev: MessageEvent<{ index: number; purity: number; onsetFrame: number; reachedFrame: number }>) => {
    const now = Date.now();
    const renderedAtMs = now - ((ev.data.reachedFrame - ev.data.onsetFrame) / context.sampleRate) * 1000;
    const out = context.getOutputTimestamp();
    const audibleAtMs = out.performanceTime
      ? performance.timeOrigin + out.performanceTime + (ev.data.onsetFrame / context.sampleRate - (out.contextTime ?? 0)) * 1000
      : renderedAtMs + (context.baseLatency + context.outputLatency) * 1000;
    w.g2gLastBeepMediaS = audio.currentTime;
    w.g2gReport({ index: ev.data.index, purity: ev.data.purity, renderedAtMs, audibleAtMs });
  };
  await context.resume();
  await audio.play();
}

function summary(latencies: readonly number[]): { medianMs: number; p95Ms: number; maxMs: number; minMs: number } {
  const sorted = [...latencies].sort((a, b) => a - b);
  return { medianMs: percentile(sorted, 50), p95Ms: percentile(sorted, 95), maxMs: sorted.at(-1)!, minMs: sorted[0]! };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'aircheck-g2g-'));
  const cleanups: (() => unknown)[] = [() => rmSync(dir, { recursive: true, force: true })];
  try {
    const wav = join(dir, 'beeps.wav');
    writeFileSync(wav, beepWav());
    await buildStudio();
    await addDj(dir, DJ.name, DJ.password);
    const bridge = await startBridge({ dataDir: dir, env: { AIRCHECK_LOG_LEVEL: 'warn' } });
    cleanups.push(() => bridge.stop());
    let studioUrl = `${bridge.webUrl}/studio/`;
    if (uplinkDelayMs > 0 || (await fetch(studioUrl)).status !== 200) {
      const proxy = await startStudioProxy(bridge.webUrl, { uplinkDelayMs });
      cleanups.push(() => proxy.close());
      studioUrl = `${proxy.url}/studio/`;
    }
    const browser = await launchChromium(wav, { autoplayFlag: true }); // the listener page plays /live with no person to click
    cleanups.push(() => browser.close());
    const tap: TapArgs = { source: WORKLET_SOURCE, options: DETECTOR_OPTIONS };

    // The studio, with the tap on its microphone.
    const studioBeeps: PageBeep[] = [];
    const studio = await browser.newPage();
    studio.setDefaultTimeout(15_000 + uplinkDelayMs * 2);
    await studio.exposeFunction('g2gReport', (b: PageBeep) => void studioBeeps.push(b));
    await studio.addInitScript(installStudioTap, tap);
    await studio.goto(studioUrl);
    await studio.getByLabel('DJ name').fill(DJ.name);
    await studio.getByLabel('Password').fill(DJ.password);
    await studio.getByRole('button', { name: 'Sign in' }).click();
    await studio.getByRole('combobox', { name: 'Mic 1 mode' }).selectOption('music');
    await studio.getByRole('button', { name: 'Connect' }).click();
    await studio.getByText('On /test (private preview)').waitFor();
    await studio.getByRole('button', { name: 'Go live' }).click();
    await studio.getByText('ON AIR', { exact: true }).waitFor();
    await waitForMount(bridge, '/live', (m: { playing: string }) => m.playing === 'source', 10_000 + uplinkDelayMs); // not its fallback any more

    // The listener and the player connect while the beeps play …
    const trace = process.env.G2G_TRACE ? (what: string, x: unknown): void => console.error(`${Date.now()} ${what} ${JSON.stringify(x)}`) : () => undefined;
    let listenerArmed = false;
    let playerArmed = false;
    const listenerBeeps: BeepEvent[] = [];
    const playerBeeps: BeepEvent[] = [];
    let onProgress = (): void => undefined;
    let listenerQuiet: () => void = () => undefined;
    const listenerQuietNow = new Promise<void>((resolve) => {
      listenerQuiet = resolve;
    });
    const quietNeeded = (QUIET_BEFORE_START_MS / 1000) * 48_000;
    const stopListening = await listenForBeeps(bridge.url('/live'), (beep) => {
      trace('listener', { ...beep, armed: listenerArmed });
      if (listenerArmed) {
        listenerBeeps.push(beep);
        onProgress();
      }
    }, (quietSamples) => {
      if (quietSamples >= quietNeeded) listenerQuiet();
    });
    cleanups.push(stopListening);
    const player = await browser.newPage();
    player.setDefaultTimeout(15_000);
    await player.exposeFunction('g2gReport', (b: PageBeep) => {
      trace('player', { ...b, armed: playerArmed });
      if (playerArmed) {
        playerBeeps.push({ index: b.index, atMs: b.audibleAtMs });
        onProgress();
      }
    });
    await player.goto(`${bridge.streamUrl}/status.json`); // an http://127.0.0.1 page of the stream port: /live is same-origin
    await player.evaluate(startPlayer, tap);

    // … then the microphone's fader goes down to DIP_DB (the beeps fall below the detector's
    // threshold, the noise bed keeps the stream a real size), and both must hear no beep for a
    // while, so that everything from before is behind them.
    await setMicFader(studio, DIP_DB);
    const quietWaitMs = 20_000 + uplinkDelayMs;
    await withTimeout(listenerQuietNow, quietWaitMs, `the /live listener heard beeps ${QUIET_BEFORE_START_MS} ms after the microphone was turned down`);
    listenerArmed = true;
    await withTimeout(player.evaluate(waitForPlayerQuiet, QUIET_BEFORE_START_MS), quietWaitMs,
      `the <audio> player did not play ${QUIET_BEFORE_START_MS} ms without a beep after the microphone was turned down`);
    playerArmed = true;

    // Fader back up between two beeps; from then on every beep goes on air whole.
    const stallsBefore = await player.evaluate(() => (window as unknown as { g2gStalls: number }).g2gStalls);
    const restoredAtMs = await studio.evaluate(restoreFaderBetweenBeeps, { spacingMs: BEEP_SPACING_S * 1000 });
    trace('fader up', restoredAtMs);
    const done = new Promise<void>((resolve) => {
      onProgress = () => {
        if (listenerBeeps.length >= beeps && playerBeeps.length >= beeps) resolve();
      };
      onProgress();
    });
    const waitMs = beeps * BEEP_SPACING_S * 1000 + maxWaitMs;
    await Promise.race([done, new Promise((r) => setTimeout(r, waitMs).unref())]);
    const stalls = (await player.evaluate(() => (window as unknown as { g2gStalls: number }).g2gStalls)) - stallsBefore;
    const onsets = studioBeeps.filter((b) => b.renderedAtMs > restoredAtMs).map((b) => ({ index: b.index, atMs: b.renderedAtMs }));
    const waited = `waited ${Math.round(waitMs / 1000)} s after the fader went up`;
    const listener = pairBeeps(onsets, listenerBeeps, beeps, `the /live listener (${waited})`);
    const heard = pairBeeps(onsets, playerBeeps, beeps, `the <audio> player (${waited})`);

    const l = summary(listener);
    const p = summary(heard);
    const ms = (x: number): string => `${Math.round(x)} ms`;
    const purities = studioBeeps.map((b) => b.purity);
    console.log(`glass to glass: ${beeps} beeps${beeps < 20 ? ' (a check, not a figure: use 20 or more)' : ''}, each paired with its own arrival by order and pitch (${PITCHES} pitches, ${beepFrequencyHz(0)}–${beepFrequencyHz(PITCHES - 1)} Hz, one every ${BEEP_SPACING_S * 1000} ms)` +
      (uplinkDelayMs > 0 ? `; TEST KNOB: the studio's uplink held ${uplinkDelayMs} ms` : ''));
    console.log(benchHeader());
    console.log('');
    console.log('| from the studio\'s microphone to | median | p95 | max | min |');
    console.log('|---|---:|---:|---:|---:|');
    console.log(`| its Ogg page arriving at a /live listener (raw socket) | **${ms(l.medianMs)}** | ${ms(l.p95Ms)} | ${ms(l.maxMs)} | ${ms(l.minMs)} |`);
    console.log(`| Chromium's <audio src=/live> playing it (what a listener hears) | **${ms(p.medianMs)}** | ${ms(p.p95Ms)} | ${ms(p.maxMs)} | ${ms(p.minMs)} |`);
    console.log('');
    console.log(`  listener, each (ms): ${listener.map((x) => Math.round(x)).join(', ')}`);
    console.log(`  player, each (ms): ${heard.map((x) => Math.round(x)).join(', ')}`);
    console.log(`  target for the listener: under ${TARGET_MS} ms: ${l.maxMs < TARGET_MS ? 'met' : 'NOT met'}`);
    console.log(`  player: first beep ${ms(heard[0]!)} (it plays from the start of its 2 s burst), last ${ms(heard.at(-1)!)}; ` +
      `its <audio> stalled (\`waiting\`) ${stalls} times meanwhile, and a stall is never made up`);
    console.log(`  (onsets: the microphone's own samples in the studio's audio graph, lowest pitch purity ${Math.min(...purities).toFixed(2)})`);
    console.log(`G2G_RESULT ${JSON.stringify({ beeps, uplinkDelayMs, listener: { ...l, eachMs: listener }, player: { ...p, eachMs: heard, stalls } })}`);
  } catch (err) {
    if (err instanceof BeepPairingError) {
      console.error(`glass to glass FAILED: ${err.message}`);
      process.exitCode = 1;
    } else throw err;
  } finally {
    for (const fn of cleanups.reverse()) await Promise.resolve(fn()).catch(() => undefined);
  }
}

/** Sets the studio's microphone fader (the DJ's own control; ramped by the mixer). */
async function setMicFader(page: Page, gainDb: number): Promise<void> {
  await page.evaluate((db) => {
    const s = (window as unknown as { aircheckStudio: { channels: { id: string; kind: string }[]; updateChannel(id: string, c: { gainDb: number }): void } }).aircheckStudio;
    const mic = s.channels.find((c) => c.kind === 'input');
    if (!mic) throw new Error('the studio has no microphone channel');
    s.updateChannel(mic.id, { gainDb: db });
  }, gainDb);
}

/** In the studio page: waits for the next beep on the microphone, then sets its fader to 0 dB half a gap later. Returns Date.now() then. */
function restoreFaderBetweenBeeps({ spacingMs }: { spacingMs: number }): Promise<number> {
  const w = window as unknown as {
    g2gOnBeep: (() => void)[];
    aircheckStudio: { channels: { id: string; kind: string }[]; updateChannel(id: string, c: { gainDb: number }): void };
  };
  return new Promise((resolve) => {
    w.g2gOnBeep.push(() => {
      setTimeout(() => {
        const mic = w.aircheckStudio.channels.find((c) => c.kind === 'input')!;
        const at = Date.now();
        w.aircheckStudio.updateChannel(mic.id, { gainDb: 0 });
        resolve(at);
      }, spacingMs / 2);
    });
  });
}

/** In the player page: resolves once the element has played quietMs of media with no beep. */
function waitForPlayerQuiet(quietMs: number): Promise<void> {
  const w = window as unknown as { g2gAudio: HTMLAudioElement; g2gLastBeepMediaS: number };
  return new Promise((resolve) => {
    const check = (): void => {
      if (!w.g2gAudio.paused && w.g2gAudio.currentTime - w.g2gLastBeepMediaS >= quietMs / 1000) {
        w.g2gAudio.removeEventListener('timeupdate', check);
        resolve();
      }
    };
    w.g2gAudio.addEventListener('timeupdate', check);
    check();
  });
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new BeepPairingError(`${message} within ${Math.round(ms / 1000)} s`)), ms);
    }),
  ]);
}

await main();
