// Builds the station page (station/) into dist/station; the bridge serves its index.html at `/`, its
// assets under /station/ and station/public/favicon.svg as /favicon.svg. `vite -c vite.station.config.ts`
// serves it with hot reload and proxies the bridge's public API (AIRCHECK_DEV_BRIDGE, default :8080).
import { defineConfig } from 'vite';

const bridgeWeb = process.env.AIRCHECK_DEV_BRIDGE ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root: 'station',
  base: '/station/',
  publicDir: 'public',
  build: { outDir: '../dist/station', emptyOutDir: true, target: 'es2023', sourcemap: true },
  server: {
    host: '127.0.0.1',
    proxy: { '/api': bridgeWeb, '/favicon.svg': bridgeWeb },
  },
});
