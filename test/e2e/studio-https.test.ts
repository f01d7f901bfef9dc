// test-load: realtime ~25s
// End to end: HTTPS for the studio. A test CA made at run time is trusted by Chromium the real way
// (an NSS database in a temporary HOME, as `certutil` puts it there for a user; no flag that ignores
// certificate errors). The studio signs in and broadcasts over https:// and wss:// on the web port;
// mid-show the certificate files are replaced (a new leaf from the same CA) and the show goes on on
// the same connections while the next TLS handshake gets the new certificate. And on a plain-http
// page that is not localhost, the studio says why the microphone is unavailable and what to do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { startBridge, type RunningBridge } from '../helpers/bridge.ts';
import { addDj } from '../helpers/dj.ts';
import { assertOneConnection, connectListenerWhenLive } from '../helpers/listener.ts';
import { decodeAudio, dominantFrequencyHz } from '../helpers/audio-analysis.ts';
import { createTestCa, type Leaf } from '../helpers/test-ca.ts';
import { toneFile } from '../helpers/tones.ts';
import { buildStudio, collectPageErrors, launchChromium, screenshot } from './browser.ts';
import { signIn, waitForStudioSession } from './studio-fixture.ts';

const DJ = { name: 'dj-tls', password: 'a long enough password' };
const TONE_HZ = 660;
/** A name Chromium resolves to 127.0.0.1 but that is not "potentially trustworthy" (not localhost). */
const PLAIN_HOST = 'station.test';

/** Polls the bridge's view of the DJ's session. */
const waitForSession = (bridge: RunningBridge, predicate: (s: any) => boolean, what: string): Promise<any> =>
  waitForStudioSession(bridge, DJ.name, predicate, what, { timeoutMs: 20_000 });

/** One new TLS handshake with the web port: the certificate it presents, verified against the CA. */
function handshakeFingerprint(port: number, caPem: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca: caPem, servername: 'localhost' }, () => {
      resolve(socket.getPeerCertificate().fingerprint256);
      socket.end();
    });
    socket.on('error', reject);
  });
}

