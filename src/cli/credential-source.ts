import { promptCredential } from './credential-prompt.js';
import { CliFailure, EXIT } from './exit-codes.js';

/**
 * The credential from the flags or the environment; else asked for on a terminal. Without a
 * terminal a missing one is a usage error at once: sending the request without it would only be
 * refused, and counted against this address as a failed authentication.
 */
export function credentialSource(username: string | undefined, password: string | undefined, url: URL): () => Promise<{ username: string; password: string }> {
  // An empty value (`FUOTA_PASSWORD=`) is a mistake, not a password.
  const given = { username: username === '' ? undefined : username, password: password === '' ? undefined : password };
  if (given.username !== undefined && given.password !== undefined) {
    const credential = Promise.resolve({ username: given.username, password: given.password });
    return () => credential;
  }
  if (process.stdin.isTTY !== true) {
    const missing = [
      ...(given.username === undefined ? [{ what: 'username', flag: '--username', variable: 'FUOTA_USERNAME' }] : []),
      ...(given.password === undefined ? [{ what: 'password', flag: '--password', variable: 'FUOTA_PASSWORD' }] : []),
    ];
    const list = (key: 'what' | 'flag' | 'variable') => missing.map((item) => item[key]).join(key === 'what' ? ' or ' : ' and ');
    throw new CliFailure(`no ${list('what')}: pass ${list('flag')} or set ${list('variable')} (there is no terminal to ask on)`, EXIT.usage);
  }
  let asked: Promise<{ username: string; password: string }> | undefined;
  return () => (asked ??= promptCredential({ username: given.username }, url.origin));
}
