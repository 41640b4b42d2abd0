import { readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { espsecureKeyMaterial } from '../../../domain/firmware/public-key-material.js';
import type { SignatureScheme } from '../../../domain/firmware/signature-block.js';
import type { TrustedKey } from '../../../domain/firmware/trusted-key.js';
import { keyDigestOf } from '../../../domain/firmware/trusted-key.js';
import { signaturePublicKeyFromPem } from './pem-public-key.js';

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

/** The key's scheme and its digest as espsecure digest_sbv2_public_key writes it. */
export function pemKeyDigest(pem: string): { keyDigest: string; scheme: SignatureScheme } {
  const key = signaturePublicKeyFromPem(pem);
  const keyDigest = createHash('sha256').update(espsecureKeyMaterial(key)).digest('hex');
  const scheme: SignatureScheme =
    key.kind === 'rsa'
      ? 'RSA-3072'
      : key.curve === 'P-192'
        ? 'ECDSA-P192'
        : key.curve === 'P-256'
          ? 'ECDSA-P256'
          : 'ECDSA-P384';
  return { keyDigest, scheme };
}

/** A trusted-keys file that cannot be used, saying where and why. */
export class TrustedKeysFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrustedKeysFileError';
  }
}

/**
 * The keys of a trusted-keys file (FUOTA_TRUSTED_KEYS, `fuota inspect --trusted-keys`): PEM
 * public keys (RSA-3072, ECDSA P-192/P-256/P-384; what espsecure extract_public_key writes), and
 * lines holding a key digest as digest_sbv2_public_key prints it (64 hex digits, optionally
 * followed by `# name`). Blank lines and `#` comments are ignored; anything else, a private key
 * included, is refused with its line number, as is a file with no key at all.
 */
export function parseTrustedKeys(text: string, file: string): TrustedKey[] {
  const keys: TrustedKey[] = [];
  const lineOf = (index: number) => text.slice(0, index).split('\n').length;
  for (const match of text.matchAll(PEM_BLOCK)) {
    const where = `${file} line ${lineOf(match.index)}`;
    if (match[1]?.includes('PRIVATE')) {
      throw new TrustedKeysFileError(
        `${where}: a private key; give the public key (espsecure extract_public_key --version 2)`,
      );
    }
    try {
      keys.push({ ...pemKeyDigest(match[0]), name: null, source: 'file', addedAt: null });
    } catch (error) {
      throw new TrustedKeysFileError(`${where}: not a Secure Boot v2 signing key: ${(error as Error).message}`);
    }
  }
  const rest = text.replace(PEM_BLOCK, (block) => '\n'.repeat(block.split('\n').length - 1));
  rest.split('\n').forEach((line, index) => {
    const hash = line.indexOf('#');
    const content = (hash < 0 ? line : line.slice(0, hash)).trim();
    if (content === '') return;
    const keyDigest = keyDigestOf(content);
    if (keyDigest === undefined) {
      throw new TrustedKeysFileError(
        `${file} line ${index + 1}: neither a PEM public key nor a key digest (64 hex digits): "${content.slice(0, 80)}"`,
      );
    }
    const name = hash < 0 ? '' : line.slice(hash + 1).trim();
    keys.push({ keyDigest, scheme: null, name: name === '' ? null : name, source: 'file', addedAt: null });
  });
  if (keys.length === 0) throw new TrustedKeysFileError(`${file} holds no key`);
  // A key given twice (as PEM and as its digest) counts once: the PEM one, read first, knows more.
  const seen = new Set<string>();
  return keys.filter((key) => !seen.has(key.keyDigest) && seen.add(key.keyDigest) !== undefined);
}

export async function readTrustedKeysFile(file: string): Promise<TrustedKey[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new TrustedKeysFileError(
      `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  return parseTrustedKeys(text, file);
}
