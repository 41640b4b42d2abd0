import { expect } from 'chai';
import type { EspImageInfo } from '../../../src/domain/firmware/esp-image-info.js';
import { buildTimeOf, imageFactsOf } from '../../../src/domain/rollout/image-facts.js';
import { compareVersions } from '../../../src/domain/rollout/version-order.js';
import { semanticVersionOf } from '../../../src/domain/rollout/version-scheme.js';
import { fakeVersionScheme as scheme } from './support/fake-version-scheme.js';

const built = (compileDate: string, compileTime = '12:00:00') => ({ compileDate, compileTime });

describe('image build time', () => {
  it("reads the compiler's __DATE__ and __TIME__ into a number that orders builds", () => {
    expect(buildTimeOf(built('Jan  2 2026', '01:02:03'))).to.equal(20260102010203);
    expect(buildTimeOf(built('Dec 31 2025', '23:59:59'))).to.be.below(
      buildTimeOf(built('Jan  1 2026', '00:00:00')) ?? 0,
    );
    expect(buildTimeOf(built('Feb 10 2026'))).to.be.above(buildTimeOf(built('Feb  9 2026')) ?? Infinity);
  });

  it('is null for a date or time not in that format', () => {
    for (const [date, time] of [
      ['2026-01-02', '01:02:03'],
      ['Foo  2 2026', '01:02:03'],
      ['Jan 32 2026', '01:02:03'],
      ['Jan  2 2026', '25:00:00'],
      ['Jan  2 2026', ''],
      ['', ''],
    ] as const) {
      expect(buildTimeOf(built(date, time)), `${date} ${time}`).to.equal(null);
    }
  });

  it('takes the facts out of a parsed image', () => {
    const info = {
      chip: 'esp32c3',
      projectName: 'sensor',
      version: '2.0.0',
      secureVersion: 2,
      compileDate: 'Jan  2 2026',
      compileTime: '01:02:03',
      idfVersion: 'v5.4',
    };
    expect(imageFactsOf(info as unknown as EspImageInfo)).to.deep.equal({
      version: '2.0.0',
      project: 'sensor',
      chip: 'esp32c3',
      secureVersion: 2,
      compileDate: 'Jan  2 2026',
      compileTime: '01:02:03',
    });
  });
});

describe('version order', () => {
  it('allows one leading v', () => {
    expect(semanticVersionOf('v1.2.3', scheme)).to.equal('1.2.3');
    expect(semanticVersionOf('vv1.2.3', scheme)).to.equal(null);
    expect(semanticVersionOf('V1.2.3', scheme)).to.equal(null);
  });

  it('compares by semver when both versions parse, even against the build times', () => {
    const older = { version: 'v1.4.7', image: built('Mar  1 2026') };
    const newer = { version: '2.0.0', image: built('Jan  1 2026') };
    expect(compareVersions(older, newer, scheme)).to.deep.equal({ order: -1, by: 'semver' });
    expect(compareVersions(newer, older, scheme)).to.deep.equal({ order: 1, by: 'semver' });
    expect(compareVersions(newer, { version: 'v2.0.0', image: null }, scheme)).to.deep.equal({
      order: 0,
      by: 'semver',
    });
  });

  it('falls back to the build times when a version is not semver', () => {
    const a = { version: 'build-17', image: built('Mar  1 2026') };
    const b = { version: '2.0.0', image: built('Jan  1 2026') };
    expect(compareVersions(a, b, scheme)).to.deep.equal({ order: 1, by: 'build-time' });
  });

  it("is unknown when neither says (an unknown image, or a build time not in the compiler's format)", () => {
    const a = { version: 'build-17', image: built('Mar  1 2026') };
    expect(compareVersions(a, { version: 'build-16', image: null }, scheme)).to.equal(null);
    expect(compareVersions(a, { version: 'build-16', image: built('someday') }, scheme)).to.equal(null);
  });

  it('is unknown for two different versions built in the same second, and the same for one version', () => {
    const a = { version: 'rel-2024.2', image: built('Mar  1 2026', '10:00:00') };
    const b = { version: 'rel-2024.1', image: built('Mar  1 2026', '10:00:00') };
    expect(compareVersions(a, b, scheme)).to.equal(null);
    expect(compareVersions(b, a, scheme)).to.equal(null);
    expect(compareVersions(a, { ...a }, scheme)).to.deep.equal({ order: 0, by: 'build-time' });
  });
});
