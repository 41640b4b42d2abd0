import { expect } from 'chai';
import pg from 'pg';
import { AUDIT_APPEND_LOCK_KEY, PostgresAuditLog } from '../../src/adapters/outbound/postgres/postgres-audit-log.js';
import type { AuditLog } from '../../src/ports/audit-log.port.js';
import { auditLogContract, newRecord } from './audit-log.contract.js';
import { usePostgresDatabase } from '../support/postgres.js';

describe('PostgreSQL audit_record', () => {
  const database = usePostgresDatabase();

  /** An empty log, its seqs from 1 again: the file's database is shared by its tests, one after another. */
  async function openEmpty(): Promise<AuditLog> {
    const log = await PostgresAuditLog.open(database.current().url, { poolSize: 4 });
    const client = new pg.Client({ connectionString: database.current().url });
    await client.connect();
    await client.query('TRUNCATE audit_record');
    await client.query("SELECT setval('audit_seq', 1, false)");
    await client.end();
    return log;
  }

  auditLogContract('PostgreSQL', {
    open: openEmpty,
    reopen: async (log) => {
      await log.close();
      return PostgresAuditLog.open(database.current().url, { poolSize: 4 });
    },
  });

  describe('PostgresAuditLog', () => {
    let log: AuditLog;
    beforeEach(async () => {
      log = await openEmpty();
    });
    afterEach(() => log.close());

    it('writes all of an append or none, and never gives its seqs to another record', async () => {
      await log.append([newRecord('a', 1)]);
      // A NUL cannot be stored in PostgreSQL text: the last record fails, so the whole append must.
      const failure = await log.append([newRecord('b', 2), newRecord('c\u0000', 3)]).catch((error: Error) => error);
      expect(failure).to.be.instanceOf(Error);
      expect((await log.list({ limit: 10 })).map((record) => record.target)).to.deep.equal(['a']);
      const [next] = await log.append([newRecord('d', 4)]);
      expect(next!.seq).to.be.greaterThan(3);
      expect(await log.lastSeq()).to.be.at.least(next!.seq);
    });

    it('numbers appends from two processes in commit order, each append consecutive', async () => {
      const other = await PostgresAuditLog.open(database.current().url, { poolSize: 4 });
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          (i % 2 === 0 ? log : other).append([newRecord(`d${i}`, i), newRecord(`d${i}`, i), newRecord(`d${i}`, i)]),
        ),
      );
      for (const result of results)
        expect(result.map((record) => record.seq - result[0]!.seq)).to.deep.equal([0, 1, 2]);
      const listed = (await other.list({ limit: 1000 })).map((record) => record.seq);
      expect(listed).to.deep.equal(Array.from({ length: 120 }, (_, i) => i + 1));
      expect(await other.lastSeq()).to.equal(120);
      await other.close();
    });

    it('answers lastSeq only once the appends under way have committed', async () => {
      const client = new pg.Client({ connectionString: database.current().url });
      await client.connect();
      try {
        // An append of another process, drawn but not yet committed, holds the lock.
        await client.query('BEGIN');
        await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [AUDIT_APPEND_LOCK_KEY.toString()]);
        await client.query("SELECT nextval('audit_seq')");
        let answered: number | undefined;
        const asking = log.lastSeq().then((seq) => (answered = seq));
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect(answered).to.equal(undefined);
        await client.query(
          "INSERT INTO audit_record (seq, at, actor, action, target, detail) VALUES (1, 1, 'x', 'file.delete', 't', '{}')",
        );
        await client.query('COMMIT');
        expect(await asking).to.equal(1);
        expect((await log.list({ limit: 10 })).map((record) => record.seq)).to.deep.equal([1]);
      } finally {
        await client.end();
      }
    });
  });
});
