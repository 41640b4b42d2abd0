import { expect } from 'chai';
import { Histogram, Registry } from 'prom-client';
import { ScrapeBatchedHistogram } from '../../../src/adapters/inbound/http/scrape-batched-histogram.js';

/** A histogram fed through a ScrapeBatchedHistogram, and its twin fed directly, in registries of their own. */
function twins() {
  const batchedRegistry = new Registry();
  const directRegistry = new Registry();
  const pending: ScrapeBatchedHistogram<'route'> = new ScrapeBatchedHistogram(() => batched);
  const options = { name: 'took_seconds', help: 'h', labelNames: ['route'] as const, buckets: [0.001, 0.01, 0.1, 1] };
  const batched: Histogram<'route'> = new Histogram({
    ...options,
    registers: [batchedRegistry],
    collect: () => pending.flush(),
  });
  const direct = new Histogram({ ...options, registers: [directRegistry] });
  return { pending, direct, batchedRegistry, directRegistry };
}

describe('ScrapeBatchedHistogram', () => {
  it('exposes exactly what direct observations give, at every read, however many are waiting', async () => {
    const { pending, direct, batchedRegistry, directRegistry } = twins();
    let seed = 7;
    const next = () => (seed = (seed * 48_271) % 2_147_483_647) / 2_147_483_647;
    for (const count of [1, 5, 1023, 1024, 1025, 3000, 0, 2]) {
      for (let i = 0; i < count; i += 1) {
        const route = next() < 0.3 ? '/a' : '/b';
        const value = next() * 2;
        pending.observe(route, () => ({ route }), value);
        direct.observe({ route }, value);
      }
      expect(await batchedRegistry.metrics()).to.equal(await directRegistry.metrics());
    }
  });

  it('adds up observations made under several keys that stand for the same labels', async () => {
    const { pending, direct, batchedRegistry, directRegistry } = twins();
    for (const [key, value] of [
      ['GET 200 /a', 0.002],
      ['GET 404 /a', 0.05],
      ['GET 200 /a', 0.5],
    ] as const) {
      pending.observe(key, () => ({ route: '/a' }), value);
      direct.observe({ route: '/a' }, value);
    }
    expect(await batchedRegistry.metrics()).to.equal(await directRegistry.metrics());
  });

  it('hands over a label set that reaches 1,024 waiting observations without waiting for a scrape', async () => {
    // A histogram that is not told to flush when read: it shows only what was handed over.
    const histogram = new Histogram({ name: 'took_seconds', help: 'h', labelNames: ['route'], registers: [] });
    const pending = new ScrapeBatchedHistogram<'route'>(() => histogram);
    const count = async () => (await histogram.get()).values.find((v) => v.metricName === 'took_seconds_count')?.value;
    for (let i = 0; i < 1023; i += 1) pending.observe('/a', () => ({ route: '/a' }), 0.005);
    expect(await count()).to.equal(undefined);
    pending.observe('/a', () => ({ route: '/a' }), 0.005);
    expect(await count()).to.equal(1024);
  });
});
