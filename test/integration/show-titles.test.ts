// Show titles end to end (issue 10): the real bridge and a Node studio (test/helpers/studio-client.ts).
// A show's now-playing title does not leak into the DJ's next show, nor stay on /live after End show:
// status-json and an ICY listener of /live.mp3 see no title.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getJson, waitForMount, type RunningBridge } from '../helpers/bridge.ts';
import { connectListener } from '../helpers/listener.ts';
import { StudioClient, waitUntil, type OpusSource } from '../helpers/studio-client.ts';
import { startStudioBridge, type StudioBridge } from '../helpers/studio-shows.ts';
import { readManifest } from '../../recordings/src/show-manifest.ts';
import { waitForSettled } from '../helpers/recordings.ts';

let bridge: RunningBridge;
let dataDir: string;
let source: OpusSource;
let token: string;
let wsUrl: string;

async function liveTitle(): Promise<string | undefined> {
  const { icestats } = await getJson(`${bridge.streamUrl}/status-json.xsl`);
  const sources = icestats.source === undefined ? [] : Array.isArray(icestats.source) ? icestats.source : [icestats.source];
  const live = sources.find((s: any) => s.listenurl === `${bridge.streamUrl}/live`);
  return live?.title;
}

/** Goes live with a new studio connection (a new show), waiting until /live and /live.mp3 play it. */
async function startShow(): Promise<StudioClient> {
  const dj = new StudioClient({ wsUrl, token, source });
  await dj.start();
  dj.startAudio();
  const live = await dj.control('live');
  assert.equal(live.type, 'state', JSON.stringify(live));
  await waitForMount(bridge, '/live', (m) => m.playing === 'source');
  await waitForMount(bridge, '/live.mp3', (m) => m.playing === 'source');
  return dj;
}

async function endShow(dj: StudioClient): Promise<void> {
  const ended = await dj.control('end');
  assert.equal(ended.type, 'state', JSON.stringify(ended));
  await dj.drained();
  dj.stop();
  await waitForMount(bridge, '/live', (m) => m.playing !== 'source');
}

/** An ICY listener of /live.mp3 that hears ~3 metadata intervals: the titles it saw. */
async function icyTitles(): Promise<readonly string[]> {
  const l = await connectListener(bridge.url('/live.mp3'), { icyMetadata: true });
  assert.equal(l.statusCode, 200, l.rawHead);
  const metaint = Number(l.headers['icy-metaint']);
  assert.ok(metaint > 0, l.rawHead);
  await l.waitForAudioBytes(metaint * 3 + 1, 15_000);
  l.close();
  return l.titles;
}

let studio: StudioBridge | undefined;

before(async () => {
  studio = await startStudioBridge({ prefix: 'aircheck-titles-', toneHz: 440 });
  ({ bridge, dataDir, source, token, wsUrl } = studio);
});

after(() => studio?.stop());

