import { expect } from 'chai';
import type { HttpResponse } from '../support/https-client.js';
import type { RunningTestServer } from '../support/test-server.js';
import { startTestServer, TEST_CREDENTIAL, TEST_DEVICE_CREDENTIAL } from '../support/test-server.js';

const JSON_TYPE = { 'Content-Type': 'application/json' };

/** The `fuota_session=<token>` pair a sign-in's Set-Cookie carries. */
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
    expect(header).to.match(/^fuota_session=[A-Za-z0-9_-]{64}; /);
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
      /^fuota_session=; Path=\/; Max-Age=0; HttpOnly; Secure; SameSite=Strict$/,
    );
    const after = await t.client.get('/api/v1/fleet', { ...withCookie(cookie), localAddress: '127.0.0.7' });
    expect([after.status, JSON.parse(after.text).code]).to.deep.equal([403, 'session-expired']);
    expect(after.headers['set-cookie']?.[0]).to.match(/Max-Age=0/);
    expect(after.headers['www-authenticate']).to.equal(undefined);
  });

  it('counts a cookie that names no session as a failed authentication', async () => {
    const address = '127.0.0.8';
    const forged = 'fuota_session=' + 'A'.repeat(64);
    for (let i = 0; i < 3; i += 1) {
      const res = await t.client.get('/api/v1/fleet', { ...withCookie(forged), localAddress: address });
      expect(res.status).to.equal(403);
    }
    const limited = await t.client.get('/api/v1/fleet', { ...withCookie(forged), localAddress: address });
    expect(limited.status).to.equal(429);
  });
});
