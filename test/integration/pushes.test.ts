// test-load: light ~100s
// Pushes to other servers (issue 11): Aircheck's /live pushed to two Debian icecast2 servers. One is
// killed for 60 s and restarted on the same port: the other's listener hears the tone without a gap,
// the first gets the push back within its backoff, and the admin status tells the truth throughout.
// Then a push over TLS (icecast2's own TLS port, a private CA), beside a refused and an unreachable one.
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
  const l2 = await connectListenerWhenLive(`${two.baseUrl}/relay`, {}, 10_000);
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
