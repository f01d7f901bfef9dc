// The web port's certificate and key ([web] tls_cert_file / tls_key_file, PEM): read and checked as a
// pair, then reloaded on SIGHUP and when the files change (their directories are watched; changes
// are debounced). A bad new pair is refused with an error log naming the file and the problem, and
// the running one stays. Fed by bridge.ts; feeds tls.Server#setSecureContext, which changes the
// certificate of new handshakes only: no connection is dropped.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import tls from 'node:tls';
import { AircheckError } from '../../../shared/src/errors.ts';

export interface TlsFiles {
  certFile: string;
  keyFile: string;
}

export interface TlsPair {
  cert: Buffer;
  key: Buffer;
  /** SHA-256 of the leaf certificate (`AA:BB:…`), as clients see it. */
  fingerprint256: string;
  subject: string;
  validTo: string;
}

type ReadFile = (path: string) => Buffer;

const problem = (file: string, what: string, fix: string, cause?: unknown) =>
  new AircheckError('TLS_FILES_INVALID', `${file}: ${what}: ${fix}`, cause === undefined ? undefined : { cause });

/** Reads and checks a certificate/key pair. Throws TLS_FILES_INVALID naming the file and the problem. */
export function readTlsPair(files: TlsFiles, read: ReadFile = readFileSync, nowMs = Date.now()): TlsPair {
  const readOne = (file: string) => {
    try {
      return read(file);
    } catch (cause) {
      throw problem(file, `cannot be read (${(cause as NodeJS.ErrnoException).code ?? 'error'})`, 'check the path and that the bridge\'s user may read it', cause);
    }
  };
  const cert = readOne(files.certFile);
  const key = readOne(files.keyFile);
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (cause) {
    throw problem(files.certFile, 'is not a PEM certificate', 'give the certificate (chain) file, "-----BEGIN CERTIFICATE-----" first (e.g. fullchain.pem)', cause);
  }
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch (cause) {
    throw problem(files.keyFile, 'is not an unencrypted PEM private key', 'give the key file (e.g. privkey.pem), without a passphrase', cause);
  }
  if (!x509.checkPrivateKey(privateKey)) {
    throw problem(files.keyFile, `is not the key of the certificate in ${files.certFile} (${x509.subject.replace(/\n/g, ', ')})`, 'give the matching pair (replace both files together)');
  }
  if (Date.parse(x509.validTo) < nowMs) {
    throw problem(files.certFile, `expired on ${x509.validTo}`, 'renew the certificate');
  }
  try {
    tls.createSecureContext({ cert, key });
  } catch (cause) {
    throw problem(files.certFile, `cannot be used by TLS (${(cause as Error).message})`, 'check the certificate and key files', cause);
  }
  return { cert, key, fingerprint256: x509.fingerprint256, subject: x509.subject.replace(/\n/g, ', '), validTo: x509.validTo };
}

interface ReloadLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

export interface TlsReloaderDeps {
  files: TlsFiles;
  /** Installs a checked pair (tls.Server#setSecureContext). */
  apply: (pair: TlsPair) => void;
  log: ReloadLog;
  read?: ReadFile;
  /** Quiet time after the last change before the files are read (writers replace cert and key one by one). */
  debounceMs?: number;
}

export const TLS_RELOAD_DEBOUNCE_MS = 500;

export class TlsReloader {
  #files: TlsFiles;
  #current: TlsPair | null = null;
  #timer: NodeJS.Timeout | null = null;
  #watchers: FSWatcher[] = [];
  readonly #deps: TlsReloaderDeps;

  constructor(deps: TlsReloaderDeps) {
    this.#deps = deps;
    this.#files = deps.files;
  }

  get current(): TlsPair | null {
    return this.#current;
  }

  get files(): TlsFiles {
    return this.#files;
  }

  /** The first load: a bad pair throws (the bridge does not start without its certificate). */
  load(): TlsPair {
    const pair = readTlsPair(this.#files, this.#deps.read);
    this.#current = pair;
    this.#deps.log.info({ certFile: this.#files.certFile, fingerprint256: pair.fingerprint256, subject: pair.subject, validTo: pair.validTo }, 'TLS certificate loaded');
    return pair;
  }

  /**
   * Reads the files again (SIGHUP, a change, or new paths from a reloaded config) and installs the
   * pair if it is good and new. A bad pair is refused and logged; the running one stays. Returns
   * whether a new certificate was installed.
   */
  reload(reason: 'SIGHUP' | 'file changed', files: TlsFiles = this.#files): boolean {
    const moved = files.certFile !== this.#files.certFile || files.keyFile !== this.#files.keyFile;
    let pair: TlsPair;
    try {
      pair = readTlsPair(files, this.#deps.read);
    } catch (err) {
      const e = err as AircheckError;
      const file = e.message.startsWith(`${files.keyFile}:`) ? files.keyFile : files.certFile;
      this.#deps.log.error({ code: e.code, file, problem: e.message, reason, keeping: this.#current?.fingerprint256 }, 'TLS certificate reload refused; the current certificate stays');
      return false;
    }
    if (moved) {
      this.#files = files;
      if (this.#watchers.length > 0) this.watch();
    }
    if (this.#current && pair.fingerprint256 === this.#current.fingerprint256 && pair.key.equals(this.#current.key)) {
      this.#deps.log.debug({ reason }, 'TLS files unchanged');
      return false;
    }
    this.#deps.apply(pair);
    const previous = this.#current?.fingerprint256;
    this.#current = pair;
    this.#deps.log.info({ reason, certFile: files.certFile, fingerprint256: pair.fingerprint256, previous, subject: pair.subject, validTo: pair.validTo }, 'TLS certificate reloaded; new connections get it, open ones keep theirs');
    return true;
  }

  /** A change was seen: reload once the files have been quiet for the debounce time. */
  changed(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.reload('file changed');
    }, this.#deps.debounceMs ?? TLS_RELOAD_DEBOUNCE_MS);
    this.#timer.unref();
  }

  /**
   * Watches the directories of both files (not the files: certbot, Kubernetes and editors replace
   * them by rename or symlink swap, which a file watch would miss). Any change there is debounced
   * and reloaded; an unchanged pair is a no-op.
   */
  watch(): void {
    this.#closeWatchers();
    for (const dir of new Set([dirname(this.#files.certFile), dirname(this.#files.keyFile)])) {
      try {
        const w = watch(dir, { persistent: false }, () => this.changed());
        w.on('error', (err) => this.#deps.log.warn({ dir, err: err.message }, 'TLS file watch failed; SIGHUP still reloads'));
        this.#watchers.push(w);
      } catch (err) {
        this.#deps.log.warn({ dir, file: basename(this.#files.certFile), err: (err as Error).message }, 'TLS files cannot be watched; SIGHUP still reloads');
      }
    }
  }

  #closeWatchers(): void {
    for (const w of this.#watchers) w.close();
    this.#watchers = [];
  }

  close(): void {
    this.#closeWatchers();
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
