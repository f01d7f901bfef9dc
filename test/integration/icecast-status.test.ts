// /status-json.xsl against the reference: Debian's icecast2 2.4.4 and Aircheck run side by side, each
// fed by the same two ffmpeg sources (MP3 128 kbps CBR with ice-* headers and an /admin/metadata
// update; Ogg Vorbis q4 with TITLE/ARTIST comments). The source objects must carry icecast2's keys
// and its nominal values (from headers, never measured); /live must be listed, with its listeners,
// while it plays its fallback; /MOUNT.xspf must be served as icecast2 serves it. Regression for
// issue 8, defect 5 (measured `bitrate`, combined title, /live missing while on its fallback).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startBridge, waitForMount, type RunningBridge } from '../helpers/bridge.ts';
import { connectListener, type ListenerHandle } from '../helpers/listener.ts';
import { ffmpegSource, startIcecast, type IcecastServer, type PeerProcess } from '../helpers/peers.ts';
import { stopAllTracked } from '../helpers/processes.ts';

const SOURCE_PASSWORD = 'parity-source-pw';
const MP3 = { name: 'Parity FM', description: 'same stream, two servers', genre: 'Jazz' };
const MP3_TITLE = { artist: 'The Artist', title: 'The Title' };
const VORBIS_TAGS = { title: 'Vorbis Title', artist: 'Vorbis Artist' };

/** Keys whose values say what the stream is (not when or where it runs): they must be equal. */
const NOMINAL_KEYS = ['audio_bitrate', 'audio_channels', 'audio_samplerate', 'ice-bitrate', 'subtype', 'bitrate', 'title', 'artist', 'genre', 'server_name', 'server_description', 'listeners', 'listener_peak'];
/** What Aircheck adds for MP3, which icecast2 does not read: the first frame header's facts. */
const MP3_FRAME_KEYS = ['audio_bitrate', 'audio_channels', 'audio_samplerate', 'ice-bitrate'];

let icecast: IcecastServer;
let bridge: RunningBridge;
const sources: PeerProcess[] = [];
const listeners: ListenerHandle[] = [];
let aircheckLiveSource: PeerProcess;

interface Server {
  name: string;
  baseUrl: string;
  sourceAuth: (mount: string) => string;
}
const servers: Server[] = [];

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

async function statusSources(baseUrl: string): Promise<Record<string, any>[]> {
  const res = await fetch(`${baseUrl}/status-json.xsl`);
  assert.equal(res.status, 200);
  const { icestats } = (await res.json()) as any;
  return icestats.source === undefined ? [] : [icestats.source].flat();
}

const sourceFor = (list: Record<string, any>[], mount: string) => list.find((s) => new URL(s.listenurl).pathname === mount);

