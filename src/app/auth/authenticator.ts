/** Decides whether a username and password pair is the server's credential. */
export interface Authenticator {
  authenticate(username: string, password: string): Promise<boolean>;
}

export const AUTHENTICATOR = Symbol.for('fuota.Authenticator');
