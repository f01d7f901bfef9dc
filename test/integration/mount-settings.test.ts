// test-load: light ~26s
// Mount settings set in the console (PATCH /api/v1/mounts/{path}) against the real program: the name
// reaches new listeners' icy-name and /status-json.xsl at once, still wins after a SIGHUP reload and
// after a restart on the same data directory, and null gives the config's name back; an operator may,
// a DJ may not; a fallback file chosen from <data_dir>/media/ is what a listener hears, on the same
// connection, when the source stops; a path instead of a media file name, or a file that is no audio,
// is refused naming the field. Media uploads (PUT /api/v1/media/{name}): an MP3 uploaded in the console
// is listed with size and length and, chosen as /live's fallback, is what a listener hears; replacing
// it is heard by the next listener; garbage, a too-large body (declared or streamed) leave no file; a
// file in use cannot be deleted; a DJ may not upload; "none" leaves /live with nothing to play (404).
// Every JSON answer is checked against the served OpenAPI document.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBridge, waitForMount, type RunningBridge } from '../helpers/bridge.ts';
import { assertOneConnection, connectListener } from '../helpers/listener.ts';
import { ffmpegSource } from '../helpers/peers.ts';
import { toneFile } from '../helpers/tones.ts';
import { decodeAudio, dominantFrequencyHz, frequencyTimeline, toneSegments } from '../helpers/audio-analysis.ts';
import { checkAgainstOpenApi } from '../helpers/openapi-check.ts';

const CONFIG_NAME = 'Live from the config';
const CONSOLE_NAME = 'Radio Nord (console)';
const LIVE_HZ = 1000;
const FALLBACK_HZ = 440;
const UPLOAD_HZ = 660;
const REPLACED_HZ = 880;
/** The upload limit (bridge/src/station/media-files.ts MEDIA_MAX_BYTES). */
const MEDIA_MAX_BYTES = 64 * 1024 * 1024;
const MP3_BYTES_PER_S = 16_000;
const LIVE = `/api/v1/mounts/${encodeURIComponent('/live')}`;
const CONFIG_TOML = ['[[mounts]]', 'path = "/live"', `name = "${CONFIG_NAME}"`].join('\n');

interface Session {
  cookie: string;
  csrf: string;
}

