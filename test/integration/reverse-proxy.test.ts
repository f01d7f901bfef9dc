// Aircheck behind the README's reverse-proxy setups, with the real proxies (Debian's nginx and Caddy)
// terminating TLS in front of one Aircheck port, and [web] trusted_proxies naming the loopback. The
// client talks to the proxy from this machine's non-loopback address, so the bridge's peer (the proxy,
// 127.0.0.1) and the client differ: listener addresses and sign-in rate limits must see the client,
// a forged X-Forwarded-For must not help, the studio's WebSocket must upgrade through the proxy, and
// a listener must get the stream as it is produced (no proxy buffering).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import http from 'node:http';
import net from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { startBridge, type RunningBridge } from '../helpers/bridge.ts';
import { createTestCa } from '../helpers/test-ca.ts';
import { toneFile } from '../helpers/tones.ts';

/** This machine's first non-loopback IPv4 address: the "remote" client. */
const CLIENT_ADDRESS = Object.values(networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal)?.address;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function nginxConfig(dir: string, tlsPort: number, upstreamPort: number): string {
  // The README's server block, with file paths of this test (daemon off, files in the temp dir).
  return `daemon off; pid ${dir}/nginx.pid; error_log ${dir}/error.log; events {}
http { access_log off; client_body_temp_path ${dir}/tmp; proxy_temp_path ${dir}/tmp;
map $http_upgrade $connection_upgrade { default upgrade; '' close; }
server {
    listen ${CLIENT_ADDRESS}:${tlsPort} ssl;
    server_name radio.example.org;
    ssl_certificate     ${dir}/cert.pem;
    ssl_certificate_key ${dir}/key.pem;
    location / {
        proxy_pass http://127.0.0.1:${upstreamPort};
        proxy_http_version 1.1;
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection $connection_upgrade;
        proxy_buffering off;
        proxy_read_timeout 24h;
    }
}}
`;
}

function caddyConfig(dir: string, tlsPort: number, upstreamPort: number): string {
  // The README's site block; the certificate comes from the test CA instead of ACME.
  return `{
	admin off
	auto_https disable_redirects
}
https://${CLIENT_ADDRESS}:${tlsPort} {
	tls ${dir}/cert.pem ${dir}/key.pem
	reverse_proxy 127.0.0.1:${upstreamPort} {
		flush_interval -1
	}
}
`;
}

