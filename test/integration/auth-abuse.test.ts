import { expect } from 'chai';
import type { RunningTestServer } from '../support/test-server.js';
import { startTestServer, TEST_CREDENTIAL } from '../support/test-server.js';

/** Failed authentications are counted per client address; past the limit, 429 with Retry-After. */
describe('HTTP: failed-authentication limit', () => {
  let t: RunningTestServer;
  before(async () => {
    t = await startTestServer({ authFailuresPerMinute: 5, authCooldownSeconds: 30 });
    await t.client.put('/devices/d1', '"d1","1","a.bin"', 'text/csv');
  });
  after(() => t.stop());

  it('refuses an address that keeps failing, even with the right credential, while others are served', async () => {
    const attacker = { localAddress: '127.0.0.2' };
    for (let i = 0; i < 5; i += 1) {
      const res = await t.client.get('/devices', { ...attacker, auth: { username: TEST_CREDENTIAL.username, password: `guess-${i}` } });
      expect(res.status, `guess ${i}`).to.equal(403);
    }
    for (const auth of [{ username: TEST_CREDENTIAL.username, password: 'guess-6' }, TEST_CREDENTIAL]) {
      const refused = await t.client.get('/devices', { ...attacker, auth });
      expect(refused.status).to.equal(429);
      expect(Number(refused.headers['retry-after'])).to.be.within(1, 30);
      expect(JSON.parse(refused.text)).to.include({ status: 429, code: 'too-many-failed-authentications' });
    }
    const other = await t.client.get('/devices/d1?app_ver=2');
    expect(other.status).to.equal(204);
    expect((await t.client.get('/devices', { localAddress: '127.0.0.3' })).status).to.equal(200);
  });
});
