import { expect } from 'chai';
import { ERROR_STATUS } from '../../../src/adapters/inbound/http/error-status.js';
import { httpErrorProblem, problem } from '../../../src/adapters/inbound/http/problem.js';
import { TransportError } from '../../../src/adapters/inbound/http/transport-error.js';
import type { DomainErrorCode, TransportErrorCode } from '../../../src/domain/domain-error.js';
import { DOMAIN_ERROR_CODES, DomainError, TRANSPORT_ERROR_CODES } from '../../../src/domain/domain-error.js';

// Compile-time checks: the build fails if either kind ever admits the other's codes.
// @ts-expect-error a transport code is not a domain code
new DomainError('unauthenticated', 'a use case cannot say this');
// @ts-expect-error a domain code is not a transport code
new TransportError('file-not-found', 'the HTTP layer does not decide this');
type Disjoint = [DomainErrorCode & TransportErrorCode] extends [never] ? true : false;
const disjoint: Disjoint = true;

describe('stable error codes', () => {
  it('the status table has one row per code, domain and transport, and no other', () => {
    const codes = [...DOMAIN_ERROR_CODES, ...TRANSPORT_ERROR_CODES];
    expect(disjoint).to.equal(true);
    expect(new Set(codes).size, 'a code listed as both kinds').to.equal(codes.length);
    expect(Object.keys(ERROR_STATUS).sort()).to.deep.equal([...codes].sort());
    for (const [code, status] of Object.entries(ERROR_STATUS)) expect(status, code).to.be.within(400, 599);
  });

  it('the transport codes are those that only the HTTP layer can tell, with their statuses', () => {
    expect(Object.fromEntries(TRANSPORT_ERROR_CODES.map((code) => [code, ERROR_STATUS[code]]))).to.deep.equal({
      unauthenticated: 403,
      'operator-only': 403,
      'session-expired': 403,
      'csrf-token-mismatch': 403,
      'session-not-found': 404,
      'too-many-failed-authentications': 429,
      'route-not-found': 404,
      'method-not-allowed': 405,
      'unsupported-media-type': 415,
      'range-not-satisfiable': 416,
      'upload-incomplete': 400,
      'bad-request': 400,
      'internal-error': 500,
    });
  });

  it('a problem takes its status from the table, and a raised HTTP error keeps its own', () => {
    expect(problem('range-not-satisfiable', 'the file has 3 bytes')).to.deep.equal({
      type: 'urn:fuota:problem:range-not-satisfiable',
      title: 'Range Not Satisfiable',
      status: 416,
      code: 'range-not-satisfiable',
      detail: 'the file has 3 bytes',
    });
    expect(problem('file-in-use', 'named', { namedBy: ['d1'] }))
      .to.include({ status: 409, code: 'file-in-use' })
      .and.deep.include({ namedBy: ['d1'] });
    expect(httpErrorProblem(413, 'request entity too large')).to.include({
      status: 413,
      code: 'bad-request',
      title: 'Payload Too Large',
    });
  });
});
