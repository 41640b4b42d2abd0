import { expect } from 'chai';
import { connectionFailure } from '../../../src/cli/connection-failure.js';

const URL_OF = new URL('https://fuota.example:50000/files/fw.bin');
const failure = (code: string | undefined, message: string) =>
  connectionFailure(Object.assign(new Error(message), code === undefined ? {} : { code }), URL_OF, undefined).message;

describe('cli: connection failures', () => {
  it('says a server could not be reached only when no connection was made', () => {
    expect(failure('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:50000')).to.equal(
      'cannot reach https://fuota.example:50000: connect ECONNREFUSED 127.0.0.1:50000: is the server running, is the port right?',
    );
  });

  it('says a server that answered in something else than TLS did not answer TLS, on one line (a plain-HTTP port)', () => {
    expect(
      failure(
        'EPROTO',
        'write EPROTO 40F7A4C1:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/openssl/ssl/record/ssl3_record.c:354:\n',
      ),
    ).to.equal(
      'https://fuota.example:50000 did not answer in TLS: is it an HTTPS server, and the right port? (a plain-HTTP port answers so)',
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
