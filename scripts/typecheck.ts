// npm run typecheck: every TypeScript project (each with its own lib: DOM for the browser apps, Node
// for the bridge) checked by tsc, two at a time on this 2-core machine, largest first. Exits non-zero
// if any project has an error; each project's errors are printed together.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TSC = join(ROOT, 'node_modules', '.bin', 'tsc');
// Largest first, so the two lanes end together.
const PROJECTS = ['tsconfig.json', 'bridge', 'recordings', 'studio', 'shared', 'config', 'console', 'station'];
const LANES = 2;

const queue = [...PROJECTS];
let failed = 0;
async function lane(): Promise<void> {
  for (let p = queue.shift(); p !== undefined; p = queue.shift()) {
    const project = p;
    await new Promise<void>((resolve) => {
      execFile(TSC, ['-p', project], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
        if (err) {
          failed++;
          process.stdout.write(`tsc -p ${project}: errors\n${stdout}${stderr}`);
        }
        resolve();
      });
    });
  }
}
await Promise.all(Array.from({ length: LANES }, lane));
if (failed) {
  process.stdout.write(`typecheck: ${failed} of ${PROJECTS.length} projects have errors\n`);
  process.exit(1);
}
