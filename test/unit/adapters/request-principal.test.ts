import { expect } from 'chai';
import type { IncomingMessage } from 'node:http';
import { isLastRequest } from '../../../src/adapters/inbound/http/request-principal.js';

describe('isLastRequest', () => {
  const request = (version: '1.0' | '1.1', connection?: string) =>
    ({ httpVersionMajor: 1, httpVersionMinor: version === '1.0' ? 0 : 1, headers: connection === undefined ? {} : { connection } }) as IncomingMessage;

  it('sees Connection: close on HTTP/1.1, in any case and among other tokens', () => {
    for (const connection of ['close', 'Close', ' CLOSE ', 'TE, close', 'close,upgrade', 'keep-alive, close']) {
      expect(isLastRequest(request('1.1', connection)), connection).to.equal(true);
    }
    for (const connection of [undefined, 'keep-alive', 'closed', 'x-close', 'Upgrade', '']) {
      expect(isLastRequest(request('1.1', connection)), String(connection)).to.equal(false);
    }
  });

  it('takes an HTTP/1.0 request as the last unless it asks for keep-alive', () => {
    expect(isLastRequest(request('1.0'))).to.equal(true);
    expect(isLastRequest(request('1.0', 'close'))).to.equal(true);
    expect(isLastRequest(request('1.0', 'Keep-Alive'))).to.equal(false);
    expect(isLastRequest(request('1.0', 'keep-alive-please'))).to.equal(true);
  });
});
