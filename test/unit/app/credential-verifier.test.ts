import { expect } from 'chai';
import { CredentialVerifier } from '../../../src/app/auth/credential-verifier.js';
import { hashPassword, verifyPassword } from '../../../src/app/auth/password-hash.js';
import { RoleAuthenticator } from '../../../src/app/auth/role-authenticator.js';

describe('credentials', () => {
  it('hashes with a fresh salt and verifies only the right password', async () => {
    const first = await hashPassword('pw');
    const second = await hashPassword('pw');
    expect(first).to.match(/^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/).and.not.equal(second);
    expect(await verifyPassword('pw', first)).to.equal(true);
    expect(await verifyPassword('pW', first)).to.equal(false);
    expect(await verifyPassword('pw', 'garbage')).to.equal(false);
  });

  it('checks a plain credential from the environment', async () => {
    const verifier = new CredentialVerifier({ kind: 'plain', username: 'u', password: 'p' });
    expect(await verifier.matches('u', 'p')).to.equal(true);
    expect(await verifier.matches('u', 'p ')).to.equal(false);
    expect(await verifier.matches('U', 'p')).to.equal(false);
    expect(await verifier.matches('', '')).to.equal(false);
  });

  it('checks a stored hash, username included, and gives the same verdicts from its cache', async () => {
    const verifier = new CredentialVerifier({ kind: 'hashed', username: 'u', passwordHash: await hashPassword('p') });
    for (let round = 0; round < 2; round += 1) {
      expect(await verifier.matches('u', 'p')).to.equal(true);
      expect(await verifier.matches('v', 'p')).to.equal(false);
      expect(await verifier.matches('u', 'q')).to.equal(false);
    }
  });
});

describe('RoleAuthenticator', () => {
  it('gives each credential its role, the widest when several match, and none to a wrong pair', async () => {
    const authenticator = new RoleAuthenticator([
      { secret: { kind: 'plain', username: 'ops', password: 'o' }, role: 'operator' },
      { secret: { kind: 'plain', username: 'dev', password: 'd' }, role: 'device' },
      { secret: { kind: 'plain', username: 'both', password: 'b' }, role: 'device' },
      { secret: { kind: 'plain', username: 'both', password: 'b' }, role: 'operator' },
    ]);
    expect(await authenticator.authenticate('ops', 'o')).to.deep.equal({ role: 'operator' });
    expect(await authenticator.authenticate('dev', 'd')).to.deep.equal({ role: 'device' });
    expect(await authenticator.authenticate('both', 'b')).to.deep.equal({ role: 'operator' });
    expect(await authenticator.authenticate('dev', 'o')).to.equal(undefined);
  });
});
