import type { Principal } from './principal.js';

/** Decides who, if anyone, a username and password pair belongs to. */
export interface Authenticator {
  authenticate(username: string, password: string): Promise<Principal | undefined>;
}

export const AUTHENTICATOR = Symbol.for('fuota.Authenticator');
