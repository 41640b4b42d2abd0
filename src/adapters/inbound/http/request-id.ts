import { randomBytes } from 'node:crypto';

// A caller's own id (a proxy's, a client's) is kept when it is a plain token of sane length.
const ACCEPTABLE = /^[A-Za-z0-9._:-]{1,64}$/;

// 48 random bits per process run, then a counter: ids are unique across restarts and replicas
// like UUIDs, and making one costs a fraction of randomUUID() on every request.
const RUN = randomBytes(6).toString('hex');
let issued = 0;

/**
 * The id that ties a request's log lines together and comes back as `X-Request-Id`: the one the
 * client or a proxy in front sent, when it is a plain token, else a new one
 * (`<12 hex digits of this run>-<counter in base 36>`).
 */
export function requestIdFor(offered: string | string[] | undefined): string {
  if (typeof offered === 'string' && ACCEPTABLE.test(offered)) return offered;
  issued += 1;
  return `${RUN}-${issued.toString(36)}`;
}
