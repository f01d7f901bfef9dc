// Picks a free TCP port on 127.0.0.1 for peers that need a port number up front (icecast2 reads
// it from its config file). Our own servers should listen on port 0 instead and read the port back.
import { createServer } from 'node:net';

/** A port that was free a moment ago (listen on 0, read it, close). Another process may take it. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host, exclusive: true }, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error(`freePort: unexpected server address ${String(address)}`));
        return;
      }
      const { port } = address;
      server.close((err) => (err ? reject(err) : resolve(port)));
    });
  });
}
