// Durations come from the audio, never from what a client declares (issue 8, defect 3): a studio
// that declares 2.5 ms for frames holding 20 ms Opus packets is refused at the first such frame; a
// 3 s flood of real frames sent as fast as the socket takes them becomes exactly 3 s of recording,
// not more; and a new show cannot take more audio than time has passed since it began (plus the
// CAPTURE_SLACK_MS a studio encodes while it connects).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startBridge, type RunningBridge } from '../helpers/bridge.ts';
import { waitForSettled } from '../helpers/recordings.ts';
import { opusTonePackets, studioLogin, type OpusSource } from '../helpers/studio-client.ts';
import { addDjAccount } from '../../bridge/src/accounts/dj-accounts.ts';
import { CAPTURE_SLACK_MS } from '../../bridge/src/shows/dj-session.ts';
import { encodeAudioFrame, AUDIO_FRAME_HEADER_BYTES } from '../../shared/src/protocol/audio-frame.ts';
import { bytesToBase64, parseServerMessage, serializeMessage, type ServerMessage } from '../../shared/src/protocol/messages.ts';

const FLOOD_FRAMES = 150; // 3 s of 20 ms packets

let bridge: RunningBridge;
let source: OpusSource;
let wsUrl: string;

/** A raw studio connection: hello, welcome, then whatever the test sends. */
async function openStudio(name: string): Promise<{ ws: WebSocket; messages: ServerMessage[]; closed: Promise<{ code: number; reason: string }> }> {
  const login = await studioLogin(bridge.webUrl, name, `${name}-password`);
  assert.equal(login.status, 200);
  const ws = new WebSocket(wsUrl);
  const messages: ServerMessage[] = [];
  ws.on('error', () => {});
  const closed = new Promise<{ code: number; reason: string }>((r) => ws.on('close', (code, reason) => r({ code, reason: reason.toString() })));
  const welcomed = new Promise<void>((resolve, reject) => {
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      const m = parseServerMessage(data.toString());
      messages.push(m);
      if (m.type === 'welcome') resolve();
    });
    ws.on('close', () => reject(new Error(`closed before welcome: ${JSON.stringify(messages)}`)));
  });
  await new Promise<void>((r) => ws.on('open', () => r()));
  ws.send(serializeMessage({
    type: 'hello', protocol: 1, token: login.body.token,
    codec: { name: 'opus', sampleRateHz: 48000, channels: 2, bitrateKbps: 96, frameDurationUs: 20000, opusHead: bytesToBase64(source.head) },
  }));
  await welcomed;
  return { ws, messages, closed };
}

/** A frame as the protocol lays it out, header written by hand so it can lie about its duration. */
function forgedFrame(seq: number, packet: Uint8Array, declaredSamples: number): Uint8Array {
  const honest = encodeAudioFrame({ seq, timestampUs: seq * 2500, durationSamples: 960, packet });
  const out = honest.slice();
  new DataView(out.buffer).setUint16(14, declaredSamples, true);
  assert.equal(out.length, AUDIO_FRAME_HEADER_BYTES + packet.length);
  return out;
}

