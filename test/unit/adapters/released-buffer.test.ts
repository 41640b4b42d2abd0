import { expect } from 'chai';
import { releaseBuffer } from '../../../src/adapters/outbound/sqljs/released-buffer.js';

describe('releaseBuffer', () => {
  it('detaches the buffer, so its memory no longer waits for a garbage collection', () => {
    const image = new Uint8Array(8 * 1024 * 1024).fill(7);
    const other = new Uint8Array(image.buffer, 1024, 16);
    releaseBuffer(image);
    expect(image.byteLength).to.equal(0);
    expect(other.byteLength).to.equal(0);
  });

  it('leaves an empty or already released buffer alone', () => {
    const empty = new Uint8Array(0);
    releaseBuffer(empty);
    const image = new Uint8Array(16);
    releaseBuffer(image);
    expect(() => releaseBuffer(image)).not.to.throw();
    expect(empty.byteLength).to.equal(0);
  });
});
