import { expect } from 'chai';
import { StringPool } from '../../../src/adapters/outbound/sqljs/string-pool.js';

describe('StringPool', () => {
  // Which instance comes back cannot be seen from JavaScript (strings compare by value); the
  // memory it saves is measured by the fleet benchmark. What can be seen: values never change.
  it('gives back an equal string, for pooled and new values alike', () => {
    const pool = new StringPool(10);
    for (const value of ['1.0.0', '1.0.0', 'fw/app.bin', '', '1.0.0']) expect(pool.shared(value)).to.equal(value);
  });

  it('holds at most its capacity: later values are returned as they are, and still equal', () => {
    const pool = new StringPool(2);
    pool.shared('a');
    pool.shared('b');
    expect(pool.shared('c')).to.equal('c');
    expect((pool as unknown as { values: Map<string, string> }).values.size).to.equal(2);
  });
});
