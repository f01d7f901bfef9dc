// Raw TCP exchanges for tests of the stream port's edge cases: send bytes on a fresh connection and
// read everything the server answers until it closes (bad-input, hostile-clients); open a raw source
// (source-error-codes, dynamic-mounts).
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

/**
 * A raw `SOURCE /mount` with Basic auth as user "source" (no audio yet). Resolves with the socket
 * and the answer: an accepted source's head as soon as it is complete (the socket stays open for
 * audio); a refused one's head and one-line body once the server closes.
 */
export function rawSource(host: string, port: number, mount: string, password: string): Promise<{ socket: net.Socket; answer: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    let got = '';
    socket.on('error', reject);
    socket.on('data', (buf) => {
      got += buf.toString('latin1');
      if (/^HTTP\/1\.[01] 200/.test(got) && got.includes('\r\n\r\n')) resolve({ socket, answer: got });
    });
    socket.on('close', () => resolve({ socket, answer: got }));
    const auth = Buffer.from(`source:${password}`).toString('base64');
    socket.write(`SOURCE ${mount} HTTP/1.0\r\nAuthorization: Basic ${auth}\r\nContent-Type: audio/mpeg\r\n\r\n`);
  });
}
