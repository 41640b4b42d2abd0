import { expect } from 'chai';
import { deltaRequestFromQuery } from '../../../src/adapters/inbound/http/delta-query.js';
import { DomainError } from '../../../src/domain/domain-error.js';

const BASE = '0123456789abcdef'.repeat(4);

function refused(query: string): string {
  try {
    deltaRequestFromQuery(query);
  } catch (error) {
    expect(error).to.be.instanceOf(DomainError);
    expect((error as DomainError).code, query).to.equal('invalid-query');
    return (error as DomainError).message;
  }
  throw new Error(`${query} was not refused`);
}

/** `delta=&base=` of a device check (delta updates): the device's ask for a patch, or none. */
describe('delta query', () => {
  it('asks for nothing without delta, whatever else the query holds', () => {
    for (const query of ['', 'app_ver=1.0', `app_ver=1.0&base=${BASE}`, 'app_ver=1.0&base=junk', 'app_ver=deltaish']) {
      expect(deltaRequestFromQuery(query), query).to.equal(undefined);
    }
  });

  it('reads the format and the base, in any order and case, decoded', () => {
    expect(deltaRequestFromQuery(`app_ver=1.0&delta=edo1-hs8-7&base=${BASE}`)).to.deep.equal({
      format: 'edo1-hs8-7',
      baseImageSha256: BASE,
    });
    expect(deltaRequestFromQuery(`base=${BASE.toUpperCase()}&app_ver=1.0&delta=edo1%2Dhs8-7`)).to.deep.equal({
      format: 'edo1-hs8-7',
      baseImageSha256: BASE,
    });
  });

  it('ignores a format it does not know (the full image is offered), once the base is valid', () => {
    expect(deltaRequestFromQuery(`app_ver=1.0&delta=bsdiff-lzma&base=${BASE}`)).to.equal(undefined);
    expect(deltaRequestFromQuery(`app_ver=1.0&delta=&base=${BASE}`)).to.equal(undefined);
  });

  it('refuses a delta without base, a malformed base, either given twice, and a malformed escape', () => {
    expect(refused('app_ver=1.0&delta=edo1-hs8-7')).to.include('needs base');
    expect(refused('app_ver=1.0&delta=edo1-hs8-7&base')).to.include('64 hex');
    expect(refused(`app_ver=1.0&delta=edo1-hs8-7&base=${BASE.slice(2)}`)).to.include('64 hex');
    expect(refused(`app_ver=1.0&delta=edo1-hs8-7&base=${BASE}0`)).to.include('64 hex');
    expect(refused(`app_ver=1.0&delta=edo1-hs8-7&base=${BASE.slice(1)}z`)).to.include('64 hex');
    expect(refused(`app_ver=1.0&delta=edo1-hs8-7&base=${BASE}&base=${BASE}`)).to.include('once');
    expect(refused(`app_ver=1.0&delta=edo1-hs8-7&delta=edo1-hs8-7&base=${BASE}`)).to.include('once');
    expect(refused(`app_ver=1.0&delta=edo1-hs8-7&base=%zz`)).to.include('percent-escape');
  });
});
