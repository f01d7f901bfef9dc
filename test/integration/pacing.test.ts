// test-load: light ~25s
// A source that sends faster than real time is paced by frame duration, so listeners hear real
// time; bodies may also come chunked or with a length.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { startBridge, waitForMount } from '../helpers/bridge.ts';
import { connectListener } from '../helpers/listener.ts';
import { ffmpegSource } from '../helpers/peers.ts';
import { toneFile } from '../helpers/tones.ts';
import { decodeAudio, dominantFrequencyHz, durationSeconds } from '../helpers/audio-analysis.ts';

test('a 12 s file pushed without -re reaches a listener at real time, whole', async (t) => {
  const bridge = await startBridge();
  t.after(() => bridge.stop());
  // Connect first: the listener hears the fallback, then the file as soon as it starts.
  const listener = await connectListener(bridge.url('/live'));
  t.after(() => listener.close());
  const source = ffmpegSource({ url: bridge.streamUrl, mount: '/live', password: bridge.livePassword, format: 'mp3', toneHz: 660, durationS: 12, realtime: false });
  t.after(() => source.stop('SIGKILL'));
  await waitForMount(bridge, '/live', (m) => m.playing === 'source');
  const startBytes = listener.audioByteCount;
  const startMs = Date.now();
  await source.exited; // ffmpeg finished pushing long before the audio has played
  const pushedAfterMs = Date.now() - startMs;
  await waitForMount(bridge, '/live', (m) => m.playing === 'fallback-file', 30_000);
  const playedMs = Date.now() - startMs;
  const fileBytes = listener.audioByteCount - startBytes;

  assert.ok(pushedAfterMs < 9000, `ffmpeg pushed 12 s of audio in ${pushedAfterMs} ms (faster than real time)`);
  assert.ok(playedMs > 10_500 && playedMs < 16_000, `the file played over ${playedMs} ms, about its own 12 s`);
  // 128 kbps for 12 s is 192 kB; all of it arrived (the read-ahead was played out, not dropped).
  assert.ok(fileBytes > 180_000, `listener got ${fileBytes} bytes of the file`);
  const rates = listener.bytesPerSecond().slice(2, 10);
  assert.ok(Math.max(...rates) < 40_000, `never more than ~2.5× the bitrate in a second: ${rates.join(', ')}`);
});

test('a PUT with a chunked body and one with Content-Length are both streamed', async (t) => {
  const bridge = await startBridge({ configToml: '[[mounts]]\npath = "/sized"\nsource_password = "sized-secret-1"\n' });
  t.after(() => bridge.stop());
  const file = readFileSync(await toneFile('mp3', 1200, 6));
  const auth = (pw: string) => `Basic ${Buffer.from(`source:${pw}`).toString('base64')}`;

  const chunked = net.connect(bridge.port, bridge.host);
  chunked.on('error', () => {});
  t.after(() => chunked.destroy());
  chunked.write(`PUT /live HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth(bridge.livePassword)}\r\nContent-Type: audio/mpeg\r\nTransfer-Encoding: chunked\r\n\r\n`);
  for (let i = 0; i < file.length; i += 4000) {
    const part = file.subarray(i, i + 4000);
    chunked.write(`${part.length.toString(16)}\r\n`);
    chunked.write(part);
    chunked.write('\r\n');
  }
  await waitForMount(bridge, '/live', (m) => m.playing === 'source');
  const a = await connectListener(bridge.url('/live'));
  t.after(() => a.close());
  await a.waitForAudioBytes(40_000, 10_000);

  const sized = net.connect(bridge.port, bridge.host);
  sized.on('error', () => {});
  t.after(() => sized.destroy());
  sized.write(`PUT /sized HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth('sized-secret-1')}\r\nContent-Type: audio/mpeg\r\nContent-Length: ${file.length}\r\n\r\n`);
  sized.write(file);
  await waitForMount(bridge, '/sized', (m) => m.live);
  const b = await connectListener(bridge.url('/sized'));
  t.after(() => b.close());
  await b.waitForAudioBytes(40_000, 10_000);

  for (const [name, l] of [['chunked', a], ['sized', b]] as const) {
    const { samples, sampleRateHz } = await decodeAudio(l.audio, { inputFormat: 'mp3' });
    const f = dominantFrequencyHz(samples, sampleRateHz);
    assert.ok(f !== null && Math.abs(f - 1200) < 5, `${name} body decoded to ${f} Hz`);
    assert.ok(durationSeconds(samples, sampleRateHz) > 2, `${name}: over 2 s of audio`);
  }
});
