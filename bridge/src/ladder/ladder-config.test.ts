// [[mounts.ladder]] in the config: rungs become mounts; bad rungs are refused naming the key, the
// value and the fix.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { AircheckError } from '../../../shared/src/errors.ts';
import { loadConfig } from '../../../config/src/config.ts';

const dir = mkdtempSync(join(tmpdir(), 'aircheck-ladder-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const load = (text: string) => {
  const file = join(dir, `c${++n}.toml`);
  writeFileSync(file, text);
  return loadConfig({ configFile: file, env: {} });
};
const problems = (text: string): string[] => {
  try {
    load(text);
  } catch (err) {
    assert.ok(err instanceof AircheckError && err.code === 'CONFIG_INVALID', String(err));
    return err.message.split('\n').filter((l) => l.startsWith('  - ')).map((l) => l.slice(4));
  }
  assert.fail('accepted');
};
const rung = (path: string, codec: string, kbps: number, extra = '') => `[[mounts.ladder]]\npath = "${path}"\ncodec = "${codec}"\nbitrate_kbps = ${kbps}\n${extra}\n`;

test('each rung of /live becomes a mount of its own; an existing mount at a rung path (/live.mp3) keeps its entry', () => {
  const config = load(`[[mounts]]\npath = "/live"\n${rung('/live-64.mp3', 'mp3', 64)}${rung('/live.mp3', 'mp3', 128)}${rung('/live.opus', 'opus', 64)}`);
  const live = config.mounts.find((m) => m.path === '/live')!;
  assert.deepEqual(live.ladder.map((r) => [r.path, r.codec, r.bitrate_kbps, r.channels]), [
    ['/live-64.mp3', 'mp3', 64, 2], ['/live.mp3', 'mp3', 128, 2], ['/live.opus', 'opus', 64, 2],
  ]);
  assert.equal(live.ladder_engine, 'auto');
  const paths = config.mounts.map((m) => m.path);
  assert.deepEqual(paths.filter((p) => p === '/live.mp3').length, 1);
  assert.ok(paths.includes('/live-64.mp3') && paths.includes('/live.opus'));
  assert.equal(config.mounts.find((m) => m.path === '/live.mp3')!.fallback_file, 'bundled', 'the default /live.mp3 entry is kept');
});

test('bad rungs are refused with the key, the value and the fix', () => {
  const found = problems(`[[mounts]]\npath = "/live"\n${rung('/a.mp3', 'mp3', 50)}${rung('/b.opus', 'opus', 64, 'sample_rate_hz = 44100')}${rung('/c.aac', 'aac', 999)}${rung('/d', 'flac', 64)}`);
  const text = found.join('\n');
  assert.match(text, /mounts\[0\]\.ladder\[0\]\.bitrate_kbps.*50 kbps does not exist: use one of 32, 40, 48, 56, 64/);
  assert.match(text, /mounts\[0\]\.ladder\[1\]\.sample_rate_hz.*opus cannot encode at 44100 Hz: use one of 48000/);
  assert.match(text, /mounts\[0\]\.ladder\[2\]\.bitrate_kbps.*aac bitrate 999 kbps is out of range: use 16–320/);
  assert.match(text, /mounts\[0\]\.ladder\[3\]\.codec/);
});

test('a rung path used twice, or naming a mount with sources of its own, is refused', () => {
  const found = problems(`[[mounts]]\npath = "/live"\n${rung('/x.mp3', 'mp3', 64)}${rung('/x.mp3', 'mp3', 128)}${rung('/test', 'mp3', 64)}`).join('\n');
  assert.match(found, /mounts\[0\]\.ladder\[1\]\.path: "\/x\.mp3" is already a rung of \/live/);
  assert.match(found, /mounts\[0\]\.ladder\[2\]\.path: "\/test" is a mount with sources of its own/);
  const withPassword = problems(`[[mounts]]\npath = "/live"\n${rung('/y.mp3', 'mp3', 64)}\n[[mounts]]\npath = "/y.mp3"\nsource_password = "a-long-secret"\n`).join('\n');
  assert.match(withPassword, /ladder\[0\]\.path: "\/y\.mp3" has a source_password/);
});
