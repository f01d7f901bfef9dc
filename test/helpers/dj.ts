// Creates a DJ account the way an operator does (`npm run dj -- add NAME`, password on stdin),
// against a bridge's data directory. Used by the studio e2e test and the glass-to-glass benchmark.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const DJ_CLI = fileURLToPath(new URL('../../bridge/src/accounts/dj-cli.ts', import.meta.url));

export function addDj(dataDir: string, name: string, password: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [DJ_CLI, 'add', name], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, AIRCHECK_DATA_DIR: dataDir },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c) => (output += c));
    child.stderr.on('data', (c) => (output += c));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`dj add exited ${code}: ${output}`))));
    child.stdin.end(`${password}\n`);
  });
}
