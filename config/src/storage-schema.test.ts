import { test } from 'node:test';
import assert from 'node:assert/strict';
import { STORAGE_ENV, StorageSchema } from './storage-schema.ts';

test('with nothing configured the embedded local store is used (no bucket)', () => {
  const s = StorageSchema.parse(undefined);
  assert.equal(s.bucket, undefined);
  assert.equal(s.region, 'auto');
  assert.equal(s.prefix, 'recordings/');
});

test('a bucket needs both credentials, and every problem is reported with its key', () => {
  const r = StorageSchema.safeParse({ bucket: 'shows', endpoint: 'https://acct.r2.cloudflarestorage.com' });
  assert.equal(r.success, false);
  const paths = r.error?.issues.map((i) => i.path.join('.')).sort();
  assert.deepEqual(paths, ['access_key_id', 'secret_access_key']);
});

test('an endpoint without a bucket and a bad bucket name are refused', () => {
  assert.equal(StorageSchema.safeParse({ endpoint: 'http://127.0.0.1:9000' }).success, false);
  assert.equal(StorageSchema.safeParse({ bucket: 'Bad_Bucket', access_key_id: 'a', secret_access_key: 'b' }).success, false);
  assert.equal(StorageSchema.safeParse({ bucket: 'shows', endpoint: 'ftp://x', access_key_id: 'a', secret_access_key: 'b' }).success, false);
});

test('a complete R2 section parses', () => {
  const s = StorageSchema.parse({
    bucket: 'aircheck-shows', endpoint: 'https://acct.r2.cloudflarestorage.com', access_key_id: 'k', secret_access_key: 's',
  });
  assert.equal(s.force_path_style, false);
  assert.equal(s.part_size_mb, 8);
});

test('the environment names are the ones the issue gives', () => {
  assert.deepEqual(Object.keys(STORAGE_ENV).slice(0, 5), [
    'AIRCHECK_S3_ENDPOINT', 'AIRCHECK_S3_REGION', 'AIRCHECK_S3_BUCKET', 'AIRCHECK_S3_ACCESS_KEY_ID', 'AIRCHECK_S3_SECRET_ACCESS_KEY',
  ]);
});
