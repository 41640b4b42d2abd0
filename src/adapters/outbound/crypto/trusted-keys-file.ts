import { readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { espsecureKeyMaterial } from '../../../domain/firmware/public-key-material.js';
import type { SignatureScheme } from '../../../domain/firmware/signature-block.js';
import type { TrustedKey } from '../../../domain/firmware/trusted-key.js';
import { KEY_DIGEST_FORMS_TEXT, keyDigestOf } from '../../../domain/firmware/trusted-key.js';
import { notPublicKeyBecause, pemBlocks, withoutPemBlocks } from '../../../domain/firmware/pem-text.js';
import { signaturePublicKeyFromPem } from './pem-public-key.js';

/** The key's scheme and its digest (the SHA-256 espsecure digest_sbv2_public_key computes), in lowercase hex. */
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

/**
 * A bad line as the message shows it: quoted when it is text, never echoed when it is binary (a
 * raw 32-byte digest from `espsecure digest_sbv2_public_key -o` is the likely case).
 */
function shown(content: string): string {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000e-\u001f\u007f\ufffd]/.test(content)) {
    return 'binary data, not text (a raw digest written by espsecure digest_sbv2_public_key -o? write it as hex: xxd -p -c 32 digest.bin)';
  }
  return `"${content.slice(0, 80)}"`;
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
 * lines holding a key digest (64 hex digits, or 32 hex bytes separated by spaces or colons as
 * `espsecure signature_info_v2` prints it; optionally followed by `# name`). A raw binary digest
 * (digest_sbv2_public_key -o) is not text: it is refused, saying to write it as hex. Blank lines and `#` comments are ignored; anything else, a private key
 * included, is refused with its line number, as is a file with no key at all.
 */
export function parseTrustedKeys(text: string, file: string): TrustedKey[] {
  const keys: TrustedKey[] = [];
  const lineOf = (index: number) => text.slice(0, index).split('\n').length;
  for (const block of pemBlocks(text)) {
    const where = `${file} line ${lineOf(block.index)}`;
    const notPublic = notPublicKeyBecause(block.label);
    if (notPublic !== undefined) throw new TrustedKeysFileError(`${where}: ${notPublic}`);
    try {
      keys.push({ ...pemKeyDigest(block.text), name: null, source: 'file', addedAt: null });
    } catch (error) {
      throw new TrustedKeysFileError(`${where}: not a Secure Boot v2 signing key: ${(error as Error).message}`);
    }
  }
  withoutPemBlocks(text)
    .split('\n')
    .forEach((line, index) => {
      const hash = line.indexOf('#');
      const content = (hash < 0 ? line : line.slice(0, hash)).trim();
      if (content === '') return;
      const keyDigest = keyDigestOf(content);
      if (keyDigest === undefined) {
        throw new TrustedKeysFileError(
          `${file} line ${index + 1}: neither a PEM public key nor a key digest (${KEY_DIGEST_FORMS_TEXT}): ${shown(content)}`,
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

/** Why a file could not be read, in words, with the system's code. */
export function unreadableBecause(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  const words: Record<string, string> = {
    ENOENT: 'there is no such file',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    EISDIR: 'it is a directory, not a file',
  };
  const said = code === undefined ? undefined : words[code];
  return said === undefined ? (code ?? (error as Error).message) : `${said} (${code})`;
}

/** The keys of the trusted-keys file at `file`; `purpose` says what it is read for, for the message. */
export async function readTrustedKeysFile(file: string, purpose = 'the trusted-keys file'): Promise<TrustedKey[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new TrustedKeysFileError(`cannot read ${purpose} ${file}: ${unreadableBecause(error)}`);
  }
  return parseTrustedKeys(text, file);
}
