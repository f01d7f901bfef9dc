// Soak: a long run of mutated request heads and bodies against the real running program, on both
// ports, with a healthy ffmpeg source and listener throughout. Ends with the process alive, its RSS
// flat and the healthy listener fed, or exits 1. Not in the default suite (minutes, the whole CPU):
//   npm run soak:fuzz -- [-n 1000000] [-c 64] [--seed N]
// Issue 8 acceptance: ≥ 1M mutated heads and bodies, the process alive and RSS flat.
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startBridge, waitForMount } from '../helpers/bridge.ts';
import { rssMiB } from './bench-peers.ts';
import { connectListener } from '../helpers/listener.ts';
import { ffmpegSource } from '../helpers/peers.ts';
import { benchHeader } from './machine.ts';

const { values } = parseArgs({
  options: {
    n: { type: 'string', short: 'n', default: '1000000' },
    c: { type: 'string', short: 'c', default: '64' },
    seed: { type: 'string', default: String(Date.now() % 1_000_000) },
    'max-live-growth-mib': { type: 'string', default: '32' },
    /** Only this seed request (0-based), to find which kind of request a problem comes from. */
    only: { type: 'string' },
  },
});
const TOTAL = Number(values.n);
const CONCURRENCY = Number(values.c);
const SEED = Number(values.seed);
const MAX_GROWTH_MIB = Number(values['max-live-growth-mib']);
/** A connection still open this long after its request is closed by the client (listeners, sources). */
const LIFETIME_MS = 150;
const REPORT_EVERY = Math.max(10_000, Math.round(TOTAL / 20 / 10_000) * 10_000);

// Mulberry32: a small seeded PRNG, so a failing run can be repeated with --seed.
let state = SEED >>> 0;
function rand(): number {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = <T>(a: readonly T[]): T => a[Math.floor(rand() * a.length)]!;
const int = (max: number) => Math.floor(rand() * max);

const MP3 = readFileSync(fileURLToPath(new URL('../../bridge/assets/fallback/fallback.mp3', import.meta.url))).subarray(0, 32 * 1024);
const OGG = readFileSync(fileURLToPath(new URL('../../bridge/assets/fallback/fallback.opus', import.meta.url))).subarray(0, 32 * 1024);

function seeds(livePw: string, adminAuth: string): Buffer[] {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const heads = [
    `SOURCE /extra HTTP/1.0\r\nAuthorization: Basic ${b64('source:extra-secret-1')}\r\nContent-Type: audio/mpeg\r\nice-name: Soak\r\nice-url: http://x/\r\n\r\n`,
    `PUT /extra HTTP/1.1\r\nHost: x\r\nAuthorization: Basic ${b64('source:extra-secret-1')}\r\nContent-Type: application/ogg\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n`,
    `PUT /live HTTP/1.1\r\nHost: x\r\nAuthorization: Basic ${b64(`source:${livePw}`)}\r\nContent-Type: audio/mpeg\r\nContent-Length: 1000\r\n\r\n`,
    'GET /live HTTP/1.0\r\nIcy-MetaData: 1\r\nUser-Agent: fuzz\r\n\r\n',
    'GET /test?token=wrong HTTP/1.1\r\nHost: x\r\n\r\n',
    'GET /status-json.xsl HTTP/1.1\r\nHost: x\r\n\r\n',
    'GET /live.m3u HTTP/1.1\r\nHost: x\r\n\r\n',
    `GET /admin/metadata?mode=updinfo&mount=/extra&song=a%27b HTTP/1.0\r\nAuthorization: ${adminAuth}\r\n\r\n`,
    'GET /api/studio/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    'POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 34\r\n\r\n{"name":"nobody","password":"xx"}',
    'OPTIONS * HTTP/1.1\r\nHost: x\r\nUpgrade: TLS/1.0\r\nConnection: Upgrade\r\n\r\n',
    'GET /admin/!POKE HTTP/1.1\r\nHost: x\r\n\r\n',
  ];
  return heads.map((h, i) => Buffer.concat([Buffer.from(h), i === 0 || i === 2 ? MP3.subarray(0, int(MP3.length)) : i === 1 ? OGG.subarray(0, int(OGG.length)) : Buffer.alloc(0)]));
}

const TOKENS = ['\r\n', '\n', '\r', ':', ' ', '\0', '%', '%00', '\xff', 'HTTP/1.1', 'SOURCE', 'Content-Length: 99999999999', 'Transfer-Encoding: chunked', 'Expect: 100-continue', '\r\n\r\n', "';StreamUrl='", '<script>', 'ffffffff\r\n', '0\r\n\r\n'];

/** One mutated request: byte flips, insertions, deletions, duplications, truncations and splices. */
function mutate(seed: Buffer): Buffer {
  let b = Buffer.from(seed);
  const edits = 1 + int(6);
  for (let e = 0; e < edits; e++) {
    const at = int(b.length + 1);
    switch (int(8)) {
      case 0: if (b.length) b[int(b.length)] = int(256); break;
      case 1: b = Buffer.concat([b.subarray(0, at), Buffer.from(pick(TOKENS), 'latin1'), b.subarray(at)]); break;
      case 2: b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + int(40))]); break;
      case 3: { const from = int(b.length); b = Buffer.concat([b.subarray(0, at), b.subarray(from, from + int(200)), b.subarray(at)]); break; }
      case 4: b = b.subarray(0, at); break;
      case 5: b = Buffer.concat([b.subarray(0, at), Buffer.alloc(int(3) === 0 ? 20_000 + int(50_000) : int(300), 0x41 + int(26)), b.subarray(at)]); break;
      case 6: { const r = Buffer.alloc(int(64)); for (let i = 0; i < r.length; i++) r[i] = int(256); b = Buffer.concat([b.subarray(0, at), r, b.subarray(at)]); break; }
      default: b = Buffer.concat([b, b.subarray(0, int(b.length))]); break;
    }
  }
  return b;
}

