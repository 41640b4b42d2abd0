import type { Role } from './role.js';

/** Decides which role, if any, a username and password pair has. */
export interface Authenticator {
  authenticate(username: string, password: string): Promise<Role | undefined>;
}

export const AUTHENTICATOR = Symbol.for('fuota.Authenticator');