test('a mount name and fallback file set in the console win over the config across reloads and restarts, and null gives the config back', { timeout: 90_000 }, async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'aircheck-mount-settings-'));
  mkdirSync(join(dataDir, 'media'));
  copyFileSync(await toneFile('mp3', FALLBACK_HZ, 6), join(dataDir, 'media', 'tone.mp3'));
  writeFileSync(join(dataDir, 'media', 'broken.mp3'), 'not audio at all');

  const removeDataDir = () => rmSync(dataDir, { recursive: true, force: true });
  let bridge: RunningBridge = await startBridge({ dataDir, configToml: CONFIG_TOML }).catch((err: unknown) => {
    removeDataDir();
    throw err;
  });
  // One hook, in this order (after hooks run first-registered first): the bridge stops, then its data goes.
  t.after(async () => {
    await bridge.stop();
    removeDataDir();
  });
  let doc: unknown = await (await fetch(`${bridge.webUrl}/api/v1/openapi.json`)).json();

  async function api(method: string, path: string, who: Session, body?: unknown): Promise<{ status: number; body: any }> {
    const headers: Record<string, string> = { cookie: who.cookie, 'x-csrf-token': who.csrf };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${bridge.webUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const json = res.status === 204 ? undefined : await res.json();
    checkAgainstOpenApi(doc, method, path, res.status, json);
    return { status: res.status, body: json };
  }
  async function signIn(name: string, password: string): Promise<Session> {
    const res = await fetch(`${bridge.webUrl}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, password }) });
    assert.equal(res.status, 200, `${name} signs in`);
    return { cookie: res.headers.get('set-cookie')!.split(';')[0]!, csrf: ((await res.json()) as { csrfToken: string }).csrfToken };
  }
  /** The icy-name a listener joining now gets. */
  async function icyName(): Promise<string | undefined> {
    const l = await connectListener(bridge.url('/live'));
    try {
      assert.equal(l.statusCode, 200);
      return l.headers['icy-name'];
    } finally {
      l.close();
    }
  }
  async function statusName(): Promise<string> {
    const status = (await (await fetch(`${bridge.streamUrl}/status-json.xsl`)).json()) as { icestats: { source?: unknown } };
    const sources = ([] as { listenurl: string; server_name: string }[]).concat((status.icestats.source ?? []) as never);
    const live = sources.find((s) => s.listenurl.endsWith('/live'));
    assert.ok(live, `/live is listed: ${JSON.stringify(status)}`);
    return live.server_name;
  }
  const liveView = async (who: Session) => ((await api('GET', '/api/v1/mounts', who)).body as any[]).find((m) => m.path === '/live');

  const admin = await signIn('admin', bridge.adminPassword);
  for (const [name, role] of [['op', 'operator'], ['dj1', 'dj']]) {
    assert.equal((await api('POST', '/api/v1/users', admin, { name, role, password: `${name}-password-1` })).status, 201);
  }
  const op = await signIn('op', 'op-password-1');
  const dj = await signIn('dj1', 'dj1-password-1');

  const source = ffmpegSource({ url: bridge.streamUrl, mount: '/live', password: bridge.livePassword, format: 'mp3', toneHz: LIVE_HZ, iceName: 'Name the encoder sends' });
  t.after(() => source.stop('SIGKILL'));
  await waitForMount(bridge, '/live', (m) => m.playing === 'source');
  assert.equal(await icyName(), CONFIG_NAME);

  // A DJ may neither read nor change mount settings.
  const refused = await api('PATCH', LIVE, dj, { name: 'DJ was here' });
  assert.equal(refused.status, 403);
  assert.equal(refused.body.code, 'AUTH_FORBIDDEN');
  assert.equal((await api('GET', '/api/v1/mounts', dj)).status, 403);
  assert.equal((await api('GET', '/api/v1/media', dj)).status, 403);

  // An operator renames /live: new listeners and the status page show it at once.
  const renamed = await api('PATCH', LIVE, op, { name: CONSOLE_NAME });
  assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
  assert.equal(renamed.body.effective.name, CONSOLE_NAME);
  assert.equal(renamed.body.config.name, CONFIG_NAME);
  assert.deepEqual(renamed.body.overridden, ['name']);
  assert.equal(await icyName(), CONSOLE_NAME);
  assert.equal(await statusName(), CONSOLE_NAME);
  const audit = (await api('GET', '/api/v1/audit?limit=5', admin)).body as any[];
  assert.ok(audit.some((e) => e.action === 'mount.update' && e.target === '/live' && e.actor === 'op' && JSON.stringify(e.detail.fields) === '["name"]'), JSON.stringify(audit));

  // A SIGHUP reloads the same config file: the console's name still wins.
  process.kill(bridge.proc.pid!, 'SIGHUP');
  await bridge.proc.waitForLine(/"reason":"SIGHUP","msg":"configuration reloaded"/, 10_000, 'stdout');
  assert.equal((await liveView(op)).effective.name, CONSOLE_NAME);
  assert.equal(await icyName(), CONSOLE_NAME);

  // The media folder offers the tone; a path is refused naming the field, the value and the fix.
  const media = (await api('GET', '/api/v1/media', op)).body as any[];
  assert.deepEqual(media.map((f) => f.name), ['bundled', 'broken.mp3', 'tone.mp3']);
  const escape = await api('PATCH', LIVE, op, { fallback_file: '../x.mp3' });
  assert.equal(escape.status, 400);
  assert.equal(escape.body.code, 'API_BAD_REQUEST');
  assert.match(escape.body.message, /field "fallback_file" is "\.\.\/x\.mp3": .*media/);
  const unplayable = await api('PATCH', LIVE, op, { fallback_file: 'broken.mp3' });
  assert.equal(unplayable.status, 400);
  assert.match(unplayable.body.message, /field "fallback_file" is "broken\.mp3": it cannot be played/);
  assert.deepEqual((await liveView(op)).overridden, ['name'], 'an unplayable file is not kept');
  const chosen = await api('PATCH', LIVE, op, { fallback_file: 'tone.mp3' });
  assert.equal(chosen.status, 200, JSON.stringify(chosen.body));
  assert.equal(chosen.body.effective.fallback_file, 'tone.mp3');

  // A listener on the live show hears the chosen tone, on the same connection, once the source stops.
  const listener = await connectListener(bridge.url('/live'), { tap: true });
  t.after(() => listener.close());
  await listener.waitForAudioBytes(4 * MP3_BYTES_PER_S, 15_000);
  await source.stop('SIGKILL');
  await waitForMount(bridge, '/live', (m) => m.playing === 'fallback-file');
  const atDrop = listener.audioByteCount;
  await listener.waitForAudioBytes(atDrop + 4 * 12_000, 15_000);
  assertOneConnection(listener, 500);
  listener.close();
  const { samples, sampleRateHz } = await decodeAudio(listener.audio, { inputFormat: 'mp3' });
  const segments = toneSegments(frequencyTimeline(samples, sampleRateHz, 250), { minDurationS: 1 }).filter((s) => s.frequencyHz !== null);
  assert.deepEqual(segments.map((s) => Math.round(s.frequencyHz! / 10) * 10), [LIVE_HZ, FALLBACK_HZ], `tones heard in order: ${JSON.stringify(segments)}`);

  // A restart on the same data directory and config: both settings still hold.
  await bridge.stop();
  bridge = await startBridge({ dataDir, configToml: CONFIG_TOML });
  doc = await (await fetch(`${bridge.webUrl}/api/v1/openapi.json`)).json();
  const op2 = await signIn('op', 'op-password-1');
  const afterRestart = await liveView(op2);
  assert.equal(afterRestart.effective.name, CONSOLE_NAME);
  assert.equal(afterRestart.effective.fallback_file, 'tone.mp3');
  assert.equal(await icyName(), CONSOLE_NAME);

  // null: the config's name again.
  const reverted = await api('PATCH', LIVE, op2, { name: null });
  assert.equal(reverted.status, 200);
  assert.equal(reverted.body.effective.name, CONFIG_NAME);
  assert.deepEqual(reverted.body.overridden, ['fallback_file']);
  assert.equal(await icyName(), CONFIG_NAME);
  const unknown = await api('PATCH', `/api/v1/mounts/${encodeURIComponent('/nope')}`, op2, { name: 'x' });
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.code, 'MOUNT_NOT_FOUND');

  // ---- media uploads ----
  const mediaDir = join(dataDir, 'media');
  const dj2 = await signIn('dj1', 'dj1-password-1');
  async function put(who: Session, name: string, body: Buffer<ArrayBuffer>, contentType = 'audio/mpeg', replace = false): Promise<{ status: number; body: any }> {
    const path = `/api/v1/media/${encodeURIComponent(name)}${replace ? '?replace=1' : ''}`;
    const res = await fetch(`${bridge.webUrl}${path}`, { method: 'PUT', headers: { cookie: who.cookie, 'x-csrf-token': who.csrf, 'content-type': contentType }, body });
    const json = await res.json();
    checkAgainstOpenApi(doc, 'PUT', path, res.status, json);
    return { status: res.status, body: json };
  }
  /** A listener joining /live now; hz(): the tone it hears over its next ~2.5 s (then it leaves). */
  async function hear(): Promise<{ hz: () => Promise<number | null> }> {
    const l = await connectListener(bridge.url('/live'));
    t.after(() => l.close());
    assert.equal(l.statusCode, 200);
    return {
      async hz() {
        await l.waitForAudioBytes(l.audioByteCount + 2.5 * MP3_BYTES_PER_S, 15_000);
        l.close();
        const { samples, sampleRateHz } = await decodeAudio(l.audio, { inputFormat: 'mp3' });
        const hz = dominantFrequencyHz(samples, sampleRateHz);
        return hz === null ? null : Math.round(hz / 10) * 10;
      },
    };
  }
  const uploadTone = readFileSync(await toneFile('mp3', UPLOAD_HZ, 4));
  const replacedTone = readFileSync(await toneFile('mp3', REPLACED_HZ, 4));

  // A DJ may not upload; an operator's MP3 is kept, listed with its size and length, and answered 201.
  assert.equal((await put(dj2, 'up.mp3', uploadTone)).status, 403);
  const uploaded = await put(op2, 'Up Loop.mp3', uploadTone);
  assert.equal(uploaded.status, 201, JSON.stringify(uploaded.body));
  assert.equal(uploaded.body.sizeBytes, uploadTone.length);
  assert.ok(Math.abs(uploaded.body.durationMs - 4000) < 200, `length ${uploaded.body.durationMs} ms`);
  const listed = ((await api('GET', '/api/v1/media', op2)).body as any[]).find((f) => f.name === 'Up Loop.mp3');
  assert.deepEqual([listed?.sizeBytes, listed?.durationMs], [uploadTone.length, uploaded.body.durationMs]);
  const again = await put(op2, 'Up Loop.mp3', uploadTone);
  assert.equal(again.status, 409);
  assert.equal(again.body.code, 'MEDIA_EXISTS');

  // Chosen as /live's fallback (no source now): a listener hears the uploaded tone.
  assert.equal((await api('PATCH', LIVE, op2, { fallback_file: 'Up Loop.mp3' })).status, 200);
  const first = await hear();
  assert.equal(await first.hz(), UPLOAD_HZ);
  // Replaced while /live uses it: a listener already on the loop hears the new audio on its
  // connection, with no pause, and so does the next listener.
  const staying = await connectListener(bridge.url('/live'), { tap: true });
  t.after(() => staying.close());
  await staying.waitForAudioBytes(MP3_BYTES_PER_S, 15_000);
  const replaced = await put(op2, 'Up Loop.mp3', replacedTone, 'audio/mpeg', true);
  assert.equal(replaced.status, 200, JSON.stringify(replaced.body));
  assert.equal(replaced.body.replaced, true);
  const atReplace = staying.audioByteCount;
  await staying.waitForAudioBytes(atReplace + 3 * MP3_BYTES_PER_S, 15_000);
  assertOneConnection(staying, 500);
  staying.close();
  // Skip a second for audio already on its way when the file was replaced.
  const after = await decodeAudio(staying.audio.subarray(atReplace + MP3_BYTES_PER_S), { inputFormat: 'mp3' });
  assert.equal(Math.round(dominantFrequencyHz(after.samples, after.sampleRateHz)! / 10) * 10, REPLACED_HZ, 'the listener on the old loop hears the new file');
  assert.equal(await (await hear()).hz(), REPLACED_HZ);
  // Nothing plays the old loop any more: its audio leaves memory (swept with the 2 s health sample).
  await bridge.proc.waitForLine(/"msg":"fallback file released \(replaced or deleted\)"/, 10_000);

  // Garbage, a path, a declared or streamed body over the limit: refused, and no file is left behind.
  const before = readdirSync(mediaDir).sort();
  const garbage = await put(op2, 'junk.mp3', Buffer.from('this is not audio, just text pretending'.repeat(100)));
  assert.equal(garbage.status, 400);
  assert.equal(garbage.body.code, 'API_BAD_REQUEST');
  assert.match(garbage.body.message, /"junk\.mp3" is not audio we can play/);
  const badName = await put(op2, '.hidden.mp3', uploadTone);
  assert.equal(badName.status, 400);
  assert.match(badName.body.message, /path field "name" is "\.hidden\.mp3": .*hidden/);
  const declared = await rawPut(bridge.webUrl, op2, 'big.mp3', { declaredBytes: MEDIA_MAX_BYTES + 1 });
  assert.equal(declared.status, 413, declared.text);
  assert.equal(JSON.parse(declared.text).code, 'MEDIA_TOO_LARGE');
  assert.equal(declared.sentBytes, 0, 'refused before any of the body was sent');
  const streamed = await rawPut(bridge.webUrl, op2, 'big.mp3', { chunkedBytes: MEDIA_MAX_BYTES + 1024 * 1024 });
  assert.equal(streamed.status, 413, streamed.text);
  assert.match(JSON.parse(streamed.text).message, new RegExp(`at most ${MEDIA_MAX_BYTES} bytes`));
  assert.deepEqual(readdirSync(mediaDir).sort(), before, 'no file or temporary file left');

  // A file /live falls back to cannot be deleted; with "none" it can, and /live has nothing to play.
  const inUse = await api('DELETE', `/api/v1/media/${encodeURIComponent('Up Loop.mp3')}`, op2);
  assert.equal(inUse.status, 409);
  assert.equal(inUse.body.code, 'MEDIA_IN_USE');
  assert.match(inUse.body.message, /fallback of \/live/);
  const none = await api('PATCH', LIVE, op2, { fallback_file: 'none' });
  assert.equal(none.status, 200, JSON.stringify(none.body));
  assert.equal(none.body.effective.fallback_file, 'none');
  const offline = await connectListener(bridge.url('/live'));
  offline.close();
  assert.equal(offline.statusCode, 404, 'no source and no fallback: as Icecast, nothing to play');
  assert.equal((await api('DELETE', `/api/v1/media/${encodeURIComponent('Up Loop.mp3')}`, dj2)).status, 403);
  assert.equal((await api('DELETE', `/api/v1/media/${encodeURIComponent('Up Loop.mp3')}`, op2)).status, 204);
  assert.ok(!readdirSync(mediaDir).includes('Up Loop.mp3'));
  const mediaAudit = (await api('GET', '/api/v1/audit?limit=20', await signIn('admin', bridge.adminPassword))).body as any[];
  assert.deepEqual(mediaAudit.filter((e) => e.action.startsWith('media.')).map((e) => `${e.action} ${e.target} ${e.actor}`),
    ['media.delete Up Loop.mp3 op', 'media.upload Up Loop.mp3 op', 'media.upload Up Loop.mp3 op']);
});

/**
 * A PUT of a media file over a raw socket-level client: a declared Content-Length with no body sent
 * (the answer must come before it), or a chunked body of `chunkedBytes` sent until the answer comes.
 */
function rawPut(baseUrl: string, who: Session, name: string, body: { declaredBytes?: number; chunkedBytes?: number }): Promise<{ status: number; text: string; sentBytes: number }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { cookie: who.cookie, 'x-csrf-token': who.csrf, 'content-type': 'audio/mpeg' };
    if (body.declaredBytes !== undefined) headers['content-length'] = body.declaredBytes;
    else headers['transfer-encoding'] = 'chunked';
    const req = request(`${baseUrl}/api/v1/media/${encodeURIComponent(name)}`, { method: 'PUT', headers });
    let sentBytes = 0;
    let answered = false;
    req.on('response', (res) => {
      answered = true;
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text, sentBytes }));
      res.on('error', reject);
    });
    // Once answered, the server may close while the rest is still being written: that is expected.
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    if (body.chunkedBytes === undefined) {
      req.flushHeaders();
      return;
    }
    const chunk = Buffer.alloc(1024 * 1024, 0x55);
    const pump = () => {
      while (!answered && sentBytes < body.chunkedBytes!) {
        sentBytes += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      if (!answered) req.end();
    };
    pump();
  });
}
