import type { SigningKeyReader } from '../../../ports/signing-key-reader.port.js';
import { pemKeyDigest } from './trusted-keys-file.js';

/** node:crypto reads the PEM key; a private key is refused, as in the trusted-keys file. */
export const nodeSigningKeyReader: SigningKeyReader = {
  read(pem) {
    if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) {
      throw new Error('a private key; give the public key (espsecure extract_public_key --version 2)');
    }
    return pemKeyDigest(pem);
  },
};
