import { randomBytes } from 'node:crypto';
import type { SecretGenerator } from '../../../ports/secret-generator.port.js';

const SECRET_BYTES = 24;

/** node:crypto's CSPRNG. */
export const randomSecretGenerator: SecretGenerator = {
  newSecret: () => randomBytes(SECRET_BYTES).toString('base64url'),
};
