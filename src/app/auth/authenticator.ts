import type { Principal } from './principal.js';

/** Decides who, if anyone, a username and password pair belongs to. */
export interface Authenticator {
  authenticate(username: string, password: string): Promise<Principal | undefined>;
  /**
   * A digest of the operator credentials in force, which changes when any of them does: the
   * dashboard's sessions are found only under the credentials they were signed in with.
   */
  readonly operatorCredentials?: string;
}

export const AUTHENTICATOR = Symbol.for('fuota.Authenticator');
