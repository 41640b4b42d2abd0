import { nodeSecretDigest } from '../adapters/outbound/crypto/node-secret-digest.js';
import { scryptPasswordHasher } from '../adapters/outbound/crypto/scrypt-password-hasher.js';
import type { CredentialHashing } from '../app/auth/credential-verifier.js';

/** The credential hashing the program uses: scrypt for stored secrets, node:crypto's SHA-256. */
export const NODE_CREDENTIAL_HASHING: CredentialHashing = {
  passwords: scryptPasswordHasher,
  digests: nodeSecretDigest,
};
