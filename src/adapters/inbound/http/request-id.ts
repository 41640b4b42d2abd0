import { randomUUID } from 'node:crypto';

// A caller's own id (a proxy's, a client's) is kept when it is a plain token of sane length.
const ACCEPTABLE = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * The id that ties a request's log lines together and comes back as `X-Request-Id`: the one the
 * client or a proxy in front sent, when it is a plain token, else a new random UUID.
 */
export function requestIdFor(offered: string | string[] | undefined): string {
  return typeof offered === 'string' && ACCEPTABLE.test(offered) ? offered : randomUUID();
}
