import { promptCredential } from './credential-prompt.js';
import { CliFailure, EXIT } from './exit-codes.js';

/**
 * The server's own default operator name (FUOTA_USERNAME unset on the server), so that a server
 * started with only FUOTA_PASSWORD is driven with only FUOTA_PASSWORD here too.
 */
export const DEFAULT_USERNAME = 'fuota';

/**
 * The credential from the flags or the environment, the username defaulting to the server's; the
 * password, when not given, asked for on a terminal. Without a terminal a missing password is a
 * usage error at once: sending the request without it would only be refused, and counted against
 * this address as a failed authentication.
 */
export function credentialSource(
  username: string | undefined,
  password: string | undefined,
  url: URL,
): () => Promise<{ username: string; password: string }> {
  // An empty value (`FUOTA_USERNAME=` as compose files leave it) means unset, as on the server;
  // an empty password is a mistake, not a password.
  const name = username === undefined || username === '' ? DEFAULT_USERNAME : username;
  if (password !== undefined && password !== '') {
    const credential = Promise.resolve({ username: name, password });
    return () => credential;
  }
  if (process.stdin.isTTY !== true) {
    throw new CliFailure(
      'no password: pass --password or set FUOTA_PASSWORD (there is no terminal to ask on)',
      EXIT.usage,
    );
  }
  let asked: Promise<{ username: string; password: string }> | undefined;
  return () => (asked ??= promptCredential(name, url.origin).then((typed) => ({ username: name, password: typed })));
}
