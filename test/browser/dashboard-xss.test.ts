import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import type { Dashboard } from '../support/browser.js';
import { launchChromium, openDashboard, requireChromium, sections, signIn, waitUntil } from '../support/browser.js';
import { buildEspImage } from '../support/esp-image-builder.js';
import { clearFailureScreenshots, screenshotFailure } from '../support/screenshots.js';
import type { RunningTestServer } from '../support/test-server.js';
import { startTestServer, TEST_CREDENTIAL } from '../support/test-server.js';

/*
 * Text from devices and images is the attacker's: a device reports any version it likes, an
 * image names any project. Every such string must reach the page as text. Each payload sets
 * window.__xss if it ever runs; the page's CSP would stop most of them, so the tests also look
 * for the elements an HTML interpretation would have made, and for the CSP's reports of refused
 * scripts, which would mean the page tried to run one.
 */

/** A device's reported version (app_ver: 1-31 printable ASCII, no double quote). */
const VERSION_IMG = '<img src=x onerror=__xss=1>';
const VERSION_SCRIPT = '<script>__xss=3</script>';
/** The uploaded image's project name (esp_app_desc_t.project_name: 32 bytes with its NUL). */
const PROJECT = '<img src=x onerror=__xss=2>';
/** The uploaded image's version, which a third device runs. */
const IMAGE_VERSION = '<svg onload=__xss=8>';
/** Tags: 1-64 printable ASCII without spaces. */
const TAG_BOLD = '<b>bold</b>';
const TAG_IMG = '<img/src=x/onerror=__xss=4>';
const NOTE = '<img src=x onerror="window.__xss=5"><script>window.__xss=6</script> & "quotes"';
const ROLLOUT_NAME = '<svg onload=__xss=7><script>__xss=9</script>';
const FILE_PATH = 'xss/evil-image.bin';

const DEVICE_IMG = 'xss-img';
const DEVICE_SCRIPT = 'xss-script';
const DEVICE_IMAGE = 'xss-image';
const DEVICE_NOTES = 'xss-notes';

/** What an HTML interpretation of any payload would have left in the document. */
interface Injected {
  xss: unknown;
  elements: string[];
}

async function injectedOn(page: Page): Promise<Injected> {
  return page.evaluate(() => {
    interface Node {
      outerHTML: string;
      textContent: string | null;
    }
    const g = globalThis as unknown as {
      __xss?: unknown;
      document: { querySelectorAll(selector: string): ArrayLike<Node> };
    };
    const found: string[] = [];
    for (const node of Array.from(g.document.querySelectorAll('[onerror], [onload], img[src="x"]'))) {
      found.push(node.outerHTML.slice(0, 200));
    }
    for (const script of Array.from(g.document.querySelectorAll('script'))) {
      if ((script.textContent ?? '').includes('__xss')) found.push(script.outerHTML.slice(0, 200));
    }
    // The tag <b>bold</b> as an element rather than text.
    for (const bold of Array.from(g.document.querySelectorAll('b'))) {
      if (bold.textContent === 'bold') found.push(bold.outerHTML);
    }
    return { xss: g.__xss, elements: found };
  });
}

/**
 * Whether `text` is on the page as text: in a visible element (page.getByText), or as the value
 * of a form field (a note being edited in a textarea).
 */
async function showsLiterally(page: Page, text: string): Promise<boolean> {
  if ((await page.getByText(text).filter({ visible: true }).count()) > 0) return true;
  return page.evaluate((wanted) => {
    const g = globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<{ value: string }> } };
    return Array.from(g.document.querySelectorAll('input, textarea')).some((field) => field.value.includes(wanted));
  }, text);
}