/** The bridge's own view of its live memory (prom-client's process metrics), in MiB. */
async function liveMiB(base: string): Promise<{ heapUsed: number; external: number } | null> {
  try {
    const text = await (await fetch(`${base}/metrics`)).text();
    const read = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? NaN) / 1048576;
    return { heapUsed: read('aircheck_process_nodejs_heap_size_used_bytes'), external: read('aircheck_process_nodejs_external_memory_bytes') };
  } catch {
    return null;
  }
}
const showLive = (m: { heapUsed: number; external: number } | null) => (m ? `heap used ${m.heapUsed.toFixed(1)} MiB, external ${m.external.toFixed(1)} MiB` : 'metrics unreachable');

const rssKiB = (pid: number): number => rssMiB(pid) * 1024;

async function main(): Promise<void> {
  console.log(`fuzz soak: ${TOTAL} requests, concurrency ${CONCURRENCY}, seed ${SEED}`);
  console.log(benchHeader());
  const bridge = await startBridge({
    configToml: '[[mounts]]\npath = "/extra"\nsource_password = "extra-secret-1"\n',
    env: { AIRCHECK_LOG_LEVEL: 'error', AIRCHECK_LIMITS_HEAD_TIMEOUT_MS: '2000' },
  });
  const pid = bridge.proc.pid!;
  const source = ffmpegSource({ url: bridge.streamUrl, mount: '/live', password: bridge.livePassword, format: 'mp3', toneHz: 440 });
  let failed = '';
  try {
    await waitForMount(bridge, '/live', (m) => m.playing === 'source');
    const healthy = await connectListener(bridge.url('/live'));
    const webPort = Number(new URL(bridge.webUrl).port);
    const allSeeds = seeds(bridge.livePassword, bridge.adminAuth);
    const seedList = values.only !== undefined ? [allSeeds[Number(values.only)]!] : allSeeds;
    const statuses = new Map<string, number>();
    let sent = 0;
    let done = 0;
    const started = Date.now();
    const rss: { at: number; kib: number }[] = [];
    const live: number[] = [];

    const one = (): Promise<void> =>
      new Promise((resolve) => {
        const socket = net.connect(rand() < 0.75 ? bridge.port : webPort, bridge.host);
        const payload = mutate(pick(seedList));
        const resetEarly = rand() < 0.25;
        let first = '';
        const finish = () => {
          clearTimeout(timer);
          const key = /^(HTTP\/1\.[01]|ICY) (\d{3})/.exec(first)?.[2] ?? (first ? 'other' : 'none');
          statuses.set(key, (statuses.get(key) ?? 0) + 1);
          resolve();
        };
        const timer = setTimeout(() => socket.resetAndDestroy(), LIFETIME_MS);
        socket.on('error', () => {});
        socket.on('close', finish);
        socket.on('data', (c) => {
          if (!first) first = c.subarray(0, 16).toString('latin1');
          if (resetEarly) socket.resetAndDestroy();
        });
        socket.on('connect', () => {
          socket.write(payload);
          if (resetEarly && rand() < 0.5) setImmediate(() => socket.resetAndDestroy());
        });
      });

    const worker = async () => {
      while (sent < TOTAL && !failed) {
        sent++;
        await one();
        done++;
        if (done % REPORT_EVERY === 0) {
          const kib = rssKiB(pid);
          rss.push({ at: done, kib });
          const s = (Date.now() - started) / 1000;
          const m = await liveMiB(bridge.streamUrl);
          if (m) live.push(m.heapUsed + m.external);
          console.log(`${done} requests, ${Math.round(done / s)}/s, bridge RSS ${(kib / 1024).toFixed(1)} MiB (${showLive(m)}), listener ${healthy.closed ? 'CLOSED' : 'connected'}`);
          if (bridge.proc.hasExited) failed = 'the bridge exited';
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const seconds = (Date.now() - started) / 1000;
    // Settle: let timers (head timeouts, source timeouts) expire, then measure once more.
    await new Promise((r) => setTimeout(r, 12_000));
    if (bridge.proc.hasExited) failed ||= `the bridge exited:\n${bridge.proc.tail(3000)}`;
    const end = rssKiB(pid);
    const settled = await liveMiB(bridge.streamUrl);
    console.log(`after settling: ${showLive(settled)}`);
    console.log(`\n${done} mutated requests in ${seconds.toFixed(0)} s (${Math.round(done / seconds)}/s); answers: ${[...statuses].sort().map(([k, v]) => `${k}×${v}`).join(', ')}`);
    const warm = rss.find((r) => r.at >= TOTAL * 0.1) ?? rss[0];
    const max = Math.max(...rss.map((r) => r.kib), end);
    console.log(`bridge RSS: at 10 % ${((warm?.kib ?? 0) / 1024).toFixed(1)} MiB, max ${(max / 1024).toFixed(1)} MiB, after settling ${(end / 1024).toFixed(1)} MiB`);
    // A leak shows in live memory (V8 heap in use + external buffers), which the GC gives back; RSS
    // also keeps what the allocator holds after a transient burst, so it gets a looser bound.
    const medianLive = [...live].sort((a, b) => a - b)[Math.floor(live.length / 2)] ?? 0;
    if (settled && settled.heapUsed + settled.external > medianLive + MAX_GROWTH_MIB) {
      failed ||= `live memory after settling is ${(settled.heapUsed + settled.external).toFixed(1)} MiB, over the run's median ${medianLive.toFixed(1)} + ${MAX_GROWTH_MIB} MiB`;
    }
    if (warm && end > warm.kib * 1.25) failed ||= `RSS grew from ${(warm.kib / 1024).toFixed(1)} to ${(end / 1024).toFixed(1)} MiB (limit +25 %)`;
    const before = healthy.audioByteCount;
    await healthy.waitForAudioBytes(before + 16_000, 5000).catch(() => (failed ||= 'the healthy listener stopped receiving audio'));
    if (healthy.closed) failed ||= 'the healthy listener was disconnected';
    healthy.close();
  } finally {
    await source.stop('SIGKILL');
    await bridge.stop();
  }
  if (failed) {
    console.error(`FAIL: ${failed}`);
    process.exit(1);
  }
  console.log('PASS: the process stayed up, live memory flat, RSS within bounds, the healthy listener fed throughout');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
