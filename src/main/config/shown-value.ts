/** What a configuration error may show of a variable's value: never a password in a URL. */
export function shownValue(variable: string, value: string): string {
  if (variable.endsWith('PASSWORD') || variable === 'FUOTA_TLS_TICKET_KEYS') return '…';
  if (variable === 'FUOTA_DATABASE_URL') {
    // A raw `/`, `?` or `#` in the password ends the user's part early, and URL reads the rest of
    // the password as a path or query: then everything before the last `@` is hidden.
    if (/^[a-z]+:\/\/[^/?#@]*[/?#][^@]*@/i.test(value)) return value.replace(/^([a-z]+:\/\/).*@/i, '$1…@');
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      // A form URL does not parse (no host before a socket's directory): its user's part, up to
      // the last `@` before the query (a raw `@` may be in the password), hidden.
      return value.replace(/^([a-z]+:\/\/)[^?#]*@/i, '$1…@');
    }
    if (url.password !== '') url.password = '…';
    return url.toString();
  }
  return value;
}
