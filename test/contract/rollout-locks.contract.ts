import { expect } from 'chai';
import type { RolloutLocks } from '../../src/ports/rollout-locks.port.js';

/** Two servers' locks on one storage (one server's twice for in-process locks), and how to let go of them. */
export interface LockPair {
  readonly first: RolloutLocks;
  readonly second: RolloutLocks;
  close(): Promise<void>;
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 20));

/** What every RolloutLocks adapter promises. */
export function rolloutLocksContract(name: string, open: () => Promise<LockPair>): void {
  describe(`RolloutLocks contract: ${name}`, () => {
    let pair: LockPair;

    beforeEach(async () => {
      pair = await open();
    });

    afterEach(async () => {
      await pair.close();
    });

    it('lets one holder of a rollout in at a time, the next once the first lets go', async () => {
      const order: string[] = [];
      const releaseFirst = await pair.first.lock(['r1']);
      const second = pair.second.lock(['r1']).then((release) => {
        order.push('second holds');
        return release;
      });
      await tick();
      await tick();
      order.push('first lets go');
      await releaseFirst();
      const releaseSecond = await second;
      expect(order).to.deep.equal(['first lets go', 'second holds']);
      await releaseSecond();
    });

    it('keeps holders of different rollouts apart from each other', async () => {
      const releaseFirst = await pair.first.lock(['r1']);
      const releaseSecond = await pair.second.lock(['r2']);
      await releaseSecond();
      await releaseFirst();
    });

    it('takes overlapping sets named in any order without a deadlock, many holders at once', async () => {
      let holding = 0;
      let most = 0;
      const sets = [['a', 'b'], ['b', 'a'], ['b', 'c', 'a'], ['a'], ['c', 'a', 'a']];
      await Promise.all(
        Array.from({ length: 20 }, async (_, i) => {
          const locks = i % 2 === 0 ? pair.first : pair.second;
          const release = await locks.lock(sets[i % sets.length] as string[]);
          holding += 1;
          most = Math.max(most, holding);
          await new Promise((resolve) => setTimeout(resolve, 2));
          holding -= 1;
          await release();
        }),
      );
      // Every set holds 'a': never two holders at once.
      expect(most).to.equal(1);
    });

    it('gives a lock up once, however often released', async () => {
      const release = await pair.first.lock(['r1']);
      await release();
      await release();
      const again = await pair.second.lock(['r1']);
      const third = pair.first.lock(['r1']);
      let thirdHolds = false;
      void third.then(() => (thirdHolds = true));
      await tick();
      expect(thirdHolds).to.equal(false);
      await again();
      await (
        await third
      )();
    });
  });
}
