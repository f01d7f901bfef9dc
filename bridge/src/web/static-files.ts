// Serves the built browser studio (dist/studio, from `npm run build:studio`) on the web port under a
// URL prefix (/studio/). Fed by the web server's request handler; reads files from rootDir only.
// Hashed assets (Vite's assets/name-HASH.ext) are cached for a year; index.html is never cached so a
// new build reaches DJs on the next load. Paths are resolved inside rootDir (no traversal), only
// regular files up to MAX_STATIC_FILE_BYTES are served, GET and HEAD only.

import { createReadStream, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';

export const MAX_STATIC_FILE_BYTES = 32 * 1024 * 1024;

export const MIME_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
  '.wav': 'audio/wav',
  '.mp3': 'audio/mpeg',
  '.ogg': 'audio/ogg',
  '.opus': 'audio/ogg',
};

/** Vite's content-hashed file names: name-HASH.ext with an 8-character base64url hash. */
const HASHED = /-[A-Za-z0-9_-]{8}\.[a-z0-9]+$/;

export type StaticHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

/**
 * A handler for rootDir under urlPrefix (e.g. '/studio'): returns true when it answered the request
 * (a file, a redirect, 404 or 405 inside the prefix), false when the URL is not under the prefix.
 */
export function createStaticHandler(rootDir: string, urlPrefix: string, opts: { spaFallback?: boolean } = {}): StaticHandler {
  const root = resolve(rootDir);
  const prefix = `/${urlPrefix.replace(/^\/+|\/+$/g, '')}`;
  return (req, res) => {
    const rawPath = (req.url ?? '/').split('?')[0] as string;
    if (rawPath !== prefix && !rawPath.startsWith(`${prefix}/`)) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, 'method not allowed: use GET or HEAD\n', { allow: 'GET, HEAD' });
      return true;
    }
    if (rawPath === prefix) {
      const query = (req.url ?? '').slice(rawPath.length);
      send(res, 301, '', { location: `${prefix}/${query}` });
      return true;
    }
    let relative: string;
    try {
      relative = decodeURIComponent(rawPath.slice(prefix.length + 1));
    } catch {
      send(res, 400, 'bad request: the path is not valid percent-encoding\n');
      return true;
    }
    if (relative === '' || relative.endsWith('/')) relative += 'index.html';
    let file = resolve(join(root, relative));
    if (relative.includes('\0') || (file !== root && !file.startsWith(root + sep))) {
      send(res, 404, 'not found\n');
      return true;
    }
    // A single-page app: a path with no file extension that is not a file is one of its routes.
    if (opts.spaFallback && extname(relative) === '' && !isFile(file)) {
      relative = 'index.html';
      file = join(root, relative);
    }
    let size: number;
    try {
      const st = statSync(file);
      if (!st.isFile() || st.size > MAX_STATIC_FILE_BYTES) throw new Error('not a servable file');
      size = st.size;
    } catch {
      send(res, 404, 'not found\n');
      return true;
    }
    const isIndex = relative.endsWith('index.html');
    sendFileBody(req, res, file, size, MIME_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream', isIndex || !HASHED.test(file) ? 'no-cache' : 'public, max-age=31536000, immutable');
    return true;
  };
}

/** Answers 200 with a regular file of a known size (its body streamed; none for HEAD). */
export function sendFileBody(req: IncomingMessage, res: ServerResponse, file: string, size: number, contentType: string, cacheControl: string): void {
  res.writeHead(200, { 'content-type': contentType, 'content-length': String(size), 'cache-control': cacheControl, 'x-content-type-options': 'nosniff' });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const stream = createReadStream(file);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': String(Buffer.byteLength(body)), ...headers });
  res.end(body);
}
