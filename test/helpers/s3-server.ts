// A real S3-compatible server for the recording tests: Ceph RADOS Gateway 20.2 (one mon, one
// memstore OSD, radosgw) run from the chroot that scripts/setup-s3-server.sh builds. Every
// startS3Server() call gets its own ports, run directory and cluster (≈ 2–3 s, ≈ 250 MiB RSS), so
// test files running in parallel never share state. Needs root (chroot). The recipe and how Ceph
// differs from R2 are recorded in /work/shared/FACTS.md; s3-server.check.ts exercises it by hand.
// Also exports a minimal SigV4 signer (signedFetch) for checks that run without the AWS SDK.
import { execFile } from 'node:child_process';
import { createHash, createHmac, randomBytes, randomInt, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { spawnTracked } from './processes.ts';
import type { TrackedProcess } from './processes.ts';
import type { TestContext } from 'node:test';
import { S3Client } from '@aws-sdk/client-s3';

/** Where scripts/setup-s3-server.sh puts the chroot (same variable, same default). */
export const CEPH_ROOT = process.env.AIRCHECK_CEPH_ROOT ?? '/var/lib/aircheck-test/ceph-root';
const MARKER = join(CEPH_ROOT, '.aircheck-s3-server');
const RUNS_IN_CHROOT = '/run/aircheck';
const CHROOT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const RGW_POOLS = [
  'default.rgw.control',
  'default.rgw.meta',
  'default.rgw.log',
  'default.rgw.buckets.index',
  'default.rgw.buckets.data',
  'default.rgw.buckets.non-ec',
] as const;

export interface S3ServerOptions {
  /** RAM cap of the memstore OSD (objects live in RAM). Default 1 GiB. */
  memoryCapBytes?: number;
  /** Give up starting after this long. Default 60 s. */
  timeoutMs?: number;
  /** Keep the run directory (ceph.conf, daemon logs) after stop(), for debugging. */
  keepRunDir?: boolean;
}

export interface S3Server {
  /** e.g. http://127.0.0.1:23456 — use with forcePathStyle: true. */
  readonly endpoint: string;
  readonly region: 'auto';
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Ready-made options for `new S3Client(...)`. */
  readonly clientConfig: {
    endpoint: string;
    region: 'auto';
    forcePathStyle: true;
    credentials: { accessKeyId: string; secretAccessKey: string };
  };
  /** The run directory on the host (ceph.conf and the daemons' logs under log/). */
  readonly runDir: string;
  /** Milliseconds startS3Server() took, and the cumulative time at the end of each phase. */
  readonly startMs: number;
  readonly startPhases: Readonly<Record<string, number>>;
  /** Creates a bucket (a fresh unique name when none is given) and returns its name. */
  createBucket(name?: string): Promise<string>;
  /** A SigV4-signed request against this server (path-style; path like `/bucket/key`). */
  fetch(method: string, path: string, init?: SignedRequestInit): Promise<Response>;
  /** Resident memory of the three daemons together, in bytes. */
  rssBytes(): number;
  /** The tail of each daemon's log file (for failure messages). */
  logTail(maxChars?: number): string;
  /** Kills the daemons (SIGKILL: memstore has nothing to flush) and removes the run directory. */
  stop(): Promise<void>;
}

/** Why startS3Server() cannot work on this machine, or null when it can. */
export function s3ServerUnavailableReason(): string | null {
  if (process.getuid?.() !== 0) return 'the Ceph RGW test server needs root (it runs in a chroot)';
  if (!existsSync(MARKER)) return `no Ceph RGW chroot at ${CEPH_ROOT}: run scripts/setup-s3-server.sh as root`;
  return null;
}

// ── ports ────────────────────────────────────────────────────────────────────────────────────────

/**
 * A currently free port below the kernel's ephemeral range (the daemons' own outgoing connections
 * take ephemeral ports and could steal one picked from there). Random, so parallel callers rarely
 * collide; a collision makes the daemon fail to bind and startS3Server() retries with new ports.
 */
async function freeLowPort(avoid: ReadonlySet<number>): Promise<number> {
  let low = 32768;
  try {
    low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || low;
  } catch {
    // keep the default
  }
  const min = 10000;
  const max = Math.max(min + 1000, low) - 1;
  for (let i = 0; i < 200; i++) {
    const port = randomInt(min, max + 1);
    if (avoid.has(port)) continue;
    if (await canListen(port)) return port;
  }
  throw new Error(`s3-server: no free port found in ${min}–${max}`);
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

// ── running things inside the chroot ─────────────────────────────────────────────────────────────

const chrootEnv = (): NodeJS.ProcessEnv => ({ ...process.env, PATH: CHROOT_PATH, LANG: 'C.UTF-8' });

function runInChroot(cmd: string, args: readonly string[], input?: string, timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'chroot',
      [CEPH_ROOT, cmd, ...args],
      { env: chrootEnv(), timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`s3-server: ${cmd} ${args.join(' ')} failed: ${err.message}\n${stdout}${stderr}`));
        else resolve(stdout + stderr);
      },
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

function daemon(name: string, cmd: string, args: readonly string[]): TrackedProcess {
  return spawnTracked('chroot', [CEPH_ROOT, cmd, ...args], { name: `ceph ${name}`, env: chrootEnv() });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function cephConf(runDir: string, fsid: string, monPort: number, rgwPort: number, memBytes: number): string {
  return `[global]
fsid = ${fsid}
mon host = v2:127.0.0.1:${monPort}
auth cluster required = none
auth service required = none
auth client required = none
keyring = /dev/null
osd objectstore = memstore
memstore device bytes = ${memBytes}
osd pool default size = 1
osd pool default min size = 1
osd pool default pg autoscale mode = off
mon allow pool size one = true
osd crush chooseleaf type = 0
paxos propose interval = 0.1
mon data avail warn = 1
mon data avail crit = 0
run dir = ${runDir}
admin socket = ${runDir}/$name.asok
pid file = ${runDir}/$name.pid
log file = ${runDir}/log/$name.log
log to stderr = false
err to stderr = true

[mon.a]
public addr = v2:127.0.0.1:${monPort}
mon data = ${runDir}/mon

[osd.0]
osd data = ${runDir}/osd

[client.rgw]
ms mon client mode = crc
rgw frontends = beast endpoint=127.0.0.1:${rgwPort}
`;
}

// ── start ────────────────────────────────────────────────────────────────────────────────────────

const liveRunDirs = new Set<string>();
let exitHookInstalled = false;

function trackRunDir(dir: string): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // processes.ts SIGKILLs the daemons at exit; take their run directories with them.
    process.on('exit', () => {
      for (const d of liveRunDirs) rmSync(d, { recursive: true, force: true });
    });
  }
  liveRunDirs.add(dir);
}