/** Bounded poll (no event for "the server lists it"): until `predicate` holds for the mount's entry. */
async function waitForEntry(server: Server, mount: string, predicate: (s: Record<string, any>) => boolean, timeoutMs = 20_000): Promise<Record<string, any>> {
  const deadline = performance.now() + timeoutMs;
  let last: Record<string, any> | undefined;
  let lastError: unknown = null;
  while (performance.now() < deadline) {
    try {
      last = sourceFor(await statusSources(server.baseUrl), mount);
      lastError = null;
    } catch (err) {
      // A refused or reset status request (icecast2's accept queue is 5 deep) is retried with the poll.
      lastError = err;
    }
    if (last && predicate(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${server.name}: ${mount} did not reach the expected state in /status-json.xsl; last entry ${JSON.stringify(last)}${lastError ? `; last request failed: ${String((lastError as Error).cause ?? lastError)}` : ''}\n${sources.map((s) => `${s.name}:\n${s.tail(1500)}`).join('\n')}`);
}

describe('/status-json.xsl matches icecast2 2.4.4 for the same MP3 and Ogg Vorbis sources', { concurrency: false }, () => {
  before(async () => {
    [icecast, bridge] = await Promise.all([
      startIcecast({ sourcePassword: SOURCE_PASSWORD, adminPassword: 'parity-admin-pw', maxSources: 4 }),
      startBridge({ configToml: `[[mounts]]\npath = "/vorbis"\nsource_password = "${SOURCE_PASSWORD}"\n` }),
    ]);
    servers.push(
      { name: 'icecast2', baseUrl: icecast.baseUrl, sourceAuth: () => basic('source', SOURCE_PASSWORD) },
      { name: 'aircheck', baseUrl: bridge.streamUrl, sourceAuth: (m) => basic('source', m === '/live' ? bridge.livePassword : SOURCE_PASSWORD) },
    );
    for (const server of servers) {
      const mp3 = ffmpegSource({
        url: server.baseUrl,
        mount: '/live',
        password: server.name === 'aircheck' ? bridge.livePassword : SOURCE_PASSWORD,
        format: 'mp3',
        toneHz: 440,
        iceName: MP3.name,
        iceDescription: MP3.description,
        iceGenre: MP3.genre,
      });
      const vorbis = ffmpegSource({ url: server.baseUrl, mount: '/vorbis', password: SOURCE_PASSWORD, format: 'ogg-vorbis', toneHz: 660, metadata: VORBIS_TAGS });
      sources.push(mp3, vorbis);
      if (server.name === 'aircheck') aircheckLiveSource = mp3;
    }
    for (const server of servers) {
      await waitForEntry(server, '/live', () => true);
      await waitForEntry(server, '/vorbis', () => true);
      const update = await fetch(`${server.baseUrl}/admin/metadata?mount=/live&mode=updinfo&artist=${encodeURIComponent(MP3_TITLE.artist)}&title=${encodeURIComponent(MP3_TITLE.title)}`, {
        headers: { authorization: server.sourceAuth('/live') },
      });
      assert.equal(update.status, 200, `${server.name}: metadata update`);
      listeners.push(await connectListener(`${server.baseUrl}/live`), await connectListener(`${server.baseUrl}/vorbis`));
      for (const l of listeners.slice(-2)) assert.equal(l.statusCode, 200, `${server.name}: ${l.rawHead}`);
    }
  });

  after(async () => {
    for (const l of listeners) l.close();
    await stopAllTracked();
    await Promise.all([icecast?.stop(), bridge?.stop()]);
  });

  test('the Ogg Vorbis source object has exactly icecast2\'s keys and nominal values, title and artist apart', async () => {
    const [ice, air] = await Promise.all(servers.map((s) => waitForEntry(s, '/vorbis', (e) => e.listeners === 1 && e.title !== undefined)));
    assert.deepEqual(Object.keys(air!).sort(), Object.keys(ice!).sort(), `keys\nicecast2: ${JSON.stringify(ice)}\naircheck: ${JSON.stringify(air)}`);
    for (const key of NOMINAL_KEYS) assert.deepEqual(air![key], ice![key], `"${key}": icecast2 ${JSON.stringify(ice![key])}, aircheck ${JSON.stringify(air![key])}`);
    assert.equal(air!.audio_bitrate, 128_000, "the Vorbis identification header's nominal bitrate (q4), not a measurement");
    assert.equal(air!.title, VORBIS_TAGS.title);
    assert.equal(air!.artist, VORBIS_TAGS.artist);
    assert.match(air!.server_type, /^(audio|application)\/ogg$/);
    assert.match(air!.stream_start_iso8601, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000$/);
  });

  test("the MP3 source object has icecast2's keys and values, plus only the frame header's nominal bitrate, channels and rate", async () => {
    const title = `${MP3_TITLE.artist} - ${MP3_TITLE.title}`;
    const [ice, air] = await Promise.all(servers.map((s) => waitForEntry(s, '/live', (e) => e.listeners === 1 && e.title === title)));
    const iceKeys = new Set(Object.keys(ice!));
    const missing = Object.keys(ice!).filter((k) => !(k in air!));
    assert.deepEqual(missing, [], `aircheck lacks icecast2's keys\nicecast2: ${JSON.stringify(ice)}\naircheck: ${JSON.stringify(air)}`);
    const extra = Object.keys(air!).filter((k) => !iceKeys.has(k)).sort();
    assert.deepEqual(extra, [...MP3_FRAME_KEYS].sort(), `aircheck's keys beyond icecast2's\naircheck: ${JSON.stringify(air)}`);
    for (const key of NOMINAL_KEYS.filter((k) => iceKeys.has(k))) assert.deepEqual(air![key], ice![key], `"${key}": icecast2 ${JSON.stringify(ice![key])}, aircheck ${JSON.stringify(air![key])}`);
    // The 128 kbps CBR stream's frame headers, from its first seconds on (never a measured 98–107).
    assert.deepEqual([air!.audio_bitrate, air!['ice-bitrate'], air!.audio_channels, air!.audio_samplerate], [128_000, 128, 2, 44_100]);
    assert.equal(air!.server_type, ice!.server_type);
  });

  test('/live.xspf is an XSPF playlist like icecast2\'s, naming the stream', async () => {
    const pages = await Promise.all(
      servers.map(async (s) => {
        const res = await fetch(`${s.baseUrl}/live.xspf`);
        return { server: s, status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text() };
      }),
    );
    for (const p of pages) {
      assert.equal(p.status, 200, `${p.server.name}: ${p.body}`);
      assert.match(p.type, /^application\/xspf\+xml/i, p.server.name);
      assert.match(p.body, /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<playlist xmlns="http:\/\/xspf\.org\/ns\/0\/" version="1">/, p.server.name);
      assert.ok(p.body.includes(`<location>${p.server.baseUrl}/live</location>`), `${p.server.name}: ${p.body}`);
    }
    const labels = (body: string) => [...body.matchAll(/^(?:<annotation>)?([A-Za-z ]+):/gm)].map((m) => m[1]);
    assert.deepEqual(labels(pages[1]!.body), labels(pages[0]!.body), `annotation lines\n${pages[0]!.body}\n${pages[1]!.body}`);
    assert.match(pages[1]!.body, new RegExp(`Stream Title: ${MP3.name}\\nStream Description: ${MP3.description}\\nContent Type:audio/mpeg\\nCurrent Listeners: 1\\n`));
  });

  test('a private mount\'s .xspf needs its listener token, and then lists the URL with it', async () => {
    const refused = await fetch(`${bridge.streamUrl}/test.xspf`);
    assert.equal(refused.status, 401);
    assert.match(await refused.text(), /^LISTENER_AUTH_FAILED: /);
    const ok = await fetch(`${bridge.streamUrl}/test.xspf?token=${encodeURIComponent(bridge.testToken)}`);
    assert.equal(ok.status, 200);
    assert.ok((await ok.text()).includes(`<location>${bridge.streamUrl}/test?token=${encodeURIComponent(bridge.testToken)}</location>`));
  });

  test('/live stays listed, with its listeners, while they hear its fallback', async () => {
    // The Aircheck /live listener from before() stays connected through the switch to the fallback.
    const stayed = listeners[2]!;
    await aircheckLiveSource.stop();
    await waitForMount(bridge, '/live', (m) => m.playing === 'fallback-file', 10_000);
    const joined = await connectListener(bridge.url('/live'));
    listeners.push(joined);
    assert.equal(joined.statusCode, 200, joined.rawHead);
    await joined.waitForAudioBytes(1, 5000);
    assert.equal(stayed.closed, null, 'the first listener is still connected');
    const entry = sourceFor(await statusSources(bridge.streamUrl), '/live');
    assert.ok(entry, `/live is listed while it plays its fallback: ${JSON.stringify(await statusSources(bridge.streamUrl))}`);
    assert.equal(entry.listeners, 2, JSON.stringify(entry));
    assert.equal(entry.server_type, 'audio/mpeg', 'the fallback loop is MP3');
    assert.equal(typeof entry.audio_bitrate, 'number', `the fallback's nominal bitrate: ${JSON.stringify(entry)}`);
    assert.equal(entry.audio_bitrate % 1000, 0, 'a frame-header bitrate, not a measurement');
    joined.close();
    stayed.close();
  });
});
