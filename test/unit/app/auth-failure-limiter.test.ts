import { expect } from 'chai';
import { ADDRESS_CEILING_FACTOR, AuthFailureLimiter } from '../../../src/app/auth/auth-failure-limiter.js';

describe('AuthFailureLimiter', () => {
  const retryAfter = (limiter: AuthFailureLimiter, address: string, user: string) =>
    limiter.refusal(address, () => user)?.retryAfter ?? 0;

  it('refuses a user name from an address for the cool-down once it reaches the limit within a minute, and only that pair', () => {
    let now = 1_000_000;
    const limiter = new AuthFailureLimiter(3, 60, () => now);
    limiter.recordFailure('a', 'alice');
    limiter.recordFailure('a', 'alice');
    expect(retryAfter(limiter, 'a', 'alice')).to.equal(0);
    limiter.recordFailure('a', 'alice');
    expect(limiter.refusal('a', () => 'alice')).to.deep.equal({ retryAfter: 60, scope: 'user' });
    expect(retryAfter(limiter, 'b', 'alice')).to.equal(0);
    expect(retryAfter(limiter, 'a', 'bob'), 'another user name behind the same address').to.equal(0);
    now += 59_500;
    expect(retryAfter(limiter, 'a', 'alice')).to.equal(1);
    now += 600;
    expect(retryAfter(limiter, 'a', 'alice')).to.equal(0);
  });

  it('forgets failures older than a minute', () => {
    let now = 0;
    const limiter = new AuthFailureLimiter(3, 60, () => now);
    limiter.recordFailure('a', 'alice');
    limiter.recordFailure('a', 'alice');
    now += 61_000;
    limiter.recordFailure('a', 'alice');
    expect(retryAfter(limiter, 'a', 'alice')).to.equal(0);
  });

  it('refuses the whole address once its failures across user names reach the ceiling', () => {
    const now = 0;
    const limiter = new AuthFailureLimiter(3, 60, () => now);
    const ceiling = 3 * ADDRESS_CEILING_FACTOR;
    for (let i = 0; i < ceiling - 1; i += 1) limiter.recordFailure('a', `user-${i}`);
    expect(retryAfter(limiter, 'a', 'fresh')).to.equal(0);
    limiter.recordFailure('a', `user-${ceiling}`);
    expect(limiter.refusal('a', () => 'fresh')).to.deep.equal({ retryAfter: 60, scope: 'address' });
    expect(retryAfter(limiter, 'b', 'fresh')).to.equal(0);
  });

  it('does not even ask for the user name while nothing is blocked (the hot path)', () => {
    const limiter = new AuthFailureLimiter(3, 60);
    limiter.recordFailure('a', 'alice');
    expect(limiter.refusal('a', () => expect.fail('user name asked'))).to.equal(undefined);
  });

  it('keys a user name by its first 128 characters, so that long names cannot grow the keys', () => {
    const limiter = new AuthFailureLimiter(2, 60);
    const long = 'x'.repeat(128);
    limiter.recordFailure('a', `${long}1`);
    limiter.recordFailure('a', `${long}2`);
    expect(retryAfter(limiter, 'a', `${long}3`)).to.equal(60);
  });
});
