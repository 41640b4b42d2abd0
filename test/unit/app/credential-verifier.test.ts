import { expect } from 'chai';
import { CredentialVerifier } from '../../../src/app/auth/credential-verifier.js';
import { hashPassword, verifyPassword } from '../../../src/adapters/outbound/crypto/scrypt-password-hasher.js';
import { RoleAuthenticator } from '../../../src/app/auth/role-authenticator.js';
import { NODE_CREDENTIAL_HASHING } from '../../../src/main/node-credential-hashing.js';

describe('credentials', () => {
  it('hashes with a fresh salt and verifies only the right password', async () => {
    const first = await hashPassword('pw');
    const second = await hashPassword('pw');
    expect(first)
      .to.match(/^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/)
      .and.not.equal(second);
    expect(await verifyPassword('pw', first)).to.equal(true);
    expect(await verifyPassword('pW', first)).to.equal(false);
    expect(await verifyPassword('pw', 'garbage')).to.equal(false);
  });

  it('checks a plain credential from the environment', async () => {
    const verifier = new CredentialVerifier({ kind: 'plain', username: 'u', password: 'p' }, NODE_CREDENTIAL_HASHING);
    expect(await verifier.matches('u', 'p')).to.equal(true);
    expect(await verifier.matches('u', 'p ')).to.equal(false);
    expect(await verifier.matches('U', 'p')).to.equal(false);
    expect(await verifier.matches('', '')).to.equal(false);
  });

  it('checks a stored hash, username included, and gives the same verdicts from its cache', async () => {
    const verifier = new CredentialVerifier(
      { kind: 'hashed', username: 'u', passwordHash: await hashPassword('p') },
      NODE_CREDENTIAL_HASHING,
    );
    for (let round = 0; round < 2; round += 1) {
      expect(await verifier.matches('u', 'p')).to.equal(true);
      expect(await verifier.matches('v', 'p')).to.equal(false);
      expect(await verifier.matches('u', 'q')).to.equal(false);
    }
  });
});

describe('CredentialVerifier with a stored hash', () => {
  it('runs the slow hash only for the right user name (a flood of made-up names costs no hashing)', async () => {
    const verified: string[] = [];
    const hashing = {
      ...NODE_CREDENTIAL_HASHING,
      passwords: {
        hash: NODE_CREDENTIAL_HASHING.passwords.hash,
        verify: async (password: string, encoded: string) => {
          verified.push(password);
          return NODE_CREDENTIAL_HASHING.passwords.verify(password, encoded);
        },
      },
    };
    const verifier = new CredentialVerifier(
      { kind: 'hashed', username: 'fuota', passwordHash: await hashPassword('p') },
      hashing,
    );
    expect(await verifier.matches('someone', 'p')).to.equal(false);
    expect(await verifier.matches('fuota', 'wrong')).to.equal(false);
    expect(await verifier.matches('fuota', 'p')).to.equal(true);
    expect(verified).to.deep.equal(['wrong', 'p']);
  });
});

describe('CredentialVerifier.verdictNow', () => {
  it('answers a plain credential at once, and a stored hash only once its verdict is remembered', async () => {
    const plain = new CredentialVerifier({ kind: 'plain', username: 'u', password: 'p' }, NODE_CREDENTIAL_HASHING);
    expect(plain.verdictNow('u', 'p')).to.equal(true);
    expect(plain.verdictNow('u', 'q')).to.equal(false);
    const hashed = new CredentialVerifier(
      { kind: 'hashed', username: 'u', passwordHash: await hashPassword('p') },
      NODE_CREDENTIAL_HASHING,
    );
    expect(hashed.verdictNow('u', 'p')).to.equal(undefined);
    expect(hashed.verdictNow('u', 'q')).to.equal(undefined);
    expect(await hashed.matches('u', 'p')).to.equal(true);
    expect(await hashed.matches('u', 'q')).to.equal(false);
    expect(hashed.verdictNow('u', 'p')).to.equal(true);
    expect(hashed.verdictNow('u', 'q')).to.equal(false);
    expect(hashed.verdictNow('v', 'p')).to.equal(undefined);
  });
});

describe('RoleAuthenticator', () => {
  it('gives a stored-hash credential its role, on the first request (slow hash) and the next (remembered)', async () => {
    const authenticator = new RoleAuthenticator(
      [
        { secret: { kind: 'hashed', username: 'ops', passwordHash: await hashPassword('o') }, role: 'operator' },
        { secret: { kind: 'plain', username: 'dev', password: 'd' }, role: 'device' },
        { secret: { kind: 'hashed', username: 'dev', passwordHash: await hashPassword('d') }, role: 'operator' },
      ],
      NODE_CREDENTIAL_HASHING,
    );
    for (let round = 0; round < 2; round += 1) {
      expect(await authenticator.authenticate('ops', 'o'), `round ${round}`).to.deep.equal({ role: 'operator' });
      // Matched by a plain device credential and a hashed operator one: the widest role wins.
      expect(await authenticator.authenticate('dev', 'd'), `round ${round}`).to.deep.equal({ role: 'operator' });
      expect(await authenticator.authenticate('ops', 'd'), `round ${round}`).to.equal(undefined);
    }
  });

  it('gives each credential its role, the widest when several match, and none to a wrong pair', async () => {
    const authenticator = new RoleAuthenticator(
      [
        { secret: { kind: 'plain', username: 'ops', password: 'o' }, role: 'operator' },
        { secret: { kind: 'plain', username: 'dev', password: 'd' }, role: 'device' },
        { secret: { kind: 'plain', username: 'both', password: 'b' }, role: 'device' },
        { secret: { kind: 'plain', username: 'both', password: 'b' }, role: 'operator' },
      ],
      NODE_CREDENTIAL_HASHING,
    );
    expect(await authenticator.authenticate('ops', 'o')).to.deep.equal({ role: 'operator' });
    expect(await authenticator.authenticate('dev', 'd')).to.deep.equal({ role: 'device' });
    expect(await authenticator.authenticate('both', 'b')).to.deep.equal({ role: 'operator' });
    expect(await authenticator.authenticate('dev', 'o')).to.equal(undefined);
  });

  it("digests the operator credentials in force: another password, user name or stored hash changes it, a device's does not", () => {
    type Listed = ConstructorParameters<typeof RoleAuthenticator>[0];
    const digest = (list: Listed) => new RoleAuthenticator(list, NODE_CREDENTIAL_HASHING).operatorCredentials;
    const ops = { secret: { kind: 'plain', username: 'ops', password: 'o' }, role: 'operator' } as const;
    const dev = { secret: { kind: 'plain', username: 'dev', password: 'd' }, role: 'device' } as const;
    const base = digest([ops, dev]);
    expect(digest([ops, dev])).to.equal(base);
    expect(digest([ops, { ...dev, secret: { ...dev.secret, password: 'other' } }])).to.equal(base);
    expect(digest([{ ...ops, secret: { ...ops.secret, password: 'rotated' } }, dev])).to.not.equal(base);
    expect(digest([{ ...ops, secret: { ...ops.secret, username: 'admin' } }, dev])).to.not.equal(base);
    const hashed = { secret: { kind: 'hashed', username: 'ops', passwordHash: 'scrypt$a' }, role: 'operator' } as const;
    expect(digest([hashed])).to.not.equal(
      digest([{ ...hashed, secret: { ...hashed.secret, passwordHash: 'scrypt$b' } }]),
    );
  });
});
