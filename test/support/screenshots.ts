import { mkdir, readdir, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';

/*
 * Screenshots of the dashboard's pages, for a person to look at (a CI run keeps them as
 * artifacts): every page at a desktop's width and a phone's.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** `FUOTA_SCREENSHOT_DIR`, or dist/screenshots in the repository. */
export function screenshotDir(): string {
  const chosen = process.env.FUOTA_SCREENSHOT_DIR;
  return chosen !== undefined && chosen !== '' ? resolve(chosen) : join(ROOT, 'dist', 'screenshots');
}

export const DESKTOP = { width: 1280, height: 800 } as const;
export const PHONE = { width: 390, height: 844 } as const;

export interface ScreenshotResult {
  readonly desktop: string;
  readonly phone: string;
  /** How many CSS pixels the page is wider than the phone's screen (0: nothing scrolls sideways). */
  readonly phoneOverflow: number;
}

/** Waits for the layout to settle after a resize (two animation frames, and fonts). */
async function settle(page: Page): Promise<void> {
  await page.evaluate(
    () =>
      new Promise<void>((done) => {
        const frame = (globalThis as unknown as { requestAnimationFrame(callback: () => void): number })
          .requestAnimationFrame;
        frame(() => frame(() => done()));
      }),
  );
}

/**
 * Writes `<name>-desktop.png` (1280x800) and `<name>-phone.png` (390x844) of the whole page as
 * it stands, and puts the desktop viewport back.
 */
export async function screenshotPage(page: Page, name: string): Promise<ScreenshotResult> {
  const dir = screenshotDir();
  await mkdir(dir, { recursive: true });
  const desktop = join(dir, `${name}-desktop.png`);
  const phone = join(dir, `${name}-phone.png`);
  await page.setViewportSize(DESKTOP);
  await settle(page);
  await page.screenshot({ path: desktop, fullPage: true, animations: 'disabled' });
  await page.setViewportSize(PHONE);
  await settle(page);
  const phoneOverflow = await page.evaluate(() => {
    const root = (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document
      .documentElement;
    return Math.max(0, root.scrollWidth - (globalThis as unknown as { innerWidth: number }).innerWidth);
  });
  await page.screenshot({ path: phone, fullPage: true, animations: 'disabled' });
  await page.setViewportSize(DESKTOP);
  await settle(page);
  return { desktop, phone, phoneOverflow };
}

/**
 * Where a failed test's screenshot goes: always dist/screenshots/failures (never
 * FUOTA_SCREENSHOT_DIR, which `npm run screenshots` points at docs/screenshots).
 */
export const FAILURE_DIR = join(ROOT, 'dist', 'screenshots', 'failures');

const failureName = (title: string) => title.replace(/[^A-Za-z0-9]+/g, '-').slice(0, 100);

/**
 * A screenshot of the page when a test failed (`<suite>-<title>.png` in FAILURE_DIR, `suite`
 * naming the test file), to see what it showed.
 */
export async function screenshotFailure(page: Page | undefined, suite: string, title: string): Promise<void> {
  if (page === undefined || page.isClosed()) return;
  await mkdir(FAILURE_DIR, { recursive: true });
  const path = join(FAILURE_DIR, `${failureName(`${suite} ${title}`)}.png`);
  await page.screenshot({ path, fullPage: true }).catch(() => {});
  console.warn(`      (the page when it failed: ${path})`);
}

/** Removes the failure screenshots an earlier run of `suite` left, so that those there are this run's. */
export async function clearFailureScreenshots(suite: string): Promise<void> {
  const prefix = `${failureName(suite)}-`;
  const names = await readdir(FAILURE_DIR).catch(() => [] as string[]);
  await Promise.all(names.filter((n) => n.startsWith(prefix)).map((n) => rm(join(FAILURE_DIR, n), { force: true })));
}
