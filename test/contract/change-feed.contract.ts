import { expect } from 'chai';
import type { DeviceId } from '../../src/domain/device-id.js';
import type { ChangeFeed, HeardChange } from '../../src/ports/change-feed.port.js';
import { eventually } from '../support/eventually.js';

/** Two servers' feeds on one shared storage; `close` releases both and what they share. */
export interface FeedPair {
  readonly first: ChangeFeed;
  readonly second: ChangeFeed;
  close(): Promise<void>;
}

/** What `feed` hears, in order. */
function recording(feed: ChangeFeed): HeardChange[] {
  const heard: HeardChange[] = [];
  feed.subscribe((change) => heard.push(change));
  return heard;
}

/** The ChangeFeed port's contract, for every adapter. */
export function changeFeedContract(name: string, open: () => Promise<FeedPair>): void {
  describe(`ChangeFeed contract: ${name}`, () => {
    let pair: FeedPair | undefined;
    afterEach(async () => {
      await pair?.close();
      pair = undefined;
    });

    it("delivers one server's announcements to the other, in order, with their fields, and never to itself", async () => {
      pair = await open();
      const toFirst = recording(pair.first);
      const toSecond = recording(pair.second);
      pair.first.announce({ kind: 'catalog' });
      pair.first.announce({ kind: 'device-row', deviceId: 'lamp:7' as DeviceId, assigned: true });
      pair.first.announce({ kind: 'device-row', deviceId: 'lamp:7' as DeviceId, assigned: false });
      await eventually(() => toSecond.length === 3, 'the second server hears three changes');
      expect(toSecond).to.deep.equal([
        { kind: 'catalog' },
        { kind: 'device-row', deviceId: 'lamp:7', assigned: true },
        { kind: 'device-row', deviceId: 'lamp:7', assigned: false },
      ]);
      pair.second.announce({ kind: 'catalog' });
      await eventually(() => toFirst.length === 1, 'the first server hears the second');
      // Settled: a moment more brings no echo of anyone's own announcements.
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(toFirst).to.deep.equal([{ kind: 'catalog' }]);
      expect(toSecond).to.have.length(3);
    });

    it('tells every subscriber, and no longer one that unsubscribed', async () => {
      pair = await open();
      const kept: HeardChange[] = [];
      const dropped: HeardChange[] = [];
      pair.second.subscribe((change) => kept.push(change));
      const unsubscribe = pair.second.subscribe((change) => dropped.push(change));
      pair.first.announce({ kind: 'catalog' });
      await eventually(() => kept.length === 1 && dropped.length === 1, 'both subscribers hear it');
      unsubscribe();
      pair.first.announce({ kind: 'catalog' });
      await eventually(() => kept.length === 2, 'the kept subscriber hears the second');
      expect(dropped).to.have.length(1);
    });

    it('tells nothing more once closed, and announcing to a closed peer is harmless', async () => {
      pair = await open();
      const toSecond = recording(pair.second);
      await pair.second.close();
      pair.first.announce({ kind: 'catalog' });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(toSecond).to.deep.equal([]);
    });
  });
}
