import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import type { Dashboard } from '../support/browser.js';
import {
  launchChromium,
  loginForm,
  openDashboard,
  requireChromium,
  signIn,
  textOf,
  waitUntil,
} from '../support/browser.js';
import { clearFailureScreenshots, screenshotFailure } from '../support/screenshots.js';
import type { RunningTestServer } from '../support/test-server.js';
import { startTestServer, TEST_CREDENTIAL } from '../support/test-server.js';

/**
 * The server goes away while the dashboard is open, then comes back (same port, same data): the
 * page says it lost contact rather than showing stale figures as current, and once the server
 * answers again it says why the operator must sign in again (sessions live in the server's
 * memory), not that they signed out.
 */
describe('Dashboard in a browser: the server restarts under an open page', function () {
  let browser: Browser;
  let dashboard: Dashboard;
  let first: RunningTestServer | undefined;
  let second: RunningTestServer | undefined;

  before(async function () {
    requireChromium(this);
    first = await startTestServer({ storage: 'disk' });
    browser = await launchChromium();
    dashboard = await openDashboard(browser, first.server.address.port);
    await clearFailureScreenshots('restart');
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed')
      await screenshotFailure(dashboard?.page, 'restart', this.currentTest.title);
  });

  after(async () => {
    await browser?.close();
    if (second !== undefined) await second.stop();
    else await first?.stop();
  });

  it('says it lost contact while the server is down', async () => {
    const page = dashboard.page;
    await page.goto('/ui/');
    await signIn(page, TEST_CREDENTIAL);
    await page.getByTestId('fleet-devices').waitFor({ state: 'visible' });
    await waitUntil(
      () => page.locator('main').getByText('Live', { exact: true }).count(),
      (n) => n > 0,
      'the page says its live updates are connected',
    );
    await first!.server.stop();
    const banner = page.getByTestId('lost-contact');
    await waitUntil(
      () => banner.count(),
      (n) => n > 0,
      'the page shows that it lost contact with the server',
    );
    expect(await textOf(banner)).to.include('Lost contact with the server');
  });

  it('asks to sign in again once the server is back, saying the session ended (not "signed out")', async () => {
    const port = first!.server.address.port;
    second = await startTestServer({ dataDir: first!.dataDir, port });
    const page = dashboard.page;
    await loginForm(page).submit.waitFor({ state: 'visible', timeout: 20_000 });
    const said = await textOf(page.locator('main'));
    expect(said).to.include('Your session has ended');
    expect(said).not.to.include('You are signed out');
    await signIn(page, TEST_CREDENTIAL);
    await page.getByTestId('fleet-devices').waitFor({ state: 'visible' });
  });
});
