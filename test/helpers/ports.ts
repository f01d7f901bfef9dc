// Picks a free TCP port on 127.0.0.1 for peers that need a port number up front (icecast2 reads
// it from its config file). Our own servers should listen on port 0 instead and read the port back.
import { createServer } from 'node:net';

/** Ports handed out below the kernel's ephemeral range (32768+), where outgoing connections take theirs. */
const LOW_PORTS = { from: 20_000, to: 32_000 };

/**
 * A port below 32768 that was free a moment ago (tried with an exclusive listen, then closed); another
 * process may still take it. Ports from the kernel (listen on 0) come from the ephemeral range, where
 * an outgoing connection of any process may hold the same number by the time the peer binds it.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = LOW_PORTS.from + Math.floor(Math.random() * (LOW_PORTS.to - LOW_PORTS.from));
    if (await canListen(host, port)) return port;
  }
  throw new Error(`freePort: no free port in ${LOW_PORTS.from}–${LOW_PORTS.to} on ${host} after 200 tries`);
}

function canListen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}
