// One `[web] trusted_proxies` entry checked: an IPv4/IPv6 address or CIDR. Pure. Read by the schema
// (config-schema.ts) so a bad entry fails at load with its key path, and by the bridge's
// TrustedProxies (bridge/src/http/trusted-proxies.ts), which builds its address list from the entries.
import net from 'node:net';

/** The problem with one trusted_proxies entry, or null when it is a valid address or CIDR. */
export function trustedProxyProblem(entry: string): string | null {
  const [address, prefix, ...more] = entry.trim().split('/');
  const family = net.isIP(address ?? '');
  if (family === 0 || more.length > 0) return `"${entry.slice(0, 80)}" is not an address or CIDR: write e.g. "10.0.0.0/8", "192.168.1.10" or "fd00::/8"`;
  if (prefix === undefined) return null;
  const bits = family === 4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > bits) return `"${entry.slice(0, 80)}": the prefix length after "/" must be 0–${bits} for an IPv${family} network`;
  return null;
}