describe('frame durations come from the Opus packets', () => {
  let dataDir: string;
  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'aircheck-forged-'));
    await addDjAccount(dataDir, 'mallory', 'mallory-password');
    await addDjAccount(dataDir, 'flood', 'flood-password');
    await addDjAccount(dataDir, 'hoarder', 'hoarder-password');
    // A detached show ends 5 s after its studio goes, so its recording settles within the test.
    [bridge, source] = await Promise.all([
      startBridge({ dataDir, env: { AIRCHECK_LIMITS_STUDIO_RESUMABLE_SECONDS: '5' } }),
      opusTonePackets(440, 4),
    ]);
    wsUrl = `${bridge.webUrl.replace('http:', 'ws:')}/api/studio/ws`;
  });
  after(async () => {
    await bridge?.stop();
  });

  test('frames declaring 2.5 ms that hold 20 ms packets are refused with 4003 at the first one', async () => {
    const { ws, messages, closed } = await openStudio('mallory');
    for (let seq = 0; seq < FLOOD_FRAMES; seq++) {
      const p = source.packets[seq % source.packets.length]!;
      assert.equal(p.durationSamples, 960, 'the test packets are 20 ms');
      if (ws.readyState !== WebSocket.OPEN) break;
      ws.send(forgedFrame(seq, p.data, 120));
    }
    const close = await closed;
    assert.equal(close.code, 4003, `closed with ${close.code} ${close.reason}`);
    const error = messages.find((m) => m.type === 'error');
    assert.ok(error && error.type === 'error' && error.code === 'STUDIO_MESSAGE_MALFORMED', JSON.stringify(error));
    assert.match(error.message, /"durationSamples" is 120, but its Opus packet holds 960 samples/);
    assert.ok(!messages.some((m) => m.type === 'ack'), 'no forged frame was acknowledged');
  });

  test('a 3 s flood of real frames, sent at once, is 3 s of recording and no more', async () => {
    const { ws, messages } = await openStudio('flood');
    for (let seq = 0; seq < FLOOD_FRAMES; seq++) {
      const p = source.packets[seq % source.packets.length]!;
      ws.send(encodeAudioFrame({ seq, timestampUs: seq * 20_000, durationSamples: p.durationSamples, packet: p.data }));
    }
    const ended = new Promise<void>((resolve) => ws.on('message', (data, isBinary) => {
      if (!isBinary && parseServerMessage(data.toString()).type === 'state') resolve();
    }));
    ws.send(serializeMessage({ type: 'control', action: 'end', requestId: 'end-1' }));
    await ended;
    // Everything acknowledged, then the studio closes: the show is over (PROTOCOL §7.1 step 9).
    const deadline = Date.now() + 10_000;
    while (!messages.some((m) => m.type === 'ack' && m.seq === FLOOD_FRAMES - 1) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    ws.close(1000, 'done');
    const recordings = (await waitForSettled(dataDir, 30_000)).filter((r) => r.dj === 'flood');
    assert.equal(recordings.length, 1, JSON.stringify(recordings));
    const [rec] = recordings;
    assert.equal(rec.status, 'verified', JSON.stringify(rec));
    assert.equal(rec.durationMs, FLOOD_FRAMES * 20, `the recording holds what the packets hold: ${rec.durationMs} ms`);
  });

  test('a minute of real audio sent in an instant to a new show is cut off at the capture-time bound', async () => {
    const { ws, messages, closed } = await openStudio('hoarder');
    const startedMs = Date.now();
    const MINUTE_FRAMES = 3000;
    for (let seq = 0; seq < MINUTE_FRAMES && ws.readyState === WebSocket.OPEN; seq++) {
      const p = source.packets[seq % source.packets.length]!;
      ws.send(encodeAudioFrame({ seq, timestampUs: seq * 20_000, durationSamples: p.durationSamples, packet: p.data }));
    }
    const close = await closed;
    const elapsedMs = Date.now() - startedMs;
    assert.equal(close.code, 4009, `closed with ${close.code} ${close.reason}`);
    const error = messages.find((m) => m.type === 'error');
    assert.ok(error && error.type === 'error' && error.code === 'STUDIO_RATE_LIMITED', JSON.stringify(error));
    assert.match(error.message, /audio cannot arrive faster than it is captured/);
    const recordings = (await waitForSettled(dataDir, 30_000)).filter((r) => r.dj === 'hoarder');
    assert.equal(recordings.length, 1, JSON.stringify(recordings));
    assert.ok(recordings[0].durationMs <= CAPTURE_SLACK_MS + elapsedMs + 20,
      `the recording holds ${recordings[0].durationMs} ms of the 60 s sent, at most ${CAPTURE_SLACK_MS} ms of slack + ${elapsedMs} ms elapsed`);
  });
});
