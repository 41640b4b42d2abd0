import { expect } from 'chai';
import { Histogram, Registry } from 'prom-client';
import { KeyedHistogram } from '../../../src/adapters/inbound/http/keyed-histogram.js';

describe('KeyedHistogram', () => {
  const bounds = [0.001, 0.01, 0.1, 1];
  const observations: Array<[string, string, number]> = [
    ['GET', '/devices/:id', 0.0004],
    ['GET', '/devices/:id', 0.001], // on a bound: counted in that bucket, as prom-client does
    ['GET', '/files/*path', 0.25],
    ['PUT', '/files/*path', 7], // above every bound: +Inf only
    ['GET', '/devices/:id', 0],
    ['GET', '/files/*path', 0.1],
  ];

  function both() {
    const theirs = new Registry();
    const ours = new Registry();
    const histogram = new Histogram({ name: 'x_seconds', help: 'help text', labelNames: ['method', 'route'] as const, buckets: bounds, registers: [theirs] });
    const keyed = new KeyedHistogram<'method' | 'route'>('x_seconds', 'help text', bounds, ours);
    for (const [method, route, value] of observations) {
      histogram.observe({ method, route }, value);
      keyed.observe(`${method} ${route}`, () => ({ method, route }), value);
    }
    return { theirs, ours, keyed };
  }

  it("prints exactly what prom-client's Histogram prints for the same observations", async () => {
    const { theirs, ours } = both();
    const text = await ours.metrics();
    expect(text).to.equal(await theirs.metrics());
    expect(text).to.include('x_seconds_bucket{le="0.001",method="GET",route="/devices/:id"} 3');
    expect(text).to.include('x_seconds_bucket{le="+Inf",method="PUT",route="/files/*path"} 1');
  });

  it("gives prom-client's JSON form too (exemplars aside, which fuota does not use)", async () => {
    const { theirs, ours } = both();
    const withoutExemplars = (metrics: Awaited<ReturnType<Registry['getMetricsAsJSON']>>) =>
      metrics.map((metric) => ({ ...metric, values: metric.values.map((value) => ({ ...value, exemplar: undefined })).map(({ exemplar: _exemplar, ...rest }) => rest) }));
    expect(await ours.getMetricsAsJSON()).to.deep.equal(withoutExemplars(await theirs.getMetricsAsJSON()));
  });

  it('forgets every series on reset', async () => {
    const { ours, keyed } = both();
    keyed.reset();
    expect(await ours.metrics()).to.equal('# HELP x_seconds help text\n# TYPE x_seconds histogram\n');
  });
});
