// Proves the peer launchers (peers.ts) and the listener (listener.ts) against Debian's real icecast2:
// every source client's tone reaches a listener present from the start and one joining later, titles
// arrive over ICY, and a second icecast2 relays the first. A recording TCP tap in front of icecast2
// prints what each client (and the relay) sends on the wire. Not part of `npm test`; run it with
//   npm exec -- node test/helpers/peers.check.ts
// (run directly, not under --test, so the wire captures print as plain text).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import type { Server, Socket } from 'node:net';
import { decodeAudio, dominantFrequencyHz, durationSeconds } from './audio-analysis.ts';
import { connectListener, connectListenerWhenLive } from './listener.ts';
import type { ListenerHandle } from './listener.ts';
import { ezstreamSource, ffmpegSource, liquidsoapSource, shoutSource, startIcecast } from './peers.ts';
import type { IcecastServer, PeerProcess } from './peers.ts';
import { stopAllTracked } from './processes.ts';
import { toneFile } from './tones.ts';

const SOURCE_PASSWORD = 'src-pw-check';
const ADMIN_PASSWORD = 'admin-pw-check';
/** About 1.5–2 s of audio at 128 kbps MP3 or 96 kbps Opus. */
const MP3_TWO_SECONDS_BYTES = 24_000;

// ── a recording TCP tap: client ⇄ tap ⇄ upstream, keeping the first bytes of each direction ──

interface TapConnection {
  id: number;
  fromClient: Buffer;
  fromServer: Buffer;
}

interface Tap {
  port: number;
  connections: TapConnection[];
  close(): Promise<void>;
}

const TAP_KEEP_BYTES = 4096;

function startTap(upstreamPort: number): Promise<Tap> {
  const connections: TapConnection[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const record: TapConnection = { id: connections.length + 1, fromClient: Buffer.alloc(0), fromServer: Buffer.alloc(0) };
    connections.push(record);
    const upstream = connect({ host: '127.0.0.1', port: upstreamPort });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (d: Buffer) => {
      if (record.fromClient.length < TAP_KEEP_BYTES) record.fromClient = Buffer.concat([record.fromClient, d]).subarray(0, TAP_KEEP_BYTES);
    });
    upstream.on('data', (d: Buffer) => {
      if (record.fromServer.length < TAP_KEEP_BYTES) record.fromServer = Buffer.concat([record.fromServer, d]).subarray(0, TAP_KEEP_BYTES);
    });
    client.pipe(upstream);
    upstream.pipe(client);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') throw new Error('tap: no port');
      resolve({
        port: address.port,
        connections,
        close: () =>
          new Promise<void>((r) => {
            for (const s of sockets) s.destroy();
            server.close(() => r());
          }),
      });
    });
  });
}

/** The heads in a captured byte run (up to each blank line), body bytes summarised. */
function heads(bytes: Buffer): string {
  const out: string[] = [];
  let rest = bytes;
  while (rest.length > 0 && out.length < 3) {
    const end = rest.indexOf('\r\n\r\n');
    const text = rest.subarray(0, end < 0 ? Math.min(rest.length, 300) : end).toString('latin1');
    if (!/^[A-Z]+ \S+ (HTTP|ICY)|^(HTTP\/\d\.\d|ICY) \d{3}/.test(text)) {
      out.push(`[${rest.length}${rest.length >= TAP_KEEP_BYTES ? '+' : ''} body bytes: ${JSON.stringify(rest.subarray(0, 16).toString('latin1'))}…]`);
      break;
    }
    out.push(text.replace(/\r\n/g, '\n      '));
    rest = end < 0 ? Buffer.alloc(0) : rest.subarray(end + 4);
  }
  return out.join('\n      ');
}

/** Prints what each connection since `fromIndex` sent and got back (plain console output). */
function reportWire(label: string, tap: Tap, fromIndex: number): void {
  const lines = [`── on the wire: ${label}`];
  for (const c of tap.connections.slice(fromIndex)) {
    lines.push(`  connection ${c.id} → server:\n      ${heads(c.fromClient)}`);
    const reply = c.fromServer.length <= 40 ? JSON.stringify(c.fromServer.toString('latin1')) : heads(c.fromServer);
    lines.push(`  connection ${c.id} ← server:\n      ${reply}`);
  }
  console.log(lines.join('\n'));
}

/** Runs body, then prints the wire capture even when body failed. */
async function withWire(label: string, tap: Tap, body: () => Promise<void>): Promise<void> {
  const first = tap.connections.length;
  try {
    await body();
  } finally {
    reportWire(label, tap, first);
  }
}

// ── shared assertions ──

const log = (line: string): void => console.log(`  ${line}`);

