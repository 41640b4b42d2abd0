/** New secrets for credentials handed out (unguessable: from a cryptographic random source). */
export interface SecretGenerator {
  /** 192 random bits as base64url: 32 characters with no ':' (Basic auth) and nothing to escape. */
  newSecret(): string;
}

export const SECRET_GENERATOR = Symbol.for('fuota.SecretGenerator');
