// The manifest stored next to a verified recording (`….manifest.json`): the show's own manifest
// (show, DJ, start, end, gaps, rendition) plus what the store verified about the object. Pure; used
// by both stores after verification.
import { crc32cToBase64 } from '../verify/crc32c.ts';
import type { LocalDigest } from '../verify/local-digest.ts';

import type { VerifyOutcome } from '../verify/verify-object.ts';

/** What verification established about the stored object. */
export type VerifiedObjectFacts = Omit<Extract<VerifyOutcome, { verified: true }>, 'verified'>;

export function storedManifest(manifest: object, key: string, local: LocalDigest, check: VerifiedObjectFacts): object {
  return {
    ...manifest,
    object: {
      key, sizeBytes: local.sizeBytes, sha256: local.sha256Hex, crc32c: crc32cToBase64(local.crc32c),
      lastGranule: check.lastGranule, playableSamples: check.playableSamples, storeChecksum: check.checksum,
    },
  };
}
