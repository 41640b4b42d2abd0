import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { chromium } from 'playwright-core';

/*
 * The dashboard's tests run in a real Chromium (Debian's, driven by playwright-core) against a
 * real fuota server in the same process (startTestServer). One browser per test file: launched
 * in `before`, closed in `after`.
 */

/** Debian's Chromium (`apt-get install chromium`; .ci/run installs it). */
export const CHROMIUM_PATH = '/usr/bin/chromium';
export const CHROMIUM_MISSING = `Chromium not found at ${CHROMIUM_PATH}: apt-get install chromium to run the dashboard tests`;

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
/** Where `npm run build:ui` puts the dashboard, which the server serves under /ui/. */
export const DASHBOARD_INDEX = join(ROOT, 'dist', 'ui', 'index.html');

/** How long one wait for the page may take before the test fails saying what it waited for. */
export const PAGE_TIMEOUT_MS = 10_000;

/**
 * Called first in a suite's `before`: skips the suite when Chromium is missing on a developer's
 * machine (saying how to get it); in CI (CI=true) fails instead, so a broken install step cannot
 * hide the dashboard's tests. A dashboard that was not built fails either way.
 */
export function requireChromium(context: Mocha.Context): void {
  if (!existsSync(CHROMIUM_PATH)) {
    if (process.env.CI === 'true') throw new Error(`${CHROMIUM_MISSING} (.ci/run must install it)`);
    console.warn(`      (skipped: ${CHROMIUM_MISSING})`);
    context.skip();
  }
  if (!existsSync(DASHBOARD_INDEX)) {
    throw new Error(
      `the dashboard is not built (${DASHBOARD_INDEX} is missing): run \`npm run build:ui\` (\`npm test\` builds it)`,
    );
  }
}

/** Chromium, headless, with nothing of its own talking to the network (updates, sync, QUIC). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** What a browser context did, for the tests to judge afterwards. */
export interface BrowserRecord {
  /** Every URL the pages asked for (documents, scripts, API calls, the event stream...). */
  readonly requests: string[];
  /** Console messages, as `type: text`. */
  readonly console: string[];
  /** Console messages reporting a Content-Security-Policy violation. */
  readonly cspViolations: string[];
  /** Uncaught exceptions in the pages. */
  readonly pageErrors: string[];
  /** alert/confirm/prompt dialogs that opened (each is dismissed, or accepted when asked). */
  readonly dialogs: string[];
}

export interface Dashboard {
  readonly context: BrowserContext;
  readonly page: Page;
  readonly record: BrowserRecord;
  /** The server's origin, `https://127.0.0.1:<port>`. */
  readonly origin: string;
}

/**
 * A new browser context (its own cookies) on the server at `port`, with one page open at
 * nothing yet. The test server's certificate is self-signed, hence ignoreHTTPSErrors; the
 * page's Content-Security-Policy is enforced (never bypassCSP). Dialogs are dismissed unless
 * `acceptDialogs` (a page that asks "abort this rollout?" gets a yes).
 */
export async function openDashboard(
  browser: Browser,
  port: number,
  options: { readonly acceptDialogs?: boolean } = {},
): Promise<Dashboard> {
  const origin = `https://127.0.0.1:${port}`;
  const context = await browser.newContext({
    ignoreHTTPSErrors: true,
    baseURL: origin,
    viewport: { width: 1280, height: 800 },
    locale: 'en-GB',
    timezoneId: 'UTC',
  });
  context.setDefaultTimeout(PAGE_TIMEOUT_MS);
  const record: BrowserRecord = { requests: [], console: [], cspViolations: [], pageErrors: [], dialogs: [] };
  context.on('request', (request) => record.requests.push(request.url()));
  const watch = (page: Page) => {
    page.on('console', (message) => {
      const line = `${message.type()}: ${message.text()}`;
      record.console.push(line);
      if (/Content.Security.Policy/i.test(message.text())) record.cspViolations.push(line);
    });
    page.on('pageerror', (error) => record.pageErrors.push(String(error)));
    page.on('dialog', (dialog) => {
      record.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
      void (options.acceptDialogs === true ? dialog.accept() : dialog.dismiss()).catch(() => undefined);
    });
  };
  context.on('page', watch);
  const page = await context.newPage();
  return { context, page, record, origin };
}

/** The login form's fields and button, as the page labels them (ui/src/pages/login-page.tsx). */
export function loginForm(page: Page): { username: Locator; password: Locator; submit: Locator } {
  return {
    username: page.getByLabel('User name', { exact: true }),
    password: page.getByLabel('Password', { exact: true }),
    submit: page.getByRole('button', { name: 'Sign in', exact: true }),
  };
}

/** Fills the login form and sends it (the outcome is the caller's to judge). */
export async function submitLogin(page: Page, credential: { username: string; password: string }): Promise<void> {
  const form = loginForm(page);
  await form.username.fill(credential.username);
  await form.password.fill(credential.password);
  await form.submit.click();
}

/** The navigation every signed-in page has (ui/src/components/layout.tsx). */
export function sections(page: Page): Locator {
  return page.getByRole('navigation', { name: 'Sections' });
}

/** Opens /ui/ and signs in; resolves once the signed-in layout shows. */
export async function signIn(page: Page, credential: { username: string; password: string }): Promise<void> {
  await page.goto('/ui/');
  await submitLogin(page, credential);
  await sections(page).waitFor({ state: 'visible' });
}

/**
 * Waits until `read()` (a locator's text, a count...) satisfies `accept`, asking every 100 ms;
 * fails after `timeoutMs` saying what was waited for and the last value seen.
 */
export async function waitUntil<T>(
  read: () => Promise<T>,
  accept: (value: T) => boolean,
  what: string,
  timeoutMs = PAGE_TIMEOUT_MS,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let failure: unknown;
  for (;;) {
    try {
      last = await read();
      failure = undefined;
      if (accept(last)) return last;
    } catch (error) {
      failure = error;
    }
    if (Date.now() > deadline) {
      const seen = failure === undefined ? JSON.stringify(last) : `an error: ${(failure as Error).message}`;
      throw new Error(`still not true after ${timeoutMs} ms: ${what} (last seen: ${seen})`);
    }
    await new Promise((done) => setTimeout(done, 100));
  }
}

/** A locator's text with its white space collapsed (what a person reads). */
export async function textOf(locator: Locator): Promise<string> {
  return ((await locator.textContent()) ?? '').replace(/\s+/g, ' ').trim();
}

/**
 * Marks the current document, so that a test can tell afterwards that what changed on the page
 * changed without a reload (a reload makes a new document, without the mark).
 */
export async function markDocument(page: Page): Promise<void> {
  await page.evaluate(() => {
    (globalThis as unknown as { __fuotaNoReload?: boolean }).__fuotaNoReload = true;
  });
}

/** Whether the document marked by `markDocument` is still the one shown. */
export async function sameDocument(page: Page): Promise<boolean> {
  return page.evaluate(() => (globalThis as unknown as { __fuotaNoReload?: boolean }).__fuotaNoReload === true);
}
