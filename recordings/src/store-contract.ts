// The contract between the recording pipeline (spool → finalize → recover) and the object store:
// the finalizer hands a finished show file to putAndVerify; only a verified result lets it delete
// local data. Implemented by store/s3-store.ts (R2 / any S3) and store/local-store.ts (embedded).

export interface RecordingStore {
  putAndVerify(input: {
    key: string;
    filePath: string;
    sizeBytes: number;
    /** SHA-256 of the file, lowercase hex. */
    sha256: string;
    /** CRC-32C of the file, base64 of its 4 big-endian bytes (S3's x-amz-checksum-crc32c form). */
    crc32c: string;
    /** 48 kHz samples (the last granule position). */
    durationSamples: number;
    manifest: object;
  }): Promise<{ verified: true; location: string } | { verified: false; reason: string }>;
}
