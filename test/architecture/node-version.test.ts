import { execFileSync } from 'node:child_process';
import { expect } from 'chai';

/**
 * .ci/run runs `npm test` once on the machine's Node and once on Node 24 put first on PATH, and
 * says which in CI_NODE_VERSION. A run that fell back to another Node (npm, a script or mocha's
 * workers finding a different `node`) would pass without proving anything: this test runs in a
 * worker, where the tests run and spawn their programs (process.execPath).
 */
describe('the Node the tests run on', () => {
  it('is the one .ci/run asked for in CI_NODE_VERSION, as is `node` on PATH (skipped without it)', function () {
    const expected = process.env.CI_NODE_VERSION;
    if (expected === undefined || expected === '') {
      if (process.env.CI === 'true') throw new Error('CI_NODE_VERSION is not set: .ci/run must set it');
      console.warn(`      (skipped: CI_NODE_VERSION is not set; this run is on Node ${process.version})`);
      this.skip();
    }
    expect(process.version).to.equal(expected);
    expect(execFileSync('node', ['--version'], { encoding: 'utf8' }).trim()).to.equal(expected);
  });
});
