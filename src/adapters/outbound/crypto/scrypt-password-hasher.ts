import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import type { PasswordHasher } from '../../../ports/password-hasher.port.js';
import { DomainError } from '../../../domain/domain-error.js';
import { ConcurrencyLimit } from './concurrency-limit.js';

const scryptAsync = promisify(scrypt) as (
  password: string,
  salt: Buffer,
  length: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;

// 32 MiB and tens of milliseconds per hash, run on libuv's thread pool; the verifier caches
// verdicts, so this cost is paid once per distinct credential, not once per request.
const COST = { N: 2 ** 15, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;
const MAX_MEMORY = 64 * 1024 * 1024;

/** `scrypt$N$r$p$salt$hash`, salt and hash in base64: self-describing so the cost can change. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(password, salt, KEY_LENGTH, { ...COST, maxmem: MAX_MEMORY });
  return ['scrypt', COST.N, COST.r, COST.p, salt.toString('base64'), hash.toString('base64')].join('$');
}

/**
 * Verifications run three at a time at most. Each takes a thread of libuv's pool (four by
 * default) for tens of milliseconds, and the pool also reads and writes every file: a flood of
 * wrong passwords (anyone may send one) stalled downloads for seconds when all four threads
 * hashed (found by a review); one thread stays for the files. Waiting verifications hold none.
 *
 * At most MAX_WAITING wait (a second or two of hashing); the next is answered 503 with
 * Retry-After at once. Unbounded, a flood of distinct wrong pairs for a known device id held
 * every other first verification (a fleet's devices after a restart) behind it for as long as
 * the flood lasted, past the devices' own timeouts, and then hashed for devices long gone.
 */
const MAX_WAITING = 128;
const verifications = new ConcurrencyLimit(3, {
  maxWaiting: MAX_WAITING,
  busy: () =>
    new DomainError(
      'authentication-busy',
      `${MAX_WAITING} password checks are waiting already; the credential was not checked, try again shortly`,
    ),
});

/** Checks `password` against an encoded hash in constant time; a malformed hash never matches. */
export function verifyPassword(password: string, encoded: string): Promise<boolean> {
  return verifications.run(() => verifyNow(password, encoded));
}

async function verifyNow(password: string, encoded: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = encoded.split('$');
  if (scheme !== 'scrypt' || salt === undefined || hash === undefined) return false;
  const expected = Buffer.from(hash, 'base64');
  const cost = { N: Number(n), r: Number(r), p: Number(p) };
  if (!Number.isInteger(cost.N) || !Number.isInteger(cost.r) || !Number.isInteger(cost.p)) return false;
  const actual = await scryptAsync(password, Buffer.from(salt, 'base64'), expected.length, {
    ...cost,
    maxmem: MAX_MEMORY,
  });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** scrypt on libuv's thread pool, as `scrypt$N$r$p$salt$hash`. */
export const scryptPasswordHasher: PasswordHasher = { hash: hashPassword, verify: verifyPassword };
