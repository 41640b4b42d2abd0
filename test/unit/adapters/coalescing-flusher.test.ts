import { expect } from 'chai';
import { CoalescingFlusher } from '../../../src/adapters/outbound/sqljs/coalescing-flusher.js';

describe('CoalescingFlusher', () => {
  /** A flush that records the state it snapshotted and takes a moment to become durable. */
  function harness() {
    const state = { version: 0, durable: 0, flushes: 0, concurrent: 0, maxConcurrent: 0 };
    const flusher = new CoalescingFlusher(async () => {
      const snapshot = state.version;
      state.flushes += 1;
      state.concurrent += 1;
      state.maxConcurrent = Math.max(state.maxConcurrent, state.concurrent);
      await new Promise((resolve) => setTimeout(resolve, 5));
      state.durable = snapshot;
      state.concurrent -= 1;
    });
    return { state, flusher };
  }

  it('resolves each request only once its change is durable, sharing flushes among many writers', async () => {
    const { state, flusher } = harness();
    const writes = Array.from({ length: 50 }, async (_, i) => {
      await new Promise((resolve) => setTimeout(resolve, i % 7));
      state.version += 1;
      const mine = state.version;
      await flusher.request();
      expect(state.durable).to.be.at.least(mine);
    });
    await Promise.all(writes);
    expect(state.durable).to.equal(50);
    expect(state.maxConcurrent).to.equal(1);
    expect(state.flushes).to.be.below(50);
  });

  it('runs one flush for a burst of simultaneous requests after the first', async () => {
    const { state, flusher } = harness();
    state.version = 1;
    const first = flusher.request();
    const burst = Array.from({ length: 20 }, () => {
      state.version += 1;
      return flusher.request();
    });
    await Promise.all([first, ...burst]);
    expect(state.flushes).to.equal(2);
    expect(state.durable).to.equal(21);
  });

  it('reports a failed flush to its writers and recovers for the next ones', async () => {
    let fail = true;
    const flusher = new CoalescingFlusher(async () => {
      if (fail) throw new Error('disk full');
    });
    const failure = await flusher.request().catch((error: Error) => error.message);
    expect(failure).to.equal('disk full');
    fail = false;
    await flusher.request();
    await flusher.settle();
  });

  it('answers every writer sharing a failed flush with its error, and later writers with the next flush', async () => {
    let flushes = 0;
    const flusher = new CoalescingFlusher(async () => {
      flushes += 1;
      const failing = flushes === 2;
      await new Promise((resolve) => setImmediate(resolve));
      if (failing) throw new Error('disk full');
    });
    const first = flusher.request();
    const shared = [flusher.request(), flusher.request(), flusher.request()]; // queued: one flush, the failing one
    const outcomes = await Promise.allSettled([first, ...shared]);
    expect(outcomes.map((outcome) => outcome.status)).to.deep.equal(['fulfilled', 'rejected', 'rejected', 'rejected']);
    await flusher.request();
    expect(flushes).to.equal(3);
  });
});
