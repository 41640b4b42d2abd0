import { expect } from 'chai';
import { fakeVersionScheme as scheme } from './support/fake-version-scheme.js';

// The rollout tests lean on this fake: it must itself be right.
describe('rollout tests: the fake version scheme', () => {
  it('parses plain x.y.z only', () => {
    expect(scheme.parse('1.2.3')).to.equal('1.2.3');
    for (const bad of ['v1.2.3', '1.2', '1.2.3-rc.1', '01.2.3', 'abc', ''])
      expect(scheme.parse(bad), bad).to.equal(null);
  });

  it('compares numerically, part by part', () => {
    expect(scheme.compare('1.10.0', '1.9.0')).to.be.above(0);
    expect(scheme.compare('1.2.3', '1.2.3')).to.equal(0);
    expect(scheme.compare('0.9.9', '1.0.0')).to.be.below(0);
  });

  it('checks ranges of one or more comparators', () => {
    expect(scheme.satisfies('1.2.0', '>=1.2.0')).to.equal(true);
    expect(scheme.satisfies('1.1.9', '>=1.2.0')).to.equal(false);
    expect(scheme.satisfies('1.5.0', '>=1.2.0 <2.0.0')).to.equal(true);
    expect(scheme.satisfies('2.0.0', '>=1.2.0 <2.0.0')).to.equal(false);
    expect(scheme.satisfies('1.2.3', '1.2.3')).to.equal(true);
    expect(scheme.validRange('>=1.2.0 <2.0.0')).to.equal(true);
    for (const bad of ['', '>=1.2', '~1.2.0', 'latest']) expect(scheme.validRange(bad), bad).to.equal(false);
  });
});