async function assertTone(listener: ListenerHandle, toneHz: number, inputFormat: 'mp3' | 'ogg', label: string): Promise<void> {
  const { samples, sampleRateHz } = await decodeAudio(listener.audio, { inputFormat });
  const hz = dominantFrequencyHz(samples, sampleRateHz);
  const seconds = durationSeconds(samples, sampleRateHz);
  assert.ok(hz !== null && Math.abs(hz - toneHz) <= 5, `${label}: expected ${toneHz} Hz, decoded ${hz} Hz from ${listener.audio.length} bytes`);
  assert.ok(seconds >= 1, `${label}: only ${seconds.toFixed(2)} s decoded`);
  log(`${label}: ${hz.toFixed(1)} Hz over ${seconds.toFixed(2)} s (${listener.audio.length} bytes, head after ${listener.headAfterMs.toFixed(0)} ms, local port ${listener.localPort})`);
}

interface ListenerCheck {
  toneHz: number;
  inputFormat: 'mp3' | 'ogg';
  source: PeerProcess;
  /** Audio bytes for ~2 s at the stream's bitrate. */
  twoSecondsBytes?: number;
  liveTimeoutMs?: number;
}

/**
 * A listener that connects as soon as the mount is live, and one that joins once the first has
 * heard ~2 s more; both must decode to the tone.
 */
async function checkListeners(mountUrl: string, c: ListenerCheck): Promise<ListenerHandle[]> {
  const need = c.twoSecondsBytes ?? MP3_TWO_SECONDS_BYTES;
  let early: ListenerHandle;
  const started = performance.now();
  try {
    early = await connectListenerWhenLive(mountUrl, {}, c.liveTimeoutMs ?? 10_000);
  } catch (err) {
    throw new Error(`${(err as Error).message}\nsource ${c.source.name} output:\n${c.source.tail()}`, { cause: err });
  }
  log(`mount live for a listener after ${(performance.now() - started).toFixed(0)} ms; response head:\n      ${early.rawHead.replace(/\r?\n/g, '\n      ')}`);
  await early.waitForAudioBytes(early.audioByteCount + need, 15_000);
  const late = await connectListener(mountUrl);
  assert.equal(late.statusCode, 200);
  await Promise.all([early.waitForAudioBytes(early.audioByteCount + need, 15_000), late.waitForAudioBytes(need, 15_000)]);
  early.close();
  late.close();
  await assertTone(early, c.toneHz, c.inputFormat, 'listener from the start');
  await assertTone(late, c.toneHz, c.inputFormat, 'listener joining later');
  log(`bytes/s: early ${JSON.stringify(early.bytesPerSecond())}, late ${JSON.stringify(late.bytesPerSecond())}`);
  return [early, late];
}

