/**
 * The certificate and key of the HTTPS listener (`moor start --https-port N --tls-cert F --tls-key F`):
 * read from their PEM files and checked together before they are used, at start and at every SIGHUP
 * (certificate rotation: `server.setSecureContext`), so that a wrong file is one line naming it, not an
 * OpenSSL error at the first handshake. No client certificates, no passphrase-protected keys.
 */
import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import { MoorError } from '../errors.ts';

/** The lowest TLS version the HTTPS listener speaks. */
export const TLS_MIN_VERSION = 'TLSv1.2';

/** Where the HTTPS listener's certificate (chain) and key are. */
export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

/** A certificate and its key, read and checked: what `https.createServer` and `setSecureContext` take. */
export interface TlsPair {
  readonly options: SecureContextOptions;
  /** `CN=localhost, valid until …, sha256 AB:CD:…` (for the log). */
  readonly description: string;
  /** The SHA-256 fingerprint of the (first) certificate, `AB:CD:…`. */
  readonly fingerprint: string;
  /** Whether the certificate's validity has ended already. */
  readonly expired: boolean;
}

/** Reads and checks `files`; throws MoorError(MOOR_ERR_TLS) with one line naming the file at fault. */
export function readTlsPair(files: TlsFiles): TlsPair {
  const cert = readPem(files.certFile, '--tls-cert');
  const key = readPem(files.keyFile, '--tls-key');
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (e) {
    throw tlsError(`--tls-cert ${files.certFile}: not a PEM certificate (${reason(e)})`);
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(key);
  } catch (e) {
    throw tlsError(`--tls-key ${files.keyFile}: not a PEM private key without a passphrase (${reason(e)})`);
  }
  if (!x509.checkPrivateKey(privateKey)) throw tlsError(`--tls-key ${files.keyFile} is not the private key of the certificate in --tls-cert ${files.certFile}`);
  const options: SecureContextOptions = { cert, key, minVersion: TLS_MIN_VERSION };
  try {
    createSecureContext(options);
  } catch (e) {
    throw tlsError(`--tls-cert ${files.certFile} with --tls-key ${files.keyFile}: ${reason(e)}`);
  }
  const subject = x509.subject.replace(/\n/g, ', ');
  return {
    options,
    fingerprint: x509.fingerprint256,
    expired: Date.parse(x509.validTo) < Date.now(),
    description: `${subject}, valid until ${new Date(x509.validTo).toISOString()}, sha256 ${x509.fingerprint256}`,
  };
}

function readPem(file: string, flag: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw tlsError(`${flag} ${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? reason(e)})`);
  }
}

function tlsError(message: string): MoorError {
  return new MoorError('MOOR_ERR_TLS', message);
}

/** An error's message on one line. */
function reason(e: unknown): string {
  return ((e as Error).message ?? String(e)).split('\n')[0]!;
}
