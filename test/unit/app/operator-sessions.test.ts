import { expect } from 'chai';
import { NODE_CREDENTIAL_HASHING } from '../../../src/main/node-credential-hashing.js';
import { randomSecretGenerator } from '../../../src/adapters/outbound/crypto/random-secret-generator.js';
import { OperatorSessions, SESSION_LIFETIME_MS } from '../../../src/app/auth/operator-sessions.js';

describe('OperatorSessions', () => {
  let now = 1_000_000;
  const sessions = () => new OperatorSessions(randomSecretGenerator, NODE_CREDENTIAL_HASHING.digests, () => now);

  it('finds a session by its token until its fixed expiry, however often it is used', () => {
    const registry = sessions();
    const { token, session } = registry.open('operator');
    expect(session.expiresAt - session.createdAt).to.equal(SESSION_LIFETIME_MS);
    now += SESSION_LIFETIME_MS - 1;
    expect(registry.find(token)?.username).to.equal('operator');
    now += 1;
    expect(registry.find(token)).to.equal(undefined);
    expect(registry.size).to.equal(0);
  });

  it('ends a session at sign-out, and knows no made-up or other token', () => {
    const registry = sessions();
    const first = registry.open('a');
    const second = registry.open('b');
    expect(first.token).not.to.equal(second.token);
    expect(first.session.csrfToken).not.to.equal(second.session.csrfToken);
    expect(registry.find(`${first.token}x`)).to.equal(undefined);
    expect(registry.close(first.token)).to.equal(true);
    expect(registry.find(first.token)).to.equal(undefined);
    expect(registry.find(second.token)?.username).to.equal('b');
  });

  it('matches the CSRF token exactly, and never an absent one', () => {
    const registry = sessions();
    const { session } = registry.open('a');
    expect(registry.csrfMatches(session, session.csrfToken)).to.equal(true);
    expect(registry.csrfMatches(session, `${session.csrfToken} `)).to.equal(false);
    expect(registry.csrfMatches(session, '')).to.equal(false);
    expect(registry.csrfMatches(session, undefined)).to.equal(false);
  });

  it('keeps tokens of 256 bits or more, and only their digests', () => {
    const registry = sessions();
    const { token } = registry.open('a');
    expect(Buffer.from(token, 'base64url').length).to.be.at.least(32);
    expect(JSON.stringify([...(registry as unknown as { sessions: Map<string, unknown> }).sessions])).not.to.include(
      token,
    );
  });
});
