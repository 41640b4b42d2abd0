import { expect } from 'chai';
import { connectionFailure } from '../../../src/cli/connection-failure.js';

const URL_OF = new URL('https://fuota.example:50000/files/fw.bin');
const failure = (code: string | undefined, message: string) =>
  connectionFailure(Object.assign(new Error(message), code === undefined ? {} : { code }), URL_OF, undefined).message;

describe('cli: connection failures', () => {
  it('says a server could not be reached only when no connection was made', () => {
    expect(failure('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:50000')).to.equal(
      'cannot reach https://fuota.example:50000: connect ECONNREFUSED 127.0.0.1:50000',
    );
  });

  it('says the connection was lost before the answer when the server stopped midway (found by a new user)', () => {
    for (const [code, message] of [
      ['ECONNRESET', 'read ECONNRESET'],
      ['EPIPE', 'write EPIPE'],
      [undefined, 'socket hang up'],
    ] as const) {
      expect(failure(code, message), message)
        .to.include(`lost the connection to https://fuota.example:50000 before its answer (${message})`)
        .and.include('whether it kept what was sent is not known');
    }
  });
});
