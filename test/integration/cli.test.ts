// test-load: light ~40s
// The bridge program as an operator runs it (`npm start` = `node bridge/src/main.ts`): the config
// template, refusing a bad config with every problem listed, credentials generated and printed once,
// the start banner, SIGHUP reload without dropping anyone, and a clean SIGTERM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { spawnTracked, type ExitInfo, type TrackedProcess } from '../helpers/processes.ts';
import { assertOneConnection, connectListener } from '../helpers/listener.ts';
import { ffmpegSource } from '../helpers/peers.ts';
import { decodeAudio, dominantFrequencyHz } from '../helpers/audio-analysis.ts';
import { configTemplate } from '../../config/src/print-config.ts';

const MAIN = fileURLToPath(new URL('../../bridge/src/main.ts', import.meta.url));
const MP3_BYTES_PER_S = 16_000;
/** MP3 arrives with every flush (100 ms here; 500 ms is the longest interval the defaults allow). */
const MP3_MAX_GAP_MS = 500;
const ADMIN_PASSWORD = 'cli-admin-pass-1';

/** A fresh directory removed after the test. */
function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'aircheck-cli-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** `node bridge/src/main.ts ARGS` with only the given environment (plus PATH and HOME). */
function runMain(args: string[], env: Record<string, string> = {}): TrackedProcess {
  return spawnTracked(process.execPath, [MAIN, ...args], { name: 'aircheck', env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } });
}

function exitWithin(proc: TrackedProcess, ms: number): Promise<ExitInfo | 'timeout'> {
  return Promise.race([proc.exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms).unref())]);
}

/** The environment of a local test server: fresh data dir, 127.0.0.1, kernel-picked ports. */
const localEnv = (dataDir: string, extra: Record<string, string> = {}) => ({
  AIRCHECK_DATA_DIR: dataDir,
  AIRCHECK_HOST: '127.0.0.1',
  AIRCHECK_STREAM_PORT: '0',
  AIRCHECK_WEB_PORT: '0',
  ...extra,
});

interface Started {
  proc: TrackedProcess;
  /** `http://127.0.0.1:PORT` (no trailing slash). */
  streamUrl: string;
  webUrl: string;
  port: number;
}

