// Show settings end to end (issue 10): the real bridge and a Node studio (test/helpers/studio-client.ts).
// The DJ's show name and description reach every mount the show feeds (listeners' icy-name /
// icy-description, status-json server_name / server_description, as icecast2 shows ice-name) — also
// when changed on air — and the recording's manifest and `recordings list`; the MP3 companion plays
// at the bitrate the DJ chose off air (its frame headers say so), and the bridge refuses the others.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { getJson, waitForMount, type RunningBridge } from '../helpers/bridge.ts';
import { connectListener } from '../helpers/listener.ts';
import { StudioClient, type OpusSource } from '../helpers/studio-client.ts';
import { startStudioBridge, type StudioBridge } from '../helpers/studio-shows.ts';
import { waitForSettled } from '../helpers/recordings.ts';
import { readManifest } from '../../recordings/src/show-manifest.ts';
import { mpegFrameInfo } from '../../shared/src/mp3/mp3-framer.ts';

// Quotes, ';' and '<' are text (escaped where written); non-ASCII travels as UTF-8.
const NAME = `Nina's "Night Shift"; <live>`;
const DESCRIPTION = 'Deep cuts après minuit';
const RENAMED = 'Night Shift, part two';

let bridge: RunningBridge;
let dataDir: string;
let source: OpusSource;
let token: string;
let wsUrl: string;

const utf8Header = (value: string | undefined) => Buffer.from(value ?? '', 'latin1').toString('utf8');

/** A listener's response headers (it leaves after the head and some audio). */
async function heardAs(path: string): Promise<{ name: string; description: string; audio: Uint8Array }> {
  const l = await connectListener(bridge.url(path));
  assert.equal(l.statusCode, 200, l.rawHead);
  await l.waitForAudioBytes(16_000, 10_000);
  l.close();
  return { name: utf8Header(l.headers['icy-name']), description: utf8Header(l.headers['icy-description']), audio: l.audio };
}

async function statusEntry(path: string): Promise<any> {
  const { icestats } = await getJson(`${bridge.streamUrl}/status-json.xsl`);
  const sources = icestats.source === undefined ? [] : Array.isArray(icestats.source) ? icestats.source : [icestats.source];
  return sources.find((s: any) => s.listenurl === `${bridge.streamUrl}${path}`);
}

/** Bitrates of the MPEG frames in audio, from the first run of two valid frames in a row (ISO 11172-3 §2.4.1.3). */
function frameBitrates(audio: Uint8Array): number[] {
  let at = 0;
  while (at < audio.length - 4) {
    const first = mpegFrameInfo(audio, at);
    if (first && mpegFrameInfo(audio, at + first.lengthBytes)) break;
    at++;
  }
  const rates: number[] = [];
  for (let f = mpegFrameInfo(audio, at); f && at + f.lengthBytes <= audio.length; f = mpegFrameInfo(audio, at)) {
    rates.push(f.bitrateKbps);
    at += f.lengthBytes;
  }
  return rates;
}

let studio: StudioBridge | undefined;

before(async () => {
  studio = await startStudioBridge({ prefix: 'aircheck-show-settings-', toneHz: 440, configToml: '[studio]\nmp3_bitrate_kbps = 128\nmp3_bitrates_kbps = [96, 128, 192]\n' });
  ({ bridge, dataDir, source, token, wsUrl } = studio);
});

after(() => studio?.stop());

describe('show settings', { timeout: 120_000 }, () => {
  test('the show name and description are on every mount the show feeds, in the manifest and the list; /live.mp3 plays the chosen bitrate', async () => {
    const session = await getJson(`${bridge.webUrl}/api/session`, { authorization: `Bearer ${token}` });
    assert.equal(session.mp3BitrateKbps, 128, 'the default bitrate from [studio]');
    assert.deepEqual(session.mp3BitratesKbps, [96, 128, 192], 'the bitrates a DJ may choose');

    const dj = new StudioClient({ wsUrl, token, source });
    await dj.start();
    dj.startAudio();
    const notOffered = await dj.show(NAME, DESCRIPTION, 320);
    assert.equal(notOffered.type, 'error', JSON.stringify(notOffered));
    assert.equal(notOffered.type === 'error' && notOffered.code, 'SHOW_BITRATE_REFUSED');
    assert.match(notOffered.type === 'error' ? notOffered.message : '', /320 kbps is not offered here: pick one of 96, 128, 192 kbps/);
    assert.equal((await dj.show(NAME, DESCRIPTION, 192)).type, 'metadata-ack');

    assert.equal((await dj.control('test')).type, 'state');
    await waitForMount(bridge, '/test.mp3', (m) => m.playing === 'source');
    for (const path of [`/test?token=${bridge.testToken}`, `/test.mp3?token=${bridge.testToken}`]) {
      const heard = await heardAs(path);
      assert.deepEqual([heard.name, heard.description], [NAME, DESCRIPTION], `${path}: icy-name and icy-description`);
    }

    assert.equal((await dj.control('live')).type, 'state');
    await waitForMount(bridge, '/live', (m) => m.playing === 'source');
    await waitForMount(bridge, '/live.mp3', (m) => m.playing === 'source');
    for (const path of ['/live', '/live.mp3']) {
      const heard = await heardAs(path);
      assert.deepEqual([heard.name, heard.description], [NAME, DESCRIPTION], `${path}: icy-name and icy-description`);
      const entry = await statusEntry(path);
      assert.deepEqual([entry?.server_name, entry?.server_description], [NAME, DESCRIPTION], `${path}: status-json server_name / server_description`);
      if (path === '/live.mp3') {
        const rates = frameBitrates(heard.audio);
        assert.ok(rates.length >= 20, `MPEG frames found in /live.mp3: ${rates.length}`);
        // /live.mp3 is a rung of /live: its burst may still hold the fallback at the configured 128 kbps.
        assert.deepEqual([...new Set(rates.slice(-20))], [192], `/live.mp3 frame headers say 192 kbps once the show is on (all: ${[...new Set(rates)].join(', ')})`);
      }
    }

    // On air: the bitrate stays; the name and description change on every mount at once.
    const onAir = await dj.show(NAME, DESCRIPTION, 96);
    assert.equal(onAir.type === 'error' && onAir.code, 'SHOW_BITRATE_REFUSED', JSON.stringify(onAir));
    assert.match(onAir.type === 'error' ? onAir.message : '', /cannot change while the show is on air \(it stays 192 kbps\)/);
    assert.equal((await dj.show(RENAMED, '', 192)).type, 'metadata-ack');
    for (const path of ['/live', '/live.mp3']) {
      const heard = await heardAs(path);
      assert.deepEqual([heard.name, heard.description], [RENAMED, ''], `${path} after the rename: icy-name and icy-description`);
      const entry = await statusEntry(path);
      assert.equal(entry?.server_name, RENAMED, `${path}: status-json server_name after the rename`);
    }

    assert.equal((await dj.control('end')).type, 'state');
    await dj.drained();
    dj.stop();
    const [rec] = await waitForSettled(dataDir, 60_000);
    assert.equal(rec.status, 'verified', rec.reason);
    assert.equal(rec.showName, RENAMED, '`recordings list --json` names the show');
    const manifest = await readManifest(join(dataDir, 'spool', rec.showId));
    assert.deepEqual(manifest.show, { name: RENAMED, description: '' }, "the manifest keeps the show's last name and description");
  });
});
