// Hostile stream metadata from sources and updaters (issue 8, defect 7: "Injection through
// metadata") reaches listeners, playlists, status JSON and the web page only as inert text: one
// StreamTitle field, no injected StreamUrl, no extra header or playlist line, no javascript: URL; and
// a private mount's playlist needs the mount's token. Real ffmpeg source, a raw PUT source with bytes
// ffmpeg cannot send, /admin/metadata updates, raw-socket listeners.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { startBridge, waitForMount, type RunningBridge } from '../helpers/bridge.ts';
import { connectListener, type ListenerHandle } from '../helpers/listener.ts';
import { ffmpegSource, type PeerProcess } from '../helpers/peers.ts';
import { toneFile } from '../helpers/tones.ts';
import { buildWeb } from '../e2e/browser.ts';

const INJECTED_TITLE = "Don't Stop ';StreamUrl='http://evil.example/';";
// ffmpeg passes argv bytes into its request head as they are: no CR/LF (our parser would refuse the
// whole request), but a LINE SEPARATOR (a line break for Python's splitlines and some playlist
// readers), HTML, quotes and a javascript: URL. (Its header buffer refuses long values: the
// over-long one goes in the raw PUT below.)
const EVIL_NAME = `Evil <script>alert(1)</script>\u2028http://evil.example/injected.mp3 ';StreamUrl='x';`;
const CLEAN_NAME = "Evil <script>alert(1)</script> http://evil.example/injected.mp3 ';StreamUrl='x';";
// Every character some playlist or text reader treats as the end of a line.
const LINE_BREAKS = /\r\n|[\n\r\u000b\u000c\u001c-\u001e\u0085\u2028\u2029]/;

let bridge: RunningBridge;
let source: PeerProcess;
let rawSource: net.Socket | null = null;
const listeners: ListenerHandle[] = [];

