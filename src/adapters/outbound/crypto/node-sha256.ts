import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';
import type { Sha256Hasher } from '../../../domain/firmware/sha256-hasher.js';

function wrap(hash: Hash): Sha256Hasher {
  return {
    update: (bytes) => void hash.update(bytes),
    digest: () => hash.digest(),
    copy: () => wrap(hash.copy()),
  };
}

/** node:crypto's SHA-256 for the domain's image parser. */
export const nodeSha256 = (): Sha256Hasher => wrap(createHash('sha256'));
