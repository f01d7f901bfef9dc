// Debian's icecast2 configured as a relay of Aircheck's /live: it pulls the stream as a listener
// (User-Agent Icecast, Icy-MetaData: 1), its own listeners hear the tone, and a title set on
// Aircheck reaches them through the relay's ICY metadata.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getJson, startBridge, waitForMount } from '../helpers/bridge.ts';
import { connectListener, connectListenerWhenLive, type ListenerHandle } from '../helpers/listener.ts';
import { ffmpegSource, startIcecast } from '../helpers/peers.ts';
import { decodeAudio, dominantFrequencyHz, durationSeconds } from '../helpers/audio-analysis.ts';

const TONE_HZ = 880;
const MP3_BYTES_PER_S = 16_000;

async function assertTone(listener: ListenerHandle, label: string): Promise<void> {
  const { samples, sampleRateHz } = await decodeAudio(listener.audio, { inputFormat: 'mp3' });
  const hz = dominantFrequencyHz(samples, sampleRateHz);
  const seconds = durationSeconds(samples, sampleRateHz);
  assert.ok(hz !== null && Math.abs(hz - TONE_HZ) <= 5, `${label}: expected ${TONE_HZ} Hz, decoded ${hz} Hz from ${listener.audio.length} bytes`);
  assert.ok(seconds >= 2, `${label}: only ${seconds.toFixed(2)} s decoded`);
}

test('icecast2 relaying Aircheck /live: its listeners hear the tone and get the title set on Aircheck', async (t) => {
  const bridge = await startBridge();
  t.after(() => bridge.stop());
  // The relay tries once at start-up and then only every ~120 s: /live must be live before it starts.
  const source = ffmpegSource({ url: bridge.streamUrl, mount: '/live', password: bridge.livePassword, format: 'mp3', toneHz: TONE_HZ });
  t.after(() => source.stop());
  await waitForMount(bridge, '/live', (m) => m.playing === 'source', 15_000);

  const relay = await startIcecast({
    sourcePassword: 'relay-source-pw',
    adminPassword: 'relay-admin-pw',
    relay: { host: bridge.host, port: bridge.port, mount: '/live', localMount: '/live', relayShoutcastMetadata: true },
  });
  t.after(() => relay.stop());

  let early: ListenerHandle;
  try {
    early = await connectListenerWhenLive(`${relay.baseUrl}/live`, { icyMetadata: true }, 15_000);
  } catch (err) {
    throw new Error(`${(err as Error).message}\nicecast2 output:\n${relay.process.tail(3000)}`, { cause: err });
  }
  t.after(() => early.close());
  assert.equal(early.headers['content-type'], 'audio/mpeg');
  assert.ok(early.metaint !== null, `icecast2 offers ICY metadata: ${early.rawHead}`);

  // The relay is one of Aircheck's listeners, and says who it is.
  const clients = await getJson(`${bridge.streamUrl}/admin/listclients?mount=/live&format=json`, { authorization: bridge.adminAuth });
  const agents = clients.listeners.map((l: any) => l.userAgent);
  assert.ok(agents.some((a: string) => /^Icecast 2\./.test(a)), `Aircheck lists the relay as a listener of /live: ${JSON.stringify(agents)}`);
  const xml = await (await fetch(`${bridge.streamUrl}/admin/listclients?mount=/live`, { headers: { authorization: bridge.adminAuth } })).text();
  assert.match(xml, /<UserAgent>Icecast 2\.[^<]*<\/UserAgent>/);

  await early.waitForAudioBytes(4 * MP3_BYTES_PER_S, 15_000);

  // A title set on Aircheck travels to the relay in Aircheck's ICY blocks, and on to its listeners.
  const title = 'Relayed title 42';
  const res = await fetch(`${bridge.streamUrl}/admin/metadata?mode=updinfo&mount=/live&song=${encodeURIComponent(title)}`, { headers: { authorization: bridge.adminAuth } });
  assert.equal(res.status, 200, await res.text());
  await early.waitForTitle(title, 10_000);

  // A listener joining the relay mid-stream, with the title already set.
  const late = await connectListener(`${relay.baseUrl}/live`, { icyMetadata: true });
  t.after(() => late.close());
  assert.equal(late.statusCode, 200);
  const earlyAtJoin = early.audioByteCount;
  await Promise.all([early.waitForAudioBytes(earlyAtJoin + 2 * MP3_BYTES_PER_S, 15_000), late.waitForAudioBytes(3 * MP3_BYTES_PER_S, 15_000)]);
  await late.waitForTitle(title, 5000);
  early.close();
  late.close();

  await assertTone(early, 'relay listener from the start');
  await assertTone(late, 'relay listener joining mid-stream');
});
