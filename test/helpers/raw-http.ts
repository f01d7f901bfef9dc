// Raw TCP exchanges for tests of the stream port's edge cases: send bytes on a fresh connection and
// read everything the server answers until it closes. Used by bad-input and hostile-clients tests.
import net from 'node:net';

/** Sends `bytes` to host:port; resolves with the whole answer (latin1) once the server closes. */
export function rawExchange(host: string, port: number, bytes: Uint8Array | string, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, host);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no close within ${timeoutMs} ms; got ${Buffer.concat(chunks).toString('latin1').slice(0, 300)}`));
    }, timeoutMs);
    socket.on('connect', () => socket.write(bytes));
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
  });
}
