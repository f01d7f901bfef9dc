// Assertions shared by the unit tests of the byte-level parsers: the AircheckError code a call
// throws, and feeding a framer its input split at chosen offsets.
import assert from 'node:assert/strict';
import { AircheckError, type ErrorCode } from '../../shared/src/errors.ts';
import type { AudioUnit, StreamFramer } from '../../shared/src/audio-unit.ts';

/** `fn` throws an AircheckError with this code (and a message matching `message`, when given). */
export function throwsCode(fn: () => unknown, code: ErrorCode, message?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof AircheckError, `expected AircheckError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (message) assert.match(e.message, message);
    return true;
  });
}

/** Pushes `bytes` into a fresh framer in pieces cut at `splits`; every unit it gave back. */
export function feedFramer<F extends StreamFramer>(framer: F, bytes: Uint8Array, splits: number[] = []): { units: AudioUnit[]; framer: F } {
  const units: AudioUnit[] = [];
  let from = 0;
  for (const at of [...splits, bytes.length]) {
    units.push(...framer.push(bytes.subarray(from, at)));
    from = at;
  }
  return { units, framer };
}
