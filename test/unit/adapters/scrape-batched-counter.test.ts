import { expect } from 'chai';
import { Counter, Registry } from 'prom-client';
import { ScrapeBatchedCounter } from '../../../src/adapters/inbound/http/scrape-batched-counter.js';

describe('ScrapeBatchedCounter', () => {
  it('hands gathered increments to the counter once, whenever the registry is read', async () => {
    const registry = new Registry();
    const pending: ScrapeBatchedCounter<'kind'> = new ScrapeBatchedCounter(() => counter);
    const counter: Counter<'kind'> = new Counter({
      name: 'things_total',
      help: 'h',
      labelNames: ['kind'],
      registers: [registry],
      collect: () => pending.flush(),
    });
    const read = async () =>
      Object.fromEntries((await counter.get()).values.map((v) => [String(v.labels.kind), v.value]));

    pending.inc('a', () => ({ kind: 'a' }));
    pending.inc('a', () => ({ kind: 'a' }), 2);
    pending.inc('b', () => ({ kind: 'b' }), 5);
    expect(await read()).to.deep.equal({ a: 3, b: 5 });
    expect(await read()).to.deep.equal({ a: 3, b: 5 }); // a second read adds nothing
    pending.inc('b', () => ({ kind: 'b' }));
    expect(await registry.metrics()).to.include('things_total{kind="b"} 6');
    expect(await read()).to.deep.equal({ a: 3, b: 6 });
  });
});
