import { expect } from 'chai';
import type { IncomingMessage } from 'node:http';
import { authenticatedAtOnce } from '../../../src/adapters/inbound/http/request-authentication.js';
import { requestPrincipal } from '../../../src/adapters/inbound/http/request-principal.js';
import { AuthFailureLimiter } from '../../../src/app/auth/auth-failure-limiter.js';
import type { Authenticator } from '../../../src/app/auth/authenticator.js';
import type { Principal } from '../../../src/app/auth/principal.js';

const basic = (username: string, password: string) =>
  `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
const from = (address: string, authorization?: string) =>
  ({
    headers: authorization === undefined ? {} : { authorization },
    socket: { remoteAddress: address },
  }) as IncomingMessage;

const authenticator: Authenticator = {
  async authenticate(username: string, password: string): Promise<Principal | undefined> {
    if (password !== 'right') return undefined;
    return username === 'dev' ? { role: 'device', deviceId: 'dev' as never } : { role: 'device' };
  },
};

/** The device adapter's way past authenticateRequest: only what that would let through, at once. */
describe('authenticatedAtOnce', () => {
  const shared = basic('fleet', 'right');

  it('lets a header through once it authenticated, with the verdict requestPrincipal gave', async () => {
    const limiter = new AuthFailureLimiter(3, 60);
    expect(authenticatedAtOnce(from('10.0.0.1', basic('fleet2', 'right')), authenticator, limiter)).to.equal(undefined);
    const verdict = await requestPrincipal(from('10.0.0.1', shared), authenticator);
    expect(authenticatedAtOnce(from('10.0.0.9', shared), authenticator, limiter)).to.deep.equal(verdict);
  });

  it("leaves to authenticateRequest a device's own credential, a wrong one, and a request without any", async () => {
    const limiter = new AuthFailureLimiter(3, 60);
    await requestPrincipal(from('10.0.0.1', basic('dev', 'right')), authenticator);
    await requestPrincipal(from('10.0.0.1', basic('fleet', 'wrong')), authenticator);
    for (const header of [basic('dev', 'right'), basic('fleet', 'wrong'), undefined]) {
      expect(authenticatedAtOnce(from('10.0.0.1', header), authenticator, limiter), header).to.equal(undefined);
    }
  });

  it('leaves to authenticateRequest (which refuses) an address in its cool-down, for its user name or for all', async () => {
    await requestPrincipal(from('10.0.0.1', shared), authenticator);
    const limiter = new AuthFailureLimiter(2, 60);
    limiter.recordFailure('10.0.0.2', 'fleet');
    limiter.recordFailure('10.0.0.2', 'fleet');
    expect(authenticatedAtOnce(from('10.0.0.2', shared), authenticator, limiter), 'user name').to.equal(undefined);
    for (let i = 0; i < 20; i += 1) limiter.recordFailure('10.0.0.3', `user-${i}`);
    expect(authenticatedAtOnce(from('10.0.0.3', shared), authenticator, limiter), 'whole address').to.equal(undefined);
    expect(authenticatedAtOnce(from('10.0.0.4', shared), authenticator, limiter), 'another address').to.not.equal(
      undefined,
    );
  });
});
