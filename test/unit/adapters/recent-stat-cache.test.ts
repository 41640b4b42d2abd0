import { expect } from 'chai';
import { RecentStatCache } from '../../../src/adapters/outbound/recent-stat-cache.js';

describe('RecentStatCache', () => {
  const info = { size: 3, modifiedAt: new Date(0), changeToken: '1' };

  it('answers from memory until the entry is ttl old, then asks again', () => {
    let now = 1_000;
    const cache = new RecentStatCache(1_000, 10, () => now);
    expect(cache.lookup('a.bin')).to.equal(undefined);
    cache.remember('a.bin', info);
    cache.remember('gone.bin', undefined);
    now += 999;
    expect(cache.lookup('a.bin')).to.deep.equal({ info });
    expect(cache.lookup('gone.bin')).to.deep.equal({ info: undefined });
    now += 1;
    expect(cache.lookup('a.bin')).to.equal(undefined);
  });

  it('forgets a path written through the store and drops the oldest entry when full', () => {
    const cache = new RecentStatCache(1_000, 2, () => 0);
    cache.remember('a', info);
    cache.forget('a');
    expect(cache.lookup('a')).to.equal(undefined);
    cache.remember('a', info);
    cache.remember('b', info);
    cache.remember('c', info);
    expect(cache.lookup('a')).to.equal(undefined);
    expect(cache.lookup('c')).to.deep.equal({ info });
  });
});