describe('Dashboard in a browser: strings from devices and images are shown as text, never run', function () {
  this.timeout(60_000);
  let t: RunningTestServer | undefined;
  let browser: Browser | undefined;
  let dashboard: Dashboard;
  let rolloutId: string;

  before(async function () {
    requireChromium(this);
    await clearFailureScreenshots('xss');
    t = await startTestServer({ fleet: { flushIntervalMs: 100 } });
    const client = t.client;
    const image = buildEspImage({ projectName: PROJECT, version: IMAGE_VERSION, seed: 7 });
    const stored = await client.put(`/files/${FILE_PATH}`, image, 'application/octet-stream');
    expect(stored.status, `upload of the image named ${PROJECT}: ${stored.text}`).to.equal(200);
    const entry = JSON.parse((await client.get(`/api/v1/files/${FILE_PATH}`)).text) as {
      image: { projectName: string; version: string } | null;
    };
    expect(entry.image, 'the stored image facts').to.deep.include({ projectName: PROJECT, version: IMAGE_VERSION });

    // Devices check in with hostile versions (the device adapter, as esp32-fuota sends it).
    for (const [id, version] of [
      [DEVICE_IMG, VERSION_IMG],
      [DEVICE_SCRIPT, VERSION_SCRIPT],
      [DEVICE_IMAGE, IMAGE_VERSION],
      [DEVICE_NOTES, '1.0.0'],
    ] as const) {
      const check = await client.get(`/devices/${id}?app_ver=${encodeURIComponent(version)}`);
      expect(check.status, `${id} checks with ${version}: ${check.text}`).to.equal(404);
    }
    const patched = await client.send(`/api/v1/devices/${DEVICE_NOTES}`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ tags: [TAG_BOLD, TAG_IMG], note: NOTE }),
    });
    expect(patched.status, `PATCH tags and note: ${patched.text}`).to.equal(200);
    const created = await client.send('/api/v1/rollouts', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: ROLLOUT_NAME, file: FILE_PATH, includeUnknownImages: true }),
    });
    expect(created.status, `a rollout named ${ROLLOUT_NAME}: ${created.text}`).to.equal(201);
    rolloutId = (JSON.parse(created.text) as { id: string }).id;
    // The devices' checks reach the inventory's reads within its flush interval.
    const listed = await waitUntil(
      async () => (JSON.parse((await client.get('/api/v1/fleet')).text) as { devices: number }).devices,
      (devices) => devices === 4,
      'the four devices in the fleet summary',
    );
    expect(listed).to.equal(4);

    browser = await launchChromium();
    dashboard = await openDashboard(browser, t.server.address.port);
    await signIn(dashboard.page, TEST_CREDENTIAL);
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await screenshotFailure(dashboard?.page, 'xss', this.currentTest.title);
  });
  after(async () => {
    await browser?.close();
    await t?.stop();
  });

  /**
   * Opens a page with `open` (an address, or a link followed as an operator would), waits until
   * each of `shown` appears on it as text, then checks that nothing of any payload ran.
   */
  async function visit(what: string, open: (page: Page) => Promise<void>, shown: readonly string[]): Promise<void> {
    const page = dashboard.page;
    await open(page);
    await sections(page).waitFor({ state: 'visible' });
    for (const text of shown) {
      await waitUntil(
        () => showsLiterally(page, text),
        (seen) => seen,
        `${what} (${page.url()}) shows ${JSON.stringify(text)} as text`,
      );
    }
    const injected = await injectedOn(page);
    expect(injected.xss, `${what}: window.__xss (a payload ran)`).to.equal(undefined);
    expect(injected.elements, `${what}: elements made of a payload`).to.deep.equal([]);
    expect(dashboard.record.dialogs, `${what}: dialogs`).to.deep.equal([]);
    expect(dashboard.record.cspViolations, `${what}: scripts the CSP had to refuse`).to.deep.equal([]);
    expect(dashboard.record.pageErrors, `${what}: uncaught errors`).to.deep.equal([]);
  }

  const goto = (path: string) => async (page: Page) => {
    await page.goto(path);
  };
  /** Follows the link named `name` from the page at `from` (client-side navigation). */
  const follow = (from: string, name: string) => async (page: Page) => {
    await page.goto(from);
    await page.getByRole('link', { name, exact: true }).first().click();
  };

  it('fleet page: the versions and the project name', async () => {
    await visit('fleet page', goto('/ui/'), [VERSION_IMG, VERSION_SCRIPT, IMAGE_VERSION, PROJECT]);
  });

  it('devices page: the running versions and the tags', async () => {
    await visit('devices page', goto('/ui/devices'), [VERSION_IMG, VERSION_SCRIPT, IMAGE_VERSION, TAG_BOLD, TAG_IMG]);
  });

  it('devices page: an address it does not understand, said as text, the listing unfiltered by it', async () => {
    // Before: `?state=bogus` or `?overdue=sometimes` were left out without a word, and the page
    // listed every device while its address looked filtered; then `overdue=no` (a filter of the
    // API's, "not overdue", that the page does not have) was still.
    const path = `/ui/devices?state=${encodeURIComponent(VERSION_IMG)}&overdue=no&tags=lamp&unassigned=yes`;
    const said = `Left out of this listing, not understood in the address: state=${VERSION_IMG}, overdue=no, tags=lamp.`;
    await visit('devices page with a hostile address', goto(path), [said]);
    // unassigned=yes is understood (the API's spelling): all four devices are unassigned.
    const rows = await waitUntil(
      () => dashboard.page.locator('table tbody tr').count(),
      (count) => count === 4,
      'the four unassigned devices listed',
    );
    expect(rows).to.equal(4);
  });

  it('device pages: the version, and the tags and note operators gave', async () => {
    await visit(`device page ${DEVICE_IMG}`, goto(`/ui/devices/${DEVICE_IMG}`), [VERSION_IMG]);
    await visit(`device page ${DEVICE_SCRIPT}`, goto(`/ui/devices/${DEVICE_SCRIPT}`), [VERSION_SCRIPT]);
    await visit(`device page ${DEVICE_IMAGE}`, goto(`/ui/devices/${DEVICE_IMAGE}`), [IMAGE_VERSION, PROJECT]);
    await visit(`device page ${DEVICE_NOTES}`, goto(`/ui/devices/${DEVICE_NOTES}`), [TAG_BOLD, TAG_IMG, NOTE]);
  });

  it("files page and file page: the image's project name and version", async () => {
    await visit('files page', goto('/ui/files'), [PROJECT, IMAGE_VERSION]);
    await visit('file page', follow('/ui/files', FILE_PATH), [PROJECT, IMAGE_VERSION]);
  });

  it("rollouts page and rollout page: the rollout's name", async () => {
    await visit('rollouts page', goto('/ui/rollouts'), [ROLLOUT_NAME]);
    await visit('rollout page', goto(`/ui/rollouts/${rolloutId}`), [ROLLOUT_NAME]);
  });

  it('audit log: the changes with their hostile details', async () => {
    await visit('audit page', goto('/ui/audit'), [ROLLOUT_NAME, NOTE, PROJECT]);
  });

  it('asked no other host than the server (an <img src=x> would have asked /x)', () => {
    const foreign = dashboard.record.requests.filter((url) => !url.startsWith(`${dashboard.origin}/`));
    expect(foreign, 'requests to another origin').to.deep.equal([]);
    const images = dashboard.record.requests.filter((url) => /\/x$/.test(new URL(url).pathname));
    expect(images, 'requests for the payloads\' image "x"').to.deep.equal([]);
  });
});