/** Resolves once the proxy accepts TLS connections (its own start has no event we can wait for). */
async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((r) => {
      const s = net.connect({ host: CLIENT_ADDRESS, port }, () => {
        s.destroy();
        r(true);
      });
      s.on('error', () => r(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`the proxy did not listen on ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

for (const proxyName of ['nginx', 'caddy'] as const) {
  test(`behind ${proxyName}: listeners, sign-in limits and logs see the real client, the studio WebSocket upgrades, audio is not buffered`, { timeout: 60_000, skip: CLIENT_ADDRESS ? false : 'this machine has no non-loopback IPv4 address' }, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), `aircheck-${proxyName}-`));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    mkdirSync(join(dir, 'tmp'));
    const ca = createTestCa();
    t.after(() => ca.remove());
    const leaf = ca.leaf([CLIENT_ADDRESS!]);
    writeFileSync(join(dir, 'cert.pem'), leaf.certPem);
    writeFileSync(join(dir, 'key.pem'), leaf.keyPem);

    // One Aircheck port on the loopback for everything, the proxy trusted (README, "Behind a reverse proxy").
    const port = await freePort();
    const bridge: RunningBridge = await startBridge({
      env: { AIRCHECK_STREAM_PORT: String(port), AIRCHECK_WEB_PORT: String(port), AIRCHECK_WEB_TRUSTED_PROXIES: '127.0.0.1, ::1', AIRCHECK_LIMITS_AUTH_FAILURES_PER_MINUTE: '2' },
    });
    t.after(() => bridge.stop());

    const tlsPort = await freePort();
    let proxy: ChildProcess;
    if (proxyName === 'nginx') {
      writeFileSync(join(dir, 'nginx.conf'), nginxConfig(dir, tlsPort, port));
      proxy = spawn('nginx', ['-c', join(dir, 'nginx.conf'), '-p', dir], { stdio: 'ignore' });
    } else {
      writeFileSync(join(dir, 'Caddyfile'), caddyConfig(dir, tlsPort, port));
      proxy = spawn('caddy', ['run', '--config', join(dir, 'Caddyfile'), '--adapter', 'caddyfile'], { stdio: 'ignore', env: { ...process.env, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir } });
    }
    t.after(() => proxy.kill());
    await waitForPort(tlsPort, 10_000);
    const base = `https://${CLIENT_ADDRESS}:${tlsPort}`;
    const request = (path: string, opts: { method?: string; headers?: Record<string, string>; body?: string; direct?: boolean } = {}) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const url = opts.direct ? `${bridge.streamUrl}${path}` : `${base}${path}`;
        const req = (opts.direct ? http : https).request(url, { method: opts.method ?? 'GET', headers: opts.headers, ...(opts.direct ? {} : { ca: ca.caPem, localAddress: CLIENT_ADDRESS }) }, (res) => {
          let body = '';
          res.on('data', (c) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode!, body }));
        });
        req.on('error', reject);
        req.end(opts.body);
      });

    // Sign-in failures count against the client, whatever X-Forwarded-For it forges: the third is refused…
    const badLogin = (forged: string | null, direct = false) =>
      request('/api/login', { method: 'POST', direct, headers: { 'content-type': 'application/json', ...(forged ? { 'x-forwarded-for': forged } : {}) }, body: JSON.stringify({ name: 'nina', password: 'not the password' }) });
    assert.equal((await badLogin('198.51.100.1')).status, 401);
    assert.equal((await badLogin('198.51.100.2')).status, 401);
    assert.equal((await badLogin('198.51.100.3')).status, 429, 'a forged X-Forwarded-For does not buy more guesses');
    // …while another client (here: this machine on the loopback, straight to Aircheck, which is where
    // the proxy's own connections come from) is not locked out by them.
    assert.equal((await badLogin(null, true)).status, 401, 'the proxy\'s address is not the one being limited');
    const logLine = bridge.proc.stdout.split('\n').find((l) => l.includes('studio sign-in failed')) ?? '';
    assert.equal(JSON.parse(logLine).remote, CLIENT_ADDRESS, 'the log names the client');

    // The studio's WebSocket upgrades through the proxy.
    await new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(`wss://${CLIENT_ADDRESS}:${tlsPort}/api/studio/ws`, { ca: ca.caPem, localAddress: CLIENT_ADDRESS });
      ws.on('open', () => {
        ws.close();
        resolve();
      });
      ws.on('error', reject);
    });

    // A source on the stream port (sources push straight to Aircheck), a listener through the proxy.
    const tone = await toneFile('mp3', 440, 30);
    const ffmpeg = spawn('ffmpeg', ['-loglevel', 'error', '-re', '-i', tone, '-c', 'copy', '-content_type', 'audio/mpeg', '-f', 'mp3', bridge.icecastUrl('/live')], { stdio: 'ignore' });
    t.after(() => ffmpeg.kill());
    const arrivals: number[] = [];
    const listening = new Promise<void>((resolve, reject) => {
      const req = https.get(`${base}/live`, { ca: ca.caPem, localAddress: CLIENT_ADDRESS, headers: { 'x-forwarded-for': '198.51.100.7' } }, (res) => {
        assert.equal(res.statusCode, 200);
        res.on('data', () => {
          arrivals.push(performance.now());
          if (arrivals.length === 1) resolve();
        });
      });
      req.on('error', reject);
      t.after(() => req.destroy());
    });
    // Until the source is on, /live plays its fallback: the listener is admitted either way.
    await listening;
    const status = await (await fetch(`${bridge.streamUrl}/admin/listclients?mount=/live`, { headers: { authorization: bridge.adminAuth } })).text();
    assert.deepEqual([...status.matchAll(/<IP>([^<]*)<\/IP>/g)].map((m) => m[1]), [CLIENT_ADDRESS], 'the listener is listed with the client\'s address');
    // Audio arrives as it is produced: 3 s of reads, never a pause a proxy buffer would cause.
    const from = performance.now();
    await new Promise<void>((resolve) => {
      const check = () => (performance.now() - from >= 3000 ? resolve() : setTimeout(check, 100));
      check();
    });
    const window = arrivals.filter((at) => at >= from - 1);
    const gaps = window.slice(1).map((at, i) => at - window[i]!);
    assert.ok(window.length > 10, `reads in 3 s: ${window.length}`);
    assert.ok(Math.max(...gaps) < 750, `the longest pause between reads was ${Math.round(Math.max(...gaps))} ms`);
  });
}
