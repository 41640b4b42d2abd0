import { expect } from 'chai';
import { requestIdFor } from '../../../src/adapters/inbound/http/request-id.js';

describe('requestIdFor', () => {
  it("keeps a client's or proxy's own id when it is a plain token of up to 64 characters", () => {
    for (const offered of ['trace-42', 'a', 'Root-1-5759e988:bd862e3f.x_y', 'x'.repeat(64)]) {
      expect(requestIdFor(offered)).to.equal(offered);
    }
  });

  it('makes a new id for anything else, never echoing what was offered', () => {
    for (const offered of [undefined, '', 'x'.repeat(65), 'two words', 'line\nbreak', '<script>', ['a', 'b']]) {
      const id = requestIdFor(offered);
      expect(id).to.match(/^[0-9a-f]{12}-[0-9a-z]+$/);
      expect(id).to.not.equal(offered);
    }
  });

  it('never makes the same id twice in a run, and all share the run prefix', () => {
    const ids = Array.from({ length: 10_000 }, () => requestIdFor(undefined));
    expect(new Set(ids).size).to.equal(ids.length);
    expect(new Set(ids.map((id) => id.split('-')[0])).size).to.equal(1);
  });
});
