// Any RecordingStore's object as a StoredObjectReader (verify-object.ts), through the contract's
// stat and openRead only: what the console's re-verification (catalog/console-recordings.ts) reads a
// stored recording back with. The store's own checksum metadata is not consulted, so the check reads
// every byte again and hashes it: bit rot in the store is found, not only a wrong upload.
import type { RecordingStore } from '../store-contract.ts';
import type { StoredObjectReader } from './verify-object.ts';

export function storeObjectReader(store: RecordingStore, key: string): StoredObjectReader {
  return {
    head: async () => {
      const s = await store.stat(key);
      return s ? { sizeBytes: s.size } : null;
    },
    readRange: async (start, endInclusive) => {
      const chunks: Buffer[] = [];
      for await (const chunk of await store.openRead(key, { start, end: endInclusive }) as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(chunk));
      return Buffer.concat(chunks);
    },
    async *readAll() {
      yield* await store.openRead(key) as AsyncIterable<Uint8Array>;
    },
  };
}
