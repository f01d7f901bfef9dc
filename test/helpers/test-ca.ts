// A throwaway certificate authority made at run time with the openssl CLI (/usr/bin/openssl): a CA
// and leaf certificates for 127.0.0.1 / localhost signed by it (ECDSA P-256, fast). Fed by the TLS
// unit tests and test/e2e/studio-https.test.ts; nothing is committed.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Leaf {
  certPem: string;
  keyPem: string;
  /** SHA-256 fingerprint as node:tls reports it (`AA:BB:…`). */
  fingerprint256: string;
}

export interface TestCa {
  dir: string;
  caCertFile: string;
  caPem: string;
  /** A new leaf (new key, new serial) for these names, signed by the CA. */
  leaf(names?: string[]): Leaf;
  remove(): void;
}

const openssl = (args: string[], cwd: string) => execFileSync('/usr/bin/openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });

export function createTestCa(commonName = 'Aircheck test CA'): TestCa {
  const dir = mkdtempSync(join(tmpdir(), 'aircheck-ca-'));
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key'], dir);
  openssl(
    ['req', '-x509', '-new', '-key', 'ca.key', '-sha256', '-days', '2', '-subj', `/CN=${commonName}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', 'ca.pem'],
    dir,
  );
  let serial = 0;
  return {
    dir,
    caCertFile: join(dir, 'ca.pem'),
    caPem: readFileSync(join(dir, 'ca.pem'), 'utf8'),
    leaf(names = ['127.0.0.1', 'localhost']) {
      const n = ++serial;
      const san = names.map((name) => (/^[\d.]+$|:/.test(name) ? `IP:${name}` : `DNS:${name}`)).join(',');
      writeFileSync(join(dir, `leaf${n}.ext`), `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n`);
      openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `leaf${n}.key`], dir);
      openssl(['req', '-new', '-key', `leaf${n}.key`, '-subj', `/CN=${names[0]} leaf ${n}`, '-out', `leaf${n}.csr`], dir);
      openssl(['x509', '-req', '-in', `leaf${n}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', String(1000 + n), '-days', '1', '-sha256', '-extfile', `leaf${n}.ext`, '-out', `leaf${n}.pem`], dir);
      const certPem = readFileSync(join(dir, `leaf${n}.pem`), 'utf8');
      return { certPem, keyPem: readFileSync(join(dir, `leaf${n}.key`), 'utf8'), fingerprint256: new X509Certificate(certPem).fingerprint256 };
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
