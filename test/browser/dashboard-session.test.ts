import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import type { Dashboard } from '../support/browser.js';
import {
  launchChromium,
  loginForm,
  openDashboard,
  requireChromium,
  sections,
  signIn,
  submitLogin,
  textOf,
  waitUntil,
} from '../support/browser.js';
import { clearFailureScreenshots, screenshotFailure } from '../support/screenshots.js';
import type { RunningTestServer } from '../support/test-server.js';
import { startTestServer, TEST_CREDENTIAL, TEST_DEVICE_CREDENTIAL } from '../support/test-server.js';

const SESSION_COOKIE = '__Host-fuota_session';

/** The page's globals the tests read, typed here (the tests compile without the DOM library). */
interface PageGlobals {
  document: { cookie: string; body: { append(node: unknown): void }; createElement(tag: string): { text: string } };
  localStorage: { length: number; key(index: number): string | null; getItem(key: string): string | null };
  sessionStorage: { length: number; key(index: number): string | null; getItem(key: string): string | null };
  __inlineRan?: boolean;
}

/** A request the page makes itself with fetch (the page's cookie goes along; no CSRF token unless given). */
interface FetchAnswer {
  status: number;
  code: string | undefined;
  retryAfter: string | null;
}

async function fetchFromPage(
  dashboard: Dashboard,
  path: string,
  init: { method: string; body?: string; headers?: Record<string, string> },
): Promise<FetchAnswer> {
  return dashboard.page.evaluate(
    async ({ path, init }) => {
      const response = await fetch(path, { ...init, credentials: 'same-origin' });
      const text = await response.text();
      let code: string | undefined;
      try {
        code = (JSON.parse(text) as { code?: string }).code;
      } catch {
        code = undefined;
      }
      return { status: response.status, code, retryAfter: response.headers.get('Retry-After') };
    },
    { path, init },
  );
}

/** The directives of a Content-Security-Policy header, by name. */
function cspDirectives(header: string): Map<string, string[]> {
  const directives = new Map<string, string[]>();
  for (const part of header.split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name !== undefined && name !== '' && !directives.has(name.toLowerCase())) {
      directives.set(name.toLowerCase(), values);
    }
  }
  return directives;
}

/**
 * The dashboard's sign-in in a real Chromium: refusals, the session cookie's attributes, what
 * the page keeps (nothing of the password), CSRF, sign-out ending the session on the server, the
 * Content-Security-Policy, and that the page talks to no other host.
 */
