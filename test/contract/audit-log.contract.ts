import { expect } from 'chai';
import type { AuditAction, AuditRecord, NewAuditRecord } from '../../src/domain/audit/audit-record.js';
import type { AuditLog } from '../../src/ports/audit-log.port.js';

export function newRecord(
  target: string,
  at: number,
  action: AuditAction = 'device-row.put',
  fields: Partial<NewAuditRecord> = {},
): NewAuditRecord {
  return {
    at,
    actor: 'admin',
    address: '::ffff:127.0.0.1',
    action,
    target,
    detail: { appVersion: 'v1.9.0', file: 'lamp/v2.0.0.bin' },
    requestId: `req-${at}`,
    ...fields,
  };
}

const seqs = (records: readonly AuditRecord[]): number[] => records.map((record) => record.seq);
const ats = (records: readonly AuditRecord[]): number[] => records.map((record) => record.at);

/**
 * What every AuditLog adapter promises. `open` gives a fresh, empty log; `reopen` (durable
 * adapters) closes it and opens what it left behind; `crashCopy` opens a copy of the files as
 * they are on disk now, as a process killed at this instant leaves them.
 */
export function auditLogContract(
  name: string,
  hooks: {
    open: () => Promise<AuditLog>;
    reopen?: (log: AuditLog) => Promise<AuditLog>;
    crashCopy?: () => Promise<AuditLog>;
    cleanup?: () => Promise<void>;
  },
): void {
  describe(`AuditLog contract: ${name}`, () => {
    let log: AuditLog;

    beforeEach(async () => {
      log = await hooks.open();
    });

    afterEach(async () => {
      await log.close();
      await hooks.cleanup?.();
    });

    it('starts empty, with no seq given', async () => {
      expect(await log.lastSeq()).to.equal(0);
      expect(await log.list({ limit: 10 })).to.deep.equal([]);
      expect(await log.append([])).to.deep.equal([]);
      expect(await log.lastSeq()).to.equal(0);
      expect(await log.prune(Number.MAX_SAFE_INTEGER)).to.equal(0);
    });

    it('numbers appended records ascending from 1 and reads back every field as written', async () => {
      const records = [
        newRecord('24:0A:C4:00:01:02', 1_767_225_600_000),
        newRecord('lamp/v2.0.0.bin', 1_767_225_600_001, 'file.delete', {
          detail: {
            size: 848,
            sha256: 'e7e772d0',
            version: null,
            force: true,
            namedBy: ['a', "b' OR '1'='1", 'Küche ✓ 🔥 "q"'],
            ratio: 0.25,
            empty: [],
          },
        }),
        newRecord('/srv/seed', 1_767_225_600_002, 'seed.import', {
          actor: 'local:import-seed',
          address: null,
          requestId: null,
          detail: {},
        }),
      ];
      const appended = await log.append(records);
      expect(appended).to.deep.equal(records.map((record, i) => ({ ...record, seq: i + 1 })));
      expect(await log.list({ limit: 10 })).to.deep.equal(appended);
      expect(await log.lastSeq()).to.equal(3);
      expect(seqs(await log.append([newRecord('d1', 5)]))).to.deep.equal([4]);
    });

    it('gives concurrent appends distinct seqs, each in its order', async () => {
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => log.append([newRecord(`d${i}`, i), newRecord(`d${i}`, i + 1)])),
      );
      for (const result of results) expect(result[1]!.seq).to.equal(result[0]!.seq + 1);
      const all = results.flatMap(seqs);
      expect(new Set(all).size).to.equal(100);
      expect(seqs(await log.list({ limit: 1000 }))).to.deep.equal([...all].sort((a, b) => a - b));
      expect(await log.lastSeq()).to.equal(Math.max(...all));
    });

    it('lists records after a cursor, at most the limit, ascending', async () => {
      await log.append([1, 2, 3, 4, 5, 6].map((at) => newRecord(`d${at}`, at)));
      expect(ats(await log.list({ limit: 100 }))).to.deep.equal([1, 2, 3, 4, 5, 6]);
      expect(ats(await log.list({ after: 0, limit: 100 }))).to.deep.equal([1, 2, 3, 4, 5, 6]);
      expect(ats(await log.list({ after: 3, limit: 100 }))).to.deep.equal([4, 5, 6]);
      expect(ats(await log.list({ after: 3, limit: 2 }))).to.deep.equal([4, 5]);
      expect(ats(await log.list({ after: 6, limit: 100 }))).to.deep.equal([]);
      expect(ats(await log.list({ after: 600, limit: 100 }))).to.deep.equal([]);
      expect(await log.list({ limit: 0 })).to.deep.equal([]);
    });

    it('pages through many records with the cursor, each once, in one append of several statements', async () => {
      const records = Array.from({ length: 12_345 }, (_, i) => newRecord(`d${i % 13}`, i, 'device.tags'));
      await log.append(records);
      const seen: number[] = [];
      let after = 0;
      for (;;) {
        const page = await log.list({ after, limit: 1000 });
        if (page.length === 0) break;
        seen.push(...ats(page));
        after = page.at(-1)!.seq;
      }
      expect(seen).to.deep.equal(records.map((record) => record.at));
      expect(await log.lastSeq()).to.equal(12_345);
    });

    it('prunes the records older than the cutoff, and never gives their seqs again', async () => {
      await log.append([newRecord('a', 10), newRecord('b', 20), newRecord('c', 30), newRecord('d', 40)]);
      expect(await log.prune(30)).to.equal(2);
      expect(ats(await log.list({ limit: 100 }))).to.deep.equal([30, 40]);
      expect(await log.prune(30)).to.equal(0);
      // The cursor of a pruned record still works: the records after it.
      expect(ats(await log.list({ after: 1, limit: 100 }))).to.deep.equal([30, 40]);
      expect(await log.prune(1000)).to.equal(2);
      expect(await log.lastSeq()).to.equal(4);
      expect(seqs(await log.append([newRecord('e', 2000)]))).to.deep.equal([5]);
    });

    it('prunes by time, not by position, and more records than one chunk holds', async () => {
      // A clock set back: an older record after newer ones is pruned and they stay.
      await log.append([newRecord('a', 500), newRecord('b', 100), newRecord('c', 600)]);
      expect(await log.prune(200)).to.equal(1);
      expect(ats(await log.list({ limit: 10 }))).to.deep.equal([500, 600]);
      await log.append(Array.from({ length: 12_000 }, (_, i) => newRecord('many', 1000 + i)));
      expect(await log.prune(1000 + 11_990)).to.equal(2 + 11_990);
      expect(ats(await log.list({ limit: 100 }))).to.deep.equal(Array.from({ length: 10 }, (_, i) => 12_990 + i));
    });

    it('keeps what it stored when callers change their objects', async () => {
      const detail: Record<string, string | string[]> = { file: 'a', tags: ['x'] };
      const [appended] = await log.append([newRecord('a', 1, 'device.patch', { detail })]);
      detail['file'] = 'changed';
      (detail['tags'] as string[]).push('y');
      (appended!.detail as Record<string, string>)['file'] = 'changed too';
      const [listed] = await log.list({ limit: 1 });
      ((listed!.detail as Record<string, string[]>)['tags'] as string[]).push('z');
      expect(await log.list({ limit: 1 })).to.deep.equal([
        { ...newRecord('a', 1, 'device.patch', { detail: { file: 'a', tags: ['x'] } }), seq: 1 },
      ]);
    });

    if (hooks.reopen !== undefined) {
      const reopen = hooks.reopen;
      it('finds every acknowledged record after close and reopen, and never gives a seq again', async () => {
        const records = [
          newRecord('a', 1),
          newRecord('b', 2, 'device-credential.provision', { detail: {} }),
          newRecord('/seed', 3, 'seed.import', { actor: 'local:import-seed', address: null, requestId: null }),
        ];
        await log.append(records);
        log = await reopen(log);
        expect(await log.list({ limit: 10 })).to.deep.equal(records.map((record, i) => ({ ...record, seq: i + 1 })));
        expect(await log.lastSeq()).to.equal(3);
        expect(await log.prune(100)).to.equal(3);
        log = await reopen(log);
        expect(await log.list({ limit: 10 })).to.deep.equal([]);
        expect(await log.lastSeq()).to.equal(3);
        expect(seqs(await log.append([newRecord('d', 4)]))).to.deep.equal([4]);
      });
    }

    if (hooks.crashCopy !== undefined) {
      const crashCopy = hooks.crashCopy;
      it('has every acknowledged record on disk at the moment of acknowledgement (crash-like reopen)', async () => {
        await log.append([newRecord('a', 1), newRecord('b', 2), newRecord('c', 3)]);
        await log.prune(2);
        const survivor = await crashCopy();
        try {
          expect(await survivor.list({ limit: 10 })).to.deep.equal([
            { ...newRecord('b', 2), seq: 2 },
            { ...newRecord('c', 3), seq: 3 },
          ]);
          expect(await survivor.lastSeq()).to.equal(3);
          expect(seqs(await survivor.append([newRecord('d', 4)]))).to.deep.equal([4]);
        } finally {
          await survivor.close();
        }
      });
    }
  });
}
