import { eventually } from '../support/eventually.js';
import { expect } from 'chai';
import { eventStreamEndsAfter } from '../support/event-stream-end.js';
import type { HttpResponse } from '../support/https-client.js';
import type { RunningTestServer } from '../support/test-server.js';
import { startTestServer, TEST_CREDENTIAL, TEST_DEVICE_CREDENTIAL } from '../support/test-server.js';

const JSON_TYPE = { 'Content-Type': 'application/json' };

/** The `__Host-fuota_session=<token>` pair a sign-in's Set-Cookie carries. */
function cookieOf(res: HttpResponse): string {
  const header = res.headers['set-cookie']?.[0] ?? '';
  return header.split(';')[0] ?? '';
}

/** The dashboard's sign-in over HTTPS: the cookie, its CSRF token, sign-out, throttling. */
describe('HTTP: dashboard sessions', () => {
  let t: RunningTestServer;
  before(async () => {
    t = await startTestServer({ authFailuresPerMinute: 3 });
  });
  after(() => t.stop());

  const signIn = (username: string, password: string, localAddress = '127.0.0.1') =>
    t.client.send('/api/v1/session', {
      method: 'POST',
      auth: null,
      headers: JSON_TYPE,
      body: JSON.stringify({ username, password }),
      localAddress,
    });
  const withCookie = (cookie: string, headers: Record<string, string> = {}) => ({
    auth: null,
    headers: { Cookie: cookie, ...headers },
  });

  it('signs an operator in: 201, an HttpOnly Secure SameSite=Strict cookie with an expiry, and the CSRF token', async () => {
    const res = await signIn(TEST_CREDENTIAL.username, TEST_CREDENTIAL.password);
    expect(res.status, res.text).to.equal(201);
    expect(res.headers['cache-control']).to.equal('no-store');
    const header = res.headers['set-cookie']?.[0] ?? '';
    expect(header).to.match(/^__Host-fuota_session=[A-Za-z0-9_-]{64}; /);
    for (const attribute of ['Path=/', 'Max-Age=43200', 'HttpOnly', 'Secure', 'SameSite=Strict']) {
      expect(header.split('; ')).to.include(attribute);
    }
    const body = JSON.parse(res.text) as Record<string, string>;
    expect(Object.keys(body).sort()).to.deep.equal(['csrfToken', 'expiresAt', 'username']);
    expect(body.username).to.equal(TEST_CREDENTIAL.username);
    expect(Date.parse(body.expiresAt ?? '') - Date.now()).to.be.within(11.9 * 3600_000, 12 * 3600_000);
    // The answer never carries the password or the cookie's token.
    expect(res.text).not.to.include(TEST_CREDENTIAL.password);
    expect(res.text).not.to.include(cookieOf(res).split('=')[1]);
  });

  it('refuses a wrong password (403 unauthenticated) and a device credential (403 operator-only), setting no cookie', async () => {
    const wrong = await signIn(TEST_CREDENTIAL.username, 'not it', '127.0.0.2');
    expect([wrong.status, JSON.parse(wrong.text).code]).to.deep.equal([403, 'unauthenticated']);
    expect(wrong.headers['set-cookie']).to.equal(undefined);
    const device = await signIn(TEST_DEVICE_CREDENTIAL.username, TEST_DEVICE_CREDENTIAL.password, '127.0.0.2');
    expect([device.status, JSON.parse(device.text).code]).to.deep.equal([403, 'operator-only']);
    expect(device.headers['set-cookie']).to.equal(undefined);
  });

  it('throttles failed sign-ins as it throttles failed Basic authentications (429 with Retry-After), even a right one then', async () => {
    const address = '127.0.0.3';
    for (let i = 0; i < 3; i += 1) expect((await signIn('operator', `guess ${i}`, address)).status).to.equal(403);
    const limited = await signIn(TEST_CREDENTIAL.username, TEST_CREDENTIAL.password, address);
    expect([limited.status, JSON.parse(limited.text).code]).to.deep.equal([429, 'too-many-failed-authentications']);
    expect(Number(limited.headers['retry-after'])).to.be.greaterThan(0);
    // Basic from that address and user name is refused as well: the counts are the same ones.
    const basic = await t.client.get('/api/v1/fleet', { localAddress: address });
    expect(basic.status).to.equal(429);
  });

  it('answers 400 for a body that is not a credential, 415 for another type', async () => {
    const missing = await t.client.send('/api/v1/session', {
      method: 'POST',
      auth: null,
      headers: JSON_TYPE,
      body: '{"username":"x"}',
      localAddress: '127.0.0.4',
    });
    expect([missing.status, JSON.parse(missing.text).code]).to.deep.equal([400, 'invalid-request']);
    const form = await t.client.send('/api/v1/session', {
      method: 'POST',
      auth: null,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'username=operator&password=x',
      localAddress: '127.0.0.4',
    });
    expect(form.status).to.equal(415);
  });

  it('authenticates API reads by the cookie, and changes only with the session’s X-CSRF-Token', async () => {
    const res = await signIn(TEST_CREDENTIAL.username, TEST_CREDENTIAL.password, '127.0.0.5');
    const cookie = cookieOf(res);
    const { csrfToken } = JSON.parse(res.text) as { csrfToken: string };
    expect((await t.client.get('/api/v1/fleet', withCookie(cookie))).status).to.equal(200);
    const session = await t.client.get('/api/v1/session', withCookie(cookie));
    expect(JSON.parse(session.text)).to.include({ username: TEST_CREDENTIAL.username, csrfToken });

    const upload = (headers: Record<string, string>) =>
      t.client.send('/devices/lamp-9', {
        method: 'PUT',
        ...withCookie(cookie, { 'Content-Type': 'text/csv', ...headers }),
        body: '"lamp-9","1.0","fw/lamp.bin"',
      });
    const without = await upload({});
    expect([without.status, JSON.parse(without.text).code]).to.deep.equal([403, 'csrf-token-mismatch']);
    const wrong = await upload({ 'X-CSRF-Token': `${csrfToken}x` });
    expect(wrong.status).to.equal(403);
    expect((await t.client.get('/devices', withCookie(cookie))).text).not.to.include('lamp-9');
    const right = await upload({ 'X-CSRF-Token': csrfToken });
    expect(right.status, right.text).to.equal(200);
  });

  it('keeps Basic deciding when both are sent, and gives the cookie nothing on the device routes', async () => {
    const res = await signIn(TEST_CREDENTIAL.username, TEST_CREDENTIAL.password, '127.0.0.6');
    const cookie = cookieOf(res);
    const basicWrong = await t.client.get('/api/v1/fleet', {
      auth: { username: 'operator', password: 'wrong' },
      headers: { Cookie: cookie },
      localAddress: '127.0.0.6',
    });
    expect(basicWrong.status).to.equal(403);
    const check = await t.client.get('/devices/lamp-1?app_ver=1.0', withCookie(cookie));
    expect([check.status, JSON.parse(check.text).code]).to.deep.equal([403, 'unauthenticated']);
    // Basic has no session to show.
    const basic = await t.client.get('/api/v1/session');
    expect([basic.status, JSON.parse(basic.text).code]).to.deep.equal([404, 'session-not-found']);
  });

  it('signs out: 204, the cookie cleared, and the old cookie refused (403 session-expired, cleared again)', async () => {
    const res = await signIn(TEST_CREDENTIAL.username, TEST_CREDENTIAL.password, '127.0.0.7');
    const cookie = cookieOf(res);
    const { csrfToken } = JSON.parse(res.text) as { csrfToken: string };
    const withoutToken = await t.client.delete('/api/v1/session', withCookie(cookie));
    expect(withoutToken.status).to.equal(403);
    const out = await t.client.delete('/api/v1/session', withCookie(cookie, { 'X-CSRF-Token': csrfToken }));
    expect(out.status).to.equal(204);
    expect(out.headers['set-cookie']?.[0]).to.match(
      /^__Host-fuota_session=; Path=\/; Max-Age=0; HttpOnly; Secure; SameSite=Strict$/,
    );
    const after = await t.client.get('/api/v1/fleet', { ...withCookie(cookie), localAddress: '127.0.0.7' });
    expect([after.status, JSON.parse(after.text).code]).to.deep.equal([403, 'session-expired']);
    expect(after.headers['set-cookie']?.[0]).to.match(/Max-Age=0/);
    expect(after.headers['www-authenticate']).to.equal(undefined);
  });

  it('counts a cookie that names no session as a failed authentication', async () => {
    const address = '127.0.0.8';
    const forged = '__Host-fuota_session=' + 'A'.repeat(64);
    for (let i = 0; i < 3; i += 1) {
      const res = await t.client.get('/api/v1/fleet', { ...withCookie(forged), localAddress: address });
      expect(res.status).to.equal(403);
    }
    const limited = await t.client.get('/api/v1/fleet', { ...withCookie(forged), localAddress: address });
    expect(limited.status).to.equal(429);
  });

  it('lets a live session through while the same address fails without any credential, and answers GET /api/v1/session without one 404, uncounted', async () => {
    const address = '127.0.0.9';
    const res = await signIn(TEST_CREDENTIAL.username, TEST_CREDENTIAL.password, address);
    const cookie = cookieOf(res);
    // A page of another site making the operator's browser fetch the server without credentials,
    // or devices behind the same NAT that lost theirs.
    for (let i = 0; i < 5; i += 1) {
      expect((await t.client.get('/api/v1/fleet', { auth: null, localAddress: address })).status).to.be.oneOf([
        403, 429,
      ]);
    }
    expect((await t.client.get('/api/v1/fleet', { auth: null, localAddress: address })).status).to.equal(429);
    const live = await t.client.get('/api/v1/fleet', { ...withCookie(cookie), localAddress: address });
    expect(live.status, live.text).to.equal(200);
    // What the dashboard asks before anyone signed in is no failure.
    const fresh = '127.0.0.10';
    for (let i = 0; i < 5; i += 1) {
      const none = await t.client.get('/api/v1/session', { auth: null, localAddress: fresh });
      expect([none.status, JSON.parse(none.text).code]).to.deep.equal([404, 'session-not-found']);
    }
    expect((await signIn(TEST_CREDENTIAL.username, TEST_CREDENTIAL.password, fresh)).status).to.equal(201);
  });

  it('takes any session cookie that names a live session (a shadowing or stale one first does not lock it out)', async () => {
    const res = await signIn(TEST_CREDENTIAL.username, TEST_CREDENTIAL.password, '127.0.0.11');
    const live = cookieOf(res);
    const stale = `__Host-fuota_session=${'B'.repeat(64)}`;
    const both = await t.client.get('/api/v1/fleet', withCookie(`${stale}; bad=1; __Host-fuota_session=x!y; ${live}`));
    expect(both.status, both.text).to.equal(200);
    // The old name (or any other cookie) is no session at all.
    const other = await t.client.get('/api/v1/fleet', withCookie(live.replace('__Host-', '')));
    expect([other.status, JSON.parse(other.text).code]).to.deep.equal([403, 'unauthenticated']);
  });

  it('ends the session the browser had when it signs in again', async () => {
    const first = cookieOf(await signIn(TEST_CREDENTIAL.username, TEST_CREDENTIAL.password, '127.0.0.12'));
    const again = await t.client.send('/api/v1/session', {
      method: 'POST',
      auth: null,
      headers: { ...JSON_TYPE, Cookie: first },
      body: JSON.stringify(TEST_CREDENTIAL),
      localAddress: '127.0.0.12',
    });
    expect(again.status).to.equal(201);
    expect((await t.client.get('/api/v1/fleet', withCookie(first))).status).to.equal(403);
    expect((await t.client.get('/api/v1/fleet', withCookie(cookieOf(again)))).status).to.equal(200);
  });

  it('logs whom a sign-in claims to be, never a secret typed into the user name', async () => {
    const secret = 'E7dPYDe8-n7faFzL_QUPGTF7IO6pC6EW';
    const res = await signIn(`kitchen-lamp:${secret}`, 'anything', '127.0.0.13');
    expect(res.status).to.equal(403);
    // The request's line is made shortly after its answer (see FinishedRequests).
    await eventually(async () => t.logger.lines.join('\n').includes('kitchen-lamp'), 'the sign-in line');
    const lines = t.logger.lines.join('\n');
    expect(lines).not.to.include(secret);
    expect(lines).to.include('kitchen-lamp');
  });

  it('ends an event stream opened with the session when the session ends', async () => {
    const res = await signIn(TEST_CREDENTIAL.username, TEST_CREDENTIAL.password, '127.0.0.14');
    const cookie = cookieOf(res);
    const { csrfToken } = JSON.parse(res.text) as { csrfToken: string };
    const ended = await eventStreamEndsAfter(
      t,
      cookie,
      () => void t.client.delete('/api/v1/session', withCookie(cookie, { 'X-CSRF-Token': csrfToken })),
      5000,
    );
    expect(ended, 'the stream ended after sign-out').to.equal(true);
  });

  it('sends no-store and nosniff on the API answers the cookie reads', async () => {
    const res = await signIn(TEST_CREDENTIAL.username, TEST_CREDENTIAL.password, '127.0.0.15');
    for (const path of ['/api/v1/fleet', '/api/v1/devices', '/api/v1/session', '/devices']) {
      const answer = await t.client.get(path, withCookie(cookieOf(res)));
      expect([path, answer.headers['cache-control'], answer.headers['x-content-type-options']]).to.deep.equal([
        path,
        'no-store',
        'nosniff',
      ]);
    }
  });

  it('records sign-ins and sign-outs in the audit log, with who and from where (not failed ones)', async () => {
    const address = '127.0.0.16';
    const res = await signIn(TEST_CREDENTIAL.username, TEST_CREDENTIAL.password, address);
    const { csrfToken } = JSON.parse(res.text) as { csrfToken: string };
    expect((await signIn(TEST_CREDENTIAL.username, 'wrong', address)).status).to.equal(403);
    const out = await t.client.delete('/api/v1/session', {
      ...withCookie(cookieOf(res), { 'X-CSRF-Token': csrfToken }),
      localAddress: address,
    });
    expect(out.status).to.equal(204);
    const records = (
      JSON.parse((await t.client.get('/api/v1/audit?latest=2')).text) as {
        items: { action: string; actor: string; target: string; address: string }[];
      }
    ).items;
    expect(records.map(({ action, actor, target, address: from }) => [action, actor, target, from])).to.deep.equal([
      ['session.sign-in', TEST_CREDENTIAL.username, TEST_CREDENTIAL.username, address],
      ['session.sign-out', TEST_CREDENTIAL.username, TEST_CREDENTIAL.username, address],
    ]);
  });
});
