import { expect } from 'chai';
import type { IncomingMessage } from 'node:http';
import type { Authenticator } from '../../../src/app/auth/authenticator.js';
import type { Principal } from '../../../src/app/auth/principal.js';
import { claimedUser, offeredUser, requestPrincipal } from '../../../src/adapters/inbound/http/request-principal.js';

/** An authenticator that counts how often it is asked: a remembered verdict is not asked again. */
class CountingAuthenticator implements Authenticator {
  asked = 0;
  constructor(private readonly verdict: (username: string, password: string) => Principal | undefined) {}
  async authenticate(username: string, password: string): Promise<Principal | undefined> {
    this.asked += 1;
    return this.verdict(username, password);
  }
}

const basic = (username: string, password: string) =>
  `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
const requestWith = (authorization: string) => ({ headers: { authorization }, socket: {} }) as IncomingMessage;

describe('requestPrincipal: remembered verdicts', () => {
  const configured = (username: string, password: string): Principal | undefined =>
    password === 'right'
      ? username === 'dev'
        ? { role: 'device', deviceId: 'dev' as never }
        : { role: 'operator' }
      : undefined;

  it("asks the authenticator once for a configured credential's header, on any number of requests", async () => {
    const authenticator = new CountingAuthenticator(configured);
    for (let i = 0; i < 5; i += 1) {
      const outcome = await requestPrincipal(requestWith(basic('op', 'right')), authenticator);
      expect(outcome).to.deep.include({ kind: 'authenticated', user: 'op', method: 'credential' });
    }
    expect(authenticator.asked).to.equal(1);
  });

  it("asks anew every time for a device's own credential (it may be revoked) and for a failure", async () => {
    const authenticator = new CountingAuthenticator(configured);
    for (let i = 0; i < 3; i += 1) {
      expect(await requestPrincipal(requestWith(basic('dev', 'right')), authenticator)).to.deep.include({
        kind: 'authenticated',
        method: 'device-credential',
      });
      expect(await requestPrincipal(requestWith(basic('op', 'wrong')), authenticator)).to.deep.equal({ kind: 'wrong' });
    }
    expect(authenticator.asked).to.equal(6);
  });

  it('keeps each authenticator apart: a header one server accepted is not taken by another', async () => {
    const first = new CountingAuthenticator(configured);
    const second = new CountingAuthenticator(() => undefined);
    expect((await requestPrincipal(requestWith(basic('op', 'right')), first)).kind).to.equal('authenticated');
    expect((await requestPrincipal(requestWith(basic('op', 'right')), second)).kind).to.equal('wrong');
    expect(second.asked).to.equal(1);
  });

  it('remembers the first 64 headers and no more: later ones are checked in full, the first stay remembered', async () => {
    const authenticator = new CountingAuthenticator((_user, password) =>
      password === 'right' ? { role: 'operator' } : undefined,
    );
    for (let i = 0; i < 65; i += 1) await requestPrincipal(requestWith(basic(`op-${i}`, 'right')), authenticator);
    expect(authenticator.asked).to.equal(65);
    await requestPrincipal(requestWith(basic('op-0', 'right')), authenticator);
    await requestPrincipal(requestWith(basic('op-63', 'right')), authenticator);
    expect(authenticator.asked).to.equal(65);
    await requestPrincipal(requestWith(basic('op-64', 'right')), authenticator);
    expect(authenticator.asked).to.equal(66);
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

describe('offeredUser', () => {
  const withBasic = (user: string) =>
    ({
      headers: { authorization: `Basic ${Buffer.from(`${user}:wrong`).toString('base64')}` },
      socket: {},
    }) as unknown as IncomingMessage;

  it('is the Basic user name, at most 128 characters (it is logged with every failure)', () => {
    expect(offeredUser(withBasic('operator'))).to.equal('operator');
    expect(offeredUser(withBasic('u'.repeat(10_000)))).to.equal('u'.repeat(128));
  });
});
