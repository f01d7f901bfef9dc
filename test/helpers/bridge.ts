// Starts the real Aircheck program (`node bridge/src/main.ts`, as `npm start` does) for a test, on
// 127.0.0.1 with ports picked by the kernel, a fresh data directory and known credentials; resolves
// when it prints `ready`. Fed by integration tests; stops the process in cleanup.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnTracked, type TrackedProcess } from './processes.ts';

const MAIN = fileURLToPath(new URL('../../bridge/src/main.ts', import.meta.url));

export interface BridgeOptions {
  /** TOML text written to a config file passed with --config. */
  configToml?: string;
  /** Extra environment (AIRCHECK_*). */
  env?: Record<string, string>;
  /** Reuse a data directory (restart tests). */
  dataDir?: string;
}

export interface RunningBridge {
  proc: TrackedProcess;
  streamUrl: string;
  webUrl: string;
  host: string;
  port: number;
  dataDir: string;
  configFile: string | null;
  livePassword: string;
  testPassword: string;
  adminPassword: string;
  testToken: string;
  adminAuth: string;
  /** `http://127.0.0.1:PORT/mount` */
  url(mount: string): string;
  /** `icecast://source:PASS@127.0.0.1:PORT/mount` for ffmpeg. */
  icecastUrl(mount: string, password?: string): string;
  stop(): Promise<void>;
}

export const LIVE_PASSWORD = 'live-secret-1';
export const TEST_PASSWORD = 'test-secret-1';
export const ADMIN_PASSWORD = 'admin-secret-1';
export const TEST_TOKEN = 'test-token-123';

export async function startBridge(opts: BridgeOptions = {}): Promise<RunningBridge> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'aircheck-test-'));
  let configFile: string | null = null;
  if (opts.configToml !== undefined) {
    configFile = join(dataDir, 'test-config.toml');
    writeFileSync(configFile, opts.configToml);
  }
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AIRCHECK_DATA_DIR: dataDir,
    AIRCHECK_HOST: '127.0.0.1',
    AIRCHECK_STREAM_PORT: '0',
    AIRCHECK_WEB_PORT: '0',
    AIRCHECK_LIVE_SOURCE_PASSWORD: LIVE_PASSWORD,
    AIRCHECK_TEST_SOURCE_PASSWORD: TEST_PASSWORD,
    AIRCHECK_ADMIN_PASSWORD: ADMIN_PASSWORD,
    AIRCHECK_TEST_LISTENER_TOKEN: TEST_TOKEN,
    AIRCHECK_LOG_LEVEL: 'info',
    ...opts.env,
  };
  const args = [MAIN, ...(configFile ? ['--config', configFile] : [])];
  const proc = spawnTracked(process.execPath, args, { name: 'aircheck', env, maxOutputBytes: 1024 * 1024 });
  const m = await proc.waitForLine(/streaming on (http:\/\/[^/\s]+)\//, 20_000);
  await proc.waitForLine(/\bready\b/, 20_000);
  const web = await proc.waitForLine(/web on (https?:\/\/[^/\s]+)\//, 1000);
  const streamUrl = m[1]!;
  const u = new URL(streamUrl);
  const bridge: RunningBridge = {
    proc,
    streamUrl,
    webUrl: web[1]!,
    host: u.hostname,
    port: Number(u.port),
    dataDir,
    configFile,
    livePassword: LIVE_PASSWORD,
    testPassword: TEST_PASSWORD,
    adminPassword: ADMIN_PASSWORD,
    testToken: TEST_TOKEN,
    adminAuth: `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}`,
    url: (mount) => `${streamUrl}${mount}`,
    icecastUrl: (mount, password = mount === '/test' ? TEST_PASSWORD : LIVE_PASSWORD) => `icecast://source:${password}@${u.host}${mount}`,
    async stop() {
      await proc.stop('SIGTERM', 5000);
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return bridge;
}

/** GET a JSON document from the bridge. */
export async function getJson(url: string, headers: Record<string, string> = {}): Promise<any> {
  const res = await fetch(url, { headers });
  if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
  return res.json();
}

/**
 * Polls the bridge's /status.json (admin view) until `predicate` holds for the mount; there is no
 * push event for "the server has switched feeds", so a bounded poll is the synchronisation.
 */
export async function waitForMount(bridge: RunningBridge, mount: string, predicate: (m: any) => boolean, timeoutMs = 10_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  let last: any = null;
  while (Date.now() < deadline) {
    const status = await getJson(`${bridge.streamUrl}/admin/status.json`, { authorization: bridge.adminAuth });
    last = status.mounts.find((m: any) => m.path === mount);
    if (last && predicate(last)) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`mount ${mount} did not reach the expected state in ${timeoutMs} ms; last status: ${JSON.stringify(last)}`);
}
