import { expect } from 'chai';
import { isConnectionFailure } from '../../../src/adapters/outbound/postgres/connection-failure.js';

const withCode = (code: string, message = 'failed') => Object.assign(new Error(message), { code });

/** The outage rule of the PostgreSQL adapter: a failure of the connection is 503, an answer is not. */
describe('PostgreSQL: what counts as the connection failing', () => {
  it("takes the socket's errors for failures, EPIPE among them (five letters, as a SQLSTATE has)", () => {
    // Found by a new operator: a write on a connection PostgreSQL had closed while shutting down
    // failed with EPIPE, read as a SQLSTATE of a statement, and the check was answered 500.
    for (const code of ['EPIPE', 'ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH'])
      expect(isConnectionFailure(withCode(code, `write ${code}`)), code).to.equal(true);
  });

  it('takes shutting down and connection exceptions for failures, and other SQLSTATEs for answers', () => {
    for (const code of ['57P01', '57P02', '57P03', '08006', '08001', '08P01'])
      expect(isConnectionFailure(withCode(code)), code).to.equal(true);
    for (const code of ['23505', '42P01', '22001', '40001', 'XX000', 'P0001', '57014'])
      expect(isConnectionFailure(withCode(code)), code).to.equal(false);
  });

  it("takes node-postgres's own connection messages for failures, and anything else for no failure", () => {
    for (const message of [
      'Connection terminated unexpectedly',
      'timeout exceeded when trying to connect',
      'Query read timeout',
      'connect ECONNREFUSED 127.0.0.1:5432',
    ])
      expect(isConnectionFailure(new Error(message)), message).to.equal(true);
    expect(isConnectionFailure(new Error('too many tags'))).to.equal(false);
    expect(isConnectionFailure('not an error')).to.equal(false);
  });
});
