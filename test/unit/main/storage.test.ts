import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DeviceId } from '../../../src/domain/device-id.js';
import { dataLayout } from '../../../src/main/config/data-layout.js';
import { memoryStorage, openDiskStorage, type Storage } from '../../../src/main/bootstrap/storage.js';
import { collect, updateAttempt } from '../../contract/update-attempt-store.contract.js';
import { rolloutEvent } from '../../contract/fleet-event-log.contract.js';
import { storedRollout } from '../../contract/rollout-store.contract.js';

/** Writes one of everything rollouts keep, through the storage's stores. */
async function writeRolloutState(storage: Storage): Promise<void> {
  await storage.rollouts.put(storedRollout('r1'));
  await storage.penaltyClearances.put('esp-1' as DeviceId, 1234);
  await storage.attempts.putMany([updateAttempt('0001', 'esp-1', { rollout: { id: 'r1', wave: 0 } })]);
  await storage.events.append([rolloutEvent('r1', 10)]);
}

async function expectRolloutState(storage: Storage): Promise<void> {
  expect(await storage.rollouts.list()).to.deep.equal([storedRollout('r1')]);
  expect(await storage.penaltyClearances.list()).to.deep.equal(new Map([['esp-1', 1234]]));
  expect(await storage.attempts.forRollout('r1')).to.deep.equal([
    updateAttempt('0001', 'esp-1', { rollout: { id: 'r1', wave: 0 } }),
  ]);
  expect(await storage.events.list({ rolloutId: 'r1', limit: 10 })).to.deep.equal([
    { ...rolloutEvent('r1', 10), seq: 1 },
  ]);
}

describe("the storage's rollout stores", () => {
  let dir = '';
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('keeps rollouts, clearances, their attempts and events in devices.db across a restart', async () => {
    dir = await mkdtemp(join(tmpdir(), 'fuota-storage-'));
    const first = await openDiskStorage(dataLayout(dir));
    await writeRolloutState(first);
    await first.close();
    const second = await openDiskStorage(dataLayout(dir));
    try {
      await expectRolloutState(second);
      expect(await collect(second.attempts.recent(1))).to.have.length(1);
    } finally {
      await second.close();
    }
  });

  it('has them in memory too', async () => {
    const storage = memoryStorage();
    await writeRolloutState(storage);
    await expectRolloutState(storage);
    await storage.close();
  });
});
