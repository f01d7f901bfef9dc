// Who the client really is behind a reverse proxy: the configured trusted proxies ([web]
// trusted_proxies, CIDRs or addresses, IPv4 and IPv6) and the headers they add (Forwarded, RFC 7239;
// else X-Forwarded-For / X-Forwarded-Proto). Headers from any other peer are ignored. Pure: an
// address and headers in, the client's address and scheme out. Fed by bridge.ts (each web request and
// stream-port head); feeds rate limits, logs, listener addresses and the studio's own URLs.
import net from 'node:net';
import { trustedProxyProblem } from '../../../config/src/trusted-proxy-entry.ts';

export interface ForwardedClient {
  /** The client's address: the peer's, or the first untrusted hop the trusted proxies name. */
  address: string;
  /** The scheme the client used, as the nearest trusted proxy says; null when nobody says. */
  proto: 'http' | 'https' | null;
  /** True when the address or scheme came from a trusted proxy's headers. */
  forwarded: boolean;
}

/** Headers by lower-case name (node:http's IncomingHttpHeaders, or a head's map via get()). */
export type HeaderLookup = (name: string) => string | undefined;

/** "::ffff:10.1.2.3" (an IPv4 client of a dual-stack socket) → "10.1.2.3". */
export function plainAddress(address: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m ? m[1]! : address;
}

export class TrustedProxies {
  readonly #list = new net.BlockList();
  readonly size: number;

  /** `entries` are validated by the config schema (trustedProxyProblem); a bad one throws here. */
  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      const problem = trustedProxyProblem(entry);
      if (problem) throw new Error(problem);
      const [address, prefix] = entry.trim().split('/') as [string, string | undefined];
      const type = net.isIP(address) === 4 ? 'ipv4' : 'ipv6';
      if (prefix === undefined) this.#list.addAddress(address, type);
      else this.#list.addSubnet(address, Number(prefix), type);
    }
    this.size = entries.length;
  }

  trusts(address: string): boolean {
    if (this.size === 0) return false;
    const a = plainAddress(address);
    const family = net.isIP(a);
    return family !== 0 && this.#list.check(a, family === 4 ? 'ipv4' : 'ipv6');
  }

  /**
   * The client behind `peer` (the socket's address). Only when the peer is trusted are its headers
   * read: the hops are walked from the nearest back, and the first one not trusted is the client (if
   * every hop is trusted, the farthest). A hop that is not an address ends the walk at the hop before.
   */
  clientOf(peer: string, header: HeaderLookup): ForwardedClient {
    const direct: ForwardedClient = { address: peer, proto: null, forwarded: false };
    if (!this.trusts(peer)) return direct;
    const forwarded = header('forwarded');
    const hops = forwarded !== undefined ? parseForwarded(forwarded) : parseXForwarded(header('x-forwarded-for'), header('x-forwarded-proto'));
    if (hops.length === 0) return direct;
    let client = direct;
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i]!;
      // The scheme is what the hop nearest to us was told by its client; an unnamed hop keeps the last one.
      const proto = hop.proto ?? client.proto;
      if (hop.address === null) return { ...client, proto, forwarded: true };
      client = { address: hop.address, proto, forwarded: true };
      if (!this.trusts(hop.address)) return client;
    }
    return client;
  }
}

interface Hop {
  /** null: unknown, obfuscated or malformed (the walk stops there). */
  address: string | null;
  proto: 'http' | 'https' | null;
}

function protoOf(value: string | undefined): 'http' | 'https' | null {
  const v = value?.trim().toLowerCase();
  return v === 'https' || v === 'wss' ? 'https' : v === 'http' || v === 'ws' ? 'http' : null;
}

/** "203.0.113.7", "203.0.113.7:41000", "[2001:db8::1]:4711", "2001:db8::1" → the address, else null. */
export function hopAddress(value: string): string | null {
  let v = value.trim();
  if (v.startsWith('"') && v.endsWith('"') && v.length >= 2) v = v.slice(1, -1);
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(v);
  if (bracketed) v = bracketed[1]!;
  else if (/^\d+\.\d+\.\d+\.\d+:\d+$/.test(v)) v = v.slice(0, v.lastIndexOf(':'));
  return net.isIP(v) !== 0 ? plainAddress(v) : null;
}

/** X-Forwarded-For (client, proxy1, proxy2…) with X-Forwarded-Proto (one value, or one per hop). */
function parseXForwarded(xff: string | undefined, xfp: string | undefined): Hop[] {
  if (xff === undefined || xff.trim() === '') return [];
  const addresses = xff.split(',');
  const protos = (xfp ?? '').split(',').map((p) => protoOf(p));
  return addresses.map((a, i) => ({
    address: hopAddress(a),
    // One value per hop when the counts match; otherwise the single value describes the nearest hop's client.
    proto: protos.length === addresses.length ? protos[i]! : i === addresses.length - 1 ? protos[protos.length - 1]! : null,
  }));
}

/** RFC 7239 §4: `for=192.0.2.60;proto=https, for="[2001:db8:cafe::17]:4711"`. */
function parseForwarded(value: string): Hop[] {
  const hops: Hop[] = [];
  for (const element of value.split(',')) {
    let address: string | null = null;
    let proto: Hop['proto'] = null;
    for (const pair of element.split(';')) {
      const eq = pair.indexOf('=');
      if (eq < 0) continue;
      const name = pair.slice(0, eq).trim().toLowerCase();
      const v = pair.slice(eq + 1);
      if (name === 'for') address = hopAddress(v);
      else if (name === 'proto') proto = protoOf(v.replace(/"/g, ''));
    }
    hops.push({ address, proto });
  }
  return hops;
}
