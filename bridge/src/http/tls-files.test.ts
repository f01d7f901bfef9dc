import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAircheckError } from '../../../shared/src/errors.ts';
import { createTestCa, type Leaf, type TestCa } from '../../../test/helpers/test-ca.ts';
import { readTlsPair, TlsReloader, type TlsPair } from './tls-files.ts';

function recordingLog() {
  const lines: { level: string; obj: any; msg: string }[] = [];
  const at = (level: string) => (obj: object, msg: string) => void lines.push({ level, obj, msg });
  return { lines, log: { info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug') } };
}

describe('TLS certificate files', () => {
  let ca: TestCa;
  let dir: string;
  let first: Leaf;
  let second: Leaf;
  const files = () => ({ certFile: join(dir, 'cert.pem'), keyFile: join(dir, 'key.pem') });
  const install = (leaf: Leaf) => {
    writeFileSync(join(dir, 'cert.pem'), leaf.certPem);
    writeFileSync(join(dir, 'key.pem'), leaf.keyPem);
  };

  before(() => {
    ca = createTestCa();
    first = ca.leaf();
    second = ca.leaf();
    dir = mkdtempSync(join(tmpdir(), 'aircheck-tls-'));
  });
  after(() => {
    ca.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads a matching pair and reports its fingerprint', () => {
    install(first);
    const pair = readTlsPair(files());
    assert.equal(pair.fingerprint256, first.fingerprint256);
  });

  it('refuses a key that is not the certificate\'s, naming the key file', () => {
    writeFileSync(join(dir, 'cert.pem'), first.certPem);
    writeFileSync(join(dir, 'key.pem'), second.keyPem);
    assert.throws(() => readTlsPair(files()), (err) => isAircheckError(err) && err.code === 'TLS_FILES_INVALID' && err.message.startsWith(`${files().keyFile}: is not the key of the certificate`));
  });

  it('refuses garbage, a missing file and an expired certificate, naming the file', () => {
    writeFileSync(join(dir, 'cert.pem'), 'not a certificate');
    writeFileSync(join(dir, 'key.pem'), first.keyPem);
    assert.throws(() => readTlsPair(files()), (err) => isAircheckError(err) && err.message.startsWith(`${files().certFile}: is not a PEM certificate`));
    install(first);
    writeFileSync(join(dir, 'key.pem'), 'garbage');
    assert.throws(() => readTlsPair(files()), (err) => isAircheckError(err) && err.message.startsWith(`${files().keyFile}: is not an unencrypted PEM private key`));
    assert.throws(() => readTlsPair({ certFile: join(dir, 'nope.pem'), keyFile: files().keyFile }), (err) => isAircheckError(err) && /nope\.pem: cannot be read \(ENOENT\)/.test(err.message));
    install(first);
    assert.throws(() => readTlsPair(files(), undefined, Date.now() + 3 * 86_400_000), (err) => isAircheckError(err) && /cert\.pem: expired on/.test(err.message));
  });

  it('reload installs a new pair, ignores an unchanged one, and keeps the running one when the new pair is bad', () => {
    install(first);
    const applied: TlsPair[] = [];
    const { lines, log } = recordingLog();
    const reloader = new TlsReloader({ files: files(), apply: (p) => applied.push(p), log });
    assert.equal(reloader.load().fingerprint256, first.fingerprint256);
    assert.equal(reloader.reload('SIGHUP'), false, 'same files: nothing to install');
    assert.equal(applied.length, 0);

    // A half-replaced pair (new certificate, old key) is refused with the file named; the old one stays.
    writeFileSync(join(dir, 'cert.pem'), second.certPem);
    assert.equal(reloader.reload('file changed'), false);
    assert.equal(applied.length, 0);
    assert.equal(reloader.current!.fingerprint256, first.fingerprint256);
    const refused = lines.find((l) => l.level === 'error')!;
    assert.equal(refused.msg, 'TLS certificate reload refused; the current certificate stays');
    assert.equal(refused.obj.file, files().keyFile);
    assert.equal(refused.obj.code, 'TLS_FILES_INVALID');
    assert.equal(refused.obj.keeping, first.fingerprint256);

    writeFileSync(join(dir, 'key.pem'), second.keyPem);
    assert.equal(reloader.reload('SIGHUP'), true);
    assert.deepEqual(applied.map((p) => p.fingerprint256), [second.fingerprint256]);
    assert.equal(reloader.current!.fingerprint256, second.fingerprint256);
  });

  it('a replacement by rename is seen by the watch and installed once, after the debounce', { timeout: 10_000 }, async () => {
    install(first);
    const { log } = recordingLog();
    let resolveApplied!: (p: TlsPair) => void;
    const appliedOnce = new Promise<TlsPair>((r) => (resolveApplied = r));
    let applies = 0;
    const reloader = new TlsReloader({ files: files(), apply: (p) => { applies++; resolveApplied(p); }, log, debounceMs: 50 });
    reloader.load();
    reloader.watch();
    // The watch and the debounce timer do not hold the process open (the bridge's servers do): this does.
    const keepAlive = setTimeout(() => {}, 10_000);
    try {
      // As certbot or an editor does: new files written aside, then renamed over the old ones.
      writeFileSync(join(dir, 'cert.pem.new'), second.certPem);
      writeFileSync(join(dir, 'key.pem.new'), second.keyPem);
      renameSync(join(dir, 'cert.pem.new'), join(dir, 'cert.pem'));
      renameSync(join(dir, 'key.pem.new'), join(dir, 'key.pem'));
      const pair = await appliedOnce;
      assert.equal(pair.fingerprint256, second.fingerprint256);
      assert.equal(readFileSync(join(dir, 'cert.pem'), 'utf8'), second.certPem);
      // An absence: nothing more may arrive within a few debounce times.
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(applies, 1, 'the four changes were one reload');
    } finally {
      clearTimeout(keepAlive);
      reloader.close();
    }
  });
});
