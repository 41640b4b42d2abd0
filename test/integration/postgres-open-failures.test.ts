import { userInfo } from 'node:os';
import { expect } from 'chai';
import { openFailure, PostgresDatabase } from '../../src/adapters/outbound/postgres/postgres-database.js';
import { eventually } from '../support/eventually.js';
import { requirePostgres } from '../support/postgres.js';

/** The local server's TCP address (the tests' own connection goes through its Unix socket). */
const TCP = `127.0.0.1:${process.env.PGPORT ?? '5432'}`;

describe('PostgreSQL: a URL that lacks what the server asks for', () => {
  before(async function () {
    await requirePostgres(this);
  });

  it('is refused at open with the missing password named in the URL\'s terms, not node-postgres\'s "SASL" words', async function () {
    // The maintenance database: a test database could not be dropped for a minute after this (the
    // server holds a connection left waiting for its password until authentication_timeout).
    const url = `postgres://${encodeURIComponent(userInfo().username)}@${TCP}/postgres`;
    const sockets = () => process.getActiveResourcesInfo().filter((kind) => kind === 'TCPSocketWrap').length;
    const socketsBefore = sockets();
    const opened = await PostgresDatabase.open(url, { connectTimeoutMs: 3000 }).then(
      async (db) => {
        await db.close();
        return undefined;
      },
      (error: unknown) => error as Error,
    );
    if (opened === undefined) this.skip(); // a server that asks no password over TCP (trust)
    if (/unreachable/.test(opened.message)) this.skip(); // no TCP listener at 127.0.0.1
    expect(opened.message).to.equal(
      `cannot open the database at ${TCP}/postgres: the server asks for a password and ` +
        'the database URL gives none (postgres://user:password@host:port/database)',
    );
    // Its connection is ended too: left open, the server held it (and a failed start's process)
    // until its authentication_timeout, a minute.
    await eventually(() => sockets() === socketsBefore, 'the refused connection closed');
  });

  it('says so of a URL with no user when the environment names none either (node-postgres: "startup packet")', () => {
    expect(openFailure('no PostgreSQL user name specified in startup packet')).to.equal(
      'the database URL names no user, and neither PGUSER nor USER is set (postgres://user:password@host:port/database)',
    );
    expect(openFailure('password authentication failed for user "fuota"')).to.equal(
      'password authentication failed for user "fuota"',
    );
  });
});
