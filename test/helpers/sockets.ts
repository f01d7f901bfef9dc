// The kernel's TCP socket table for one process (Linux /proc): which established connections the
// process holds, with both ends. Used by tests that assert a program does not connect to itself
// (studio-in-process.test.ts). Reads /proc/<pid>/fd (the process's socket inodes) and
// /proc/<pid>/net/tcp, tcp6 (the table of its network namespace), as `ss -tnp` does.
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

export interface TcpConnection {
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
}

/** TCP state 01 in /proc/net/tcp (include/net/tcp_states.h). */
const TCP_ESTABLISHED = '01';

/** The process's established TCP connections (IPv4 and IPv6). */
export function establishedConnections(pid: number): TcpConnection[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    let target: string;
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue; // closed since the listing
    }
    const m = /^socket:\[(\d+)\]$/.exec(target);
    if (m) inodes.add(m[1]!);
  }
  const out: TcpConnection[] = [];
  for (const table of ['tcp', 'tcp6']) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/net/${table}`, 'utf8');
    } catch {
      continue; // no IPv6 in this kernel
    }
    for (const line of text.split('\n').slice(1)) {
      // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode …
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== TCP_ESTABLISHED || !inodes.has(f[9]!)) continue;
      const [la, lp] = f[1]!.split(':');
      const [ra, rp] = f[2]!.split(':');
      out.push({ localAddress: hexAddress(la!), localPort: parseInt(lp!, 16), remoteAddress: hexAddress(ra!), remotePort: parseInt(rp!, 16) });
    }
  }
  return out;
}

/** /proc/net/tcp writes addresses as host-order 32-bit words in hex. */
function hexAddress(hex: string): string {
  const words = hex.match(/.{8}/g)!.map((w) => [...Buffer.from(w, 'hex').reverse()]);
  if (words.length === 1) return words[0]!.join('.');
  const bytes = words.flat();
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) return bytes.slice(12).join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return groups.join(':');
}