/** Starts a fresh one-node Ceph cluster with an S3 gateway; resolves once a round trip worked. */
export async function startS3Server(opts: S3ServerOptions = {}): Promise<S3Server> {
  const why = s3ServerUnavailableReason();
  if (why) throw new Error(`s3-server: ${why}`);
  let lastError: unknown;
  const triedPorts = new Set<number>();
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      return await startOnce(opts, triedPorts);
    } catch (err) {
      lastError = err;
      // Only a lost port race is worth retrying.
      if (!/address already in use|bind.*failed|EADDRINUSE/i.test(String(err))) throw err;
    }
  }
  throw lastError;
}

async function startOnce(opts: S3ServerOptions, triedPorts: Set<number>): Promise<S3Server> {
  const t0 = performance.now();
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  const memBytes = opts.memoryCapBytes ?? 1024 ** 3;

  mkdirSync(join(CEPH_ROOT, RUNS_IN_CHROOT), { recursive: true });
  const hostRunDir = mkdtempSync(join(CEPH_ROOT, RUNS_IN_CHROOT, 's3-'));
  trackRunDir(hostRunDir);
  const runDir = hostRunDir.slice(CEPH_ROOT.length); // the same directory as the daemons see it
  for (const d of ['mon', 'osd', 'log']) mkdirSync(join(hostRunDir, d));

  const monPort = await freeLowPort(triedPorts);
  triedPorts.add(monPort);
  const rgwPort = await freeLowPort(triedPorts);
  triedPorts.add(rgwPort);
  const fsid = randomUUID();
  const osdUuid = randomUUID();
  const conf = `${runDir}/ceph.conf`;
  writeFileSync(join(hostRunDir, 'ceph.conf'), cephConf(runDir, fsid, monPort, rgwPort, memBytes));

  const daemons: TrackedProcess[] = [];
  const phases: Record<string, number> = {};
  const phase = (name: string): void => {
    phases[name] = Math.round(performance.now() - t0);
  };
  const logTail = (maxChars = 3000): string =>
    ['mon.a', 'osd.0', 'client.rgw']
      .map((n) => {
        let text: string;
        try {
          text = readFileSync(join(hostRunDir, 'log', `${n}.log`), 'utf8').slice(-maxChars);
        } catch {
          text = '(no log)';
        }
        return `── ${n}.log ──\n${text}`;
      })
      .join('\n');
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      // radosgw ignores SIGTERM for seconds once the mon is gone; nothing here needs a clean stop.
      await Promise.all(daemons.map((d) => d.stop('SIGKILL', 2000)));
      if (!opts.keepRunDir) {
        rmSync(hostRunDir, { recursive: true, force: true });
        liveRunDirs.delete(hostRunDir);
      }
    })();
    return stopped;
  };
  const failIfDead = (): void => {
    for (const d of daemons) {
      if (d.hasExited) throw new Error(`s3-server: ${d.name} exited during start-up:\n${d.tail()}\n${logTail()}`);
    }
  };

  try {
    // 1. monitor
    await runInChroot('monmaptool', ['--create', '--add', 'a', `v2:127.0.0.1:${monPort}`, '--fsid', fsid, `${runDir}/monmap`]);
    await runInChroot('ceph-mon', ['--mkfs', '-i', 'a', '-c', conf, '--monmap', `${runDir}/monmap`]);
    daemons.push(daemon('mon', 'ceph-mon', ['-f', '-i', 'a', '-c', conf]));
    phase('mon started');

    // 2. register the OSD and create the gateway's pools (one CLI run; it waits for the mon)
    const script = [`osd new ${osdUuid} 0`, ...RGW_POOLS.map((p) => `osd pool create ${p} 8 8`)].join('\n') + '\n';
    const cli = runInChroot('ceph', ['-c', conf, '--connect-timeout', '20'], script);
    cli.catch(() => {}); // awaited below; a mon that died first is reported instead
    const out = await Promise.race([cli, daemons[0]!.exited.then(() => '')]);
    failIfDead();
    for (const p of RGW_POOLS) {
      if (!out.includes(`pool '${p}' created`) && !out.includes(`pool '${p}' already exists`)) {
        throw new Error(`s3-server: creating pool ${p} failed:\n${out}`);
      }
    }

    phase('osd registered, pools created');
    // 3. memstore OSD
    await runInChroot('ceph-osd', ['-c', conf, '-i', '0', '--mkfs', '--osd-uuid', osdUuid]);
    daemons.push(daemon('osd', 'ceph-osd', ['-f', '-c', conf, '-i', '0']));
    phase('osd started');

    // 4. user and zonegroup (radosgw-admin waits until the OSD serves the pools); api name
    //    "auto" makes region `auto` (R2's) valid for signing and LocationConstraint.
    const accessKeyId = randomKey('ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', 20);
    const secretAccessKey = randomKey('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', 40);
    await runInChroot('radosgw-admin', [
      '-c', conf, 'user', 'create', '--uid=aircheck', '--display-name=aircheck',
      `--access-key=${accessKeyId}`, `--secret-key=${secretAccessKey}`,
    ]);
    failIfDead();
    phase('user created');
    await runInChroot('radosgw-admin', ['-c', conf, 'zonegroup', 'modify', '--rgw-zonegroup=default', '--api-name=auto']);

    // 5. gateway
    phase('zonegroup modified');
    daemons.push(daemon('rgw', 'radosgw', ['-f', '-c', conf, '-n', 'client.rgw']));
    const endpoint = `http://127.0.0.1:${rgwPort}`;
    for (;;) {
      failIfDead();
      if (Date.now() > deadline) throw new Error(`s3-server: radosgw did not answer on ${endpoint} in time\n${logTail()}`);
      try {
        const res = await fetch(`${endpoint}/`, { signal: AbortSignal.timeout(1000) });
        await res.arrayBuffer();
        if (res.status < 500) break;
      } catch {
        // not listening yet
      }
      await sleep(50);
    }

    phase('gateway answers');
    const signing = { endpoint, region: 'auto', accessKeyId, secretAccessKey };
    const s3fetch = (method: string, path: string, init?: SignedRequestInit): Promise<Response> =>
      signedFetch(signing, method, path, init);
    await warmUp(s3fetch);
    phase('warmed up');

    const createBucket = async (name?: string): Promise<string> => {
      const bucket = name ?? `test-${randomKey('abcdefghijklmnopqrstuvwxyz0123456789', 12)}`;
      await expectOk(s3fetch('PUT', `/${bucket}`), `CreateBucket ${bucket}`);
      return bucket;
    };
    const pids = daemons.map((d) => d.pid);
    return {
      endpoint,
      region: 'auto',
      accessKeyId,
      secretAccessKey,
      clientConfig: { endpoint, region: 'auto', forcePathStyle: true, credentials: { accessKeyId, secretAccessKey } },
      runDir: hostRunDir,
      startMs: Math.round(performance.now() - t0),
      startPhases: phases,
      createBucket,
      fetch: s3fetch,
      rssBytes: () => pids.reduce<number>((sum, pid) => sum + rssOf(pid), 0),
      logTail,
      stop,
    };
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    const tails = daemons.map((d) => `── ${d.name} output ──\n${d.tail(1500)}`).join('\n');
    await stop();
    throw new Error(`${msg}\n${tails}`, { cause: err });
  }
}

