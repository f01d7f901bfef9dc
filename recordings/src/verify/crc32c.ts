// CRC-32C (Castagnoli) for S3 checksums: the whole-object value (FULL_OBJECT) and the multipart
// COMPOSITE form `<base64 of CRC32C over the parts' raw CRCs>-N`. Pure: bytes in, numbers out.
// Fed by the stores (local file pass) and verify-object.ts; node:zlib has crc32 but no crc32c.

// RFC 3720 §12.1 / B.4: reflected polynomial 0x82f63b78, initial value 0xffffffff, final xor
// 0xffffffff. Slicing-by-8 tables: TABLES[k][b] is the CRC of byte b followed by k zero bytes.
const TABLES: Uint32Array[] = buildTables();

function buildTables(): Uint32Array[] {
  const t0 = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let bit = 0; bit < 8; bit++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t0[i] = c >>> 0;
  }
  const tables = [t0];
  for (let k = 1; k < 8; k++) {
    const prev = tables[k - 1] as Uint32Array;
    const t = new Uint32Array(256);
    for (let i = 0; i < 256; i++) {
      const v = prev[i] as number;
      t[i] = ((v >>> 8) ^ (t0[v & 0xff] as number)) >>> 0;
    }
    tables.push(t);
  }
  return tables;
}

const [T0, T1, T2, T3, T4, T5, T6, T7] = TABLES as [
  Uint32Array, Uint32Array, Uint32Array, Uint32Array,
  Uint32Array, Uint32Array, Uint32Array, Uint32Array,
];

/**
 * CRC-32C of `buf`, continuing from `previous` (the finished CRC of the bytes before it; 0 for a
 * fresh checksum), so crc32c(b, crc32c(a)) === crc32c(a ‖ b).
 */
export function crc32c(buf: Uint8Array, previous = 0): number {
  let c = ~previous >>> 0;
  let i = 0;
  const n = buf.length;
  const end8 = n - 7;
  while (i < end8) {
    const lo = (c ^ ((buf[i] as number) | ((buf[i + 1] as number) << 8) |
      ((buf[i + 2] as number) << 16) | ((buf[i + 3] as number) << 24))) >>> 0;
    c = (T7[lo & 0xff] as number) ^ (T6[(lo >>> 8) & 0xff] as number) ^
      (T5[(lo >>> 16) & 0xff] as number) ^ (T4[lo >>> 24] as number) ^
      (T3[buf[i + 4] as number] as number) ^ (T2[buf[i + 5] as number] as number) ^
      (T1[buf[i + 6] as number] as number) ^ (T0[buf[i + 7] as number] as number);
    i += 8;
  }
  while (i < n) {
    c = (c >>> 8) ^ (T0[(c ^ (buf[i] as number)) & 0xff] as number);
    i++;
  }
  return ~c >>> 0;
}

/** The 4 big-endian bytes of a CRC, as S3 sends them (x-amz-checksum-crc32c is their base64). */
export function crc32cBytes(crc: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, crc >>> 0, false);
  return out;
}

/** S3's header form of a CRC32C: base64 of the 4 big-endian bytes (e.g. "4waSgw=="). */
export function crc32cToBase64(crc: number): string {
  return Buffer.from(crc32cBytes(crc)).toString('base64');
}

/**
 * Parses a CRC32C given as 8 hex digits or as S3's base64 of 4 bytes; null when it is neither.
 * The two forms cannot be confused: base64 of 4 bytes always ends in "==".
 */
export function parseCrc32c(text: string): number | null {
  const s = text.trim();
  if (/^[0-9a-fA-F]{8}$/.test(s)) return Number.parseInt(s, 16) >>> 0;
  if (/^[A-Za-z0-9+/]{6}==$/.test(s)) {
    const bytes = Buffer.from(s, 'base64');
    if (bytes.length === 4) return bytes.readUInt32BE(0);
  }
  return null;
}

/**
 * The COMPOSITE multipart checksum S3 and R2 report (`ChecksumType: COMPOSITE`): the CRC32C of
 * the concatenated raw (4-byte, big-endian) part CRCs, in base64, then `-<number of parts>`.
 */
export function compositeCrc32c(partCrcs: readonly number[]): string {
  const raw = new Uint8Array(partCrcs.length * 4);
  partCrcs.forEach((crc, i) => raw.set(crc32cBytes(crc), i * 4));
  return `${crc32cToBase64(crc32c(raw))}-${partCrcs.length}`;
}