test('the studio broadcasts over https and wss; replaced certificate files reach new handshakes while the show goes on', { timeout: 120_000 }, async (t) => {
  await buildStudio();
  const ca = createTestCa();
  t.after(() => ca.remove());
  const tlsDir = mkdtempSync(join(tmpdir(), 'aircheck-tls-'));
  t.after(() => rmSync(tlsDir, { recursive: true, force: true }));
  const certFile = join(tlsDir, 'fullchain.pem');
  const keyFile = join(tlsDir, 'privkey.pem');
  /** As certbot or an operator does: new files written aside, then renamed over the old ones. */
  const install = (leaf: Leaf) => {
    writeFileSync(`${certFile}.new`, leaf.certPem);
    writeFileSync(`${keyFile}.new`, leaf.keyPem);
    renameSync(`${certFile}.new`, certFile);
    renameSync(`${keyFile}.new`, keyFile);
  };
  const first = ca.leaf();
  install(first);

  // Chromium trusts the CA through the user's NSS database (~/.pki/nssdb), in a HOME of its own.
  const home = mkdtempSync(join(tmpdir(), 'aircheck-chromium-home-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const nssDb = `sql:${join(home, '.pki', 'nssdb')}`;
  mkdirSync(join(home, '.pki', 'nssdb'), { recursive: true });
  execFileSync('certutil', ['-d', nssDb, '-N', '--empty-password']);
  execFileSync('certutil', ['-d', nssDb, '-A', '-n', 'Aircheck test CA', '-t', 'C,,', '-i', ca.caCertFile]);

  const dataDir = mkdtempSync(join(tmpdir(), 'aircheck-e2e-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  await addDj(dataDir, DJ.name, DJ.password);
  const bridge = await startBridge({ dataDir, env: { AIRCHECK_WEB_TLS_CERT_FILE: certFile, AIRCHECK_WEB_TLS_KEY_FILE: keyFile } });
  t.after(() => bridge.stop());
  assert.match(bridge.webUrl, /^https:\/\/127\.0\.0\.1:\d+$/, 'the start banner gives the web port as https://');
  const webPort = Number(new URL(bridge.webUrl).port);

  const browser = await launchChromium(await toneFile('wav', TONE_HZ, 10), { env: { HOME: home }, args: [`--host-resolver-rules=MAP ${PLAIN_HOST} 127.0.0.1`] });
  t.after(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  page.setDefaultTimeout(15_000);
  const errors = collectPageErrors(page);
  page.on('response', (r) => {
    if (r.status() >= 400) errors.push(`HTTP ${r.status()} for ${r.url().replace(/token=[^&]+/, 'token=…')}`);
  });
  t.after(() => {
    if (errors.length > 0) t.diagnostic(`page console: ${errors.join(' | ')}`);
  });

  // A certificate Chromium did not trust would stop page.goto with net::ERR_CERT_AUTHORITY_INVALID.
  await signIn(page, `${bridge.webUrl}/studio/`, DJ);
  assert.equal(await page.evaluate(() => window.isSecureContext), true, 'the https page is a secure context');
  await page.getByRole('button', { name: 'Connect' }).click();
  await page.getByText('On /test (private preview)').waitFor();
  await page.getByRole('button', { name: 'Go live' }).click();
  await page.getByText('ON AIR', { exact: true }).waitFor();
  const onAir = await waitForSession(bridge, (s) => s.framesReceived > 100, 'audio flowing over wss://');
  assert.equal(onAir.reconnects, 0);
  // The DJ hears the air from the https page: /live from the page's own origin (an http:// stream
  // would be mixed content, which Chromium upgrades to https:// on the plain stream port, and fails).
  await page.getByRole('button', { name: 'Listen to the air' }).click();
  const monitor = page.locator('audio[aria-label="Air monitor of /live"]');
  await page.waitForFunction((el) => !!el && !(el as HTMLAudioElement).paused && (el as HTMLAudioElement).currentTime > 1, await monitor.elementHandle(), { timeout: 15_000 }).catch(async (err: Error) => {
    const media = await monitor.evaluate((a: HTMLAudioElement) => ({ src: a.currentSrc.replace(/token=[^&]+/, 'token=…'), error: a.error?.message ?? null, paused: a.paused, t: a.currentTime }));
    throw new Error(`the air monitor did not play: ${JSON.stringify(media)}`, { cause: err });
  });
  assert.ok((await monitor.evaluate((a: HTMLAudioElement) => a.currentSrc)).startsWith(`${bridge.webUrl}/live?`), 'the monitor plays https://…/live from the web port');

  const listener = await connectListenerWhenLive(bridge.url('/live'), { tap: true });
  t.after(() => listener.close());
  await listener.waitForAudioBytes(8_000, 10_000);
  assert.equal(await handshakeFingerprint(webPort, ca.caPem), first.fingerprint256, 'the first certificate is served');

  // Mid-show: new certificate files. The bridge says so once it has reloaded them.
  const second = ca.leaf();
  const reloadedLines = bridge.proc.waitForLine(/TLS certificate reloaded/, 10_000);
  install(second);
  await reloadedLines;
  const bytesAtSwap = listener.audioByteCount;
  assert.equal(await handshakeFingerprint(webPort, ca.caPem), second.fingerprint256, 'the next handshake gets the new certificate');

  // The show goes on: the studio never reconnected, frames keep arriving, the listener hears the tone
  // on the connection it had before the swap.
  const after = await waitForSession(bridge, (s) => s.framesReceived > onAir.framesReceived + 250, 'audio flowing 5 s after the swap');
  assert.equal(after.reconnects, 0, 'the studio kept its wss:// connection through the certificate swap');
  assert.equal(after.connected, true);
  await page.getByText(/Reconnects\s*0/).waitFor();
  await listener.waitForAudioBytes(bytesAtSwap + 16_000, 10_000);
  // The bound the other studio tests give an Ogg listener of /live (studio-live-path.test.ts): a
  // Chromium encoder starved of CPU on a loaded 2-core CI machine stalled 1.3 s twice, with no swap near.
  assertOneConnection(listener, 1500);
  const decoded = await decodeAudio(listener.audio, { sampleRateHz: 48_000 });
  const tail = decoded.samples.subarray(Math.max(0, decoded.samples.length - 2 * decoded.sampleRateHz));
  const f = dominantFrequencyHz(tail, decoded.sampleRateHz);
  assert.ok(f !== null && Math.abs(f - TONE_HZ) < 5, `the /live listener hears the microphone's tone after the swap (${f} Hz)`);

  // A page opened now (a new TLS connection in Chromium) is trusted with the new certificate too.
  const fresh = await browser.newPage();
  t.after(() => fresh.close());
  const response = await fresh.goto(`${bridge.webUrl}/studio/`);
  assert.equal(response?.status(), 200);
  await screenshot(page, 'studio-https-after-certificate-swap');

  // Plain http from a name that is not localhost: no microphone, and the studio says why and what to do.
  const plainUrl = `http://${PLAIN_HOST}:${bridge.port}/studio/`;
  const insecure = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  t.after(() => insecure.close());
  await insecure.goto(plainUrl);
  assert.equal(await insecure.evaluate(() => window.isSecureContext || navigator.mediaDevices !== undefined), false, 'Chromium gives this page no microphone');
  const alert = insecure.getByRole('alert');
  await alert.getByText('The microphone is unavailable: browsers allow it only on secure pages').waitFor();
  const sentence = (await alert.textContent()) ?? '';
  assert.ok(sentence.includes(`https://${PLAIN_HOST}:${bridge.port}/studio/`), `it names the https address: ${sentence}`);
  assert.ok(sentence.includes('"HTTPS for the studio" section of Aircheck\'s README'), sentence);
  assert.ok(sentence.includes(`http://localhost:${bridge.port}/studio/`), sentence);
  await screenshot(insecure, 'studio-insecure-page');
  // Signed in, it is still that sentence (not a generic audio error), and Connect stays off.
  await signIn(insecure, plainUrl, DJ);
  await insecure.getByRole('button', { name: 'Sign out' }).waitFor();
  await alert.getByText('The microphone is unavailable: browsers allow it only on secure pages').waitFor();
  assert.equal(await insecure.getByRole('button', { name: 'Connect' }).isDisabled(), true, 'Connect is off without a microphone');
});
