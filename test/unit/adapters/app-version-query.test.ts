import { expect } from 'chai';
import { appVersionFromQuery, appVersionText } from '../../../src/adapters/inbound/http/app-version-query.js';

describe('appVersionFromQuery', () => {
  it('reads the version as an ESP32 sends it, unescaped, with + kept literal', () => {
    expect(appVersionFromQuery('app_ver=1.0.0')).to.equal('1.0.0');
    expect(appVersionFromQuery('app_ver=1.0+build:5')).to.equal('1.0+build:5');
    expect(appVersionFromQuery('x=1&app_ver=v2-dirty&y')).to.equal('v2-dirty');
  });

  it('decodes percent-escapes', () => {
    expect(appVersionFromQuery('app_ver=1.0%20beta%2B2')).to.equal('1.0 beta+2');
    expect(appVersionFromQuery('app%5Fver=3')).to.equal('3');
  });

  it("keeps a % that starts no escape, as the seed's parse_qs does (a device sends its version unescaped)", () => {
    expect(appVersionFromQuery('app_ver=100%')).to.equal('100%');
    expect(appVersionFromQuery('app_ver=%zz')).to.equal('%zz');
    expect(appVersionFromQuery('x=%&app_ver=5%25%')).to.equal('5%%');
    // Bytes that are no UTF-8 become U+FFFD, which no version holds.
    expect(() => appVersionFromQuery('app_ver=1.%FF'))
      .to.throw()
      .with.property('code', 'invalid-app-version');
  });

  it('refuses a missing, empty, repeated, malformed or invalid version', () => {
    for (const query of [
      '',
      'x=1',
      'app_ver',
      'app_ver=',
      'app_ver=1&app_ver=1',
      'app_ver=a%22b',
      `app_ver=${'x'.repeat(32)}`,
    ]) {
      expect(() => appVersionFromQuery(query), query)
        .to.throw()
        .with.property('code', 'invalid-app-version');
    }
  });

  it('reads a lone app_ver (the shortcut) exactly as the general parse does', () => {
    for (const version of ['1.0', '1.0+build:5', 'a=b', '', 'v2 beta', '=']) {
      expect(appVersionText(`app_ver=${version}`), version).to.equal(appVersionText(`other=1&app_ver=${version}`));
    }
  });
});
