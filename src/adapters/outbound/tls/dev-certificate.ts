// @peculiar/x509 resolves its services with tsyringe, which needs the Reflect metadata polyfill.
import 'reflect-metadata';
import { webcrypto, X509Certificate } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { dirname } from 'node:path';
import { writeFileDurably } from '../filesystem/durable-file.js';

/** A certificate and private key, PEM-encoded, as `https.createServer` takes them. */
export interface TlsMaterial {
  readonly cert: string;
  readonly key: string;
}

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const VALIDITY_YEARS = 10;

/**
 * A self-signed ECDSA P-256 certificate for `names` (the first is the CN). It is its own CA
 * (basicConstraints cA), so the one PEM file serves curl's `--cacert` and a device's built-in CA
 * certificate; devices rarely know the time, and a firmware-embedded certificate outlives a
 * one-year validity, hence ten years.
 */
export async function generateSelfSignedCertificate(names: readonly string[]): Promise<TlsMaterial> {
  // Loaded only here: a server starting with its certificate already made (every start but the
  // first, or a mounted one) never holds the library's few MiB of code in its heap.
  const x509 = await import('@peculiar/x509');
  x509.cryptoProvider.set(webcrypto as never);
  const keys = (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(notBefore);
  notAfter.setFullYear(notAfter.getFullYear() + VALIDITY_YEARS);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: Buffer.from(webcrypto.getRandomValues(new Uint8Array(16)))
      .toString('hex')
      .replace(/^[89a-f]/, '1'),
    name: `CN=${names[0] ?? 'localhost'}`,
    notBefore,
    notAfter,
    keys,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyCertSign, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(
        names.map((name) => (isIP(name) ? { type: 'ip', value: name } : { type: 'dns', value: name })),
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return {
    cert: certificate.toString('pem') + '\n',
    key: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY') + '\n',
  };
}

/** The names a generated certificate covers: always localhost and 127.0.0.1, then the extras. */
export function certificateNames(extra: readonly string[]): string[] {
  return [...new Set(['localhost', '127.0.0.1', ...extra])];
}

/** The DNS names and IP addresses a certificate is for (Node's own parser: no library to load). */
function subjectAltNames(pem: string): Set<string> {
  const names = new Set<string>();
  for (const entry of (new X509Certificate(pem).subjectAltName ?? '').split(', ')) {
    const match = /^(?:DNS|IP Address):(.+)$/.exec(entry);
    if (match?.[1] !== undefined) names.add(canonicalName(match[1]));
  }
  return names;
}

/** One spelling per name: IPv6 addresses compressed and lower-case (`::1`, not `0:0:...:1`). */
function canonicalName(name: string): string {
  return isIP(name) === 6 ? new URL(`http://[${name}]`).hostname.slice(1, -1) : name.toLowerCase();
}

/**
 * Reads the generated certificate from the data dir, creating it on first start. Returns whether
 * it was created now and, for an existing one, which configured names it does not cover.
 */
export async function ensureDevCertificate(
  certFile: string,
  keyFile: string,
  names: readonly string[],
): Promise<TlsMaterial & { created: boolean; uncovered: string[] }> {
  const existing = await readPair(certFile, keyFile);
  if (existing !== undefined) {
    const covered = subjectAltNames(existing.cert);
    return { ...existing, created: false, uncovered: names.filter((name) => !covered.has(canonicalName(name))) };
  }
  const material = await generateSelfSignedCertificate(names);
  await mkdir(dirname(keyFile), { recursive: true, mode: 0o700 });
  await writeFileDurably(keyFile, material.key, 0o600);
  await writeFileDurably(certFile, material.cert, 0o644);
  return { ...material, created: true, uncovered: [] };
}

async function readPair(certFile: string, keyFile: string): Promise<TlsMaterial | undefined> {
  try {
    return { cert: await readFile(certFile, 'utf8'), key: await readFile(keyFile, 'utf8') };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
