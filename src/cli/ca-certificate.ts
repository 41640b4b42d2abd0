import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { CliFailure, EXIT } from './exit-codes.js';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** What a failed read means, in words (the errno alone reads like a crash). */
const READ_FAILURES: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a directory',
};

/**
 * The PEM text of the `--ca-cert`/`FUOTA_CA_CERT` file, checked before any request: a file that
 * cannot be read or holds no certificate would otherwise surface later as a TLS error (or a
 * crash inside Node's TLS setup) that no longer names the file.
 */
export function readCaCertificate(file: string): string {
  const fail = (reason: string) => new CliFailure(`--ca-cert/FUOTA_CA_CERT: ${file}: ${reason}`, EXIT.usage);
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    throw fail(`cannot read it (${READ_FAILURES[code] ?? (error as Error).message})`);
  }
  const text = bytes.toString('utf8');
  const blocks = text.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) {
    if (isDerCertificate(bytes))
      throw fail(`a DER certificate, not PEM; convert it: openssl x509 -inform der -in ${file} -out cert.pem`);
    if (text.includes('PRIVATE KEY-----'))
      throw fail('holds a private key, not a certificate (the certificate is cert.pem beside it)');
    throw fail('not a PEM certificate (no -----BEGIN CERTIFICATE----- block)');
  }
  for (const block of blocks) {
    try {
      new X509Certificate(block);
    } catch (error) {
      throw fail(`holds a damaged certificate (${(error as Error).message})`);
    }
  }
  return text;
}

function isDerCertificate(bytes: Buffer): boolean {
  try {
    new X509Certificate(bytes);
    return true;
  } catch {
    return false;
  }
}
