import { InMemoryChangeBus } from '../../src/adapters/outbound/memory/in-memory-change-bus.js';
import { changeFeedContract } from './change-feed.contract.js';

changeFeedContract('in memory', async () => {
  const bus = new InMemoryChangeBus();
  const first = bus.feed();
  const second = bus.feed();
  return {
    first,
    second,
    close: async () => {
      await first.close();
      await second.close();
    },
  };
});
