// test-load: browser ~26s
// The real studio UI in Chromium against a protocol-exact fake bridge (ws + our static handler): the
// fake mic's tone is metered, encoded as 20 ms Opus frames, sent in order, survives a dropped
// connection without a gap, and the controls and now-playing go through the protocol. Proves the
// studio on its own; test/e2e/studio.test.ts proves it against the real bridge.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OpusDecoder } from 'opus-decoder';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import { createStaticHandler } from '../../bridge/src/web/static-files.ts';
import { decodeAudioFrame } from '../../shared/src/protocol/audio-frame.ts';
import { parseClientMessage, serializeMessage } from '../../shared/src/protocol/messages.ts';
import type { ClientMessage, HelloMessage } from '../../shared/src/protocol/messages.ts';
import { LoginRequestSchema, STUDIO_API, type ApiError, type LoginResponse, type SessionResponse } from '../../shared/src/protocol/studio-api.ts';
import { dominantFrequencyHz } from '../helpers/audio-analysis.ts';
import { toneFile } from '../helpers/tones.ts';
import { STUDIO_DIST, buildStudio, collectPageErrors, launchChromium, screenshot } from './browser.ts';
import { endShow } from './studio-fixture.ts';

const TOKEN = 'fake-token-0123456789';

interface FakeBridge {
  url: string;
  hellos: HelloMessage[];
  frames: { seq: number; durationSamples: number; timestampUs: number; packet: Uint8Array }[];
  controls: ClientMessage[];
  metadata: ClientMessage[];
  sockets: WebSocket[];
  resends: number;
  close(): Promise<void>;
}

