// Reads a bridge's recordings the way an operator does (`npm run recordings -- list --json`) and
// waits for them to settle. Used by the recording integration tests and the studio e2e tests.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../recordings/src/cli.ts', import.meta.url));

/** `npm run recordings -- list --json` against a data directory. */
export function listRecordings(dataDir: string): Promise<any[]> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [CLI, 'list', '--json'], { env: { PATH: process.env.PATH, HOME: process.env.HOME, AIRCHECK_DATA_DIR: dataDir } }, (err, stdout, stderr) => {
      if (err) reject(new Error(`recordings list failed: ${stderr}`, { cause: err }));
      else resolve(JSON.parse(stdout));
    });
  });
}

/**
 * Polls the list until every show settled: verified by the store (with or without gaps), or failed. There is no event
 * from the bridge's finalizer to the test, so a bounded poll is the synchronisation.
 */
export async function waitForSettled(dataDir: string, timeoutMs: number): Promise<any[]> {
  const deadline = Date.now() + timeoutMs;
  let last: any[] = [];
  while (Date.now() < deadline) {
    last = await listRecordings(dataDir);
    if (last.length > 0 && last.every((r) => r.status === 'verified' || r.status === 'verified_with_gaps' || r.status === 'failed')) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`recordings did not settle in ${timeoutMs} ms: ${JSON.stringify(last)}`);
}
