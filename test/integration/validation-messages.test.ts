import { expect } from 'chai';
import { expectProblem, FleetApi } from '../support/fleet-api-client.js';
import type { RunningTestServer } from '../support/test-server.js';
import { startTestServer } from '../support/test-server.js';

/**
 * A refused value is named in the problem's detail, with what is wrong with it: found by a
 * conformance try, several answers said only "Invalid input" (a value fitting none of a union's
 * shapes), or a limit without the field it is about (a query field, a path parameter).
 */
describe('HTTP: refusals name the field and what is wrong with it', () => {
  let t: RunningTestServer;
  let api: FleetApi;
  before(async () => {
    t = await startTestServer();
    api = new FleetApi(t);
  });
  after(async () => {
    api.close();
    await t.stop();
  });

  const detailOf = (res: Parameters<typeof expectProblem>[0], status: number, code: string) =>
    expectProblem(res, status, code).detail;

  it('for a body of the wrong shape, the shape it came closest to', async () => {
    const digest = 'ab'.repeat(32);
    const cases: Array<[unknown, RegExp]> = [
      [{ publicKey: 42 }, /^publicKey: .*expected string, received number/],
      [{ keyDigest: 42 }, /^keyDigest: .*expected string, received number/],
      [{ keyDigest: digest, name: 5 }, /^name: .*expected string, received number/],
      [{ keyDigest: digest, name: null }, /^name: .*expected string, received null/],
      [[], /expected object, received array/],
    ];
    for (const [body, expected] of cases) {
      const detail = detailOf(await api.send('POST', '/api/v1/signing-keys', body), 400, 'invalid-request');
      expect(detail, JSON.stringify(body)).to.match(expected);
    }
    const tags = await api.send('POST', '/api/v1/devices/tags', { add: ['a'], filter: { overdue: 'maybe' } });
    expect(detailOf(tags, 400, 'invalid-request')).to.match(/^filter\.overdue: .*overdue/);
  });

  it('for a query field or a path parameter, its name', async () => {
    const search = await t.client.get(`/api/v1/devices?search=${'a'.repeat(65)}`);
    expect(detailOf(search, 400, 'invalid-query')).to.match(/^search: .*64/);
    const version = await t.client.get(`/api/v1/devices?version=${'1'.repeat(32)}`);
    expect(detailOf(version, 400, 'invalid-query')).to.match(/^version: .*31/);
    const delta = await t.client.send(`/api/v1/deltas/${'d'.repeat(201)}`, { method: 'DELETE' });
    expect(detailOf(delta, 400, 'invalid-request')).to.match(/^delta id: /);
  });
});
