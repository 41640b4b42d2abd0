import { expect } from 'chai';
import { FailureWindow } from '../../../src/app/auth/failure-window.js';

describe('FailureWindow', () => {
  it('keeps at most maxTracked keys, forgetting the oldest first', () => {
    const now = 0;
    const window = new FailureWindow(2, 60_000, () => now, 3);
    for (const key of ['a', 'b', 'c', 'd', 'e']) window.record(key);
    // Each key has one failure of two: a second one blocks only a key that was kept.
    for (const key of ['c', 'd', 'e', 'a']) window.record(key);
    expect(['a', 'c', 'd', 'e'].map((key) => window.blockedFor(key) > 0)).to.deep.equal([false, true, true, true]);
  });

  it('keeps at most maxTracked blocked keys', () => {
    const now = 0;
    const window = new FailureWindow(1, 60_000, () => now, 2);
    for (const key of ['a', 'b', 'c']) window.record(key);
    expect(['a', 'b', 'c'].map((key) => window.blockedFor(key) > 0)).to.deep.equal([false, true, true]);
  });
});