describe('Dashboard in a browser: sign-in, session cookie, CSRF, CSP', function () {
  this.timeout(60_000);
  let t: RunningTestServer | undefined;
  let browser: Browser | undefined;
  let dashboard: Dashboard;
  /** The session cookie's value while signed in, to try again after sign-out. */
  let signedInCookie: string;

  before(async function () {
    requireChromium(this);
    await clearFailureScreenshots('session');
    t = await startTestServer();
    browser = await launchChromium();
    dashboard = await openDashboard(browser, t.server.address.port);
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed')
      await screenshotFailure(dashboard?.page, 'session', this.currentTest.title);
  });
  after(async () => {
    await browser?.close();
    await t?.stop();
  });

  const page = () => dashboard.page;
  const sessionCookies = async () => (await dashboard.context.cookies()).filter((c) => c.name === SESSION_COOKIE);

  it('sends a browser that opens the server root to /ui/, the login page', async () => {
    const response = await page().goto('/');
    expect(response?.status(), 'the page /ui/ after the redirect').to.equal(200);
    expect(page().url()).to.equal(`${dashboard.origin}/ui/`);
    const form = loginForm(page());
    await form.username.waitFor({ state: 'visible' });
    await form.password.waitFor({ state: 'visible' });
    await form.submit.waitFor({ state: 'visible' });
    expect(await sections(page()).count(), 'the signed-in navigation before sign-in').to.equal(0);
  });

  it('serves the pages with a Content-Security-Policy that runs no inline script', async () => {
    for (const path of ['/ui/', '/ui/devices']) {
      const response = await page().goto(path);
      expect(response?.status(), path).to.equal(200);
      const header = response?.headers()['content-security-policy'];
      expect(header, `${path}: Content-Security-Policy header`).to.be.a('string');
      const directives = cspDirectives(header as string);
      const scriptSrc = directives.get('script-src') ?? directives.get('default-src');
      expect(scriptSrc, `${path}: script-src (or default-src) in "${header}"`).to.not.equal(undefined);
      for (const loophole of ["'unsafe-inline'", "'unsafe-eval'", '*', 'data:', 'http:', 'https:']) {
        expect(scriptSrc, `${path}: script-src in "${header}"`).to.not.include(loophole);
      }
    }
    // The policy holds in the browser: an inline script the page were tricked into adding does not run.
    await loginForm(page()).username.waitFor({ state: 'visible' });
    const ran = await page().evaluate(() => {
      const g = globalThis as unknown as PageGlobals;
      const script = g.document.createElement('script');
      script.text = 'window.__inlineRan = true';
      g.document.body.append(script);
      return g.__inlineRan === true;
    });
    expect(ran, 'an inline <script> ran despite the policy').to.equal(false);
    expect(dashboard.record.cspViolations.join('\n'), 'the refused inline script is reported').to.match(
      /Content.Security.Policy/i,
    );
    dashboard.record.cspViolations.length = 0;
  });

  it('refuses a wrong password in words, keeps no cookie and clears the password field', async () => {
    await page().goto('/ui/');
    await submitLogin(page(), { username: TEST_CREDENTIAL.username, password: 'not the password' });
    const alert = page().getByRole('alert');
    await alert.waitFor({ state: 'visible' });
    expect(await textOf(alert)).to.match(/wrong|password|credential/i);
    expect(await sessionCookies(), 'cookies after a refused sign-in').to.deep.equal([]);
    expect(await loginForm(page()).password.inputValue(), 'the password field after a refusal').to.equal('');
    expect(await sections(page()).count()).to.equal(0);
  });

  it('refuses a device credential: devices cannot sign in to the dashboard', async () => {
    await page().goto('/ui/');
    await submitLogin(page(), TEST_DEVICE_CREDENTIAL);
    const alert = page().getByRole('alert');
    await alert.waitFor({ state: 'visible' });
    expect(await textOf(alert)).to.match(/operator|device/i);
    expect(await sessionCookies(), 'cookies after a device credential').to.deep.equal([]);
    expect(await sections(page()).count()).to.equal(0);
  });

  it('signs the operator in with an HttpOnly, Secure, SameSite=Strict cookie that expires', async () => {
    await page().goto('/ui/');
    const before = Date.now() / 1000;
    await submitLogin(page(), TEST_CREDENTIAL);
    await sections(page()).waitFor({ state: 'visible' });
    for (const label of ['Fleet', 'Devices', 'Files', 'Rollouts', 'Audit log']) {
      expect(await sections(page()).getByRole('link', { name: label, exact: true }).count(), label).to.equal(1);
    }
    await page().getByRole('button', { name: 'Sign out' }).waitFor({ state: 'visible' });
    expect(await textOf(page().locator('header'))).to.include(TEST_CREDENTIAL.username);

    const cookies = await sessionCookies();
    expect(cookies, 'the session cookie').to.have.length(1);
    const cookie = cookies[0]!;
    expect(cookie).to.include({ httpOnly: true, secure: true, sameSite: 'Strict', path: '/' });
    expect(cookie.value, 'the cookie carries a token').to.match(/^[A-Za-z0-9_-]{16,}$/);
    // An expiry (Max-Age), not a cookie that lives as long as the browser: -1 means none.
    expect(cookie.expires, 'the cookie expiry').to.be.greaterThan(before + 60);
    expect(cookie.expires, 'the cookie expiry').to.be.at.most(before + 31 * 24 * 3600);
    signedInCookie = cookie.value;
  });

  it('keeps the cookie from scripts, and neither the password nor the token in storage', async () => {
    const seen = await page().evaluate(() => {
      const g = globalThis as unknown as PageGlobals;
      const dump = (storage: PageGlobals['localStorage']) => {
        const entries: string[] = [];
        for (let i = 0; i < storage.length; i += 1) {
          const key = storage.key(i) ?? '';
          entries.push(`${key}=${storage.getItem(key) ?? ''}`);
        }
        return entries.join('\n');
      };
      return { cookie: g.document.cookie, local: dump(g.localStorage), session: dump(g.sessionStorage) };
    });
    expect(seen.cookie, 'document.cookie').to.not.include(SESSION_COOKIE);
    expect(seen.cookie, 'document.cookie').to.not.include(signedInCookie);
    for (const [where, text] of [
      ['localStorage', seen.local],
      ['sessionStorage', seen.session],
    ] as const) {
      expect(text, where).to.not.include(TEST_CREDENTIAL.password);
      expect(text, where).to.not.include(signedInCookie);
    }
  });

  it('resumes the session after a reload (the cookie, not page state, signs in)', async () => {
    await page().reload();
    await sections(page()).waitFor({ state: 'visible' });
    expect(await loginForm(page()).submit.count()).to.equal(0);
  });

  it('refuses a change sent with the cookie but without the X-CSRF-Token (403 csrf-token-mismatch)', async () => {
    const patch = { method: 'PATCH', body: JSON.stringify({ note: 'from another site' }) };
    const json = { 'Content-Type': 'application/json' };
    const forged = await fetchFromPage(dashboard, '/api/v1/devices/x', { ...patch, headers: json });
    expect(forged, 'PATCH with the cookie, without the token').to.deep.include({
      status: 403,
      code: 'csrf-token-mismatch',
    });
    const wrong = await fetchFromPage(dashboard, '/api/v1/devices/x', {
      ...patch,
      headers: { ...json, 'X-CSRF-Token': 'not-the-token' },
    });
    expect(wrong, 'PATCH with a wrong token').to.deep.include({ status: 403, code: 'csrf-token-mismatch' });
    // With the session's token the same request gets past authentication: the device is unknown.
    const token = await page().evaluate(async () => {
      const response = await fetch('/api/v1/session', { credentials: 'same-origin' });
      return ((await response.json()) as { csrfToken: string }).csrfToken;
    });
    const honest = await fetchFromPage(dashboard, '/api/v1/devices/x', {
      ...patch,
      headers: { ...json, 'X-CSRF-Token': token },
    });
    expect(honest, 'PATCH with the token').to.deep.include({ status: 404, code: 'device-not-found' });
    // Reads need no token.
    const read = await fetchFromPage(dashboard, '/api/v1/fleet', { method: 'GET' });
    expect(read.status, 'GET /api/v1/fleet with the cookie').to.equal(200);
  });

  /** In another tab of the browser: signs out, then in again (a new session, with a new CSRF token). */
  async function signInAgain(other: Page): Promise<void> {
    await other.goto('/ui/');
    await sections(other).waitFor({ state: 'visible' });
    await other.getByRole('button', { name: 'Sign out' }).click();
    await loginForm(other).submit.waitFor({ state: 'visible' });
    await signIn(other, TEST_CREDENTIAL);
  }

  it("keeps a tab working after a sign-out and sign-in in another: it takes the new session's token", async () => {
    // Before: the old tab sent its old token with the new cookie, and every change was refused
    // (403 csrf-token-mismatch) until a reload. Here the change is its Sign out, which then ended
    // nothing: the new session stayed signed in.
    const other = await dashboard.context.newPage();
    try {
      await signInAgain(other);
      const renewed = await sessionCookies();
      expect(renewed, 'the new session').to.have.length(1);
      await page().getByRole('button', { name: 'Sign out' }).click();
      await loginForm(page()).submit.waitFor({ state: 'visible' });
      expect(await sessionCookies(), 'the session cookie after the old tab signed out').to.deep.equal([]);
      // The server ended the new session: its cookie, replayed, is refused.
      const replay = await t!.client.send('/api/v1/session', {
        auth: null,
        headers: { Cookie: `${SESSION_COOKIE}=${renewed[0]?.value ?? ''}`, Accept: 'application/json' },
      });
      expect(replay.status, `GET /api/v1/session with the new session's cookie: ${replay.text}`).to.equal(403);
    } finally {
      await other.close();
    }
    await signIn(page(), TEST_CREDENTIAL);
    signedInCookie = (await sessionCookies())[0]?.value ?? '';
  });

  it('uploads from a tab after a sign-out and sign-in in another: the upload takes the new token too', async () => {
    // Before: the page's other changes were asked again with the new session's token, and its
    // uploads (XMLHttpRequest, for their progress) were refused 403 csrf-token-mismatch.
    await page().goto('/ui/files');
    const chooser = page().getByLabel('Firmware file');
    await chooser.waitFor({ state: 'visible' });
    const other = await dashboard.context.newPage();
    try {
      await signInAgain(other);
    } finally {
      await other.close();
    }
    await chooser.setInputFiles({
      name: 'notes.txt',
      mimeType: 'application/octet-stream',
      buffer: Buffer.from('notes'),
    });
    await page().getByLabel('Store without validating (not an application image)').check();
    await page().getByRole('button', { name: 'Upload', exact: true }).click();
    const verdict = await waitUntil(
      () => textOf(page().getByTestId('upload-verdict')),
      (text) => text !== '',
      'the upload verdict',
    );
    expect(verdict).to.match(/^Stored notes\.txt/);
    expect((await t!.client.get('/files/notes.txt')).text).to.equal('notes');
    signedInCookie = (await sessionCookies())[0]?.value ?? '';
  });

  it('signs out: the login page again, the cookie gone, and the old cookie refused by the server', async () => {
    await page().getByRole('button', { name: 'Sign out' }).click();
    await loginForm(page()).submit.waitFor({ state: 'visible' });
    expect(await sections(page()).count(), 'the signed-in navigation after sign-out').to.equal(0);
    expect(await sessionCookies(), 'the session cookie after sign-out').to.deep.equal([]);
    // A reload stays signed out.
    await page().reload();
    await loginForm(page()).submit.waitFor({ state: 'visible' });
    // The server forgot the session: its cookie, replayed, is refused.
    const replay = await t!.client.send('/api/v1/session', {
      auth: null,
      headers: { Cookie: `${SESSION_COOKIE}=${signedInCookie}`, Accept: 'application/json' },
    });
    expect(replay.status, `GET /api/v1/session with the old cookie: ${replay.text}`).to.equal(403);
    const change = await t!.client.send('/api/v1/fleet', {
      auth: null,
      headers: { Cookie: `${SESSION_COOKIE}=${signedInCookie}` },
    });
    expect(change.status, 'GET /api/v1/fleet with the old cookie').to.equal(403);
  });

  it('asked no other host than the server, and logged no error', () => {
    expect(dashboard.record.requests.length, 'requests recorded').to.be.greaterThan(0);
    const foreign = dashboard.record.requests.filter((url) => !url.startsWith(`${dashboard.origin}/`));
    expect(foreign, 'requests to another origin').to.deep.equal([]);
    expect(dashboard.record.pageErrors, 'uncaught errors in the page').to.deep.equal([]);
    expect(dashboard.record.dialogs, 'dialogs').to.deep.equal([]);
    expect(dashboard.record.cspViolations, 'CSP violations').to.deep.equal([]);
  });

  it('throttles repeated wrong passwords (429 with Retry-After) and says so on the login page', async () => {
    await page().goto('/ui/');
    await loginForm(page()).submit.waitFor({ state: 'visible' });
    let answer: FetchAnswer | undefined;
    for (let n = 0; n < 60; n += 1) {
      answer = await fetchFromPage(dashboard, '/api/v1/session', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ username: TEST_CREDENTIAL.username, password: `guess ${n}` }),
      });
      if (answer.status !== 403) break;
      expect(answer.code, `guess ${n}`).to.equal('unauthenticated');
    }
    expect(answer, 'the answer once the guesses pile up').to.deep.include({
      status: 429,
      code: 'too-many-failed-authentications',
    });
    expect(Number(answer?.retryAfter), 'Retry-After').to.be.greaterThan(0);
    // Even the right password is refused during the cool-down, and the page says why.
    await submitLogin(page(), TEST_CREDENTIAL);
    const alert = page().getByRole('alert');
    await alert.waitFor({ state: 'visible' });
    expect(await textOf(alert)).to.match(/too many|retry/i);
    expect(await sessionCookies()).to.deep.equal([]);
  });
});