describe('peer launchers against Debian icecast2 2.4.4', () => {
  let icecast: IcecastServer;
  let tap: Tap;
  const tapUrl = (): string => `http://127.0.0.1:${tap.port}`;

  before(async () => {
    const started = performance.now();
    icecast = await startIcecast({ sourcePassword: SOURCE_PASSWORD, adminPassword: ADMIN_PASSWORD, maxSources: 10 });
    tap = await startTap(icecast.port);
    log(`icecast2 up on ${icecast.baseUrl} in ${(performance.now() - started).toFixed(0)} ms; tap on ${tap.port}`);
  });

  after(async () => {
    await stopAllTracked();
    await tap?.close();
  });

  test('ffmpeg MP3 over PUT reaches listeners', async () => {
    await withWire('ffmpeg mp3 PUT', tap, async () => {
      const source = ffmpegSource({ url: tapUrl(), mount: '/ff-mp3', password: SOURCE_PASSWORD, format: 'mp3', toneHz: 440, iceName: 'ffmpeg mp3 check' });
      log(source.commandLine.join(' '));
      await source.waitForLine(source.connectedPattern!, 10_000);
      await checkListeners(`${icecast.baseUrl}/ff-mp3`, { toneHz: 440, inputFormat: 'mp3', source });
      await source.stop();
    });
  });

  test('ffmpeg Ogg Opus over PUT reaches listeners', async () => {
    await withWire('ffmpeg ogg-opus PUT', tap, async () => {
      const source = ffmpegSource({ url: tapUrl(), mount: '/ff-opus', password: SOURCE_PASSWORD, format: 'ogg-opus', toneHz: 523 });
      log(source.commandLine.join(' '));
      await source.waitForLine(source.connectedPattern!, 10_000);
      await checkListeners(`${icecast.baseUrl}/ff-opus`, { toneHz: 523, inputFormat: 'ogg', source });
      await source.stop();
    });
  });

  test('ffmpeg MP3 over legacy SOURCE reaches listeners', async () => {
    await withWire('ffmpeg mp3 legacy SOURCE', tap, async () => {
      const source = ffmpegSource({ url: tapUrl(), mount: '/ff-legacy', password: SOURCE_PASSWORD, format: 'mp3', toneHz: 587, legacySource: true });
      log(source.commandLine.join(' '));
      await source.waitForLine(source.connectedPattern!, 10_000);
      await checkListeners(`${icecast.baseUrl}/ff-legacy`, { toneHz: 587, inputFormat: 'mp3', source });
      await source.stop();
    });
  });

  test('Liquidsoap MP3 reaches listeners and its title arrives over ICY', async () => {
    await withWire('liquidsoap mp3 + metadata', tap, async () => {
      const title = "Check's title – ü";
      const started = performance.now();
      const source = liquidsoapSource({ host: '127.0.0.1', port: tap.port, mount: '/liq', password: SOURCE_PASSWORD, toneHz: 659, title, titleAfterS: 4 });
      log(`${source.commandLine.join(' ')}\n${readFileSync(source.commandLine[1]!, 'utf8')}`);
      await source.waitForLine(source.connectedPattern!, 20_000);
      log(`liquidsoap connected ${(performance.now() - started).toFixed(0)} ms after spawn`);
      const meta = await connectListenerWhenLive(`${icecast.baseUrl}/liq`, { icyMetadata: true }, 10_000);
      assert.ok(meta.metaint !== null, `no icy-metaint in ${meta.rawHead}`);
      await checkListeners(`${icecast.baseUrl}/liq`, { toneHz: 659, inputFormat: 'mp3', source });
      // Icecast 2.4 re-encodes ICY titles as ISO-8859-1 and turns other characters into &#NNNN;.
      const seen = await meta.waitForTitle(/^Check's title/, 15_000);
      log(`ICY titles seen: ${JSON.stringify(meta.titles)} (metaint ${meta.metaint}); title ${(performance.now() - started).toFixed(0)} ms after spawn`);
      assert.equal(seen, "Check's title &#8211; ü");
      await assertTone(meta, 659, 'mp3', 'ICY listener (metadata stripped)');
      meta.close();
      await source.stop();
    });
  });

  test('shout (libshout) Ogg Vorbis from a file reaches listeners', async () => {
    await withWire('shout ogg (tls disabled)', tap, async () => {
      const file = await toneFile('ogg-vorbis', 698, 20);
      const started = performance.now();
      const source = shoutSource({ host: '127.0.0.1', port: tap.port, mount: '/shout', password: SOURCE_PASSWORD, file, tlsMode: 'disabled' });
      log(source.commandLine.join(' '));
      // A pure tone in Vorbis q4 is only ~4.5 kB/s.
      await checkListeners(`${icecast.baseUrl}/shout`, { toneHz: 698, inputFormat: 'ogg', source, twoSecondsBytes: 9_000 });
      await source.stop();
      log(`shout ran ${(performance.now() - started).toFixed(0)} ms`);
    });
  });

  test('shout in TLS-auto mode asks for an upgrade first, then streams in plain text', async () => {
    await withWire('shout ogg (tls auto)', tap, async () => {
      const file = await toneFile('ogg-vorbis', 698, 20);
      const source = shoutSource({ host: '127.0.0.1', port: tap.port, mount: '/shout-auto', password: SOURCE_PASSWORD, file, tlsMode: 'auto' });
      log(source.commandLine.join(' '));
      const l = await connectListenerWhenLive(`${icecast.baseUrl}/shout-auto`, {}, 10_000);
      await l.waitForAudioBytes(9_000, 10_000);
      l.close();
      await assertTone(l, 698, 'ogg', 'listener');
      await source.stop();
    });
  });

  test('ezstream MP3 from a file reaches listeners with its title', async () => {
    await withWire('ezstream mp3 + metadata', tap, async () => {
      const file = await toneFile('mp3', 784, 20);
      const source = ezstreamSource({ host: '127.0.0.1', port: tap.port, mount: '/ez', password: SOURCE_PASSWORD, file, format: 'mp3', title: 'ezstream check title' });
      log(source.commandLine.join(' '));
      await source.waitForLine(source.connectedPattern!, 10_000);
      const meta = await connectListenerWhenLive(`${icecast.baseUrl}/ez`, { icyMetadata: true }, 10_000);
      await checkListeners(`${icecast.baseUrl}/ez`, { toneHz: 784, inputFormat: 'mp3', source });
      await meta.waitForTitle('ezstream check title', 5_000);
      log(`ICY titles seen: ${JSON.stringify(meta.titles)}`);
      meta.close();
      await source.stop();
    });
  });

  test('a second icecast2 relays /live and its listener hears the tone', async () => {
    const source = ffmpegSource({ url: icecast.baseUrl, mount: '/live', password: SOURCE_PASSWORD, format: 'mp3', toneHz: 880 });
    await source.waitForLine(source.connectedPattern!, 10_000);
    (await connectListenerWhenLive(`${icecast.baseUrl}/live`, {}, 10_000)).close();
    await withWire('icecast2 relay → upstream', tap, async () => {
      const started = performance.now();
      const relay = await startIcecast({
        sourcePassword: 'relay-src-pw',
        adminPassword: 'relay-admin-pw',
        relay: { host: '127.0.0.1', port: tap.port, mount: '/live', localMount: '/live' },
      });
      log(`relay icecast2 up in ${(performance.now() - started).toFixed(0)} ms`);
      await relay.process.waitForLine(/Starting relayed source|relay|Relay/, 10_000).catch(() => undefined);
      log(`relay log so far:\n${relay.process.tail(2000)}`);
      await checkListeners(`${relay.baseUrl}/live`, { toneHz: 880, inputFormat: 'mp3', source });
      await relay.stop();
    });
    await source.stop();
  });
});
