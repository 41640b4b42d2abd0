import { eventually } from '../support/eventually.js';
import { expect } from 'chai';
import { buildEspImage } from '../support/esp-image-builder.js';
import type { RunningTestServer } from '../support/test-server.js';
import { startTestServer, TEST_CREDENTIAL, TEST_DEVICE_CREDENTIAL } from '../support/test-server.js';

/** The secret the server provisions for `deviceId`'s own credential (a new one each time). */
async function provisionedSecret(t: RunningTestServer, deviceId: string): Promise<string> {
  const res = await t.client.send(`/api/v1/devices/${deviceId}/credentials`, { method: 'POST' });
  return (JSON.parse(res.text) as { password: string }).password;
}

/**
 * Failed authentications are counted per client address and user name, with a ceiling per
 * address across user names; past either, 429 with Retry-After.
 */
describe('HTTP: failed-authentication limit', () => {
  let t: RunningTestServer;
  before(async () => {
    t = await startTestServer({ authFailuresPerMinute: 5, authCooldownSeconds: 30 });
    await t.client.put('/devices/d1', '"d1","1","a.bin"', 'text/csv');
  });
  after(() => t.stop());

  it('refuses a user name that keeps failing from an address, even with the right password, while others are served', async () => {
    const attacker = { localAddress: '127.0.0.2' };
    for (let i = 0; i < 5; i += 1) {
      const res = await t.client.get('/devices', {
        ...attacker,
        auth: { username: TEST_CREDENTIAL.username, password: `guess-${i}` },
      });
      expect(res.status, `guess ${i}`).to.equal(403);
    }
    for (const auth of [{ username: TEST_CREDENTIAL.username, password: 'guess-6' }, TEST_CREDENTIAL]) {
      const refused = await t.client.get('/devices', { ...attacker, auth });
      expect(refused.status).to.equal(429);
      expect(Number(refused.headers['retry-after'])).to.be.within(1, 30);
      expect(JSON.parse(refused.text)).to.include({ status: 429, code: 'too-many-failed-authentications' });
    }
    // The device adapter (a device check) refuses that pair too.
    expect((await t.client.get('/devices/d1?app_ver=2', { ...attacker, auth: TEST_CREDENTIAL })).status).to.equal(429);
    const other = await t.client.get('/devices/d1?app_ver=2');
    expect(other.status).to.equal(204);
    expect((await t.client.get('/devices', { localAddress: '127.0.0.3' })).status).to.equal(200);
  });

  it('refuses every request from an address that tries many user names, past the ceiling per address', async () => {
    const sprayer = { localAddress: '127.0.0.4' };
    const statuses: number[] = [];
    for (let i = 0; i < 60; i += 1) {
      statuses.push(
        (await t.client.get('/devices', { ...sprayer, auth: { username: `user-${i}`, password: 'x' } })).status,
      );
    }
    // 5 × 10 failures, then the whole address is refused, whatever user name it tries next.
    expect(
      statuses.slice(0, 50).every((status) => status === 403),
      statuses.join(' '),
    ).to.equal(true);
    expect(
      statuses.slice(50).every((status) => status === 429),
      statuses.join(' '),
    ).to.equal(true);
    const refused = await t.client.get('/devices/d1?app_ver=2', { ...sprayer, auth: TEST_DEVICE_CREDENTIAL });
    expect(refused.status).to.equal(429);
    expect(JSON.parse(refused.text)).to.include({ code: 'too-many-failed-authentications' });
  });
});

