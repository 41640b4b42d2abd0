import { expect } from 'chai';
import { measureStep } from '../../bench/fleet-step.js';
import type { StepSettings } from '../../bench/fleet-step.js';
import { writeRows } from '../../bench/seeded-rows.js';
import { SessionSlots, TLS_MODES } from '../../bench/tls-modes.js';
import { startTestServer, testCertificate, TEST_CREDENTIAL, type RunningTestServer } from '../support/test-server.js';

/**
 * The fleet benchmark's step in a tiny configuration against a real server: every check due is
 * made on its own TLS connection and answered 204, resumed when the mode resumes and never
 * otherwise; the steps go on through the fleet. No timing is asserted (latency and CPU are what
 * the benchmark reports, not what a test can hold on a shared machine).
 */
describe('bench:fleet: one step against a server', () => {
  const DEVICES = 25;
  let t: RunningTestServer;

  before(async () => {
    t = await startTestServer();
    await writeRows(t.storage.devices, DEVICES);
  });

  after(async () => {
    await t.stop();
  });

  for (const mode of TLS_MODES) {
    it(`${mode.name}: rate x seconds checks, each answered, resumed ${mode.resume ? 'every time' : 'never'}`, async () => {
      const cursor = { next: 0 };
      const settings: StepSettings = {
        mode,
        seconds: 1,
        warmUpSeconds: 0.25,
        deviceCount: DEVICES,
        sessions: new SessionSlots(1),
        cursor,
        maxOutstanding: 1_000,
        timeoutMs: 20_000,
      };
      const target = {
        port: t.server.address.port,
        ca: (await testCertificate()).cert,
        authorization: `Basic ${Buffer.from(`${TEST_CREDENTIAL.username}:${TEST_CREDENTIAL.password}`).toString('base64')}`,
      };
      const step = await measureStep({ target, pid: process.pid }, 20, settings);
      expect(step, step.firstError).to.include({
        scheduled: 20,
        completed: 20,
        errors: 0,
        databaseCpuMsPerCheck: null,
      });
      expect(step.resumedShare).to.equal(mode.resume ? 1 : 0);
      // 5 warm-up checks, then 20: the next step starts with the 26th device (the first again).
      expect(cursor.next).to.equal(0);
      expect(step.serverCpuMsPerCheck).to.be.greaterThan(0);
    });
  }
});
