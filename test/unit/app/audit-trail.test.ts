import { expect } from 'chai';
import { InMemoryAuditLog } from '../../../src/adapters/outbound/memory/in-memory-audit-log.js';
import { DEFAULT_AUDIT_SETTINGS } from '../../../src/app/audit/audit-settings.js';
import type { AuditSource } from '../../../src/app/audit/audit-trail.js';
import { AuditTrail, localSource } from '../../../src/app/audit/audit-trail.js';
import type { NewAuditRecord } from '../../../src/domain/audit/audit-record.js';
import { eventually } from '../../support/eventually.js';
import { RecordingLogger } from '../../support/test-server.js';

/** A log whose appends fail while `failing` is set (a full disk, say). */
class FailingAuditLog extends InMemoryAuditLog {
  failing = false;
  prunedBefore: number[] = [];
  override async append(records: readonly NewAuditRecord[]) {
    if (this.failing) throw new Error('ENOSPC: no space left on device');
    return super.append(records);
  }
  override async prune(before: number) {
    this.prunedBefore.push(before);
    return super.prune(before);
  }
}

const DAY = 24 * 3600_000;
const OPERATOR: AuditSource = { actor: 'admin', address: '10.0.0.7', requestId: 'req-1' };

describe('AuditTrail', () => {
  let time = 1_767_225_600_000;
  let log: FailingAuditLog;
  let logger: RecordingLogger;
  let trail: AuditTrail;

  beforeEach(() => {
    log = new FailingAuditLog();
    logger = new RecordingLogger();
    trail = new AuditTrail(log, DEFAULT_AUDIT_SETTINGS, logger, () => time);
  });
  afterEach(() => trail.close());

  it('makes the change, records what it did with who and from where, then resolves with its result', async () => {
    const result = await trail.recorded(
      OPERATOR,
      async () => ({ deviceId: 'd1', password: 'the secret' }),
      (done) => ({ action: 'device-credential.provision', target: done.deviceId, detail: { note: 'rotated' } }),
    );
    expect(result).to.deep.equal({ deviceId: 'd1', password: 'the secret' });
    expect(await trail.list({ limit: 10 })).to.deep.equal([
      {
        seq: 1,
        at: time,
        actor: 'admin',
        address: '10.0.0.7',
        action: 'device-credential.provision',
        target: 'd1',
        detail: { note: 'rotated' },
        requestId: 'req-1',
      },
    ]);
  });

  it('records nothing for a change that fails, nor for one its description says changed nothing', async () => {
    const refused = trail.recorded(
      OPERATOR,
      async () => {
        throw new Error('device-not-found');
      },
      () => ({ action: 'device-row.delete', target: 'd1' }),
    );
    await refused.then(
      () => expect.fail('resolved'),
      (error: Error) => expect(error.message).to.equal('device-not-found'),
    );
    expect(
      await trail.recorded(
        OPERATOR,
        async () => false,
        (forgotten) => (forgotten ? { action: 'device.forget', target: 'd1' } : []),
      ),
    ).to.equal(false);
    expect(await trail.record(OPERATOR, [])).to.equal(true);
    expect(await trail.list({ limit: 10 })).to.deep.equal([]);
  });

  it('records several changes at once, in order, and a local command with no address', async () => {
    expect(
      await trail.record(localSource('import-seed'), [
        { action: 'seed.import', target: '/srv/seed', detail: { rows: 2 } },
        { action: 'file.put', target: 'a.bin' },
      ]),
    ).to.equal(true);
    const records = await trail.list({ limit: 10 });
    expect(
      records.map((record) => [record.seq, record.actor, record.address, record.requestId, record.action]),
    ).to.deep.equal([
      [1, 'local:import-seed', null, null, 'seed.import'],
      [2, 'local:import-seed', null, null, 'file.put'],
    ]);
  });

  it('keeps no secret, whatever a caller puts in a detail', async () => {
    await trail.record(OPERATOR, { action: 'device.patch', target: 'd1', detail: { password: 'pw', note: 'ok' } });
    const [record] = await trail.list({ limit: 1 });
    expect(record?.detail).to.deep.equal({ password: '[redacted]', note: 'ok' });
  });

  it('answers a change that was made as made when its record cannot be written, and writes the record with the next', async () => {
    log.failing = true;
    // The change was made (and durable): its answer must not say otherwise.
    expect(
      await trail.recorded(
        OPERATOR,
        async () => 'stored',
        () => ({ action: 'file.put', target: 'a.bin' }),
      ),
    ).to.equal('stored');
    expect(trail.waiting).to.equal(1);
    expect(logger.lines.join('\n')).to.include('its audit record could not be written yet');
    // Still failing: the next is kept too, behind it.
    expect(await trail.record(OPERATOR, { action: 'file.put', target: 'b.bin' })).to.equal(false);
    log.failing = false;
    time += 1000;
    expect(await trail.record(OPERATOR, { action: 'file.delete', target: 'a.bin' })).to.equal(true);
    expect(trail.waiting).to.equal(0);
    const all = await trail.list({ limit: 10 });
    expect(all.map((record) => [record.action, record.target, record.at])).to.deep.equal([
      ['file.put', 'a.bin', time - 1000],
      ['file.put', 'b.bin', time - 1000],
      ['file.delete', 'a.bin', time],
    ]);
  });

  it('writes a waiting record by itself within a second or two once storage takes writes again', async () => {
    log.failing = true;
    expect(await trail.record(OPERATOR, { action: 'device.forget', target: 'd1' })).to.equal(false);
    log.failing = false;
    await eventually(() => trail.waiting === 0, 'the record written by the retry', 5_000);
    expect((await log.list({ limit: 10 })).map((record) => record.action)).to.deep.equal(['device.forget']);
    expect(logger.lines.join('\n')).to.include('audit records written after all');
  });

  it('writes a waiting record when it closes', async () => {
    log.failing = true;
    await trail.record(OPERATOR, { action: 'device.forget', target: 'd1' });
    log.failing = false;
    await trail.close();
    expect((await log.list({ limit: 10 })).map((record) => record.action)).to.deep.equal(['device.forget']);
  });

  it('prunes the records older than the retention at start and then now and then, until closed', async () => {
    const old = new AuditTrail(log, DEFAULT_AUDIT_SETTINGS, logger, () => time - 400 * DAY);
    await old.record(OPERATOR, { action: 'file.put', target: 'old.bin' });
    await trail.record(OPERATOR, { action: 'file.put', target: 'new.bin' });
    const pruning = new AuditTrail(log, { retentionMs: 365 * DAY, pruneIntervalMs: 20 }, logger, () => time);
    pruning.startPruning();
    await eventually(
      async () => (await log.list({ limit: 10 })).map((record) => record.target).join() === 'new.bin',
      'the old record pruned',
    );
    await eventually(() => log.prunedBefore.length >= 2, 'pruned again');
    expect(log.prunedBefore[0]).to.equal(time - 365 * DAY);
    await pruning.close();
    const count = log.prunedBefore.length;
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(log.prunedBefore.length).to.equal(count);
  });
});