/** One bucket/object/multipart round trip: the gateway's first requests are the slow ones. */
async function warmUp(s3fetch: (method: string, path: string, init?: SignedRequestInit) => Promise<Response>): Promise<void> {
  const b = `/warmup-${randomKey('abcdefghijklmnopqrstuvwxyz0123456789', 8)}`;
  await expectOk(s3fetch('PUT', b), 'warm-up CreateBucket');
  await expectOk(s3fetch('PUT', `${b}/o`, { body: Buffer.from('warm') }), 'warm-up PutObject');
  await expectOk(s3fetch('GET', `${b}/o`), 'warm-up GetObject');
  const created = await expectOk(s3fetch('POST', `${b}/m`, { query: { uploads: '' } }), 'warm-up CreateMultipartUpload');
  const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(created)?.[1];
  if (!uploadId) throw new Error(`s3-server: warm-up: no UploadId in ${created}`);
  const part = await s3fetch('PUT', `${b}/m`, { query: { partNumber: '1', uploadId }, body: Buffer.from('part') });
  await part.arrayBuffer();
  if (!part.ok) throw new Error(`s3-server: warm-up UploadPart: HTTP ${part.status}`);
  const etag = part.headers.get('etag') ?? '';
  const xml = `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${etag}</ETag></Part></CompleteMultipartUpload>`;
  await expectOk(s3fetch('POST', `${b}/m`, { query: { uploadId }, body: Buffer.from(xml) }), 'warm-up CompleteMultipartUpload');
  await expectOk(s3fetch('DELETE', `${b}/o`), 'warm-up DeleteObject');
  await expectOk(s3fetch('DELETE', `${b}/m`), 'warm-up DeleteObject');
  await expectOk(s3fetch('DELETE', b), 'warm-up DeleteBucket');
}

