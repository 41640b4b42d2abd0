import { expect } from 'chai';
import { semverVersionScheme as scheme } from '../../../src/adapters/outbound/semver/semver-version-scheme.js';
import { semanticVersionOf } from '../../../src/domain/rollout/version-scheme.js';

describe('SemverVersionScheme', () => {
  describe('parse', () => {
    it('takes a semantic version, with one leading v, in canonical form', () => {
      expect(scheme.parse('1.2.3')).to.equal('1.2.3');
      expect(scheme.parse('v1.2.3')).to.equal('1.2.3');
      expect(scheme.parse('0.0.0')).to.equal('0.0.0');
      expect(scheme.parse('10.20.30')).to.equal('10.20.30');
    });

    it('keeps pre-release and build metadata as written', () => {
      expect(scheme.parse('1.2.3-rc.1')).to.equal('1.2.3-rc.1');
      expect(scheme.parse('v2.0.0-alpha.beta.7')).to.equal('2.0.0-alpha.beta.7');
      expect(scheme.parse('1.2.3+build.5')).to.equal('1.2.3+build.5');
      expect(scheme.parse('v1.2.3-rc.1+sha.5114f85')).to.equal('1.2.3-rc.1+sha.5114f85');
      expect(scheme.parse('1.0.0-0A.is.legal')).to.equal('1.0.0-0A.is.legal');
    });

    it('refuses anything else: no coercion, no other prefix, no spaces', () => {
      for (const raw of [
        '',
        'v',
        '1',
        '1.2',
        'v1.2',
        '1.2.3.4',
        '01.2.3',
        '1.02.3',
        '1.2.3-01',
        '1.2.3-',
        '1.2.3+',
        '1.2.3-rc..1',
        '=1.2.3',
        'V1.2.3',
        'vv1.2.3',
        ' 1.2.3',
        '1.2.3 ',
        'v 1.2.3',
        '1.2.3\n',
        '>=1.2.3',
        '1.2.x',
        'latest',
        'esp-idf v5.1',
        '2026-01-02',
      ]) {
        expect(scheme.parse(raw), JSON.stringify(raw)).to.equal(null);
      }
    });

    it('is what the domain reads through semanticVersionOf', () => {
      expect(semanticVersionOf('v1.4.0', scheme)).to.equal('1.4.0');
      expect(semanticVersionOf('1.4', scheme)).to.equal(null);
    });
  });

  describe('compare', () => {
    const order = (a: string, b: string) => Math.sign(scheme.compare(scheme.parse(a)!, scheme.parse(b)!));

    it('orders by major, minor and patch numerically', () => {
      expect(order('1.2.3', '1.2.3')).to.equal(0);
      expect(order('1.2.3', '1.2.4')).to.equal(-1);
      expect(order('1.10.0', '1.9.9')).to.equal(1);
      expect(order('2.0.0', '10.0.0')).to.equal(-1);
      expect(order('v1.2.3', '1.2.3')).to.equal(0);
    });

    it('puts a pre-release before its release, and orders pre-releases by their identifiers', () => {
      const ascending = [
        '1.0.0-alpha',
        '1.0.0-alpha.1',
        '1.0.0-alpha.beta',
        '1.0.0-beta',
        '1.0.0-beta.2',
        '1.0.0-beta.11',
        '1.0.0-rc.1',
        '1.0.0',
        '1.0.1-0',
        '1.0.1',
      ];
      for (let i = 0; i + 1 < ascending.length; i += 1) {
        expect(order(ascending[i]!, ascending[i + 1]!), `${ascending[i]} < ${ascending[i + 1]}`).to.equal(-1);
        expect(order(ascending[i + 1]!, ascending[i]!)).to.equal(1);
      }
    });

    it('ignores build metadata', () => {
      expect(order('1.2.3+a', '1.2.3+b')).to.equal(0);
      expect(order('1.2.3+build.9', '1.2.3')).to.equal(0);
      expect(order('1.2.3-rc.1+z', '1.2.3-rc.1+a')).to.equal(0);
      expect(order('1.2.3+zzz', '1.2.4+aaa')).to.equal(-1);
    });
  });

  describe('validRange and satisfies', () => {
    it('takes the ranges npm takes and refuses the rest, the empty range included', () => {
      for (const range of [
        '>=1.2.0 <2.0.0',
        '1.2.3',
        '=1.2.3',
        '^1.2.0',
        '~1.2',
        '1.x',
        '1.2.3 - 1.4.0',
        '<1 || >=3',
        '*',
      ])
        expect(scheme.validRange(range), range).to.equal(true);
      for (const range of ['', ' ', '\t', 'latest', '>=', '1.2.3.4', '>=abc', '!1.2.3'])
        expect(scheme.validRange(range), JSON.stringify(range)).to.equal(false);
    });

    it('says whether a version is in a range', () => {
      const satisfies = (version: string, range: string) => scheme.satisfies(scheme.parse(version)!, range);
      expect(satisfies('1.5.0', '>=1.2.0 <2.0.0')).to.equal(true);
      expect(satisfies('2.0.0', '>=1.2.0 <2.0.0')).to.equal(false);
      expect(satisfies('1.1.9', '>=1.2.0 <2.0.0')).to.equal(false);
      expect(satisfies('v1.9.9', '^1.2.0')).to.equal(true);
      expect(satisfies('1.3.0', '~1.2')).to.equal(false);
      expect(satisfies('3.1.0', '<1 || >=3')).to.equal(true);
    });

    it('takes a pre-release only into a range that names one of the same version', () => {
      const satisfies = (version: string, range: string) => scheme.satisfies(scheme.parse(version)!, range);
      expect(satisfies('2.0.0-rc.1', '>=1.0.0')).to.equal(false);
      expect(satisfies('1.5.0-beta.1', '>=1.2.0 <2.0.0')).to.equal(false);
      expect(satisfies('2.0.0-rc.1', '>=2.0.0-0')).to.equal(true);
      expect(satisfies('2.0.0-rc.2', '>=2.0.0-rc.1 <2.0.0')).to.equal(true);
      expect(satisfies('2.0.0-rc.1', '<2.0.0')).to.equal(false);
    });

    it('ignores build metadata in a version', () => {
      const satisfies = (version: string, range: string) => scheme.satisfies(scheme.parse(version)!, range);
      expect(satisfies('1.2.3+build.7', '1.2.3')).to.equal(true);
      expect(satisfies('1.2.3+build.7', '>1.2.3')).to.equal(false);
    });
  });
});
