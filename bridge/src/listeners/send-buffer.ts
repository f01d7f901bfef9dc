// Caps the kernel send buffer of a listener socket. Linux autotunes it up to 4 MiB, so a listener
// that stops reading would hide minutes of audio (and megabytes of kernel memory) before its queue
// limit could notice; capped, a stuck listener is found within seconds. Node has no API for
// SO_SNDBUF on TCP sockets, so the `sockopt` addon (N-API, prebuilt for linux-x64) sets it.
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';

const SOL_SOCKET = 1; // Linux asm-generic/socket.h
const SO_SNDBUF = 7;

type SetSockOpt = (socket: Socket, level: number, name: number, value: number) => void;

let setsockopt: SetSockOpt | null | undefined;
let loadError: Error | null = null;

function load(): SetSockOpt | null {
  if (setsockopt !== undefined) return setsockopt;
  try {
    if (process.platform !== 'linux') throw new Error(`socket option numbers are Linux's; this is ${process.platform}`);
    setsockopt = (createRequire(import.meta.url)('sockopt') as { setsockopt: SetSockOpt }).setsockopt;
  } catch (err) {
    loadError = err as Error;
    setsockopt = null;
  }
  return setsockopt;
}

/** Why capping is unavailable (logged once at start), or null when it works. */
export function sendBufferCapUnavailable(): string | null {
  load();
  return loadError ? loadError.message : null;
}

/** Sets SO_SNDBUF (the kernel doubles it for bookkeeping). Returns false when it could not. */
export function capSendBuffer(socket: Socket, bytes: number): boolean {
  const set = load();
  if (!set || bytes <= 0) return false;
  try {
    set(socket, SOL_SOCKET, SO_SNDBUF, bytes);
    return true;
  } catch {
    return false;
  }
}
