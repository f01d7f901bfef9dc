// One place for the recording/restart tests' studio shows: a fresh data directory with DJ "nina",
// the tone's Opus packets, a signed-in StudioClient on a bridge; everything stopped and removed after
// the test file. Used by recording-crash, recording-disk-full and studio-restart.
import { after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningBridge } from './bridge.ts';
import { stopAllTracked } from './processes.ts';
import { StudioClient, opusTonePackets, studioLogin, type OpusSource } from './studio-client.ts';
import { DjAccounts } from '../../bridge/src/ingest/dj-accounts.ts';

export const DJ_NAME = 'nina';
export const DJ_PASSWORD = 'nina-password';

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
      await new DjAccounts(dataDir, []).add(DJ_NAME, DJ_PASSWORD);
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
