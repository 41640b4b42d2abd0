import { expect } from 'chai';
import { fleetRow } from '../../../bench/fleet-report.js';
import type { StepMeasurement } from '../../../bench/fleet-step.js';
import { meetsTarget } from '../../../bench/fleet-step.js';
import { runOpenLoop } from '../../../bench/open-loop.js';
import { percentile } from '../../../bench/percentile.js';
import { risingRates, stepSearch } from '../../../bench/step-search.js';

/** A step's measurement as the fleet benchmark takes it, with the figures a test cares about. */
const measurement = (rate: number, changes: Partial<StepMeasurement> = {}): StepMeasurement => ({
  rate,
  scheduled: rate * 10,
  completed: rate * 10,
  errors: 0,
  firstError: undefined,
  p50Ms: 3,
  p99Ms: 20,
  lagP99Ms: 1,
  resumedShare: 0,
  serverCpuMsPerCheck: 0.5,
  serverCores: (rate * 0.5) / 1000,
  clientCores: 0.3,
  databaseCpuMsPerCheck: null,
  serverProcesses: 1,
  cpuStallShare: 0,
  ...changes,
});

describe('bench:fleet: the open loop and the step search', () => {
  it('issues rate x seconds requests, each once, without waiting for earlier answers', async () => {
    const issued: number[] = [];
    const answers: Array<() => void> = [];
    const run = runOpenLoop({
      rate: 400,
      seconds: 0.1,
      maxOutstanding: 1_000,
      issue: (i) => {
        issued.push(i);
        // Not answered until every request has been issued: a closed loop would stall here.
        return new Promise<void>((resolve) => answers.push(resolve));
      },
    });
    while (issued.length < 40) await new Promise((resolve) => setTimeout(resolve, 5));
    answers.forEach((answer) => answer());
    const result = await run;
    expect(issued).to.deep.equal(Array.from({ length: 40 }, (_, i) => i));
    expect(result).to.include({ scheduled: 40, completed: 40, errors: 0 });
    expect(result.latenciesMs).to.have.length(40);
  });

  it('counts requests it would not issue beyond maxOutstanding as errors', async () => {
    const answers: Array<() => void> = [];
    let calls = 0;
    // 30 requests all due within 30 us: the loop has issued what it could by its first timer,
    // which fires before the 50 ms one below (timers fire in the order they fall due).
    const run = runOpenLoop({
      rate: 1_000_000,
      seconds: 0.00003,
      maxOutstanding: 10,
      issue: () => {
        calls += 1;
        return new Promise<void>((resolve) => answers.push(resolve));
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    answers.forEach((answer) => answer());
    const result = await run;
    expect(calls).to.equal(10);
    expect(result).to.include({ scheduled: 30, completed: 10, errors: 20 });
    expect(result.firstError).to.match(/more than 10 requests unanswered/);
  });

  it('counts failed requests as errors, with the first failure', async () => {
    const result = await runOpenLoop({
      rate: 1_000_000,
      seconds: 0.00003,
      maxOutstanding: 100,
      issue: (i) => (i % 3 === 0 ? Promise.reject(new Error(`refused ${i}`)) : Promise.resolve()),
    });
    expect(result).to.include({ scheduled: 30, completed: 20, errors: 10, firstError: 'refused 0' });
  });

  it('rises by the factor from the start rate up to the highest', () => {
    expect(risingRates(200, 1.25, 500)).to.deep.equal([200, 250, 313, 391, 488]);
    expect(() => risingRates(100, 1, 500)).to.throw();
  });

  it('stops at the first step that fails and answers the step before it', async () => {
    const measured: number[] = [];
    const search = await stepSearch(
      [100, 200, 400, 800],
      async (rate) => {
        measured.push(rate);
        return measurement(rate, { p99Ms: rate <= 200 ? 30 : 150 });
      },
      meetsTarget,
    );
    expect(measured).to.deep.equal([100, 200, 400]);
    expect(search.best?.rate).to.equal(200);
    expect(search.steps.map((step) => step.passed)).to.deep.equal([true, true, false]);
  });

  it('fails a step on any error or unanswered check, whatever its latency', () => {
    expect(meetsTarget(measurement(100))).to.equal(true);
    expect(meetsTarget(measurement(100, { errors: 1 }))).to.equal(false);
    expect(meetsTarget(measurement(100, { completed: 999 }))).to.equal(false);
    expect(meetsTarget(measurement(100, { p99Ms: 100 }))).to.equal(false);
  });

  it('measures a failing rate again when asked, and goes on when it passes then', async () => {
    const failures = new Set([200]);
    const search = await stepSearch(
      [100, 200, 400],
      async (rate) => {
        const failed = failures.delete(rate);
        return measurement(rate, { errors: failed || rate === 400 ? 1 : 0 });
      },
      meetsTarget,
      { attempts: 2 },
    );
    expect(search.steps.map((step) => [step.rate, step.attempt, step.passed])).to.deep.equal([
      [100, 1, true],
      [200, 1, false],
      [200, 2, true],
      [400, 1, false],
      [400, 2, false],
    ]);
    expect(search.best?.rate).to.equal(200);
  });

  it('has no best rate when the first step fails', async () => {
    const search = await stepSearch([100, 200], async (rate) => measurement(rate, { errors: 3 }), meetsTarget);
    expect(search.best).to.equal(undefined);
    expect(search.steps).to.have.length(1);
    expect(fleetRow('x', 'y', search)).to.include({ maxRate: null, serverCpuMsPerCheck: null });
  });

  it('takes the CPU figures from the first step when it was answered in full but too slowly', async () => {
    const search = await stepSearch([100, 200], async (rate) => measurement(rate, { p99Ms: 300 }), meetsTarget);
    expect(fleetRow('x', 'y', search)).to.include({ maxRate: null, p99Ms: 300, fleetPerCore: 600_000 });
  });

  it('states the fleet one server core carries at a 5-minute poll from the CPU per check of the best step', async () => {
    const search = await stepSearch(
      [100, 200, 400],
      async (rate) =>
        measurement(rate, {
          serverCpuMsPerCheck: rate === 200 ? 0.5 : 2,
          databaseCpuMsPerCheck: 0.25,
          p99Ms: rate > 200 ? 500 : 10,
        }),
      meetsTarget,
    );
    const row = fleetRow('PostgreSQL', 'TLS 1.2, resumed', search);
    expect(row).to.include({ maxRate: 200, checksPerCoreSecond: 2000, fleetPerCore: 600_000 });
    // 0.75 ms per check with the database's share: 1333 checks/s, 400,000 devices.
    expect(row.fleetPerCoreWithDatabase).to.equal(400_000);
    expect(row.stoppedBy).to.match(/^400\/s: p99 500 ms/);
  });

  it('takes percentiles by nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(values, 50)).to.equal(50);
    expect(percentile(values, 99)).to.equal(99);
    expect(percentile([], 99)).to.equal(0);
  });
});
