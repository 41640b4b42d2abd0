/** What a configuration error may show of a variable's value: never a password in a URL. */
export function shownValue(variable: string, value: string): string {
  if (variable.endsWith('PASSWORD') || variable === 'FUOTA_TLS_TICKET_KEYS') return '…';
  if (variable === 'FUOTA_DATABASE_URL') {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return '…';
    }
    if (url.password !== '') url.password = '…';
    return url.toString();
  }
  return value;
}
