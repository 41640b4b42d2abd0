import { expect } from 'chai';
import type { IncomingMessage } from 'node:http';
import { claimedUser, isLastRequest } from '../../../src/adapters/inbound/http/request-principal.js';

describe('isLastRequest', () => {
  const request = (version: '1.0' | '1.1', connection?: string) =>
    ({
      httpVersionMajor: 1,
      httpVersionMinor: version === '1.0' ? 0 : 1,
      headers: connection === undefined ? {} : { connection },
    }) as IncomingMessage;

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

describe('claimedUser', () => {
  const SECRET = 'AbCdEfGhIjKlMnOpQrStUvWxYz012-_9'; // the shape of a provisioned secret

  it('is the Basic user name, or the device a device credential names before its last colon', () => {
    expect(claimedUser({ username: 'fleet', password: 'secret' })).to.equal('fleet');
    // `24:0A:C4:00:01:02:<secret>` splits at its first colon as Basic: the device is the MAC address.
    expect(claimedUser({ username: '24', password: `0A:C4:00:01:02:${SECRET}` })).to.equal('24:0A:C4:00:01:02');
    // Any device id with colons, not only a MAC address, as the credential is verified.
    expect(claimedUser({ username: 'site', password: `lamp-1:${SECRET}` })).to.equal('site:lamp-1');
    expect(claimedUser({ username: 'site', password: `lamp-2:${SECRET}` })).to.equal('site:lamp-2');
    expect(claimedUser({ username: 'lamp-1', password: SECRET })).to.equal('lamp-1');
  });

  it('never takes a piece of a password for a user name', () => {
    expect(claimedUser({ username: 'operator', password: 'pa:ss:word' })).to.equal('operator');
    expect(claimedUser({ username: 'op', password: 'cd:ef:01:23:45:secret' })).to.equal('op');
    expect(claimedUser({ username: 'op', password: `pass:${SECRET}x` })).to.equal('op');
  });
});