async function startMain(t: { after(fn: () => Promise<unknown>): void }, args: string[], env: Record<string, string>): Promise<Started> {
  const proc = runMain(args, env);
  t.after(() => proc.stop('SIGKILL', 1000));
  await proc.waitForLine(/^aircheck: ready$/, 20_000, 'stdout');
  const stream = await proc.waitForLine(/streaming on (http:\/\/[^/\s]+)\//, 100, 'stdout');
  const web = await proc.waitForLine(/web on (http:\/\/[^/\s]+)\//, 100, 'stdout');
  return { proc, streamUrl: stream[1]!, webUrl: web[1]!, port: Number(new URL(stream[1]!).port) };
}

/**
 * A source request as ffmpeg sends it (PUT + Expect: 100-continue, no body yet). Resolves with the
 * final status code (after any 100 Continue) and closes the connection.
 */
function sourceAttempt(port: number, mount: string, user: string, password: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer to PUT ${mount} within 5 s; got ${JSON.stringify(text)}`));
    }, 5000);
    socket.on('connect', () =>
      socket.write(
        `PUT ${mount} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Basic ${Buffer.from(`${user}:${password}`).toString('base64')}\r\n` +
          'Content-Type: audio/mpeg\r\nExpect: 100-continue\r\nIce-Name: cli test\r\n\r\n',
      ),
    );
    socket.on('data', (d) => {
      text += d.toString('latin1');
      const final = [...text.matchAll(/^HTTP\/1\.[01] (\d{3}) /gm)].map((m) => Number(m[1])).find((s) => s !== 100);
      if (final !== undefined) {
        clearTimeout(timer);
        socket.destroy();
        resolve(final);
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      reject(new Error(`PUT ${mount}: connection closed without a final status; got ${JSON.stringify(text)}`));
    });
  });
}

async function publicStatus(base: string, mount: string): Promise<any> {
  const status = await (await fetch(`${base}/status.json`)).json();
  return status.mounts.find((m: any) => m.path === mount);
}

/** Bounded poll of /status.json (there is no event for "the server switched feeds"). */
async function waitForPlaying(base: string, mount: string, playing: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: any;
  while (Date.now() < deadline) {
    last = await publicStatus(base, mount);
    if (last?.playing === playing) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${mount} did not start playing ${playing} within ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
}

async function toneOf(audio: Uint8Array): Promise<number> {
  const { samples, sampleRateHz } = await decodeAudio(audio, { inputFormat: 'mp3' });
  return Math.round(dominantFrequencyHz(samples, sampleRateHz)! / 10) * 10;
}

test('--print-config prints the commented template of every setting and exits 0', async () => {
  const proc = runMain(['--print-config']);
  const exit = await exitWithin(proc, 10_000);
  assert.deepEqual(exit, { code: 0, signal: null });
  assert.equal(proc.stdout, configTemplate());
  assert.match(proc.stdout, /^\[limits\]$/m);
  assert.match(proc.stdout, /^# max_listeners = 20000$/m);
  assert.match(proc.stdout, /^# \[\[mounts\]\]$/m);
  assert.equal(proc.stderr, '');
});

test('an unknown option exits 2 with the usage', async () => {
  const proc = runMain(['--no-such-option']);
  const exit = await exitWithin(proc, 10_000);
  assert.equal(exit !== 'timeout' && exit.code, 2);
  assert.match(proc.stderr, /Usage: npm start -- \[--config FILE\] \[--print-config\]/);
});

test('an invalid config (file and environment) exits non-zero listing every problem with its key path, secrets hidden', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'bad.toml');
  writeFileSync(file, ['[server]', 'location = 42', '[limits]', 'max_listeners = "many"', '[admin]', 'password = "shrt-7"', '[[mounts]]', 'path = "/Bad Mount"'].join('\n'));
  const proc = runMain(['--config', file], localEnv(dir, { AIRCHECK_LIMITS_HEAD_TIMEOUT_MS: '5', AIRCHECK_NOPE: '1' }));
  const exit = await exitWithin(proc, 10_000);
  assert.ok(exit !== 'timeout', 'it exits');
  assert.notEqual(exit.code, 0);
  assert.match(proc.stderr, /^aircheck: CONFIG_INVALID: configuration is invalid:$/m);
  const problems = proc.stderr.split('\n').filter((l) => l.startsWith('  - '));
  for (const re of [/^ {2}- server\.location: /, /^ {2}- limits\.max_listeners: /, /^ {2}- admin\.password: /, /^ {2}- mounts\[0\]\.path: /, /^ {2}- limits\.head_timeout_ms: /, /AIRCHECK_NOPE/]) {
    assert.ok(problems.some((p) => re.test(p)), `${re} among:\n${proc.stderr}`);
  }
  assert.equal(problems.length, 6, proc.stderr);
  assert.ok(!proc.stderr.includes('shrt-7') && !proc.stdout.includes('shrt-7'), 'the password is not echoed');
  assert.doesNotMatch(proc.stdout, /ready/);
});

test('a config file that cannot be read exits non-zero with CONFIG_FILE_UNREADABLE', async (t) => {
  const dir = tempDir(t);
  const proc = runMain(['--config', join(dir, 'missing.toml')], localEnv(dir));
  const exit = await exitWithin(proc, 10_000);
  assert.ok(exit !== 'timeout' && exit.code !== 0, `exit ${JSON.stringify(exit)}`);
  assert.match(proc.stderr, /CONFIG_FILE_UNREADABLE: .*missing\.toml/);
});

test('the first start generates credentials, prints them once and stores them hashed; the second start prints none and they still work', async (t) => {
  const dataDir = join(tempDir(t), 'data');

  // First start: nothing configured.
  const first = await startMain(t, [], localEnv(dataDir, { AIRCHECK_LOG_LEVEL: 'warn' }));
  const out = first.proc.stdout;
  const secret = (re: RegExp) => {
    const m = re.exec(out);
    assert.ok(m, `${re} in the output:\n${out}`);
    return m[1]!;
  };
  assert.match(out, /Generated credentials \(shown once; stored hashed in the data directory\):/);
  const admin = secret(/^ {2}admin \(web and \/admin\): admin \/ (\S+)$/m);
  const live = secret(/^ {2}source password for \/live: source \/ (\S+)$/m);
  const testSource = secret(/^ {2}source password for \/test: source \/ (\S+)$/m);
  const token = secret(/^ {2}listener token for private mount \/test: (\S+)$/m);
  assert.equal(new Set([admin, live, testSource, token]).size, 4);

  // The start banner: URLs that answer, then `ready`.
  assert.match(out, /^aircheck 0\.1\.0: streaming on http:\/\/127\.0\.0\.1:\d+\/ \(sources: SOURCE\/PUT http:\/\/127\.0\.0\.1:\d+\/live/m);
  assert.match(out, /^aircheck 0\.1\.0: web on http:\/\/127\.0\.0\.1:(\d+)\/ \(player; DJ studio at http:\/\/127\.0\.0\.1:\1\/studio\/\), status http:\/\/127\.0\.0\.1:\d+\/status-json\.xsl, metrics http:\/\/127\.0\.0\.1:\d+\/metrics$/m);
  assert.ok(out.includes(`data in ${dataDir}`), out);
  assert.ok(out.indexOf('Generated credentials') < out.indexOf('aircheck: ready'), 'credentials come before ready');
  assert.equal(await (await fetch(`${first.streamUrl}/health`)).text(), 'ok\n');
  const page = await fetch(`${first.webUrl}/`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type') ?? '', /text\/html/);

  // Stored hashed, private.
  const file = join(dataDir, 'credentials.json');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const stored = readFileSync(file, 'utf8');
  for (const password of [admin, live, testSource]) assert.ok(!stored.includes(password), 'a password is stored in plain text');
  assert.match(stored, /scrypt\$/);

  // They work.
  assert.equal(await sourceAttempt(first.port, '/live', 'source', live), 200);
  assert.equal(await sourceAttempt(first.port, '/test', 'source', `${testSource}x`), 401);
  const adminStatus = await fetch(`${first.streamUrl}/admin/status.json`, { headers: { authorization: `Basic ${Buffer.from(`admin:${admin}`).toString('base64')}` } });
  assert.equal(adminStatus.status, 200);
  const withToken = await connectListener(`${first.streamUrl}/test?token=${token}`);
  await withToken.waitForClose(5000);
  assert.equal(withToken.statusCode, 404, 'the token is accepted (and /test has no source: MOUNT_OFFLINE)');
  assert.match(Buffer.from(withToken.body).toString(), /^MOUNT_OFFLINE/);

  assert.deepEqual(await first.proc.stop('SIGTERM', 5000), { code: 0, signal: null });

  // Second start on the same data directory.
  const second = await startMain(t, [], localEnv(dataDir, { AIRCHECK_LOG_LEVEL: 'warn' }));
  const all = second.proc.stdout + second.proc.stderr;
  assert.doesNotMatch(all, /Generated credentials/);
  for (const s of [admin, live, testSource, token]) assert.ok(!all.includes(s), 'a secret is printed again');
  assert.equal(readFileSync(file, 'utf8'), stored, 'credentials.json is unchanged');
  // A real encoder authenticates with the password printed on the first start.
  const source = ffmpegSource({ url: second.streamUrl, mount: '/live', password: live, format: 'mp3', toneHz: 1000 });
  t.after(() => source.stop('SIGKILL'));
  await waitForPlaying(second.streamUrl, '/live', 'source');
  assert.equal(await sourceAttempt(second.port, '/test', 'source', testSource), 200);
});

test('a first start on a port already taken stores and prints no credentials; the next start prints them once', async (t) => {
  const dataDir = join(tempDir(t), 'data');
  const taken = net.createServer();
  await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
  t.after(() => taken.close());
  const port = (taken.address() as net.AddressInfo).port;
  const failed = runMain([], localEnv(dataDir, { AIRCHECK_STREAM_PORT: String(port) }));
  t.after(() => failed.stop('SIGKILL', 1000));
  const exit = await exitWithin(failed, 20_000);
  assert.deepEqual(exit, { code: 1, signal: null }, failed.tail());
  assert.match(failed.stderr, /cannot listen: .*EADDRINUSE.*nothing was generated or stored/);
  assert.doesNotMatch(failed.stdout + failed.stderr, /Generated credentials/, 'no secret shown for a server that never ran');
  assert.throws(() => statSync(join(dataDir, 'credentials.json')), /ENOENT/, 'nothing stored that nobody has seen');
  // The operator frees the port (here: picks a free one) and starts again: the secrets appear now.
  const second = await startMain(t, [], localEnv(dataDir));
  assert.match(second.proc.stdout, /Generated credentials \(shown once; stored hashed in the data directory\):/);
  assert.match(second.proc.stdout, /^ {2}source password for \/live: source \/ \S+$/m);
});

test('listening on every interface (0.0.0.0, the default) says so and prints the loopback URL first, then each interface address', async (t) => {
  const dataDir = join(tempDir(t), 'data');
  const started = await startMain(t, [], { ...localEnv(dataDir, { AIRCHECK_ADMIN_PASSWORD: ADMIN_PASSWORD }), AIRCHECK_HOST: '0.0.0.0' });
  const out = started.proc.stdout;
  assert.match(out, /^aircheck 0\.1\.0: listening on every interface \(0\.0\.0\.0\); reachable at the addresses below$/m);
  const line = /^aircheck 0\.1\.0: streaming on (\S+)(?: \(also ([^)]*)\))? \(sources/m.exec(out);
  assert.ok(line, out);
  assert.equal(line[1], `http://127.0.0.1:${started.port}/`, 'the loopback URL comes first');
  const others = (line[2] ?? '').split(', ').filter(Boolean);
  const expected = Object.values(networkInterfaces()).flat().filter((a) => a && !a.internal && a.family === 'IPv4').map((a) => `http://${a!.address}:${started.port}/`);
  assert.deepEqual(others, expected, 'every non-loopback IPv4 address of this machine is listed');
  // Only the loopback is fetched: tests send traffic to this machine's loopback addresses alone.
  assert.equal((await fetch(`${line[1]}health`)).status, 200, `${line[1]} answers`);
});

test('SIGHUP reloads mounts and passwords: the new mount and password work, the old password does not, and nobody is dropped', async (t) => {
  const dir = tempDir(t);
  const configFile = join(dir, 'aircheck.toml');
  writeFileSync(configFile, ['[[mounts]]', 'path = "/live"', 'source_password = "old-live-pass-1"'].join('\n'));
  const bridge = await startMain(t, ['--config', configFile], localEnv(join(dir, 'data'), { AIRCHECK_ADMIN_PASSWORD: ADMIN_PASSWORD, AIRCHECK_LOG_LEVEL: 'info' }));

  const oldSource = ffmpegSource({ url: bridge.streamUrl, mount: '/live', password: 'old-live-pass-1', format: 'mp3', toneHz: 1000 });
  t.after(() => oldSource.stop('SIGKILL'));
  await waitForPlaying(bridge.streamUrl, '/live', 'source');
  const listener = await connectListener(`${bridge.streamUrl}/live`, { tap: true });
  t.after(() => listener.close());
  await listener.waitForAudioBytes(MP3_BYTES_PER_S, 10_000);
  assert.equal(await sourceAttempt(bridge.port, '/added', 'source', 'added-pass-1'), 404, '/added does not exist yet');

  writeFileSync(
    configFile,
    ['[[mounts]]', 'path = "/live"', 'source_password = "new-live-pass-1"', '[[mounts]]', 'path = "/added"', 'source_password = "added-pass-1"'].join('\n'),
  );
  process.kill(bridge.proc.pid!, 'SIGHUP');
  await bridge.proc.waitForLine(/"msg":"configuration reloaded"/, 10_000, 'stdout');

  assert.equal(await sourceAttempt(bridge.port, '/added', 'source', 'added-pass-1'), 200, 'the new mount accepts a source');
  assert.equal(await sourceAttempt(bridge.port, '/live', 'source', 'old-live-pass-1'), 401, 'the old password is refused');
  assert.equal(await sourceAttempt(bridge.port, '/live', 'source', 'new-live-pass-1'), 409, 'the new password is accepted (the mount is busy)');

  // The source and the listener connected before the reload are still there.
  const atReload = listener.audioByteCount;
  await listener.waitForAudioBytes(atReload + 2 * MP3_BYTES_PER_S, 10_000);
  assert.equal(listener.closed, null);
  assert.equal((await publicStatus(bridge.streamUrl, '/live')).playing, 'source');

  // The old encoder goes; one with the new password takes the mount; the listener hears it.
  await oldSource.stop('SIGKILL');
  await waitForPlaying(bridge.streamUrl, '/live', 'fallback-file');
  const newSource = ffmpegSource({ url: bridge.streamUrl, mount: '/live', password: 'new-live-pass-1', format: 'mp3', toneHz: 880 });
  t.after(() => newSource.stop('SIGKILL'));
  await waitForPlaying(bridge.streamUrl, '/live', 'source');
  const atNew = listener.audioByteCount;
  await listener.waitForAudioBytes(atNew + 3 * MP3_BYTES_PER_S, 10_000);
  assertOneConnection(listener, MP3_MAX_GAP_MS); // the same connection throughout
  assert.equal(await toneOf(listener.audio.subarray(atNew + MP3_BYTES_PER_S)), 880);
});

test('a SIGHUP with a broken config keeps the running configuration', async (t) => {
  const dir = tempDir(t);
  const configFile = join(dir, 'aircheck.toml');
  writeFileSync(configFile, ['[[mounts]]', 'path = "/live"', 'source_password = "old-live-pass-1"'].join('\n'));
  const bridge = await startMain(t, ['--config', configFile], localEnv(join(dir, 'data'), { AIRCHECK_ADMIN_PASSWORD: ADMIN_PASSWORD }));
  // An answer proves main() has run past its start-up code (signal handlers included).
  assert.equal((await fetch(`${bridge.streamUrl}/health`)).status, 200);
  writeFileSync(configFile, ['[[mounts]]', 'path = "/live"', 'source_password = "new-live-pass-1"', '[limits]', 'max_listeners = "many"'].join('\n'));
  process.kill(bridge.proc.pid!, 'SIGHUP');
  await bridge.proc.waitForLine(/"msg":"reload failed; keeping the running configuration"/, 10_000, 'stdout');
  assert.equal(bridge.proc.hasExited, false);
  assert.equal(await sourceAttempt(bridge.port, '/live', 'source', 'new-live-pass-1'), 401);
  assert.equal(await sourceAttempt(bridge.port, '/live', 'source', 'old-live-pass-1'), 200);
});

test('a SIGHUP sent as soon as `ready` is printed reloads the server instead of killing it', async (t) => {
  // A supervisor may reload right after the ready line; the handlers must be in place by then.
  // The window is short, so a few starts are tried.
  const dir = tempDir(t);
  for (let attempt = 1; attempt <= 3; attempt++) {
    const proc = runMain([], localEnv(join(dir, `data-${attempt}`), { AIRCHECK_ADMIN_PASSWORD: ADMIN_PASSWORD, AIRCHECK_LOG_LEVEL: 'info' }));
    t.after(() => proc.stop('SIGKILL', 1000));
    await proc.waitForLine(/^aircheck: ready$/, 20_000, 'stdout');
    process.kill(proc.pid!, 'SIGHUP');
    await proc.waitForLine(/"msg":"configuration reloaded"/, 10_000, 'stdout');
    assert.equal(proc.hasExited, false, `attempt ${attempt}: ${proc.tail()}`);
    assert.deepEqual(await proc.stop('SIGTERM', 5000), { code: 0, signal: null });
  }
});

test('SIGTERM: listeners first get every byte released before it, then an orderly close; exit 0 within a few seconds', async (t) => {
  const dir = tempDir(t);
  // One write a second: SIGTERM 700 ms after a write leaves 700 ms of released audio not yet written,
  // which the drain must deliver (a missing final flush loses it all; a reset loses what is in flight).
  const bridge = await startMain(t, [], localEnv(join(dir, 'data'), {
    AIRCHECK_ADMIN_PASSWORD: ADMIN_PASSWORD, AIRCHECK_LIVE_SOURCE_PASSWORD: 'live-pass-1',
    AIRCHECK_LIMITS_FLUSH_INTERVAL_MS: '1000', AIRCHECK_LIMITS_FLUSH_INTERVAL_MAX_MS: '1000',
  }));
  const source = ffmpegSource({ url: bridge.streamUrl, mount: '/live', password: 'live-pass-1', format: 'mp3', toneHz: 1000 });
  t.after(() => source.stop('SIGKILL'));
  await waitForPlaying(bridge.streamUrl, '/live', 'source');
  const listeners = await Promise.all([connectListener(`${bridge.streamUrl}/live`), connectListener(`${bridge.streamUrl}/live`, { icyMetadata: true })]);
  t.after(() => listeners.forEach((l) => l.close()));
  const [plain, icy] = listeners as [typeof listeners[0], typeof listeners[0]];
  // Past the burst and two regular writes: the pacer releases in real time.
  await Promise.all(listeners.map((l) => l.waitForAudioBytes(2 * MP3_BYTES_PER_S, 10_000)));
  const writes: { atMs: number; bytes: number }[] = [];
  plain.socket.on('data', (d: Buffer) => writes.push({ atMs: performance.now(), bytes: d.length }));
  await new Promise<void>((resolve) => plain.socket.once('data', () => resolve()));
  const lastWriteAtMs = writes.at(-1)!.atMs;
  await delay(700); // the phase within the write interval is the test's subject: no event marks it
  assert.equal(writes.at(-1)!.atMs, lastWriteAtMs, `no write since (writes: ${JSON.stringify(writes)})`);
  const before = listeners.map((l) => l.audioByteCount);
  const sigtermAtMs = performance.now();
  process.kill(bridge.proc.pid!, 'SIGTERM');
  const exit = await exitWithin(bridge.proc, 8000);
  const tookMs = performance.now() - sigtermAtMs;
  assert.deepEqual(exit, { code: 0, signal: null }, bridge.proc.tail());
  assert.ok(tookMs < 6000, `exited after ${Math.round(tookMs)} ms`);
  for (const l of listeners) {
    const closed = await l.waitForClose(2000);
    assert.equal(closed.by, 'server', `closed by ${closed.by}${closed.error ? ` (${closed.error.message})` : ''}: an orderly end of stream, not a reset`);
  }
  // Released between the last write and SIGTERM: 128 kbps = 16 000 bytes/s, in whole MP3 frames (≤ 418
  // bytes each). The drain writes it as one last write, the same audio to both listeners.
  const drained = listeners.map((l, i) => l.audioByteCount - before[i]!);
  const releasedBytes = (MP3_BYTES_PER_S * (sigtermAtMs - lastWriteAtMs)) / 1000;
  const FRAME_BYTES = 418;
  assert.ok(drained[0]! >= releasedBytes - FRAME_BYTES,
    `the last write carries what was released before SIGTERM: ${drained[0]} bytes, ${Math.round(releasedBytes)} released in ${Math.round(sigtermAtMs - lastWriteAtMs)} ms`);
  assert.ok(drained[0]! <= releasedBytes + FRAME_BYTES + MP3_BYTES_PER_S / 10,
    `and no more than was released by the time the bridge handled the signal: ${drained[0]} bytes, ${Math.round(releasedBytes)} released`);
  assert.equal(writes.filter((w) => w.atMs > sigtermAtMs).reduce((n, w) => n + w.bytes, 0), drained[0], 'the plain listener got it as body bytes after SIGTERM');
  assert.equal(drained[1], drained[0], 'the ICY listener got the same audio');
  assert.deepEqual(icy.audio.subarray(-drained[0]!), plain.audio.subarray(-drained[0]!), 'byte for byte');
  await assert.rejects(fetch(`${bridge.streamUrl}/health`), 'nothing listens any more');
});
