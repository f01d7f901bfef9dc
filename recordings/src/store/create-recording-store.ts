// Picks the recording store from the `[storage]` config: the bucket when one is configured, else the
// embedded local directory store under data_dir. Called by the composition root; the store it
// returns is what the finalizer gets as its RecordingStore.
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { ByteRange, PutAndVerifyInput, RecordingStore } from '../store-contract.ts';
import { LocalRecordingStore } from './local-store.ts';
import type { S3RecordingStore } from './s3-store.ts';
import type { StorageConfig } from '../../../config/src/storage-schema.ts';

const MIB = 1024 * 1024;

export interface RecordingStoreHandle {
  store: RecordingStore;
  /** Where recordings go, for the start-up log: `s3://bucket/prefix` or a directory. */
  describe: string;
  /** Start-up work: the S3 store aborts stale multipart uploads (failures are logged, not thrown). */
  start(): Promise<void>;
  close(): void;
}

export function createRecordingStore(config: StorageConfig, dataDir: string, log: Logger): RecordingStoreHandle {
  const storeLog = log.child({ component: 'recording-store' });
  if (!config.bucket) {
    // Keys are `recordings/YYYY/MM/DD/…`, so objects land in <data_dir>/recordings/YYYY/MM/DD/.
    const store = new LocalRecordingStore({ rootDir: dataDir, prefix: config.prefix, log: storeLog });
    return { store, describe: join(dataDir, config.prefix), start: async () => {}, close: () => {} };
  }
  // The S3 client (the AWS SDK: ~0.4 CPU-s to load) is loaded only for a station with a bucket.
  const loaded = import('./s3-store.ts').then(({ S3RecordingStore, createS3Client }) => {
    const client = createS3Client({
      endpoint: config.endpoint, region: config.region, forcePathStyle: config.force_path_style,
      accessKeyId: config.access_key_id ?? '', secretAccessKey: config.secret_access_key ?? '',
    }, {}, storeLog);
    const store = new S3RecordingStore({
      client, bucket: config.bucket!, prefix: config.prefix, log: storeLog,
      multipartThresholdBytes: config.multipart_threshold_mb * MIB, partSizeBytes: config.part_size_mb * MIB,
      retry: { attempts: config.upload_attempts },
    });
    return { client, store };
  });
  const store = new DeferredStore(config.prefix, loaded.then((l) => l.store));
  return {
    store,
    describe: `s3://${config.bucket}/${config.prefix}`,
    start: async () => {
      try {
        await (await loaded).store.sweepStaleUploads(config.stale_upload_hours * 3600 * 1000);
      } catch (err) {
        storeLog.warn({ err }, 'could not sweep stale multipart uploads; will try at the next start');
      }
    },
    close: () => void loaded.then((l) => l.client.destroy(), () => {}),
  };
}

/** The S3 store once its module has loaded: every call waits for it (they are all asynchronous). */
class DeferredStore implements RecordingStore {
  readonly keyPrefix: string;
  readonly #store: Promise<S3RecordingStore>;
  constructor(keyPrefix: string, store: Promise<S3RecordingStore>) {
    this.keyPrefix = keyPrefix;
    this.#store = store;
  }
  async putAndVerify(input: PutAndVerifyInput) { return (await this.#store).putAndVerify(input); }
  async putJson(key: string, value: unknown) { return (await this.#store).putJson(key, value); }
  async putText(key: string, text: string, contentType: string) { return (await this.#store).putText(key, text, contentType); }
  async getJson(key: string) { return (await this.#store).getJson(key); }
  async listKeys(prefix: string) { return (await this.#store).listKeys(prefix); }
  async download(key: string, filePath: string) { return (await this.#store).download(key, filePath); }
  async deleteKeys(keys: string[]) { return (await this.#store).deleteKeys(keys); }
  async stat(key: string) { return (await this.#store).stat(key); }
  async openRead(key: string, range?: ByteRange) { return (await this.#store).openRead(key, range); }
}
