// test-load: light ~120s
// Pushes to other servers (issue 11): Aircheck's /live pushed to two Debian icecast2 servers. One is
// killed for 60 s and restarted on the same port: the other's listener hears the tone without a gap,
// the first gets the push back within its backoff, and the admin status tells the truth throughout.
// Then a push over TLS (icecast2's own TLS port, a private CA), beside a refused and an unreachable one.
// Then a push added in the console (issue 12, POST /api/v1/pushes): it reaches icecast2 at once, stays
// through a SIGHUP and a restart, stops when disabled or deleted; a DJ may not; no password is shown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getJson, startBridge, waitForMount, type RunningBridge } from '../helpers/bridge.ts';
import { assertOneConnection, connectListenerWhenLive, type ListenerHandle } from '../helpers/listener.ts';
import { ffmpegSource, makeTempDir, startIcecast, type IcecastServer } from '../helpers/peers.ts';
import { freePort } from '../helpers/ports.ts';
import { createTestCa } from '../helpers/test-ca.ts';
import { decodeAudio, dominantFrequencyHz, frequencyTimeline } from '../helpers/audio-analysis.ts';
import { checkAgainstOpenApi } from '../helpers/openapi-check.ts';

const TONE_HZ = 660;
const DOWN_MS = 60_000;
const ICE = { sourcePassword: 'push-source-pw', adminPassword: 'push-admin-pw' };

interface PushStatus {
  name: string;
  state: string;
  bytesSent: number;
  reconnectAttempts: number;
  backoffMs: number;
  nextAttemptAt: string | null;
  connectedSince: string | null;
  lastError: { code: string } | null;
}

async function pushes(bridge: RunningBridge): Promise<Record<string, PushStatus>> {
  const status = await getJson(`${bridge.streamUrl}/admin/status.json`, { authorization: bridge.adminAuth });
  const live = status.mounts.find((m: any) => m.path === '/live');
  return Object.fromEntries((live.pushes as PushStatus[]).map((p) => [p.name, p]));
}

