import { expect } from 'chai';
import type { RolloutLocks } from '../../src/ports/rollout-locks.port.js';

/** Two servers' locks on one storage (one server's twice for in-process locks), and how to let go of them. */
export interface LockPair {
  readonly first: RolloutLocks;
  readonly second: RolloutLocks;
  close(): Promise<void>;
}

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

    it('gives a rollout to one holder at a time, to the next once the first lets go', async () => {
      const first = await pair.first.tryLock(['r1']);
      expect(first).to.be.a('function');
      expect(await pair.second.tryLock(['r1'])).to.equal(undefined);
      await first?.();
      const second = await pair.second.tryLock(['r1']);
      expect(second).to.be.a('function');
      await second?.();
    });

    it('keeps holders of different rollouts apart from each other', async () => {
      const first = await pair.first.tryLock(['r1']);
      const second = await pair.second.tryLock(['r2']);
      expect([typeof first, typeof second]).to.deep.equal(['function', 'function']);
      await second?.();
      await first?.();
    });

    it('takes all of a set or none of it', async () => {
      const first = await pair.first.tryLock(['b']);
      expect(await pair.second.tryLock(['a', 'b', 'c'])).to.equal(undefined);
      // Nothing of the refused set is held: 'a' and 'c' are free.
      const rest = await pair.first.tryLock(['c', 'a']);
      expect(rest).to.be.a('function');
      await rest?.();
      await first?.();
    });

    it('never has two holders of a rollout among many concurrent tries', async () => {
      let holding = 0;
      let most = 0;
      let granted = 0;
      const sets = [['a', 'b'], ['b', 'a'], ['b', 'c', 'a'], ['a'], ['c', 'a', 'a']];
      await Promise.all(
        Array.from({ length: 20 }, async (_, i) => {
          const locks = i % 2 === 0 ? pair.first : pair.second;
          for (let tries = 0; tries < 200; tries += 1) {
            const release = await locks.tryLock(sets[i % sets.length] as string[]);
            if (release === undefined) {
              await new Promise((resolve) => setTimeout(resolve, 1 + (i % 3)));
              continue;
            }
            granted += 1;
            holding += 1;
            most = Math.max(most, holding);
            await new Promise((resolve) => setTimeout(resolve, 1));
            holding -= 1;
            await release();
            return;
          }
        }),
      );
      // Every set holds 'a': never two holders at once; and the tries got through.
      expect(most).to.equal(1);
      expect(granted).to.be.greaterThan(10);
    });

    it('gives a lock up once, however often released', async () => {
      const release = await pair.first.tryLock(['r1']);
      await release?.();
      await release?.();
      const again = await pair.second.tryLock(['r1']);
      expect(again).to.be.a('function');
      expect(await pair.first.tryLock(['r1'])).to.equal(undefined);
      await again?.();
    });
  });
}
