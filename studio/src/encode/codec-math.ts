// Small conversions between WebCodecs and the wire protocol. Pure (browser and node).

/** µs → samples per channel at 48 kHz, the unit of durationSamples (PROTOCOL.md §5.1). */
export function durationUsToSamples48k(durationUs: number): number {
  return Math.round((durationUs * 48) / 1000);
}

/** Standard base64 (the OpusHead in hello.codec.opusHead) without btoa's string juggling limits. */
export function bytesToBase64(bytes: Uint8Array): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i] as number;
    const b = bytes[i + 1];
    const c = bytes[i + 2];
    const n = (a << 16) | ((b ?? 0) << 8) | (c ?? 0);
    out += alphabet[(n >> 18) & 63]! + alphabet[(n >> 12) & 63]!;
    out += b === undefined ? '=' : alphabet[(n >> 6) & 63]!;
    out += c === undefined ? '=' : alphabet[n & 63]!;
  }
  return out;
}
