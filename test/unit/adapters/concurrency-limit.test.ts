import { expect } from 'chai';
import { ConcurrencyLimit } from '../../../src/adapters/outbound/crypto/concurrency-limit.js';

describe('ConcurrencyLimit', () => {
  it('runs at most its limit at once, starting them in order, a failing one releasing its place', async () => {
    const limit = new ConcurrencyLimit(2);
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const task = (i: number) => async () => {
      started.push(i);
      running += 1;
      most = Math.max(most, running);
      for (let turn = 0; turn < 3; turn += 1) await new Promise((resolve) => setImmediate(resolve));
      running -= 1;
      if (i === 1) throw new Error('task 1 fails');
      return i;
    };
    const results = await Promise.allSettled([0, 1, 2, 3, 4, 5].map((i) => limit.run(task(i))));
    expect(most).to.equal(2);
    expect(started).to.deep.equal([0, 1, 2, 3, 4, 5]);
    expect(results.map((result) => result.status)).to.deep.equal([
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'fulfilled',
    ]);
    // Every place given back: as many run at once again.
    running = 0;
    most = 0;
    await Promise.all([6, 7, 8].map((i) => limit.run(task(i))));
    expect(most).to.equal(2);
  });

  it('refuses at once a task that would wait behind maxWaiting others, and takes tasks again as the queue drains', async () => {
    const limit = new ConcurrencyLimit(1, { maxWaiting: 2, busy: () => new Error('busy: refused') });
    const releases: Array<() => void> = [];
    const held = () => new Promise<string>((resolve) => releases.push(() => resolve('done')));
    const running = limit.run(held);
    const waiting = [limit.run(async () => 'first waiter'), limit.run(async () => 'second waiter')];
    let refusedTaskRan = false;
    const refused = await limit
      .run(async () => {
        refusedTaskRan = true;
        return 'ran';
      })
      .catch((error: Error) => error.message);
    expect(refused).to.equal('busy: refused');
    expect(refusedTaskRan).to.equal(false);
    releases[0]?.();
    expect(await running).to.equal('done');
    expect(await Promise.all(waiting)).to.deep.equal(['first waiter', 'second waiter']);
    expect(await limit.run(async () => 'taken again')).to.equal('taken again');
  });
});
