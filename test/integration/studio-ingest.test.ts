// test-load: light ~23s
// The studio ingest end to end: a Node studio (test/helpers/studio-client.ts) signs in, sends real
// Opus packets over the WebSocket, moves /test → /live; listeners of /test, /live and /live.mp3 hear
// the tone; now-playing reaches ICY, status and OpusTags; a second DJ is refused; bad clients get
// their close codes while the show goes on; cut connections resume without a gap in the frames.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { getJson, startBridge, waitForMount, type RunningBridge } from '../helpers/bridge.ts';
import { connectListener } from '../helpers/listener.ts';
import { decodeAudio, dominantFrequencyHz } from '../helpers/audio-analysis.ts';
import { splitOggChains } from '../helpers/ogg-chains.ts';
import { stopAllTracked } from '../helpers/processes.ts';
import { StudioClient, opusTonePackets, studioLogin, waitUntil, type OpusSource } from '../helpers/studio-client.ts';
import { addDjAccount } from '../../bridge/src/accounts/dj-accounts.ts';
import { encodeAudioFrame } from '../../shared/src/protocol/audio-frame.ts';
import { bytesToBase64 } from '../../shared/src/protocol/messages.ts';

const TONE_HZ = 440;
let bridge: RunningBridge;
let dataDir: string;
let source: OpusSource;
let tokenA: string;
let tokenB: string;
let dj: StudioClient;
let wsUrl: string;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const adminStatus = () => getJson(`${bridge.streamUrl}/admin/status.json`, { authorization: bridge.adminAuth });

async function toneOf(bytes: Uint8Array, inputFormat: string): Promise<number | null> {
  const decoded = await decodeAudio(bytes, { inputFormat });
  return dominantFrequencyHz(decoded.samples, decoded.sampleRateHz);
}

async function listen(path: string, ms: number, icy = false) {
  const l = await connectListener(bridge.url(path), { icyMetadata: icy });
  assert.equal(l.statusCode, 200, `${path}: ${l.rawHead}`);
  await sleep(ms);
  return l;
}

/** A raw client for the bad-input cases: the close code it got. */
function badClient(send: (ws: WebSocket) => void): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl);
    ws.on('open', () => send(ws));
    ws.on('close', (code) => resolve(code));
    ws.on('error', () => {});
    setTimeout(() => reject(new Error('no close within 10 s')), 10_000).unref();
  });
}

function hello(token: string): string {
  return JSON.stringify({ type: 'hello', protocol: 1, token, codec: { name: 'opus', sampleRateHz: 48000, channels: 2, bitrateKbps: 96, frameDurationUs: 20000, opusHead: bytesToBase64(source.head) } });
}

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'aircheck-studio-'));
  await addDjAccount(dataDir, 'nina', 'nina-password');
  await addDjAccount(dataDir, 'otis', 'otis-password');
  [bridge, source] = await Promise.all([startBridge({ dataDir }), opusTonePackets(TONE_HZ, 10)]);
  wsUrl = `${bridge.webUrl.replace('http:', 'ws:')}/api/studio/ws`;
});

