// The line every benchmark prints with its table: the machine (cores, CPU model, memory, kernel,
// Node), the commit (short hash, "+dirty" when the working tree has changes) and the date, so a
// figure can always be traced to what produced it. Used by every CLI in test/bench/.
import { execFileSync } from 'node:child_process';
import { cpus, release, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** `abc1234`, `abc1234+dirty` (tracked or untracked changes), or `unknown` outside a git checkout. */
export function commitLabel(): string {
  try {
    const hash = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const changes = execFileSync('git', ['status', '--porcelain'], { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return changes ? `${hash}+dirty` : hash;
  } catch {
    return 'unknown';
  }
}

/** `2 × Intel(R) Xeon(R) …, 23.4 GiB, Linux 6.1.0-…, Node v22.23.3` */
export function machineLabel(): string {
  const cores = cpus();
  return `${cores.length} × ${cores[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 1024 ** 3).toFixed(1)} GiB, Linux ${release()}, Node ${process.version}`;
}

/** One line for a benchmark's output: `machine: …; commit …; date …`. */
export function benchHeader(): string {
  return `machine: ${machineLabel()}; commit ${commitLabel()}; date ${new Date().toISOString()}`;
}