async function startFakeBridge(previewFile: string): Promise<FakeBridge> {
  const statics = createStaticHandler(STUDIO_DIST, '/studio');
  const server = createServer((req, res) => {
    if (statics(req, res)) return;
    // The sign-in API as shared/src/protocol/studio-api.ts defines it (the real one: bridge/src/studio/studio-api.ts).
    if (req.url === STUDIO_API.login && req.method === 'POST') {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const { name, password } = LoginRequestSchema.parse(JSON.parse(body));
        const ok = name === 'dj-ann' && password === 'correct horse';
        res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
        const answer: LoginResponse | ApiError = ok
          ? { token: TOKEN, name, expiresAt: '2099-01-01T00:00:00.000Z' }
          : { code: 'DJ_LOGIN_FAILED', message: 'wrong DJ name or password' };
        res.end(JSON.stringify(answer));
      });
      return;
    }
    if (req.url === STUDIO_API.session) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ name: 'dj-ann', expiresAt: '2099-01-01T00:00:00.000Z', previewUrl: '/preview.opus', liveUrl: '/live', liveMp3Url: '/live.mp3', mp3BitrateKbps: 128, mp3BitratesKbps: [128] } satisfies SessionResponse));
      return;
    }
    if (req.url?.startsWith('/preview.opus')) {
      const bytes = readFileSync(previewFile);
      res.writeHead(200, { 'content-type': 'audio/ogg', 'content-length': bytes.length });
      res.end(bytes);
      return;
    }
    res.writeHead(404);
    res.end();
  });
  const wss = new WebSocketServer({ server, path: '/api/studio/ws' });
  const fake: FakeBridge = { url: '', hellos: [], frames: [], controls: [], metadata: [], sockets: [], resends: 0, close: async () => {} };
  let expected = 0;
  let target: 'none' | 'test' | 'live' = 'none';
  wss.on('connection', (ws) => {
    fake.sockets.push(ws);
    let welcomed = false;
    let sinceAck = 0;
    let ackTimer: ReturnType<typeof setTimeout> | undefined;
    const send = (m: object) => ws.send(serializeMessage(m as ClientMessage));
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        assert.ok(welcomed, 'audio only after welcome');
        const f = decodeAudioFrame(new Uint8Array(data as Buffer));
        if (f.seq > expected) {
          ws.close(4005, 'out-of-order frame');
          return;
        }
        if (f.seq === expected) {
          fake.frames.push({ seq: f.seq, durationSamples: f.durationSamples, timestampUs: f.timestampUs, packet: f.packet.slice() });
          expected++;
        } else fake.resends++;
        // PROTOCOL.md §7.3: an ack after 10 frames, or 100 ms after the first unacknowledged one.
        if (++sinceAck >= 10) {
          sinceAck = 0;
          clearTimeout(ackTimer);
          ackTimer = undefined;
          send({ type: 'ack', seq: expected - 1 });
        } else if (ackTimer === undefined) {
          ackTimer = setTimeout(() => {
            ackTimer = undefined;
            sinceAck = 0;
            if (ws.readyState === ws.OPEN) send({ type: 'ack', seq: expected - 1 });
          }, 100);
        }
        return;
      }
      const msg = parseClientMessage(String(data));
      switch (msg.type) {
        case 'hello':
          assert.equal(msg.token, TOKEN);
          fake.hellos.push(msg);
          welcomed = true;
          send({ type: 'welcome', protocol: 1, sessionId: 'fake-session-1', resumed: msg.resume !== undefined, nextSeq: expected, ackEveryMs: 100, ackEveryFrames: 10 });
          send({ type: 'state', target, onAir: target === 'live', mounts: [], requestId: null });
          break;
        case 'control':
          fake.controls.push(msg);
          target = msg.action === 'end' ? 'none' : msg.action;
          send({ type: 'state', target, onAir: target === 'live', mounts: target === 'live' ? ['/live', '/live.mp3'] : target === 'test' ? ['/test'] : [], requestId: msg.requestId });
          if (msg.action === 'end') send({ type: 'ack', seq: expected - 1 });
          break;
        case 'metadata':
          fake.metadata.push(msg);
          send({ type: 'metadata-ack', requestId: msg.requestId });
          break;
        case 'show':
          send({ type: 'metadata-ack', requestId: msg.requestId }); // §4.13
          break;
        case 'ping':
          send({ type: 'pong', clientTimeMs: msg.clientTimeMs, serverTimeMs: Date.now() });
          break;
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = async () => {
    for (const ws of wss.clients) ws.terminate();
    wss.close();
    await new Promise((r) => server.close(r));
  };
  return fake;
}

async function waitFor(what: string, fn: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('the studio meters, encodes and streams the microphone to a bridge, and resends across a drop', { timeout: 120_000 }, async (t) => {
  await buildStudio();
  const mic = await toneFile('wav', 1000, 5);
  const preview = await toneFile('ogg-opus', 440, 5);
  const fake = await startFakeBridge(preview);
  t.after(() => fake.close());
  const browser = await launchChromium(mic);
  t.after(() => browser.close());
  const page = await browser.newPage();
  const errors = collectPageErrors(page);
  page.setDefaultTimeout(15_000);
  t.after(async () => {
    await screenshot(page, 'studio-fake-bridge-last').catch(() => undefined);
    if (errors.length > 0) t.diagnostic(`page console: ${errors.join(' | ')}`);
  });

  await page.goto(`${fake.url}/studio/`);
  await page.getByLabel('DJ name').fill('dj-ann');
  await page.getByLabel('Password').fill('wrong');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').filter({ hasText: 'wrong DJ name or password' }).waitFor();
  await page.getByLabel('Password').fill('correct horse');
  await page.getByRole('button', { name: 'Sign in' }).click();

  // The mic channel's meter moves with the fake microphone's tone.
  const micMeter = page.getByRole('meter', { name: 'Mic 1 level' });
  await micMeter.waitFor();
  await waitFor('the mic meter to show the tone', async () => Number(await micMeter.getAttribute('aria-valuenow')) > -50);
  const masterMeter = page.getByRole('meter', { name: 'Master level' });
  await waitFor('the master meter to move', async () => Number(await masterMeter.getAttribute('aria-valuenow')) > -50);
  for (const name of ['Mic 1 gain', 'Master gain', 'Talkover depth', 'Cue volume']) await page.getByRole('slider', { name }).waitFor();
  for (const name of ['Mute Mic 1', 'Cue Mic 1', 'Talkover', 'Connect', 'Go live', 'End show']) await page.getByRole('button', { name, exact: true }).waitFor();
  await page.getByRole('combobox', { name: 'Mic 1 mode' }).waitFor();
  await screenshot(page, 'studio-fake-bridge-signed-in');

  await page.getByRole('combobox', { name: 'Bitrate' }).selectOption('96');
  await page.getByRole('button', { name: 'Connect' }).click();
  await page.getByText('On /test (private preview)').waitFor();
  assert.equal(fake.hellos.length, 1);
  const codec = fake.hellos[0]!.codec;
  assert.equal(codec.frameDurationUs, 20000);
  assert.equal(codec.bitrateKbps, 96);
  assert.equal(codec.sampleRateHz, 48000, 'the mixer runs at 48 kHz and the encoder takes its real rate');
  assert.equal(fake.hellos[0]!.resume, undefined);
  assert.deepEqual(fake.controls.map((c) => (c as { action: string }).action), ['test']);
  assert.equal(await page.getByText('ON AIR', { exact: true }).count(), 0, 'no ON AIR on /test');

  // The preview player plays what the bridge gives as previewUrl.
  await page.getByRole('button', { name: 'Listen to preview' }).click();
  const audio = page.locator('audio[aria-label="Preview of /test"]');
  await waitFor('the preview to play', async () => (await audio.evaluate((a: HTMLAudioElement) => a.currentTime)) > 0.2);
  await page.getByRole('button', { name: 'Stop preview' }).click();

  await page.getByRole('button', { name: 'Go live' }).click();
  await page.getByText('ON AIR', { exact: true }).waitFor();
  await page.getByLabel('Artist').fill('Nina Simone');
  await page.getByLabel('Title').fill('Sinnerman');
  await page.getByRole('button', { name: 'Set now playing' }).click();
  await page.getByText('(on the stream)').waitFor();
  assert.deepEqual(fake.metadata.map((m) => [(m as { artist: string }).artist, (m as { title: string }).title]), [['Nina Simone', 'Sinnerman']]);
  await waitFor('a round-trip time', async () => /\d+ ms/.test(await page.getByLabel('Round-trip time').innerText()), 5000);
  await screenshot(page, 'studio-fake-bridge-on-air');

  // Drop the connection: the studio keeps encoding, reconnects with resume and resends without a gap.
  await waitFor('100 frames', () => fake.frames.length >= 100);
  fake.sockets[0]!.terminate();
  await page.getByRole('status', { name: 'Connection status' }).filter({ hasText: /Connection lost|Reconnecting|Connected/ }).waitFor();
  await waitFor('the reconnect', () => fake.hellos.length === 2);
  assert.equal(fake.hellos[1]!.resume?.sessionId, 'fake-session-1');
  const countAfterDrop = fake.frames.length;
  await waitFor('frames after the reconnect', () => fake.frames.length > countAfterDrop + 50);
  assert.equal(await page.getByLabel('Reconnects').innerText(), '1');
  await screenshot(page, 'studio-fake-bridge-after-reconnect');

  await endShow(page); // End show, confirmed in its dialog
  await page.getByText('The show has ended.').waitFor();
  assert.equal(await page.getByText('ON AIR', { exact: true }).count(), 0);

  // Every frame arrived once, in order, 20 ms each, and decodes to the microphone's tone.
  fake.frames.forEach((f, i) => assert.equal(f.seq, i));
  assert.ok(fake.frames.every((f) => f.durationSamples === 960), 'every frame is 20 ms');
  const steps = fake.frames.slice(1).map((f, i) => f.timestampUs - fake.frames[i]!.timestampUs);
  assert.ok(steps.every((d) => Math.abs(d - 20000) <= 1), `timestamps advance 20 ms per frame (got ${[...new Set(steps)].slice(0, 5).join(', ')})`);
  const decoder = new OpusDecoder({ channels: codec.channels });
  await decoder.ready;
  const pcm = decoder.decodeFrames(fake.frames.slice(50).map((f) => f.packet)).channelData[0]!;
  decoder.free();
  const freq = dominantFrequencyHz(pcm, 48000);
  assert.ok(freq !== null && Math.abs(freq - 1000) < 5, `decoded tone ${freq} Hz, expected 1000`);
});
