// Builds the admin console (console/) into dist/console, which the bridge serves at /console/.
// `vite -c vite.console.config.ts` serves it with hot reload and proxies the bridge's API (and its
// server-sent events) from AIRCHECK_DEV_BRIDGE.
import { defineConfig } from 'vite';

const bridgeWeb = process.env.AIRCHECK_DEV_BRIDGE ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root: 'console',
  base: '/console/',
  build: { outDir: '../dist/console', emptyOutDir: true, target: 'es2023', sourcemap: true },
  server: {
    host: '127.0.0.1',
    proxy: { '/api': { target: bridgeWeb } },
  },
});
