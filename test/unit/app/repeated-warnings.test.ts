import { expect } from 'chai';
import { RepeatedWarnings } from '../../../src/app/logging/repeated-warnings.js';
import type { Logger } from '../../../src/ports/logger.port.js';

/** The warnings logged, each with its message as `msg`. */
class Warnings implements Logger {
  readonly logged: Array<Record<string, unknown>> = [];
  info(message: string, fields: Record<string, unknown> = {}): void {
    this.logged.push({ msg: message, ...fields });
  }
  warn(message: string, fields: Record<string, unknown> = {}): void {
    this.logged.push({ msg: message, ...fields });
  }
  error(): void {}
  async flush(): Promise<void> {}
}

describe('RepeatedWarnings', () => {
  it('logs a message at once, then at most once every ten seconds, counting the lines left out', () => {
    const logger = new Warnings();
    let time = 0;
    const warnings = new RepeatedWarnings(logger, () => time, 10_000);
    const lines = () => logger.logged;
    warnings.warn('the inventory could not be written; retrying', { devices: 3 });
    for (time = 1_000; time < 10_000; time += 1_000) warnings.warn('the inventory could not be written; retrying');
    expect(lines()).to.have.length(1);
    expect(lines()[0]).to.include({ msg: 'the inventory could not be written; retrying', devices: 3 });
    time = 10_000;
    warnings.warn('the inventory could not be written; retrying', { devices: 4 });
    expect(lines()).to.have.length(2);
    expect(lines()[1]).to.include({ devices: 4, repeated: 9, since: new Date(0).toISOString() });
    // Another message, or the same one for another key, is its own.
    warnings.warn("other servers' checks could not be read back; retrying");
    warnings.warn('health check failed', { part: 'database' }, 'database');
    warnings.warn('health check failed', { part: 'files' }, 'files');
    warnings.warn('health check failed', { part: 'files' }, 'files');
    expect(lines().map((line) => line.part ?? line.msg)).to.deep.equal([
      'the inventory could not be written; retrying',
      'the inventory could not be written; retrying',
      "other servers' checks could not be read back; retrying",
      'database',
      'files',
    ]);
    // Long after, the next line carries no count: nothing was left out.
    time = 60_000;
    warnings.warn("other servers' checks could not be read back; retrying");
    expect(lines().at(-1)).to.not.have.property('repeated');
  });

  it('ends an outage with one recovered line: the warning, how many times it failed, since when', () => {
    const logger = new Warnings();
    let time = 5_000;
    const warnings = new RepeatedWarnings(logger, () => time, 10_000);
    warnings.recovered('the inventory could not be written; retrying'); // never failed: nothing
    expect(logger.logged).to.deep.equal([]);
    for (; time < 30_000; time += 1_000) warnings.warn('the inventory could not be written; retrying');
    warnings.warn('health check failed', { part: 'files' }, 'files');
    warnings.recovered('the inventory could not be written; retrying');
    warnings.recovered('the inventory could not be written; retrying'); // once only
    warnings.recovered('files', { part: 'files' });
    expect(logger.logged.filter((line) => line.msg === 'recovered')).to.deep.equal([
      {
        msg: 'recovered',
        warning: 'the inventory could not be written; retrying',
        failures: 25,
        since: new Date(5_000).toISOString(),
      },
      {
        msg: 'recovered',
        part: 'files',
        warning: 'health check failed',
        failures: 1,
        since: new Date(30_000).toISOString(),
      },
    ]);
    // A later outage is counted from its own start.
    warnings.warn('the inventory could not be written; retrying');
    warnings.recovered('the inventory could not be written; retrying');
    expect(logger.logged.at(-1)).to.include({ failures: 1, since: new Date(30_000).toISOString() });
  });
});
