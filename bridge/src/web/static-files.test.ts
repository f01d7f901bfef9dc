// The studio's static files on the web port: types, caching, index, traversal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStaticHandler } from './static-files.ts';

async function serve(t: import('node:test').TestContext) {
  const root = mkdtempSync(join(tmpdir(), 'aircheck-static-'));
  mkdirSync(join(root, 'assets'));
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>studio</title>');
  writeFileSync(join(root, 'assets', 'index-C_PBdBVD.js'), 'console.log(1)');
  writeFileSync(join(root, 'assets', 'meter-processor-CR6w6omx.js.map'), '{}');
  writeFileSync(join(root, 'plain.css'), 'body{}');
  writeFileSync(join(root, '..', `${root.split('/').pop()}-secret.txt`), 'secret');
  const handler = createStaticHandler(root, '/studio/');
  const server = createServer((req, res) => {
    if (!handler(req, res)) {
      res.writeHead(418);
      res.end('not mine');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  t.after(() => {
    server.close();
    rmSync(root, { recursive: true, force: true });
    rmSync(join(root, '..', `${root.split('/').pop()}-secret.txt`), { force: true });
  });
  return { base, root, port: (server.address() as AddressInfo).port };
}

/** Sends a raw request line, so paths reach the server without fetch normalising them. */
function rawGet(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
    let data = '';
    s.on('data', (c) => (data += c.toString()));
    s.on('end', () => resolve(data));
    s.on('error', reject);
  });
}

test('the prefix serves index.html, never cached', async (t) => {
  const { base } = await serve(t);
  const res = await fetch(`${base}/studio/`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
  assert.equal(res.headers.get('cache-control'), 'no-cache');
  assert.match(await res.text(), /<title>studio/);
  const redirect = await fetch(`${base}/studio?x=1`, { redirect: 'manual' });
  assert.equal(redirect.status, 301);
  assert.equal(redirect.headers.get('location'), '/studio/?x=1');
});

test('hashed assets get their MIME type and a year of caching; others no-cache', async (t) => {
  const { base } = await serve(t);
  const js = await fetch(`${base}/studio/assets/index-C_PBdBVD.js`);
  assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8');
  assert.equal(js.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  assert.equal(js.headers.get('content-length'), '14');
  assert.equal(await js.text(), 'console.log(1)');
  const css = await fetch(`${base}/studio/plain.css`);
  assert.equal(css.headers.get('content-type'), 'text/css; charset=utf-8');
  assert.equal(css.headers.get('cache-control'), 'no-cache');
  const head = await fetch(`${base}/studio/plain.css`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(await head.text(), '');
});

test('paths outside the root are not served, whatever their encoding', async (t) => {
  const { port, root } = await serve(t);
  const name = `${root.split('/').pop()}-secret.txt`;
  for (const path of [`/studio/../${name}`, `/studio/%2e%2e/${name}`, `/studio/..%2f${name}`, '/studio/%00', '/studio/assets/../../../etc/passwd']) {
    const answer = await rawGet(port, path);
    assert.doesNotMatch(answer, /secret|root:/, path);
    assert.match(answer, /^HTTP\/1\.1 (404|400)/, path);
  }
});

test('other URLs are left to the next handler, and only GET and HEAD are answered', async (t) => {
  const { base } = await serve(t);
  assert.equal((await fetch(`${base}/status.json`)).status, 418);
  assert.equal((await fetch(`${base}/studiox/`)).status, 418);
  assert.equal((await fetch(`${base}/studio/missing.js`)).status, 404);
  assert.equal((await fetch(`${base}/studio/assets`)).status, 404, 'a directory is not a file');
  const post = await fetch(`${base}/studio/`, { method: 'POST' });
  assert.equal(post.status, 405);
  assert.equal(post.headers.get('allow'), 'GET, HEAD');
});
