// The `[storage]` config section: where finished recordings go. No bucket → the embedded local
// directory store under data_dir; a bucket → R2 / any S3-compatible store. Part of config-schema.ts
// (schema) and config.ts (STORAGE_ENV names); read by recordings' store/create-recording-store.ts.
import { z } from 'zod';

export const StorageSchema = z
  .object({
    bucket: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { message: 'invalid bucket name: use 3–63 lowercase letters, digits, "." and "-"' })
      .optional()
      .describe('S3/R2 bucket for recordings; unset = the embedded local store in <data_dir>/recordings/'),
    endpoint: z
      .url({ protocol: /^https?$/, message: 'endpoint must be an http(s) URL, e.g. https://<account>.r2.cloudflarestorage.com' })
      .optional()
      .describe('S3 API endpoint (R2: https://<account_id>.r2.cloudflarestorage.com); unset = AWS'),
    region: z.string().min(1).default('auto').describe('signing region; R2 uses "auto"'),
    access_key_id: z.string().min(1).optional().describe('access key id (R2: an API token\'s key id)'),
    secret_access_key: z.string().min(1).optional().describe('secret access key; keep it in the environment'),
    force_path_style: z.boolean().default(false).describe('path-style URLs (endpoint/bucket/key), for endpoints that need them (Ceph, MinIO)'),
    prefix: z.string().regex(/^([a-z0-9._-]+\/)*$/, { message: 'prefix must be "" or lowercase path segments ending in "/"' })
      .default('recordings/').describe('key prefix of recordings; the start-up sweep aborts stale multipart uploads under it'),
    multipart_threshold_mb: z.number().int().min(5).max(5120).default(16).describe('files of at least this size upload in parts'),
    part_size_mb: z.number().int().min(5).max(5120).default(8).describe('preferred part size (equal parts, grown to stay ≤ 10,000 parts)'),
    upload_attempts: z.number().int().min(1).max(20).default(5).describe('attempts per request, with exponential backoff'),
    stale_upload_hours: z.number().min(0).default(1).describe('multipart uploads older than this are aborted at start'),
  })
  .superRefine((s, ctx) => {
    if (!s.bucket) {
      if (s.endpoint) ctx.addIssue({ code: 'custom', path: ['bucket'], message: 'endpoint is set but bucket is not: set bucket (AIRCHECK_S3_BUCKET) or remove endpoint' });
      return;
    }
    for (const key of ['access_key_id', 'secret_access_key'] as const) {
      if (!s[key]) {
        ctx.addIssue({ code: 'custom', path: [key], message: `bucket is set, so ${key} is required (AIRCHECK_S3_${key.toUpperCase()})` });
      }
    }
  })
  .default({
    region: 'auto', force_path_style: false, prefix: 'recordings/', multipart_threshold_mb: 16, part_size_mb: 8,
    upload_attempts: 5, stale_upload_hours: 1,
  });

export type StorageConfig = z.infer<typeof StorageSchema>;

/** Environment variables of the section (the issue's names), each to its `[storage]` key. */
export const STORAGE_ENV = {
  AIRCHECK_S3_ENDPOINT: 'endpoint',
  AIRCHECK_S3_REGION: 'region',
  AIRCHECK_S3_BUCKET: 'bucket',
  AIRCHECK_S3_ACCESS_KEY_ID: 'access_key_id',
  AIRCHECK_S3_SECRET_ACCESS_KEY: 'secret_access_key',
  /** "true" / "false". */
  AIRCHECK_S3_FORCE_PATH_STYLE: 'force_path_style',
} as const satisfies Record<string, keyof StorageConfig>;