/** Polls the admin status (no event exists for a push's state) until `predicate` holds. */
async function waitForPushes(bridge: RunningBridge, predicate: (p: Record<string, PushStatus>) => boolean, timeoutMs: number, what: string): Promise<Record<string, PushStatus>> {
  const deadline = Date.now() + timeoutMs;
  let last: Record<string, PushStatus> = {};
  while (Date.now() < deadline) {
    last = await pushes(bridge);
    if (predicate(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`pushes did not reach "${what}" in ${timeoutMs} ms; last status: ${JSON.stringify(last)}`);
}

function pushToml(name: string, server: IcecastServer): string {
  return `[[mounts.push]]\nname = "${name}"\nhost = "127.0.0.1"\nport = ${server.port}\nmount = "/relay"\npassword = "${ICE.sourcePassword}"\n`;
}

async function assertTone(listener: ListenerHandle, label: string): Promise<void> {
  const { samples, sampleRateHz } = await decodeAudio(listener.audio, { inputFormat: 'mp3' });
  const hz = dominantFrequencyHz(samples, sampleRateHz);
  assert.ok(hz !== null && Math.abs(hz - TONE_HZ) <= 5, `${label}: expected ${TONE_HZ} Hz, decoded ${hz} Hz from ${listener.audio.length} bytes`);
}

test('/live pushed to two icecast2 servers: one killed for 60 s, the other listener hears no gap, the first is back within its backoff', { timeout: 150_000 }, async (t) => {
  const one = await startIcecast(ICE);
  t.after(() => one.stop());
  const two = await startIcecast(ICE);
  t.after(() => two.stop());
  const bridge = await startBridge({ configToml: `[[mounts]]\npath = "/live"\n${pushToml('one', one)}${pushToml('two', two)}` });
  t.after(() => bridge.stop());
  const source = ffmpegSource({ url: bridge.streamUrl, mount: '/live', password: bridge.livePassword, format: 'mp3', toneHz: TONE_HZ });
  t.after(() => source.stop());
  await waitForMount(bridge, '/live', (m) => m.playing === 'source', 15_000);
  await waitForPushes(bridge, (p) => p.one?.state === 'connected' && p.two?.state === 'connected', 15_000, 'both connected').catch((err: Error) => {
    throw new Error(`${err.message}\nicecast2 #1 (exited: ${one.process.hasExited}):\n${one.process.tail(2000)}\nicecast2 #2:\n${two.process.tail(1000)}`);
  });

  // A listener on each server; the one on #2 stays for the whole test.
  const l1 = await connectListenerWhenLive(`${one.baseUrl}/relay`, {}, 10_000);
  t.after(() => l1.close());
  const l2 = await connectListenerWhenLive(`${two.baseUrl}/relay`, { tap: true }, 10_000);
  t.after(() => l2.close());
  await Promise.all([l1.waitForAudioBytes(80_000, 15_000), l2.waitForAudioBytes(80_000, 15_000)]);
  await assertTone(l1, 'listener on icecast2 #1 before the kill');

  // The title set on Aircheck reaches the targets as Icecast metadata (MP3: /admin/metadata updinfo).
  const title = 'Pushed title 7';
  const res = await fetch(`${bridge.streamUrl}/admin/metadata?mode=updinfo&mount=/live&song=${encodeURIComponent(title)}`, { headers: { authorization: bridge.adminAuth } });
  assert.equal(res.status, 200, await res.text());

  // Kill icecast2 #1 (its process group, by PID) and keep it down for 60 s.
  l1.close();
  const killedAt = Date.now();
  await one.process.stop('SIGKILL', 1000);
  const down = await waitForPushes(bridge, (p) => p.one?.state === 'waiting' && p.one.reconnectAttempts > 0, 10_000, '#1 waiting after the kill');
  assert.ok(['PUSH_CONNECTION_LOST', 'PUSH_UNREACHABLE'].includes(down.one!.lastError?.code ?? ''), `#1's last error has a push code: ${JSON.stringify(down.one!.lastError)}`);
  assert.ok(down.one!.nextAttemptAt !== null && down.one!.connectedSince === null);

  // While #1 is down, every second: #1 is never shown connected, #2 stays connected with growing bytes.
  let lastTwoBytes = down.two!.bytesSent;
  let maxAttempts = 0;
  const codes = new Set<string>();
  while (Date.now() - killedAt < DOWN_MS) {
    await new Promise((r) => setTimeout(r, Math.min(1000, DOWN_MS - (Date.now() - killedAt))));
    const p = await pushes(bridge);
    assert.notEqual(p.one!.state, 'connected', 'the status never shows the dead server as connected');
    assert.ok(['waiting', 'connecting'].includes(p.one!.state), `#1 is waiting or connecting: ${p.one!.state}`);
    if (p.one!.lastError) codes.add(p.one!.lastError.code);
    maxAttempts = Math.max(maxAttempts, p.one!.reconnectAttempts);
    assert.equal(p.two!.state, 'connected', `#2 stays connected: ${JSON.stringify(p.two)}`);
    assert.equal(p.two!.connectedSince, down.two!.connectedSince, '#2 keeps the same connection');
    assert.ok(p.two!.bytesSent > lastTwoBytes, `#2's bytes keep growing: ${p.two!.bytesSent} after ${lastTwoBytes}`);
    lastTwoBytes = p.two!.bytesSent;
  }
  assert.ok(codes.has('PUSH_UNREACHABLE'), `retries against the dead server fail as unreachable: ${[...codes].join(', ')}`);
  assert.ok(maxAttempts >= 3, `several attempts while down: ${maxAttempts}`);

  // Restart #1 on the same port: the push comes back at its next attempt, within the backoff in effect.
  const restarted = await startIcecast({ ...ICE, port: one.port });
  t.after(() => restarted.stop());
  const restartedAt = Date.now();
  const atRestart = (await pushes(bridge)).one!;
  assert.equal(atRestart.state, 'waiting', `#1 still waits for its next attempt: ${JSON.stringify(atRestart)}`);
  const back = await waitForPushes(bridge, (p) => p.one?.state === 'connected', atRestart.backoffMs + 5000, '#1 connected again');
  const reconnectedAt = Date.parse(back.one!.connectedSince!);
  t.diagnostic(`#1 down ${((restartedAt - killedAt) / 1000).toFixed(1)} s, ${maxAttempts} attempts; back ${((reconnectedAt - restartedAt) / 1000).toFixed(1)} s after its restart (backoff in effect ${atRestart.backoffMs / 1000} s, next attempt was due at ${atRestart.nextAttemptAt})`);
  assert.ok(reconnectedAt - restartedAt <= atRestart.backoffMs, `back ${reconnectedAt - restartedAt} ms after the restart, within the ${atRestart.backoffMs} ms backoff`);
  assert.ok(Math.abs(reconnectedAt - Date.parse(atRestart.nextAttemptAt!)) < 2000, 'it reconnected at the attempt the status announced');

  // #1's listeners hear the tone again.
  const l1b = await connectListenerWhenLive(`${restarted.baseUrl}/relay`, {}, 10_000);
  t.after(() => l1b.close());
  await l1b.waitForAudioBytes(48_000, 10_000);
  l1b.close();
  await assertTone(l1b, 'listener on icecast2 #1 after its restart');
  const after = await pushes(bridge);
  assert.equal(after.two!.state, 'connected');
  assert.ok(after.two!.bytesSent > lastTwoBytes);
  // The metrics say the same, one series per configured target.
  const metrics = await (await fetch(`${bridge.streamUrl}/metrics`, { headers: { authorization: bridge.adminAuth } })).text();
  for (const name of ['one', 'two']) assert.match(metrics, new RegExp(`^aircheck_push_connected\\{mount="/live",target="${name}"\\} 1$`, 'm'));
  assert.match(metrics, /^aircheck_push_reconnects_total\{mount="\/live",target="one"\} [1-9]\d*$/m);
  assert.match(metrics, /^aircheck_push_errors_total\{mount="\/live",target="one",code="PUSH_UNREACHABLE"\} [1-9]\d*$/m);
  assert.doesNotMatch(metrics, /aircheck_push_reconnects_total\{mount="\/live",target="two"\} [1-9]/);

  // #2's listener: one connection, no pause in its bytes over 1 s, the tone in every 500 ms window.
  assertOneConnection(l2, 1000);
  const reads = l2.arrivals();
  const worstGapMs = Math.max(...reads.slice(1).map((r, i) => r.atMs - reads[i]!.atMs));
  t.diagnostic(`listener on #2: longest pause between reads ${Math.round(worstGapMs)} ms over ${(reads.at(-1)!.atMs / 1000).toFixed(1)} s`);
  l2.close();
  const { samples, sampleRateHz } = await decodeAudio(l2.audio, { inputFormat: 'mp3' });
  const all = frequencyTimeline(samples, sampleRateHz, 500);
  const isTone = (w: (typeof all)[number]) => w.frequencyHz !== null && Math.abs(w.frequencyHz - TONE_HZ) <= 5;
  // icecast2's burst may open with the fallback the push carried before the source: the tone starts within it.
  const first = all.findIndex(isTone);
  assert.ok(first >= 0 && all[first]!.startS <= 5, `the tone starts within icecast2's burst on #2 (first at ${all[first]?.startS} s)`);
  const windows = all.slice(first);
  const off = windows.filter((w) => !isTone(w));
  t.diagnostic(`listener on #2: ${l2.audio.length} bytes, ${windows.length} windows of 500 ms, ${off.length} without the tone`);
  assert.ok(windows.length * 0.5 >= (Date.now() - killedAt) / 1000 - 2, `the listener on #2 decoded ${windows.length * 0.5} s, covering the whole outage`);
  assert.deepEqual(off.map((w) => `${w.startS.toFixed(1)} s: ${w.frequencyHz} Hz`), [], 'the tone throughout on #2');

  // The title reached #2 (icecast2's own status page for the pushed mount).
  const status = await getJson(`${two.baseUrl}/status-json.xsl`);
  const relay = [status.icestats.source].flat().find((s: any) => s.listenurl.endsWith('/relay'));
  assert.equal(relay?.title, title, `icecast2 #2 shows the title: ${JSON.stringify(relay)}`);
});

test('a push over TLS reaches icecast2; a wrong password is PUSH_REFUSED and plain HTTP to its TLS port PUSH_UNREACHABLE, without harm to it', { timeout: 60_000 }, async (t) => {
  const ca = createTestCa();
  t.after(() => ca.remove());
  const leaf = ca.leaf();
  const dir = makeTempDir('icecast-tls');
  const pem = join(dir, 'icecast.pem');
  writeFileSync(pem, leaf.certPem + leaf.keyPem, { mode: 0o600 });
  execFileSync('chown', ['-R', 'icecast2', dir]); // icecast2 reads its certificate as itself
  const tlsPort = await freePort();
  const ice = await startIcecast({
    ...ICE,
    maxSources: 4,
    extraXml: `<listen-socket><port>${tlsPort}</port><bind-address>127.0.0.1</bind-address><ssl>1</ssl></listen-socket><paths><ssl-certificate>${pem}</ssl-certificate></paths>`,
  });
  t.after(() => ice.stop());
  const target = (name: string, port: number, mount: string, password: string, tls: boolean) =>
    `[[mounts.push]]\nname = "${name}"\nhost = "127.0.0.1"\nport = ${port}\nmount = "${mount}"\npassword = "${password}"\ntls = ${tls}\n`;
  const bridge = await startBridge({
    // The private CA is trusted the way an operator trusts one: Node's NODE_EXTRA_CA_CERTS.
    env: { NODE_EXTRA_CA_CERTS: ca.caCertFile },
    configToml: `[[mounts]]\npath = "/live"\n${target('secure', tlsPort, '/relay', ICE.sourcePassword, true)}${target('wrong-password', ice.port, '/other', 'not-the-password', false)}${target('plain-to-tls', tlsPort, '/third', ICE.sourcePassword, false)}`,
  });
  t.after(() => bridge.stop());
  const source = ffmpegSource({ url: bridge.streamUrl, mount: '/live', password: bridge.livePassword, format: 'mp3', toneHz: TONE_HZ });
  t.after(() => source.stop());
  await waitForMount(bridge, '/live', (m) => m.playing === 'source', 15_000);
  const p = await waitForPushes(
    bridge,
    (s) => s.secure?.state === 'connected' && s['wrong-password']?.lastError !== null && s['plain-to-tls']?.lastError !== null,
    15_000,
    'secure connected, the others failed',
  );
  assert.equal(p['wrong-password']!.state, 'waiting');
  assert.equal(p['wrong-password']!.lastError!.code, 'PUSH_REFUSED');
  assert.match((p['wrong-password']!.lastError as any).message, /401/);
  assert.equal(p['plain-to-tls']!.state, 'waiting');
  assert.equal(p['plain-to-tls']!.lastError!.code, 'PUSH_UNREACHABLE');
  assert.equal(JSON.stringify(p).includes(ICE.sourcePassword), false, 'no password in the status');
  assert.equal(bridge.proc.stdout.includes(ICE.sourcePassword) || bridge.proc.stderr.includes(ICE.sourcePassword), false, 'no password in the log');

  // The TLS push carries the tone: a listener on icecast2's plain port hears it.
  const listener = await connectListenerWhenLive(`${ice.baseUrl}/relay`, {}, 10_000);
  t.after(() => listener.close());
  await listener.waitForAudioBytes(96_000, 15_000);
  listener.close();
  const { samples, sampleRateHz } = await decodeAudio(listener.audio.subarray(-48_000), { inputFormat: 'mp3' });
  const hz = dominantFrequencyHz(samples, sampleRateHz);
  assert.ok(hz !== null && Math.abs(hz - TONE_HZ) <= 5, `the TLS push's listener hears ${TONE_HZ} Hz: ${hz}`);

  // SIGHUP with the failing targets removed: they go, the TLS push keeps its connection.
  const before = (await pushes(bridge)).secure!;
  writeFileSync(bridge.configFile!, `[[mounts]]\npath = "/live"\n${target('secure', tlsPort, '/relay', ICE.sourcePassword, true)}`);
  process.kill(bridge.proc.pid!, 'SIGHUP');
  const reloaded = await waitForPushes(bridge, (s) => Object.keys(s).join() === 'secure', 10_000, 'only the TLS push after the reload');
  assert.equal(reloaded.secure!.connectedSince, before.connectedSince, 'the unchanged target kept its connection');
  assert.ok(reloaded.secure!.bytesSent >= before.bytesSent);
});

test('a push added in the console reaches icecast2 at once, stays through a SIGHUP and a restart, stops when disabled or deleted; a DJ may not; its password is never shown', { timeout: 60_000 }, async (t) => {
  // icecast2 takes /console only with its own password: the console push is the only thing that knows it.
  const CONSOLE_PUSH_PASSWORD = 'console-only-pw-4711';
  const ice = await startIcecast({ ...ICE, maxSources: 4, extraXml: `<mount><mount-name>/console</mount-name><password>${CONSOLE_PUSH_PASSWORD}</password></mount>` });
  t.after(() => ice.stop());
  const dataDir = makeTempDir('console-push');
  const configToml = `[[mounts]]\npath = "/live"\n${pushToml('cfg', ice).replace('"/relay"', '"/cfg"')}`;
  let bridge = await startBridge({ dataDir, configToml });
  t.after(() => bridge.stop());
  const outputs: string[] = [];
  let doc: unknown = await (await fetch(`${bridge.webUrl}/api/v1/openapi.json`)).json();

  type Session = { cookie: string; csrf: string };
  async function api(method: string, path: string, who: Session, body?: unknown): Promise<{ status: number; body: any; text: string }> {
    const headers: Record<string, string> = { cookie: who.cookie, 'x-csrf-token': who.csrf };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${bridge.webUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    const json = text === '' ? undefined : JSON.parse(text);
    checkAgainstOpenApi(doc, method, path, res.status, json);
    return { status: res.status, body: json, text };
  }
  async function signIn(name: string, password: string): Promise<Session> {
    const res = await fetch(`${bridge.webUrl}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, password }) });
    assert.equal(res.status, 200, `${name} signs in`);
    return { cookie: res.headers.get('set-cookie')!.split(';')[0]!, csrf: ((await res.json()) as { csrfToken: string }).csrfToken };
  }
  const listed = async (who: Session) => {
    const res = await api('GET', '/api/v1/pushes', who);
    assert.equal(res.status, 200);
    assert.ok(!res.text.includes(CONSOLE_PUSH_PASSWORD) && !res.text.includes(ICE.sourcePassword), `no password in GET /api/v1/pushes: ${res.text}`);
    return res.body as any[];
  };
  /** Polls the list (no event exists for a push's state) until the console push is connected. */
  const waitConnected = async (who: Session) => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const p = (await listed(who)).find((v) => v.label === 'console-push');
      if (p?.status?.state === 'connected') return p;
      if (Date.now() > deadline) throw new Error(`the console push did not connect: ${JSON.stringify(p)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const iceMounts = async () => [(await getJson(`${ice.baseUrl}/status-json.xsl`)).icestats.source ?? []].flat().map((s: any) => new URL(s.listenurl).pathname);

  const admin = await signIn('admin', bridge.adminPassword);
  for (const [name, role] of [['op', 'operator'], ['dj1', 'dj']]) {
    assert.equal((await api('POST', '/api/v1/users', admin, { name, role, password: `${name}-password-1` })).status, 201);
  }
  let op = await signIn('op', 'op-password-1');
  const dj = await signIn('dj1', 'dj1-password-1');
  const source = ffmpegSource({ url: bridge.streamUrl, mount: '/live', password: bridge.livePassword, format: 'mp3', toneHz: TONE_HZ });
  t.after(() => source.stop());
  await waitForMount(bridge, '/live', (m) => m.playing === 'source', 15_000);

  // A DJ may neither list nor add pushes; the config's push is listed read-only; its name is not free.
  const push = { path: '/live', name: 'console-push', host: '127.0.0.1', port: ice.port, mount: '/console', password: CONSOLE_PUSH_PASSWORD, format: 'mp3' };
  const refused = await api('POST', '/api/v1/pushes', dj, push);
  assert.equal(refused.status, 403);
  assert.equal(refused.body.code, 'AUTH_FORBIDDEN');
  assert.equal((await api('GET', '/api/v1/pushes', dj)).status, 403);
  const taken = await api('POST', '/api/v1/pushes', op, { ...push, name: 'cfg' });
  assert.equal(taken.status, 409);
  assert.equal(taken.body.code, 'PUSH_CONFLICT');
  assert.match(taken.body.message, /push field "name" is "cfg": the config's push "cfg" of \/live has this name/);
  assert.deepEqual((await listed(op)).map((p) => [p.origin, p.id, p.label]), [['config', null, 'cfg']]);

  // An operator adds it: icecast2's /console plays the tone at once.
  const created = await api('POST', '/api/v1/pushes', op, push);
  assert.equal(created.status, 201, created.text);
  assert.equal(created.body.origin, 'console');
  assert.equal(created.body.passwordSet, true);
  assert.ok(!created.text.includes(CONSOLE_PUSH_PASSWORD), 'the answer never carries the password');
  const id: string = created.body.id;
  const l1 = await connectListenerWhenLive(`${ice.baseUrl}/console`, {}, 10_000);
  t.after(() => l1.close());
  await l1.waitForAudioBytes(48_000, 10_000);
  await assertTone(l1, 'listener on icecast2 /console');
  const connected = await waitConnected(op);
  assert.equal(connected.createdBy, 'op');

  // A SIGHUP (the same file) keeps the console push, on the same connection.
  process.kill(bridge.proc.pid!, 'SIGHUP');
  await bridge.proc.waitForLine(/"reason":"SIGHUP","msg":"configuration reloaded"/, 10_000, 'stdout');
  const afterHup = await waitConnected(op);
  assert.equal(afterHup.status.connectedSince, connected.status.connectedSince, 'the push kept its connection over the reload');
  await l1.waitForAudioBytes(l1.audioByteCount + 16_000, 5000);
  assert.equal(l1.closed, null);

  // A restart on the same data directory: the push comes back by itself (carrying /live's fallback now).
  await source.stop();
  await bridge.stop();
  outputs.push(bridge.proc.stdout + bridge.proc.stderr);
  await l1.waitForClose(5000);
  bridge = await startBridge({ dataDir, configToml });
  doc = await (await fetch(`${bridge.webUrl}/api/v1/openapi.json`)).json();
  op = await signIn('op', 'op-password-1');
  assert.equal((await waitConnected(op)).id, id);
  const l2 = await connectListenerWhenLive(`${ice.baseUrl}/console`, {}, 10_000);
  t.after(() => l2.close());
  await l2.waitForAudioBytes(16_000, 10_000);

  // Disabled, it stops (icecast2's /console goes away); enabled again, it comes back; deleted, it stops.
  const disabled = await api('PATCH', `/api/v1/pushes/${id}`, op, { enabled: false });
  assert.equal(disabled.status, 200, disabled.text);
  assert.equal(disabled.body.enabled, false);
  assert.equal(disabled.body.status, null);
  await l2.waitForClose(5000);
  assert.equal((await api('PATCH', `/api/v1/pushes/${id}`, op, { enabled: true })).status, 200);
  const l3 = await connectListenerWhenLive(`${ice.baseUrl}/console`, {}, 10_000);
  t.after(() => l3.close());
  await l3.waitForAudioBytes(16_000, 10_000);
  assert.equal((await api('DELETE', `/api/v1/pushes/${id}`, op)).status, 204);
  await l3.waitForClose(5000);
  // icecast2 drops the mount from its status a moment after it closes the listeners (no event: a bounded poll).
  for (const deadline = Date.now() + 5000; (await iceMounts()).includes('/console'); ) {
    assert.ok(Date.now() < deadline, `icecast2 still lists /console: ${JSON.stringify(await iceMounts())}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.deepEqual((await listed(op)).map((p) => p.label), ['cfg']);
  assert.equal((await api('DELETE', `/api/v1/pushes/${id}`, op)).status, 404);

  // Audited without the password; never in the bridge's output either.
  const audit = await api('GET', '/api/v1/audit?limit=20', admin);
  assert.deepEqual(audit.body.filter((e: any) => e.action.startsWith('push.')).map((e: any) => `${e.action} ${e.actor}`), ['push.delete op', 'push.update op', 'push.update op', 'push.create op']);
  assert.ok(!audit.text.includes(CONSOLE_PUSH_PASSWORD), 'no password in the audit log');
  outputs.push(bridge.proc.stdout + bridge.proc.stderr);
  for (const out of outputs) assert.ok(!out.includes(CONSOLE_PUSH_PASSWORD), 'no password in the bridge\'s output');
  assert.match(outputs[0]!, /"push":"console-push".*"msg":"push configured"/, 'the output was captured');
});
