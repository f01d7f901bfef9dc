// The real client of a request or stream-port connection, as the edge decided it (trusted-proxies.ts):
// bridge.ts marks each web request and each stream-port head; stages read it here instead of
// socket.remoteAddress, so rate limits, logs and listener addresses see the client, not the proxy.
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { ForwardedClient } from './trusted-proxies.ts';

const CLIENT = Symbol('aircheck.client');
type Marked = { [CLIENT]?: ForwardedClient };

/** Marks a request (web port) or a socket (stream port: one request per connection). */
export function markClient(target: IncomingMessage | Socket, client: ForwardedClient): void {
  (target as Marked)[CLIENT] = client;
}

/** The client's address: marked by the edge, else the peer's. */
export function clientAddress(target: IncomingMessage | Socket): string {
  const marked = (target as Marked)[CLIENT];
  if (marked) return marked.address;
  const socket = 'socket' in target && target.socket ? target.socket : (target as Socket);
  return socket.remoteAddress ?? 'unknown';
}

/** The scheme the client used: a trusted proxy's word, else whether this connection is TLS. */
export function clientProto(req: IncomingMessage): 'http' | 'https' {
  const marked = (req as Marked)[CLIENT];
  if (marked?.proto) return marked.proto;
  return (req.socket as Socket & { encrypted?: boolean }).encrypted ? 'https' : 'http';
}
