import { expect } from 'chai';
import { Agent } from 'node:https';
import type { HttpResponse, RequestOptions } from '../support/https-client.js';
import type { RunningTestServer } from '../support/test-server.js';
import { startTestServer, TEST_CREDENTIAL, TEST_DEVICE_CREDENTIAL } from '../support/test-server.js';

/**
 * A connection remembers the verdict of a configured credential for the next request carrying the
 * very same header. These tests hold one kept-alive connection and check that nothing else is
 * remembered: another header is checked anew, and a device's own credential stops working on the
 * open connection the moment it is revoked or rotated.
 */
describe('HTTP: credentials on a kept-alive connection', () => {
  let t: RunningTestServer;
  let agent: Agent;
  let sent = 0;
  before(async () => {
    t = await startTestServer();
    expect((await t.client.put('/devices/lamp-1', '"lamp-1","1.0","fw/a.bin"', 'text/csv')).status).to.equal(200);
  });
  beforeEach(() => {
    agent = new Agent({ keepAlive: true, maxSockets: 1 });
    sent = 0;
  });
  afterEach(() => agent.destroy());
  after(() => t.stop());

  /** A request over the one connection; every request after the first must reuse it. */
  async function overConnection(path: string, options: Omit<RequestOptions, 'agent'>): Promise<HttpResponse> {
    const res = await t.client.send(path, { ...options, agent });
    if (sent++ > 0) expect(res.reusedSocket, `${path} went over a new connection`).to.equal(true);
    return res;
  }

  /** Status and problem code: a wrong credential and a forbidden role are both 403. */
  async function answer(path: string, auth: RequestOptions['auth']): Promise<string> {
    const res = await overConnection(path, { auth });
    return res.status < 400 ? String(res.status) : `${res.status} ${(JSON.parse(res.text) as { code: string }).code}`;
  }

  it('checks a different header anew on the same connection, wrong or right', async () => {
    expect(await answer('/devices', TEST_CREDENTIAL)).to.equal('200');
    expect(await answer('/devices', TEST_CREDENTIAL)).to.equal('200');
    const wrong = { username: TEST_CREDENTIAL.username, password: `${TEST_CREDENTIAL.password}!` };
    expect(await answer('/devices', wrong)).to.equal('403 unauthenticated');
    // The device credential on the same connection gets the device's role, not the operator's.
    expect(await answer('/devices', TEST_DEVICE_CREDENTIAL)).to.equal('403 operator-only');
    expect(await answer('/devices/lamp-1?app_ver=1.0', TEST_DEVICE_CREDENTIAL)).to.equal('404 update-file-missing');
    expect(await answer('/devices', TEST_CREDENTIAL)).to.equal('200');
    expect(await answer('/devices', null)).to.equal('403 unauthenticated');
  });

  it("stops a device's own credential on the open connection once it is revoked or rotated", async () => {
    const provision = async () => {
      const res = await t.client.send('/api/v1/devices/lamp-1/credentials', { method: 'POST' });
      expect(res.status).to.equal(201);
      return { username: 'lamp-1', password: (JSON.parse(res.text) as { password: string }).password };
    };
    const first = await provision();
    const check = '/devices/lamp-1?app_ver=2.0';
    expect(await answer(check, first)).to.equal('204');
    expect(await answer(check, first)).to.equal('204');
    const second = await provision(); // rotation: the first secret is void at once
    expect(await answer(check, first)).to.equal('403 unauthenticated');
    expect(await answer(check, second)).to.equal('204');
    expect((await t.client.send('/api/v1/devices/lamp-1/credentials', { method: 'DELETE' })).status).to.equal(200);
    expect(await answer(check, second)).to.equal('403 unauthenticated');
  });
});