after(async () => {
  dj?.stop();
  await bridge?.stop();
  await stopAllTracked();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('studio ingest', { timeout: 120_000 }, () => {
  test('sign-in refuses a wrong password and gives a token, then a session with the preview URL', async () => {
    const wrong = await studioLogin(bridge.webUrl, 'nina', 'not-her-password');
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.code, 'DJ_LOGIN_FAILED');
    const ok = await studioLogin(bridge.webUrl, 'nina', 'nina-password');
    assert.equal(ok.status, 200);
    tokenA = ok.body.token;
    assert.match(tokenA, /^[A-Za-z0-9_-]{43}$/);
    tokenB = (await studioLogin(bridge.webUrl, 'otis', 'otis-password')).body.token;
    const session = await getJson(`${bridge.webUrl}/api/session`, { authorization: `Bearer ${tokenA}` });
    assert.equal(session.name, 'nina');
    assert.equal(session.previewUrl, `${bridge.streamUrl}/test?token=${bridge.testToken}`);
    assert.equal(session.liveMp3Url, `${bridge.streamUrl}/live.mp3`);
  });

  test('the DJ previews on /test, then goes live: /test, /live and /live.mp3 carry the tone', async () => {
    dj = new StudioClient({ wsUrl, token: tokenA, source });
    await dj.start();
    assert.equal(dj.lastState?.target, 'none');
    dj.startAudio();
    const onTest = await dj.control('test');
    assert.equal(onTest.type, 'state');
    assert.deepEqual([(onTest as any).target, (onTest as any).onAir], ['test', false]);
    await waitForMount(bridge, '/test', (m) => m.playing === 'source');
    const preview = await connectListener(`${bridge.url('/test')}?token=${bridge.testToken}`);
    assert.equal(preview.statusCode, 200);
    await sleep(2500);
    preview.close();
    assert.ok(Math.abs((await toneOf(preview.audio, 'ogg'))! - TONE_HZ) < 5);

    const live = await dj.control('live');
    assert.equal(live.type, 'state', JSON.stringify(live));
    assert.deepEqual([(live as any).target, (live as any).onAir, (live as any).mounts], ['live', true, ['/live', '/live.mp3']]);
    await waitForMount(bridge, '/live', (m) => m.playing === 'source');
    await waitForMount(bridge, '/live.mp3', (m) => m.playing === 'source');
    const [opus, mp3] = await Promise.all([listen('/live', 3000), listen('/live.mp3', 3000)]);
    opus.close();
    mp3.close();
    assert.ok(Math.abs((await toneOf(opus.audio, 'ogg'))! - TONE_HZ) < 5, 'opus');
    assert.ok(Math.abs((await toneOf(mp3.audio, 'mp3'))! - TONE_HZ) < 5, 'mp3');
  });

  test('now-playing reaches /live.mp3 and Opus listeners that ask as ICY metadata, and the status JSON; the Opus stream stays one chain', async () => {
    const mp3 = await connectListener(bridge.url('/live.mp3'), { icyMetadata: true });
    const opus = await connectListener(bridge.url('/live'), { icyMetadata: true });
    await sleep(500);
    const ack = await dj.metadata('Nina Simone', 'Sinnerman');
    assert.equal(ack.type, 'metadata-ack');
    await mp3.waitForTitle('Nina Simone - Sinnerman', 5000);
    await opus.waitForTitle('Nina Simone - Sinnerman', 5000);
    await waitForMount(bridge, '/live', (m) => m.title === 'Nina Simone - Sinnerman');
    await sleep(1500);
    mp3.close();
    opus.close();
    // The studio's title chain is joined onto the listener's stream (bridge/src/listeners/README.md).
    const chains = splitOggChains(opus.audio);
    assert.equal(chains.length, 1, `${chains.length} chain(s)`);
  });

  test('a second DJ asking to go live is refused with MOUNT_IN_USE, and the first stays on air', async () => {
    const other = new StudioClient({ wsUrl, token: tokenB, source });
    try {
      await other.start();
      other.startAudio();
      const answer = await other.control('live');
      assert.equal(answer.type, 'error');
      assert.equal((answer as any).code, 'MOUNT_IN_USE');
      assert.equal(other.lastState?.target, 'none');
    } finally {
      other.stop();
    }
    const status = await adminStatus();
    const nina = status.studio.sessions.find((s: any) => s.dj === 'nina');
    assert.deepEqual([nina.target, nina.onAir], ['live', true]);
  });

  test('bad clients get their close codes while the show and its listeners go on', async () => {
    const listener = await connectListener(bridge.url('/live'));
    const framesBefore = (await adminStatus()).studio.sessions.find((s: any) => s.dj === 'nina').framesReceived;
    const wrongToken = badClient((ws) => ws.send(hello('x'.repeat(43))));
    const malformed = badClient((ws) => ws.send('{not json'));
    const oversized = badClient((ws) => ws.send('x'.repeat(9000)));
    const noHello = badClient(() => {});
    const outOfOrder = badClient((ws) => {
      ws.send(hello(tokenB));
      ws.on('message', (m) => {
        if (JSON.parse(m.toString()).type !== 'welcome') return;
        const p = source.packets[0]!;
        ws.send(encodeAudioFrame({ seq: 5, timestampUs: 0, durationSamples: p.durationSamples, packet: p.data }));
      });
    });
    const codes = await Promise.all([wrongToken, malformed, oversized, noHello, outOfOrder]);
    assert.deepEqual(codes, [4001, 4003, 4004, 4002, 4005]);
    const bytesBefore = listener.audioByteCount;
    await sleep(1000);
    listener.close();
    assert.ok(listener.audioByteCount > bytesBefore + 4000, 'the listener kept receiving');
    assert.ok(Math.abs((await toneOf(listener.audio, 'ogg'))! - TONE_HZ) < 5);
    const after = (await adminStatus()).studio.sessions.find((s: any) => s.dj === 'nina');
    assert.ok(after.framesReceived > framesBefore + 100, 'the show kept receiving frames');
    assert.equal(after.onAir, true);
  });

  test('a server-side close (4005) and a stalled proxy: the studio resumes and resends, no frame is missing', async () => {
    const welcomes = dj.welcomes;
    dj.swapNextFrames();
    await dj.waitForWelcome(welcomes + 1);
    assert.equal(dj.closes.at(-1)?.code, 4005);

    // A proxy between a second studio session and the bridge that stops forwarding on demand.
    const target = new URL(bridge.webUrl);
    const pairs: { stalled: boolean }[] = [];
    const proxy = net.createServer((client) => {
      const upstream = net.connect(Number(target.port), target.hostname);
      const pair = { stalled: false };
      pairs.push(pair);
      client.on('data', (d) => !pair.stalled && upstream.write(d));
      upstream.on('data', (d) => !pair.stalled && client.write(d));
      const end = () => { client.destroy(); upstream.destroy(); };
      client.on('error', end); upstream.on('error', end); client.on('close', end); upstream.on('close', end);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
    const proxied = new StudioClient({ wsUrl: `ws://127.0.0.1:${(proxy.address() as net.AddressInfo).port}/api/studio/ws`, token: tokenB, source });
    try {
      await proxied.start();
      proxied.startAudio();
      await proxied.control('test');
      await sleep(1000);
      // The open connection stops carrying anything, both ways; new connections go through.
      for (const pair of pairs) pair.stalled = true;
      await proxied.waitForWelcome(2, 10_000);
      await sleep(1000);
      proxied.pauseAudio();
      dj.pauseAudio();
      await Promise.all([proxied.drained(), dj.drained()]);
      const sessions = (await adminStatus()).studio.sessions;
      for (const [client, name] of [[dj, 'nina'], [proxied, 'otis']] as const) {
        const s = sessions.find((x: any) => x.dj === name);
        assert.equal(s.framesReceived, client.buffer.nextSeq, `${name}: every frame sent arrived once`);
        assert.equal(s.lostFrames, 0);
        assert.ok(s.reconnects >= 1, `${name} reconnected`);
      }
    } finally {
      proxied.stop();
      proxy.close();
    }
    const end = await dj.control('end');
    assert.deepEqual([(end as any).target, (end as any).onAir], ['none', false]);
    dj.stop();
    await waitUntil(() => dj.closes.length > 0 && dj.ws?.readyState === WebSocket.CLOSED, 5000, 'close');
  });
});
