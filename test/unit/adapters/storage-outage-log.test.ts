import { expect } from 'chai';
import { StorageOutageLog } from '../../../src/adapters/inbound/http/storage-outage-log.js';
import { RecordingLogger } from '../../support/test-server.js';

describe('the storage outage log', () => {
  it('logs the first 503 at once, then one warning per ten seconds counting the requests since', () => {
    const logger = new RecordingLogger();
    let now = 1_000_000;
    const log = new StorageOutageLog(logger, () => now);
    const request = { method: 'GET', path: '/devices/esp-1', reqId: 'r1' };
    log.report(new Error('PostgreSQL at db:5432/fuota is unreachable: connect ECONNREFUSED'), request);
    for (let i = 0; i < 40; i += 1) {
      now += 200;
      log.report(new Error('PostgreSQL at db:5432/fuota is unreachable: connect ECONNREFUSED'), request);
    }
    now += 2_000;
    log.report('a bare reason', request);
    expect(logger.lines).to.have.length(2);
    expect(logger.lines[0]).to.match(/^warn storage unavailable: requests answered 503 /);
    expect(JSON.parse((logger.lines[0] ?? '').replace(/^[^{]*/, ''))).to.deep.equal({
      answered: 1,
      reason: 'PostgreSQL at db:5432/fuota is unreachable: connect ECONNREFUSED',
      method: 'GET',
      path: '/devices/esp-1',
      reqId: 'r1',
    });
    // 40 more within the window, then the one that opened the next line: 41 answered since.
    expect(JSON.parse((logger.lines[1] ?? '').replace(/^[^{]*/, ''))).to.include({
      answered: 41,
      reason: 'a bare reason',
    });
  });
});
