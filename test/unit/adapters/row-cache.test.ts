import { expect } from 'chai';
import { RowCache } from '../../../src/adapters/outbound/sqljs/row-cache.js';

describe('RowCache', () => {
  it('loads a key once, absent rows included, until it is forgotten', () => {
    const cache = new RowCache<string, number>();
    let loads = 0;
    const load = (value: number | undefined) => () => {
      loads += 1;
      return value;
    };
    expect(cache.read('a', load(1))).to.equal(1);
    expect(cache.read('a', load(2))).to.equal(1);
    expect(cache.read('missing', load(undefined))).to.equal(undefined);
    expect(cache.read('missing', load(3))).to.equal(undefined);
    expect(loads).to.equal(2);
    cache.forget('a');
    expect(cache.read('a', load(4))).to.equal(4);
    expect(loads).to.equal(3);
  });

  it('evicts a key not read since it was last passed over when full', () => {
    const cache = new RowCache<string, string>(2);
    cache.read('a', () => 'a1');
    cache.read('b', () => 'b1');
    cache.read('a', () => 'never'); // a is now the most recent
    cache.read('c', () => 'c1'); // evicts b
    expect(cache.read('a', () => 'a2')).to.equal('a1');
    expect(cache.read('b', () => 'b2')).to.equal('b2');
  });

  it('keeps a full cache at its capacity, whichever keys are read', () => {
    const cache = new RowCache<number, number>(3);
    let loads = 0;
    for (let i = 0; i < 1000; i += 1) {
      const key = (i * 7) % 11;
      cache.read(key, () => {
        loads += 1;
        return key;
      });
      cache.read(key % 3, () => key % 3);
    }
    // Every key still reads as itself, and nothing grew past three rows.
    for (let key = 0; key < 11; key += 1) expect(cache.read(key, () => key)).to.equal(key);
    expect((cache as unknown as { rows: Map<number, unknown> }).rows.size).to.equal(3);
    expect(loads).to.be.greaterThan(11);
  });
});
