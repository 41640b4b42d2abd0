import { expect } from 'chai';
import { AuthFailureLimiter } from '../../../src/app/auth/auth-failure-limiter.js';

describe('AuthFailureLimiter', () => {
  it('refuses an address for the cool-down once it reaches the limit within a minute, and only that address', () => {
    let now = 1_000_000;
    const limiter = new AuthFailureLimiter(3, 60, () => now);
    limiter.recordFailure('a');
    limiter.recordFailure('a');
    expect(limiter.retryAfter('a')).to.equal(0);
    limiter.recordFailure('a');
    expect(limiter.retryAfter('a')).to.equal(60);
    expect(limiter.retryAfter('b')).to.equal(0);
    now += 59_500;
    expect(limiter.retryAfter('a')).to.equal(1);
    now += 600;
    expect(limiter.retryAfter('a')).to.equal(0);
  });

  it('forgets failures older than a minute', () => {
    let now = 0;
    const limiter = new AuthFailureLimiter(3, 60, () => now);
    limiter.recordFailure('a');
    limiter.recordFailure('a');
    now += 61_000;
    limiter.recordFailure('a');
    expect(limiter.retryAfter('a')).to.equal(0);
  });
});