async function expectOk(res: Promise<Response>, what: string): Promise<string> {
  const r = await res;
  const text = await r.text();
  if (!r.ok) throw new Error(`s3-server: ${what}: HTTP ${r.status} ${text}`);
  return text;
}

function randomKey(alphabet: string, length: number): string {
  const bytes = randomBytes(length);
  let s = '';
  for (const b of bytes) s += alphabet[b % alphabet.length];
  return s;
}

function rssOf(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

// ── a minimal AWS SigV4 signer (path-style S3, header auth) ─────────────────────────────────────

export interface SigningConfig {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export interface SignedRequestInit {
  /** Query parameters; '' for a bare flag such as `?uploads`. */
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: Buffer;
  /** Sign the payload hash (default) or send UNSIGNED-PAYLOAD. */
  unsignedPayload?: boolean;
  /** An explicit x-amz-content-sha256, e.g. STREAMING-UNSIGNED-PAYLOAD-TRAILER (wins over the above). */
  contentSha256?: string;
}

const rfc3986 = (s: string): string =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data).digest();

/** fetch() with an AWS Signature Version 4 Authorization header (service s3). */
export function signedFetch(cfg: SigningConfig, method: string, path: string, init: SignedRequestInit = {}): Promise<Response> {
  const url = new URL(cfg.endpoint);
  const canonicalPath = path.split('/').map((seg) => rfc3986(seg)).join('/');
  const query = Object.entries(init.query ?? {})
    .map(([k, v]) => [rfc3986(k), rfc3986(v)] as const)
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  const canonicalQuery = query.map(([k, v]) => `${k}=${v}`).join('&');
  const now = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const day = now.slice(0, 8);
  const payloadHash =
    init.contentSha256 ?? (init.unsignedPayload ? 'UNSIGNED-PAYLOAD' : sha256Hex(init.body ?? Buffer.alloc(0)));
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(init.headers ?? {})) headers[k.toLowerCase()] = String(v).trim();
  headers.host = url.host;
  headers['x-amz-date'] = now;
  headers['x-amz-content-sha256'] = payloadHash;
  const names = Object.keys(headers).sort();
  const canonicalHeaders = names.map((n) => `${n}:${headers[n]}\n`).join('');
  const signedHeaders = names.join(';');
  const canonicalRequest = [method, canonicalPath, canonicalQuery, canonicalHeaders, signedHeaders, payloadHash].join('\n');
  const scope = `${day}/${cfg.region}/s3/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', now, scope, sha256Hex(canonicalRequest)].join('\n');
  let key = hmac(`AWS4${cfg.secretAccessKey}`, day);
  key = hmac(key, cfg.region);
  key = hmac(key, 's3');
  key = hmac(key, 'aws4_request');
  const signature = createHmac('sha256', key).update(stringToSign).digest('hex');
  const { host: _host, ...sendHeaders } = headers;
  sendHeaders.authorization = `AWS4-HMAC-SHA256 Credential=${cfg.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  const target = `${url.origin}${canonicalPath}${canonicalQuery ? `?${canonicalQuery}` : ''}`;
  // Buffers from Buffer.alloc/concat/from are backed by a plain ArrayBuffer.
  const body = (init.body ?? null) as Uint8Array<ArrayBuffer> | null;
  return fetch(target, { method, headers: sendHeaders, body });
}

/** A Ceph RGW of the test's own, a bucket, a client, and the AIRCHECK_S3_* that point a bridge at it (stopped after the test). */
export async function testBucket(t: TestContext): Promise<{ bucket: string; client: S3Client; bucketEnv: Record<string, string> }> {
  const missing = s3ServerUnavailableReason();
  if (missing) throw new Error(`the S3 test server is not set up (${missing}): run bash scripts/setup-s3-server.sh as root`);
  const s3 = await startS3Server({ memoryCapBytes: 256 * 1024 * 1024 });
  t.after(() => s3.stop());
  const bucket = await s3.createBucket();
  const client = new S3Client(s3.clientConfig);
  t.after(() => client.destroy());
  const bucketEnv = {
    AIRCHECK_S3_ENDPOINT: s3.endpoint, AIRCHECK_S3_BUCKET: bucket, AIRCHECK_S3_ACCESS_KEY_ID: s3.accessKeyId,
    AIRCHECK_S3_SECRET_ACCESS_KEY: s3.secretAccessKey, AIRCHECK_S3_FORCE_PATH_STYLE: 'true',
  };
  return { bucket, client, bucketEnv };
}
