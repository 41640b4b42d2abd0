import { hash, timingSafeEqual } from 'node:crypto';
import type { SecretDigest } from '../../../ports/secret-digest.port.js';

/**
 * node:crypto's one-shot SHA-256: a Hash object per request cost a busy server a measurable share
 * of its CPU (a device may authenticate on every request).
 */
export const nodeSecretDigest: SecretDigest = {
  digest: (text) => hash('sha256', text, 'buffer'),
  key: (text) => hash('sha256', text, 'base64'),
  equal: (a, b) => timingSafeEqual(a, b),
};