describe('HTTP: one misconfigured device behind a NAT does not lock out the others', () => {
  let t: RunningTestServer;
  let secret = '';
  const nat = { localAddress: '127.0.0.5' };
  before(async () => {
    t = await startTestServer(); // the default limit: 20 failures per user name and minute
    await t.client.put('/files/fw.bin', buildEspImage({ version: '2.0' }), 'application/octet-stream');
    await t.client.put('/devices/d1', '"d1","1.0","fw.bin"', 'text/csv');
    await t.client.put('/devices/lamp-1', '"lamp-1","1.0","fw.bin"', 'text/csv');
    secret = await provisionedSecret(t, 'lamp-1');
  });
  after(() => t.stop());

  it("keeps serving the shared device credential and a device's own credential from the same address", async () => {
    const misconfigured = { ...nat, auth: { username: 'old-fleet', password: 'old secret' } };
    const statuses: number[] = [];
    for (let i = 0; i < 25; i += 1)
      statuses.push((await t.client.get('/devices/d1?app_ver=1.0', misconfigured)).status);
    expect(statuses.filter((status) => status === 403)).to.have.length(20);
    expect(statuses.slice(20)).to.deep.equal([429, 429, 429, 429, 429]);
    const shared = await t.client.get('/devices/d1?app_ver=1.0', { ...nat, auth: TEST_DEVICE_CREDENTIAL });
    expect([shared.status, shared.text]).to.deep.equal([200, 'fw.bin']);
    expect((await t.client.get('/files/fw.bin', { ...nat, auth: TEST_DEVICE_CREDENTIAL })).status).to.equal(200);
    expect(
      (await t.client.get('/devices/lamp-1?app_ver=3.0', { ...nat, auth: { username: 'lamp-1', password: secret } }))
        .status,
    ).to.equal(204);
    expect((await t.client.get('/devices', { ...nat })).status, 'the operator too').to.equal(200);
  });

  it('counts a device whose id holds a colon under its whole id, as its credential is verified: site:lamp-1 failing does not lock out site:lamp-2', async () => {
    const provision = (device: string) => provisionedSecret(t, device);
    const behindNat = { localAddress: '127.0.0.6' };
    for (const device of ['site:lamp-1', 'site:lamp-2'])
      await t.client.put(`/devices/${device}`, `"${device}","1.0","fw.bin"`, 'text/csv');
    // lamp-1 keeps the secret it had before a rotation; lamp-2 has the current one.
    const stale = await provision('site:lamp-1');
    const current = await provision('site:lamp-1');
    const sibling = await provision('site:lamp-2');
    const statuses: number[] = [];
    for (let i = 0; i < 25; i += 1) {
      statuses.push(
        (
          await t.client.get('/devices/site:lamp-1?app_ver=1.0', {
            ...behindNat,
            auth: { username: 'site:lamp-1', password: stale },
          })
        ).status,
      );
    }
    expect(
      statuses.slice(0, 20).every((status) => status === 403),
      statuses.join(' '),
    ).to.equal(true);
    expect(statuses.slice(20)).to.deep.equal([429, 429, 429, 429, 429]);
    const refusedLines = () =>
      t.logger.lines.filter(
        (line) => line.startsWith('info request ') && line.includes('"auth":"refused"') && line.includes('127.0.0.6'),
      );
    // Each request's line is made shortly after its answer (see FinishedRequests).
    await eventually(async () => refusedLines().length === statuses.length, 'a line for each refused check');
    const refusedLog = refusedLines();
    expect(
      refusedLog.every((line) => line.includes('"user":"site:lamp-1"')),
      refusedLog[0],
    ).to.equal(true);
    // The locked-out pair is lamp-1's, whatever secret it sends now; its sibling is served.
    expect(
      (
        await t.client.get('/devices/site:lamp-1?app_ver=1.0', {
          ...behindNat,
          auth: { username: 'site:lamp-1', password: current },
        })
      ).status,
    ).to.equal(429);
    const served = await t.client.get('/devices/site:lamp-2?app_ver=1.0', {
      ...behindNat,
      auth: { username: 'site:lamp-2', password: sibling },
    });
    expect([served.status, served.text]).to.deep.equal([200, 'fw.bin']);
  });
});

describe('HTTP: a flood of made-up device credentials', () => {
  let t: RunningTestServer;
  let secret = '';
  before(async () => {
    // A limit no flood from one address reaches: what is measured is the hashing queue.
    t = await startTestServer({ authFailuresPerMinute: 100_000 });
    await t.client.put('/devices/lamp-1', '"lamp-1","1.0","fw.bin"', 'text/csv');
    secret = await provisionedSecret(t, 'lamp-1');
  });
  after(() => t.stop());

  it('answers 503 authentication-busy with Retry-After past 128 waiting password checks, instead of queueing them all, and checks credentials again once they drained', async () => {
    const madeUp = (i: number) => `flood${String(i).padStart(27, '0')}`;
    // Made up faster than three threads hash them (tens of milliseconds each): the queue fills.
    const answers = await Promise.all(
      Array.from({ length: 400 }, (_, i) =>
        t.client.get('/devices/lamp-1?app_ver=1.0', { auth: { username: 'lamp-1', password: madeUp(i) } }),
      ),
    );
    const statuses = answers.map((answer) => answer.status);
    const busy = answers.filter((answer) => answer.status === 503);
    // How many were refused depends on how fast they came; unbounded, none was.
    expect(busy.length, statuses.join(' ')).to.be.above(0);
    expect(
      statuses.every((status) => status === 503 || status === 403),
      statuses.join(' '),
    ).to.equal(true);
    for (const answer of busy.slice(0, 3)) {
      expect(answer.headers['retry-after']).to.equal('5');
      expect(JSON.parse(answer.text)).to.include({ status: 503, code: 'authentication-busy' });
    }
    const served = await t.client.get('/devices/lamp-1?app_ver=1.0', {
      auth: { username: 'lamp-1', password: secret },
    });
    expect(served.status).to.equal(404); // authenticated: its row names a file not stored
  });
});