describe('show titles', { timeout: 120_000 }, () => {
  test("a show's title is cleared at End show and does not leak into the DJ's next show", async () => {
    const first = await startShow();
    const setAtMs: number[] = [];
    const setTitle = async (artist: string, title: string) => {
      setAtMs.push(first.samplesSent / 48); // the show's audio position as the message leaves
      assert.equal((await first.metadata(artist, title)).type, 'metadata-ack');
    };
    // A listener who stays tuned across both shows: what their player shows must follow the show.
    const tuned = await connectListener(bridge.url('/live.mp3'), { icyMetadata: true });
    assert.equal(tuned.statusCode, 200, tuned.rawHead);
    await setTitle('Nina Simone', 'Sinnerman');
    await waitForMount(bridge, '/live', (m) => m.title === 'Nina Simone - Sinnerman');
    assert.equal(await liveTitle(), 'Sinnerman', 'status-json shows the Ogg TITLE');
    await new Promise((r) => setTimeout(r, 1200)); // some audio between the two titles
    await setTitle('Nina "High Priestess" Simone', 'Feeling Good');
    await waitForMount(bridge, '/live', (m) => m.title === 'Nina "High Priestess" Simone - Feeling Good');
    await tuned.waitForTitle('Nina "High Priestess" Simone - Feeling Good', 5000);
    await endShow(first);
    await waitUntil(() => tuned.titles.at(-1) === '', 5000, `the tuned listener's title cleared after End show (titles ${JSON.stringify(tuned.titles)})`);

    // After End show: /live (its fallback loop) carries no title.
    for (const path of ['/live', '/live.mp3']) assert.equal((await waitForMount(bridge, path, () => true)).title, '', `${path} title in the status after End show`);
    assert.equal((await liveTitle()) ?? '', '', 'status-json title after End show');
    assert.deepEqual((await icyTitles()).filter((t) => t !== ''), [], 'ICY titles after End show');

    // The first show's recording: its titles in the manifest's tracklist and its CUE sheet, at their times.
    const [rec] = await waitForSettled(dataDir, 60_000);
    assert.equal(rec.status, 'verified', rec.reason);
    const dir = join(dataDir, 'spool', rec.showId);
    const m = await readManifest(dir);
    assert.deepEqual(m.tracklist!.map((t) => [t.artist, t.title]), [['Nina Simone', 'Sinnerman'], ['Nina "High Priestess" Simone', 'Feeling Good']]);
    m.tracklist!.forEach((t, i) => {
      assert.ok(Math.abs(t.offsetMs - setAtMs[i]!) <= 20, `title ${i}: at ${t.offsetMs} ms in the recording, set at ${setAtMs[i]} ms of audio`);
      assert.ok(Math.abs(Date.parse(t.at) - Date.parse(m.startedAt) - t.offsetMs) < 2000, `title ${i}: wall-clock ${t.at} near the show's start + offset`);
    });
    const cue = readFileSync(join(dir, 'show.cue'), 'utf8');
    assert.match(cue, /^FILE "show\.opus" WAVE\r$/m);
    const tracks = [...cue.matchAll(/TRACK (\d\d) AUDIO\r\n {4}TITLE "([^"]*)"\r\n {4}PERFORMER "([^"]*)"\r\n {4}INDEX 01 (\d\d):(\d\d):(\d\d)/g)];
    const titled = tracks.filter((t) => t[2] !== `nina ${m.startedAt}`);
    assert.deepEqual(titled.map((t) => [t[3], t[2]]), [['Nina Simone', 'Sinnerman'], ['Nina \u201dHigh Priestess\u201d Simone', 'Feeling Good']], cue);
    titled.forEach((t, i) => {
      const cueMs = ((Number(t[4]) * 60 + Number(t[5])) * 75 + Number(t[6])) * (1000 / 75);
      assert.ok(Math.abs(cueMs - setAtMs[i]!) <= 20, `CUE track ${t[1]} at ${cueMs.toFixed(1)} ms, set at ${setAtMs[i]} ms of audio`);
    });
    // The same sheet beside the stored recording (the embedded store), naming the stored file.
    assert.match(m.storeLocation!, /^file:.*\.opus$/, 'stored in the embedded store');
    const storedOpus = fileURLToPath(m.storeLocation!);
    const storedCue = readFileSync(storedOpus.replace(/\.opus$/, '.cue'), 'utf8');
    assert.equal(storedCue, cue.replace('FILE "show.opus"', `FILE "${basename(storedOpus)}"`), 'the stored CUE sheet is the spool\'s, naming the stored file');

    const second = await startShow();
    for (const path of ['/live', '/live.mp3']) assert.equal((await waitForMount(bridge, path, () => true)).title, '', `${path} title in the status at the start of the second show`);
    assert.equal((await liveTitle()) ?? '', '', 'status-json title at the start of the second show');
    assert.deepEqual((await icyTitles()).filter((t) => t !== ''), [], 'ICY titles at the start of the second show');
    assert.equal(tuned.titles.at(-1), '', 'the tuned listener still sees no title in the second show');
    tuned.close();
    await endShow(second);
  });
});
