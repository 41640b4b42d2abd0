import { expect } from 'chai';
import { NODE_CREDENTIAL_HASHING } from '../../../src/main/node-credential-hashing.js';
import { randomSecretGenerator } from '../../../src/adapters/outbound/crypto/random-secret-generator.js';
import { InMemoryOperatorSessionStore } from '../../../src/adapters/outbound/memory/in-memory-operator-session-store.js';
import { OperatorSessions, SESSION_LIFETIME_MS } from '../../../src/app/auth/operator-sessions.js';

describe('OperatorSessions', () => {
  let now = 1_000_000;
  let store: InMemoryOperatorSessionStore;
  const sessions = (maxSessions?: number) => {
    store = new InMemoryOperatorSessionStore();
    return new OperatorSessions(store, randomSecretGenerator, NODE_CREDENTIAL_HASHING.digests, {
      now: () => now,
      lifetimeMs: SESSION_LIFETIME_MS,
      maxSessions,
    });
  };
  const stored = () => (store as unknown as { sessions: Map<string, unknown> }).sessions;

  it('finds a session by its token until its fixed expiry, however often it is used, then forgets it', async () => {
    const registry = sessions();
    const { token, session } = await registry.open('operator');
    expect(session.expiresAt - session.createdAt).to.equal(SESSION_LIFETIME_MS);
    now += SESSION_LIFETIME_MS - 1;
    expect((await registry.find(token))?.username).to.equal('operator');
    now += 1;
    expect(await registry.find(token)).to.equal(undefined);
    expect(stored().size).to.equal(0);
  });

  it('finds a session only under the operator credentials it was signed in with', async () => {
    const shared = new InMemoryOperatorSessionStore();
    const under = (credentials: string) =>
      new OperatorSessions(shared, randomSecretGenerator, NODE_CREDENTIAL_HASHING.digests, { credentials });
    const { token } = await under('before').open('operator');
    expect((await under('before').find(token))?.username).to.equal('operator');
    expect(await under('after a rotation').find(token)).to.equal(undefined);
  });

  it('ends a session at sign-out, and knows no made-up or other token', async () => {
    const registry = sessions();
    const first = await registry.open('a');
    const second = await registry.open('b');
    expect(first.token).not.to.equal(second.token);
    expect(first.session.csrfToken).not.to.equal(second.session.csrfToken);
    expect(await registry.find(`${first.token}x`)).to.equal(undefined);
    expect(await registry.close(first.token)).to.equal(true);
    expect(await registry.close(first.token)).to.equal(false);
    expect(await registry.find(first.token)).to.equal(undefined);
    expect((await registry.find(second.token))?.username).to.equal('b');
  });

  it('sweeps expired sessions at each sign-in, and past the bound lets the oldest give way', async () => {
    const registry = sessions(2);
    const old = await registry.open('old');
    now += SESSION_LIFETIME_MS;
    const a = await registry.open('a');
    expect(stored().size, 'the expired one swept').to.equal(1);
    now += 1;
    const b = await registry.open('b');
    now += 1;
    const c = await registry.open('c');
    expect(await registry.find(old.token)).to.equal(undefined);
    expect(await registry.find(a.token)).to.equal(undefined);
    expect((await registry.find(b.token))?.username).to.equal('b');
    expect((await registry.find(c.token))?.username).to.equal('c');
  });

  it('matches the CSRF token exactly, and never an absent one', async () => {
    const registry = sessions();
    const { session } = await registry.open('a');
    expect(registry.csrfMatches(session, session.csrfToken)).to.equal(true);
    expect(registry.csrfMatches(session, `${session.csrfToken} `)).to.equal(false);
    expect(registry.csrfMatches(session, '')).to.equal(false);
    expect(registry.csrfMatches(session, undefined)).to.equal(false);
  });

  it('makes tokens of 256 bits or more, and gives the store only their digests', async () => {
    const registry = sessions();
    const { token } = await registry.open('a');
    expect(Buffer.from(token, 'base64url').length).to.be.at.least(32);
    expect([...stored().keys()]).to.deep.equal([NODE_CREDENTIAL_HASHING.digests.key(token)]);
    expect(JSON.stringify([...stored()])).not.to.include(token);
  });
});
