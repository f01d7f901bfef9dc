// Builds the browser studio (studio/) into dist/studio, which the bridge serves on the web port.
// `npm run dev:studio` serves it with hot reload and proxies the bridge's API and WebSocket.
import { defineConfig } from 'vite';

const bridgeWeb = process.env.AIRCHECK_DEV_BRIDGE ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root: 'studio',
  base: '/studio/',
  build: { outDir: '../dist/studio', emptyOutDir: true, target: 'es2023', sourcemap: true },
  server: {
    host: '127.0.0.1',
    proxy: {
      '/api': { target: bridgeWeb, ws: true },
      '/status.json': bridgeWeb,
    },
  },
});
