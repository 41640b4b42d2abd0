import { X509Certificate } from 'node:crypto';

const DAY_MS = 86_400_000;
/** How long before its end a certificate is said to expire soon. */
const SOON_DAYS = 30;

/**
 * What to warn of the server's certificate at `now`, if anything: expired, not valid yet, or
 * expiring within 30 days. Clients that check dates (curl, browsers, the fuota CLI, ESP32 devices
 * whose clock is set) refuse an expired certificate with an error that does not name the cause
 * on the server's side: a server started with one said nothing (found by a new user).
 */
export function certificateValidityWarning(pem: string, now: number): string | undefined {
  const certificate = new X509Certificate(pem);
  const from = Date.parse(certificate.validFrom);
  const to = Date.parse(certificate.validTo);
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  if (to <= now) {
    return `the server's TLS certificate expired on ${day(to)}: clients that check its dates refuse it; renew it`;
  }
  if (from > now) {
    return `the server's TLS certificate is not valid before ${day(from)}: clients that check its dates refuse it until then (is this machine's clock right?)`;
  }
  const left = Math.floor((to - now) / DAY_MS);
  return left < SOON_DAYS
    ? `the server's TLS certificate expires on ${day(to)}, in ${left} day${left === 1 ? '' : 's'}: renew it before then`
    : undefined;
}
