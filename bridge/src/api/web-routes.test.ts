// The station page at / and the console's single-page routes (server on 127.0.0.1, port 0).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createWebRoutes } from './web-routes.ts';

async function serve(t: import('node:test').TestContext, built: boolean) {
  const root = mkdtempSync(join(tmpdir(), 'aircheck-web-'));
  const stationDir = join(root, 'station');
  const consoleDir = join(root, 'console');
  if (built) {
    mkdirSync(join(stationDir, 'assets'), { recursive: true });
    mkdirSync(join(consoleDir, 'assets'), { recursive: true });
    writeFileSync(join(stationDir, 'index.html'), '<title>station</title>');
    writeFileSync(join(stationDir, 'favicon.svg'), '<svg/>');
    writeFileSync(join(consoleDir, 'index.html'), '<title>console</title>');
    writeFileSync(join(consoleDir, 'assets', 'app-AbCdEf12.js'), 'x');
  }
  const routes = createWebRoutes({ stationDir, consoleDir });
  const server = createServer((req, res) => {
    if (!routes(req, res)) {
      res.writeHead(418);
      res.end('fallback');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => {
    server.close();
    rmSync(root, { recursive: true, force: true });
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

test('/ serves the built station page; the console answers its routes with its index.html, but not missing assets', async (t) => {
  const base = await serve(t, true);
  const home = await fetch(`${base}/?mount=/live`);
  assert.equal(home.status, 200);
  assert.equal(await home.text(), '<title>station</title>');
  assert.equal(await (await fetch(`${base}/favicon.ico`)).text(), '<svg/>');
  for (const path of ['/console/', '/console/recordings', '/console/recordings/20261203T1800Z-x']) {
    const res = await fetch(`${base}${path}`);
    assert.equal(res.status, 200, path);
    assert.equal(await res.text(), '<title>console</title>', path);
  }
  assert.equal((await fetch(`${base}/console/assets/missing-AbCdEf12.js`)).status, 404);
  assert.equal(await (await fetch(`${base}/station/live`)).text(), '<title>station</title>');
});

test('without a build, / is left to the server-rendered player', async (t) => {
  const base = await serve(t, false);
  const home = await fetch(`${base}/`);
  assert.equal(home.status, 418);
  assert.equal((await fetch(`${base}/favicon.svg`)).status, 418);
});
