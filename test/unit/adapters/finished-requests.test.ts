import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import type { FinishedRequest } from '../../../src/adapters/inbound/http/finished-request.js';
import { FinishedRequests, RECORD_DELAY_MS } from '../../../src/adapters/inbound/http/finished-request.js';
import { HttpMetrics } from '../../../src/adapters/inbound/http/http-metrics.js';
import { eventually } from '../../support/eventually.js';
import { RecordingLogger } from '../../support/test-server.js';

const request = (n: number): FinishedRequest => ({
  method: 'GET',
  path: `/devices/dev-${n}`,
  route: '/devices/:id',
  status: 204,
  bytes: 0,
  ms: 0.25,
  remote: '192.0.2.1',
  requestId: `req-${n}`,
  user: 'device',
  auth: 'credential',
  aborted: false,
});

const counted = async (metrics: HttpMetrics) => {
  const { body } = await metrics.exposition();
  return Number(/^fuota_http_requests_total\{[^}]*route="\/devices\/:id"[^}]*\} (\d+)$/m.exec(body)?.[1] ?? 0);
};

/** Finished requests are recorded in batches, never lost, never later than a scrape or a stop. */
describe('FinishedRequests', () => {
  let logger: RecordingLogger;
  let metrics: HttpMetrics;
  let finished: FinishedRequests;
  beforeEach(() => {
    logger = new RecordingLogger();
    metrics = new HttpMetrics();
    finished = new FinishedRequests(logger, metrics);
  });
  afterEach(() => finished.close());

  it('writes each line soon after by itself, in the order the requests finished', async () => {
    for (let n = 0; n < 3; n += 1) finished.record(request(n));
    expect(logger.lines).to.have.length(0);
    await new Promise((resolve) => setTimeout(resolve, RECORD_DELAY_MS));
    await eventually(async () => logger.lines.length === 3, 'the lines');
    expect(logger.lines.map((line) => /"reqId":"([^"]+)"/.exec(line)?.[1])).to.deep.equal(['req-0', 'req-1', 'req-2']);
    expect(logger.lines[0]).to.include('"path":"/devices/dev-0"').and.include('"ms":"0.3"');
  });

  it('counts the requests still waiting when the metrics are read', async () => {
    for (let n = 0; n < 5; n += 1) finished.record(request(n));
    expect(logger.lines).to.have.length(0);
    expect(await counted(metrics)).to.equal(5);
    expect(logger.lines).to.have.length(5);
  });

  it('records at once when drained (a stopping server), and when many are waiting', () => {
    finished.record(request(0));
    finished.drain();
    expect(logger.lines).to.have.length(1);
    for (let n = 1; n <= 256; n += 1) finished.record(request(n));
    expect(logger.lines).to.have.length(257);
  });

  it('records each request at once once closed (requests cut by a stopping server end after it)', () => {
    finished.record(request(0));
    finished.close();
    expect(logger.lines).to.have.length(1);
    finished.record(request(1));
    expect(logger.lines).to.have.length(2);
  });

  it('records the rest of a batch when one record fails, and says so', () => {
    const info = logger.info.bind(logger);
    logger.info = (message, fields) => {
      if (fields?.reqId === 'req-1') throw new Error('cannot write this one');
      info(message, fields);
    };
    for (let n = 0; n < 3; n += 1) finished.record(request(n));
    finished.drain();
    expect(logger.lines.filter((line) => line.startsWith('info request')).length).to.equal(2);
    expect(logger.lines.some((line) => line.startsWith('warn finished requests could not be recorded'))).to.equal(true);
  });

  it('records what waits when the process exits, even with process.exit', () => {
    const module = new URL('../../../src/adapters/inbound/http/finished-request.js', import.meta.url).href;
    const metrics = new URL('../../../src/adapters/inbound/http/http-metrics.js', import.meta.url).href;
    const script = `
      const { FinishedRequests } = await import(${JSON.stringify(module)});
      const { HttpMetrics } = await import(${JSON.stringify(metrics)});
      const logger = { info: (m, f) => process.stdout.write(m + ' ' + f.reqId + '\\n'), warn() {}, error() {}, async flush() {} };
      const finished = new FinishedRequests(logger, new HttpMetrics());
      finished.record(${JSON.stringify(request(7))});
      process.exit(3);
    `;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect([run.status, run.stdout, run.stderr]).to.deep.equal([3, 'request req-7\n', '']);
  });
});
