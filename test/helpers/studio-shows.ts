// One place for the recording/restart tests' studio shows: a fresh data directory with DJ "nina",
// the tone's Opus packets, a signed-in StudioClient on a bridge; everything stopped and removed after
// the test file. Used by recording-crash, recording-disk-full and studio-restart; startStudioBridge,
// one bridge for a whole file with the DJ signed in, by show-settings and show-titles.
import { after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBridge, type RunningBridge } from './bridge.ts';
import { stopAllTracked } from './processes.ts';
import { waitForSettled } from './recordings.ts';
import { StudioClient, opusTonePackets, studioLogin, type OpusSource } from './studio-client.ts';
import { addDjAccount } from '../../bridge/src/accounts/dj-accounts.ts';

export const DJ_NAME = 'nina';
export const DJ_PASSWORD = 'nina-password';

/**
 * Ends the show once every frame is sent (audio paused, the buffer drained, End show acknowledged,
 * the studio disconnected), then waits up to `timeoutMs` for the recordings to settle: how many
 * frames the studio sent, and the recordings list.
 */
export async function endShowAndSettle(client: StudioClient, dataDir: string, timeoutMs = 60_000): Promise<{ sentFrames: number; list: any[] }> {
  client.pauseAudio();
  await client.drained();
  const sentFrames = client.buffer.nextSeq;
  assert.equal((await client.control('end')).type, 'state');
  client.stop();
  return { sentFrames, list: await waitForSettled(dataDir, timeoutMs) };
}

export interface StudioShows {
  /** A new data directory with the DJ, and `seconds` of the tone as Opus packets. */
  setup(prefix?: string, seconds?: number): Promise<{ dataDir: string; source: OpusSource }>;
  /** The DJ signed in on `bridge`, connected (welcome and state seen). */
  studio(bridge: RunningBridge, source: OpusSource): Promise<StudioClient>;
  /** Data directories and clients made so far (removed/stopped after the file). */
  readonly dirs: string[];
  readonly clients: StudioClient[];
}

export function studioShows(toneHz: number): StudioShows {
  const dirs: string[] = [];
  const clients: StudioClient[] = [];
  after(async () => {
    for (const c of clients) c.stop();
    await stopAllTracked();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  return {
    dirs,
    clients,
    async setup(prefix = 'aircheck-rec-', seconds = 10) {
      const dataDir = mkdtempSync(join(tmpdir(), prefix));
      dirs.push(dataDir);
      await addDjAccount(dataDir, DJ_NAME, DJ_PASSWORD);
      return { dataDir, source: await opusTonePackets(toneHz, seconds) };
    },
    async studio(bridge, source) {
      const login = await studioLogin(bridge.webUrl, DJ_NAME, DJ_PASSWORD);
      assert.equal(login.status, 200);
      const client = new StudioClient({ wsUrl: `${bridge.webUrl.replace('http:', 'ws:')}/api/studio/ws`, token: login.body.token, source });
      clients.push(client);
      await client.start();
      return client;
    },
  };
}

/** One bridge for a whole test file: its data directory with the DJ, the tone as Opus packets, the DJ's token, the studio WebSocket. */
export interface StudioBridge {
  bridge: RunningBridge;
  dataDir: string;
  source: OpusSource;
  token: string;
  wsUrl: string;
  /** Stops the bridge (and every tracked process) and removes the data directory. */
  stop(): Promise<void>;
}

/** A new data directory with DJ nina, a bridge on it (with `configToml`) and 10 s of the tone; the DJ signed in over HTTP. */
export async function startStudioBridge(opts: { prefix: string; toneHz: number; configToml?: string }): Promise<StudioBridge> {
  const dataDir = mkdtempSync(join(tmpdir(), opts.prefix));
  await addDjAccount(dataDir, DJ_NAME, DJ_PASSWORD);
  const [bridge, source] = await Promise.all([
    startBridge({ dataDir, ...(opts.configToml === undefined ? {} : { configToml: opts.configToml }) }),
    opusTonePackets(opts.toneHz, 10),
  ]);
  const wsUrl = `${bridge.webUrl.replace('http:', 'ws:')}/api/studio/ws`;
  const token = (await studioLogin(bridge.webUrl, DJ_NAME, DJ_PASSWORD)).body.token;
  return {
    bridge, dataDir, source, token, wsUrl,
    async stop() {
      await bridge.stop();
      await stopAllTracked();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
