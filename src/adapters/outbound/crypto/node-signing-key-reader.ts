import { singlePublicKeyPem } from '../../../domain/firmware/pem-text.js';
import type { SigningKeyReader } from '../../../ports/signing-key-reader.port.js';
import { pemKeyDigest } from './trusted-keys-file.js';

/**
 * node:crypto reads the PEM key. The text must hold exactly one PEM block, a public key: not a
 * private key or a certificate (as in the trusted-keys file), and not several keys, of which
 * node:crypto would read only the first.
 */
export const nodeSigningKeyReader: SigningKeyReader = {
  read(pem) {
    return pemKeyDigest(singlePublicKeyPem(pem));
  },
};