/** The fields of one ICY metadata text as icecast-metadata-js reads them (a value ends at `';`). */
function icyFields(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const m of text.matchAll(/(?<key>[^\0]+?)='(?<val>[^\0]*?)(;$|';|'$|$)/g)) fields[m.groups!.key!] = m.groups!.val!;
  return fields;
}

const utf8Header = (value: string | undefined) => Buffer.from(value ?? '', 'latin1').toString('utf8');

async function setTitle(mount: string, query: string): Promise<void> {
  const res = await fetch(`${bridge.streamUrl}/admin/metadata?mode=updinfo&mount=${encodeURIComponent(mount)}&${query}`, { headers: { authorization: bridge.adminAuth } });
  assert.equal(res.status, 200, await res.text());
}

before(async () => {
  bridge = await startBridge();
  source = ffmpegSource({
    url: bridge.streamUrl, mount: '/live', password: bridge.livePassword, format: 'mp3', toneHz: 440,
    iceName: EVIL_NAME, iceDescription: '<img src=x onerror=alert(1)>', iceGenre: 'Jazz"\u0085<b>', iceUrl: 'javascript:alert(document.cookie)',
  });
  await waitForMount(bridge, '/live', (m) => m.playing === 'source');
});

after(async () => {
  for (const l of listeners) l.close();
  rawSource?.destroy();
  await source?.stop();
  await bridge?.stop();
});

describe('hostile metadata from a real ffmpeg source and /admin/metadata', () => {
  test("a title with ';StreamUrl='…'; reaches an ICY listener as one StreamTitle, quote neutralised, no StreamUrl", async () => {
    // %0D%0A and an invalid UTF-8 byte (%FF) ride along in the update, as a careless updater sends them.
    await setTitle('/live', `song=${encodeURIComponent(INJECTED_TITLE)}%0D%0Aevil%FF`);
    const listener = await connectListener(bridge.url('/live'), { icyMetadata: true });
    listeners.push(listener);
    assert.equal(listener.statusCode, 200);
    assert.equal(listener.metaint, 16000);
    await listener.waitForTitle(/Don/, 10_000);
    const block = listener.metadata.find((b) => b.raw.includes('Don'))!;
    assert.equal(block.raw, "StreamTitle='Don\u2019t Stop \u2019;StreamUrl=\u2019http://evil.example/\u2019; evil\ufffd';");
    assert.deepEqual(Object.keys(icyFields(block.raw)), ['StreamTitle']);
    assert.equal(block.raw.split("'").length - 1, 2, 'only the two quotes around the value');
    assert.doesNotMatch(block.raw, /[\r\n\0]/);
  });

  test('listener headers carry the source text on one line each, and no javascript: icy-url', async () => {
    const listener = listeners[0]!;
    for (const line of listener.rawHead.split('\r\n').slice(1)) assert.match(line, /^[A-Za-z0-9-]+: /, `header line ${JSON.stringify(line)}`);
    assert.equal(utf8Header(listener.headers['icy-name']), CLEAN_NAME);
    assert.equal(utf8Header(listener.headers['icy-description']), '<img src=x onerror=alert(1)>');
    assert.equal(utf8Header(listener.headers['icy-genre']), 'Jazz" <b>');
    assert.equal(listener.headers['icy-url'] ?? '', '');
    assert.doesNotMatch(listener.rawHead, /javascript/i);
    const logged = await bridge.proc.waitForLine(/source header dropped/, 5000);
    assert.match(logged.input!, /"level":40/, 'logged at warn');
    assert.match(logged.input!, /"field":"ice-url"/);
  });

  test('/status-json.xsl parses and holds the values as text', async () => {
    const res = await fetch(`${bridge.streamUrl}/status-json.xsl`);
    const status = JSON.parse(await res.text());
    // /live.mp3 (a ladder rung of /live) is live too: `source` is a list, as Icecast makes it for several.
    const sources: { listenurl: string; server_name?: string }[] = [status.icestats.source].flat();
    assert.deepEqual(sources.map((s) => new URL(s.listenurl).pathname), ['/live', '/live.mp3']);
    const live = sources[0] as Record<string, unknown>;
    assert.equal(live.server_name, CLEAN_NAME);
    assert.equal(sources[1]!.server_name, CLEAN_NAME, 'the rung shows its parent\'s name, as cleaned');
    assert.equal(live.server_url, undefined, 'the javascript: URL was dropped');
    assert.equal(live.title, "Don't Stop ';StreamUrl='http://evil.example/'; evil\ufffd");
    assert.equal(live.server_description, '<img src=x onerror=alert(1)>');
  });

  test('/live.m3u and /live.pls have no injected line', async () => {
    const m3u = await (await fetch(`${bridge.streamUrl}/live.m3u`)).text();
    assert.deepEqual(m3u.split(LINE_BREAKS), ['#EXTM3U', `#EXTINF:-1,${CLEAN_NAME}`, `${bridge.streamUrl}/live`, '']);
    const pls = await (await fetch(`${bridge.streamUrl}/live.pls`)).text();
    assert.deepEqual(pls.split(LINE_BREAKS), ['[playlist]', 'NumberOfEntries=1', `File1=${bridge.streamUrl}/live`, `Title1=${CLEAN_NAME}`, 'Length1=-1', 'Version=2', '']);
  });

  test('the station page carries the name and title as data, never as markup', async () => {
    // `/` is static HTML (no source text in it); the page renders the public document with Lit's
    // text bindings, which never parse markup.
    await buildWeb();
    const html = await (await fetch(`${bridge.webUrl}/`)).text();
    assert.ok(!html.includes('alert(1)') && !html.includes("Don't Stop"), 'nothing from the source in the HTML');
    const station = await (await fetch(`${bridge.webUrl}/api/v1/public/station`)).json();
    const live = station.mounts.find((m: any) => m.path === '/live');
    assert.equal(live?.name, CLEAN_NAME, 'the name as cleaned, as data');
    assert.equal(live?.title, "Don't Stop ';StreamUrl='http://evil.example/'; evil\ufffd", 'the title as data');
  });
});

describe('a private mount and a raw PUT source with bytes ffmpeg cannot send', () => {
  test('/test.m3u and /test.pls are refused without the token, as /test is', async () => {
    for (const path of ['/test.m3u', '/test.pls', '/test.m3u?token=wrong']) {
      const res = await fetch(`${bridge.streamUrl}${path}`);
      assert.equal(res.status, 401, path);
      assert.match(await res.text(), /^LISTENER_AUTH_FAILED: /);
    }
    assert.equal((await connectListener(bridge.url('/test'))).statusCode, 401, 'the mount itself answers the same');
  });

  test('with the token, the playlist lists a URL that carries it, and a player plays it with StreamUrl escaped', async () => {
    // A source on /test sending invalid UTF-8, a NEL, an over-long value and a URL with a quote and a space.
    const mp3 = readFileSync(await toneFile('mp3', 440, 20));
    rawSource = net.connect(bridge.port, bridge.host);
    rawSource.on('error', () => {});
    await new Promise<void>((resolve) => rawSource!.once('connect', () => resolve()));
    rawSource.write(Buffer.concat([
      Buffer.from(`PUT /test HTTP/1.1\r\nHost: x\r\nAuthorization: Basic ${Buffer.from(`source:${bridge.testPassword}`).toString('base64')}\r\nContent-Type: audio/mpeg\r\n`),
      Buffer.from('icy-name: Bad '), Buffer.from([0xff, 0xfe, 0xc2, 0x85]), Buffer.from('name\r\n'),
      Buffer.from(`icy-description: ${'d'.repeat(3000)}\r\n`),
      Buffer.from("icy-url: http://ok.example/it's here\r\n\r\n"),
      mp3,
    ]));
    await waitForMount(bridge, '/test', (m) => m.playing === 'source');
    await setTitle('/test', `song=${encodeURIComponent(INJECTED_TITLE)}`);

    const m3u = await (await fetch(`${bridge.streamUrl}/test.m3u?token=${bridge.testToken}`)).text();
    const lines = m3u.split(LINE_BREAKS);
    assert.deepEqual(lines, ['#EXTM3U', '#EXTINF:-1,Bad \ufffd\ufffd name', `${bridge.streamUrl}/test?token=${bridge.testToken}`, '']);
    const pls = await (await fetch(`${bridge.streamUrl}/test.pls?token=${bridge.testToken}`)).text();
    assert.match(pls, new RegExp(`\\nFile1=${bridge.streamUrl}/test\\?token=${bridge.testToken}\\n`));

    const listener = await connectListener(lines[2]!, { icyMetadata: true });
    listeners.push(listener);
    assert.equal(listener.statusCode, 200);
    assert.equal(utf8Header(listener.headers['icy-url']), 'http://ok.example/it%27s%20here');
    assert.equal(listener.headers['icy-description'], 'd'.repeat(1024), 'bounded to 1024 characters');
    await listener.waitForTitle(/Don/, 10_000);
    const block = listener.metadata.find((b) => b.raw.includes('Don'))!;
    assert.deepEqual(icyFields(block.raw), {
      StreamTitle: 'Don\u2019t Stop \u2019;StreamUrl=\u2019http://evil.example/\u2019;',
      StreamUrl: 'http://ok.example/it%27s%20here',
    });
    assert.equal(block.raw.split("'").length - 1, 4, 'only the quotes around the two values');
  });
});
