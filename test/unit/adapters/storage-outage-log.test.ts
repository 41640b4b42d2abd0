import { expect } from 'chai';
import { StorageOutageLog } from '../../../src/adapters/inbound/http/storage-outage-log.js';
import { RecordingLogger } from '../../support/test-server.js';

const fieldsOf = (line: string | undefined) =>
  JSON.parse((line ?? '').replace(/^[^{]*/, '')) as Record<string, unknown>;

describe('the storage outage log', () => {
  let now: number;
  let due: Array<{ at: number; line: () => void }>;
  /** Moves the clock on, running the lines that fall due meanwhile. */
  const advance = (ms: number) => {
    const end = now + ms;
    for (;;) {
      const next = due.filter((one) => one.at <= end).sort((a, b) => a.at - b.at)[0];
      if (next === undefined) break;
      due = due.filter((one) => one !== next);
      now = next.at;
      next.line();
    }
    now = end;
  };
  const logOn = (logger: RecordingLogger) =>
    new StorageOutageLog(
      logger,
      () => now,
      (line, ms) => due.push({ at: now + ms, line }),
    );
  const request = { method: 'GET', path: '/devices/esp-1', reqId: 'r1' };
  const down = new Error('PostgreSQL at db:5432/fuota is unreachable: connect ECONNREFUSED');

  beforeEach(() => {
    now = 1_000_000;
    due = [];
  });

  it('logs the first 503 at once, then one warning per ten seconds counting the requests since', () => {
    const logger = new RecordingLogger();
    const log = logOn(logger);
    log.report(down, request);
    expect(logger.lines).to.have.length(1);
    expect(logger.lines[0]).to.match(/^warn storage unavailable: requests answered 503 /);
    expect(fieldsOf(logger.lines[0])).to.deep.equal({
      answered: 1,
      reason: 'PostgreSQL at db:5432/fuota is unreachable: connect ECONNREFUSED',
      method: 'GET',
      path: '/devices/esp-1',
      reqId: 'r1',
    });
    // 40 more over the next 8 s: one line at the window's end, counting them all.
    for (let i = 0; i < 40; i += 1) {
      advance(200);
      log.report(down, request);
    }
    expect(logger.lines).to.have.length(1);
    advance(2_000);
    expect(logger.lines).to.have.length(2);
    expect(fieldsOf(logger.lines[1])).to.include({ answered: 40 });
  });

  it('ends an outage with its last count, carrying nothing into the next one', () => {
    const logger = new RecordingLogger();
    const log = logOn(logger);
    log.report(down, request);
    advance(1_000);
    log.report(down, request);
    log.report('a bare reason', request);
    advance(60 * 60_000); // the outage ended: its last two are logged ten seconds after the first
    expect(logger.lines.map((line) => fieldsOf(line).answered)).to.deep.equal([1, 2]);
    expect(fieldsOf(logger.lines[1])).to.include({ reason: 'a bare reason' });
    log.report(down, request); // the next outage starts with a count of its own
    expect(logger.lines.map((line) => fieldsOf(line).answered)).to.deep.equal([1, 2, 1]);
    expect(due).to.deep.equal([]);
  });
});
