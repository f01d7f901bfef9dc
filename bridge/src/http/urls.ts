// URLs from a configured listen address: IPv6 in brackets, and for a wildcard (0.0.0.0, ::) the
// addresses it really serves (loopback first, then each interface). Fed by the config's server.host;
// feeds the start banner and the bridge's own links.
import { networkInterfaces } from 'node:os';

/** `host` as it goes in a URL: IPv6 literals in brackets. */
export function urlHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

export function isWildcardHost(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '[::]';
}

/** The host to use when the bridge links to itself (a wildcard becomes the matching loopback). */
export function loopbackFor(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::' || host === '[::]') return '::1';
  return host;
}

/**
 * Every `http://ADDRESS:PORT/` a client can use for a server bound to `host`: the host itself, or
 * for a wildcard the loopback first and then every interface address of that family (for `::`,
 * IPv4 ones too: Node's `::` listens dual-stack).
 */
export function servedUrls(host: string, port: number, interfaces = networkInterfaces()): string[] {
  if (!isWildcardHost(host)) return [`http://${urlHost(host)}:${port}/`];
  const v6 = host !== '0.0.0.0';
  const addresses = [loopbackFor(host)];
  if (v6) addresses.push('127.0.0.1');
  for (const list of Object.values(interfaces)) {
    for (const a of list ?? []) {
      if (a.internal) continue;
      if (a.family === 'IPv4' || (v6 && a.family === 'IPv6' && !a.address.startsWith('fe80:'))) addresses.push(a.address);
    }
  }
  return [...new Set(addresses)].map((a) => `http://${urlHost(a)}:${port}/`);
}
