// test-load: light ~22s
// Mount settings set in the console (PATCH /api/v1/mounts/{path}) against the real program: the name
// reaches new listeners' icy-name and /status-json.xsl at once, still wins after a SIGHUP reload and
// after a restart on the same data directory, and null gives the config's name back; an operator may,
// a DJ may not; a fallback file chosen from <data_dir>/media/ is what a listener hears, on the same
// connection, when the source stops; a path instead of a media file name, or a file that is no audio,
// is refused naming the field.
// Every JSON answer is checked against the served OpenAPI document.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBridge, waitForMount, type RunningBridge } from '../helpers/bridge.ts';
import { assertOneConnection, connectListener } from '../helpers/listener.ts';
import { ffmpegSource } from '../helpers/peers.ts';
import { toneFile } from '../helpers/tones.ts';
import { decodeAudio, frequencyTimeline, toneSegments } from '../helpers/audio-analysis.ts';
import { checkAgainstOpenApi } from '../helpers/openapi-check.ts';

const CONFIG_NAME = 'Live from the config';
const CONSOLE_NAME = 'Radio Nord (console)';
const LIVE_HZ = 1000;
const FALLBACK_HZ = 440;
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
  const listener = await connectListener(bridge.url('/live'));
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
});
