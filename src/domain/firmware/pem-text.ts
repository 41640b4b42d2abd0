/** A PEM block in a text: its label (`PUBLIC KEY`, `CERTIFICATE`, ...), where it starts, and itself. */
export interface PemBlock {
  readonly label: string;
  readonly index: number;
  readonly text: string;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

/** Every PEM block of `text`, in order. */
export function pemBlocks(text: string): PemBlock[] {
  return [...text.matchAll(PEM_BLOCK)].map((match) => ({ label: match[1] ?? '', index: match.index, text: match[0] }));
}

/** `text` with each PEM block blanked out (its lines kept, so line numbers after it stay right). */
export function withoutPemBlocks(text: string): string {
  return text.replace(PEM_BLOCK, (block) => '\n'.repeat(block.split('\n').length - 1));
}

/** The labels a public key comes under: SubjectPublicKeyInfo, and PKCS#1 for RSA. */
const PUBLIC_KEY_LABELS: ReadonlySet<string> = new Set(['PUBLIC KEY', 'RSA PUBLIC KEY']);

/**
 * Why a PEM block of this label is not a public key, or undefined when it is one. A private key
 * must not be handed around (and fuota needs only the public half); a certificate carries a key
 * but is not one, and which of a chain's keys is meant would be a guess.
 */
export function notPublicKeyBecause(label: string): string | undefined {
  if (PUBLIC_KEY_LABELS.has(label)) return undefined;
  if (label.includes('PRIVATE')) {
    return 'a private key; give the public key (espsecure extract_public_key --version 2 --keyfile key.pem pub.pem)';
  }
  if (label.includes('CERTIFICATE')) {
    return 'an X.509 certificate, not a public key; give the public key (openssl x509 -in cert.pem -pubkey -noout)';
  }
  return `a PEM "${label}" block, not a public key`;
}

/**
 * The one PEM public key in `text`: throws, saying why, for text with no PEM block (not a PEM
 * public key), several (only the first would be read, silently), or a block that is no public key.
 */
export function singlePublicKeyPem(text: string): string {
  const blocks = pemBlocks(text);
  const [only] = blocks;
  if (only === undefined) throw new Error('not a PEM public key (no "-----BEGIN PUBLIC KEY-----" block)');
  if (blocks.length > 1) {
    throw new Error(
      `${blocks.length} PEM blocks (${blocks.map((block) => block.label).join(', ')}); give one public key at a time`,
    );
  }
  const problem = notPublicKeyBecause(only.label);
  if (problem !== undefined) throw new Error(problem);
  return only.text;
}
