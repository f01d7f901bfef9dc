// The web pages around REST API v1: `/` (the station page, dist/station/index.html, when built),
// `/station/*` and `/console/*` (single-page apps: unknown paths get their index.html), and the
// favicons. Fed by bridge.ts's request routing; answers false when the page is not built, so the
// server-rendered player (admin/web-page.ts) still answers `/`.
import { statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { createStaticHandler, sendFileBody } from '../web/static-files.ts';

export function createWebRoutes(opts: { stationDir: string; consoleDir: string }): (req: IncomingMessage, res: ServerResponse) => boolean {
  const serveConsole = createStaticHandler(opts.consoleDir, '/console', { spaFallback: true });
  const serveStation = createStaticHandler(opts.stationDir, '/station', { spaFallback: true });
  const sendFile = (req: IncomingMessage, res: ServerResponse, file: string, type: string): boolean => {
    let size: number;
    try {
      const st = statSync(file);
      if (!st.isFile()) return false;
      size = st.size;
    } catch {
      return false;
    }
    sendFileBody(req, res, file, size, type, 'no-cache');
    return true;
  };
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (req.method === 'GET' || req.method === 'HEAD') {
      if (path === '/') return sendFile(req, res, join(opts.stationDir, 'index.html'), 'text/html; charset=utf-8');
      if (path === '/favicon.svg' || path === '/favicon.ico') return sendFile(req, res, join(opts.stationDir, 'favicon.svg'), 'image/svg+xml');
    }
    return serveConsole(req, res) || serveStation(req, res);
  };
}
