import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { DEFAULT_ATTEMPT_RULES } from '../../src/domain/fleet/attempt-rules.js';
import { expectAccessible } from '../support/accessibility.js';
import type { Dashboard } from '../support/browser.js';
import {
  launchChromium,
  loginForm,
  markDocument,
  openDashboard,
  requireChromium,
  sameDocument,
  sections,
  signIn,
  textOf,
  waitUntil,
} from '../support/browser.js';
import { buildEspImage } from '../support/esp-image-builder.js';
import { loopbackAddress } from '../support/fleet-simulator.js';
import type { FleetDevice, RolloutJson } from '../support/rollout-fleet.js';
import { bucketOf, RolloutApi, RolloutFleet, smallImage } from '../support/rollout-fleet.js';
import { clearFailureScreenshots, screenshotFailure, screenshotPage } from '../support/screenshots.js';
import type { RunningTestServer } from '../support/test-server.js';
import { startTestServer, TEST_CREDENTIAL, TEST_DEVICE_CREDENTIAL, testCertificate } from '../support/test-server.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const REAL_IMAGE = join(ROOT, '..', 'shared', 'fixtures', 'esp-images', 'hmalpani__hello_world.bin');

const BIN = 'application/octet-stream';
const OLD = '1.0.0';
const RUNNING_FILE = 'fw/lamp-1.0.0.bin';
const TARGET_FILE = 'fw/lamp-2.0.0.bin';
const BAD_FILE = 'fw/lamp-3.0.0.bin';
const UPLOAD_PATH = 'hello/hello-world.bin';
const CORRUPT_PATH = 'hello/corrupt.bin';
/** One poll after the provisional one makes an attempt succeeded, as in the rollout simulator. */
const SUCCESS_POLLS = 1;
const FLEET_SIZE = 16;
const WAVES = '50, 100';

/** The page's seconds-long fallback refresh (useCoalescedRefresh) is 15 s: "live" must beat it. */
const LIVE_MS = 10_000;

/**
 * The dashboard, page by page, in a real Chromium against a real server with a fleet of virtual
 * esp32-fuota devices: sign-in, the fleet filling in live, devices, uploads (a real image and a
 * corrupted one), a rollout created in the form, started, watched live and paused, a halted
 * rollout's reason, the audit log, sign-out. Every page passes axe's serious and critical
 * checks and is photographed at desktop and phone width.
 */
describe('Dashboard in a browser: the pages, with a live fleet', function () {
  this.timeout(90_000);
  let t: RunningTestServer | undefined;
  let browser: Browser | undefined;
  let api: RolloutApi | undefined;
  let fleet: RolloutFleet | undefined;
  let dashboard: Dashboard;
  let rolloutId: string;
  const devices: FleetDevice[] = [];

  before(async function () {
    requireChromium(this);
    await clearFailureScreenshots('pages');
    t = await startTestServer({
      fleet: { flushIntervalMs: 100, rules: { ...DEFAULT_ATTEMPT_RULES, successPolls: SUCCESS_POLLS } },
    });
    for (const [path, image] of [
      [RUNNING_FILE, smallImage({ version: OLD, projectName: 'lamp', seed: 1 })],
      [TARGET_FILE, smallImage({ version: '2.0.0', projectName: 'lamp', seed: 2, kib: 16 })],
      [BAD_FILE, smallImage({ version: '3.0.0', projectName: 'lamp', seed: 3 })],
    ] as const) {
      const res = await t.client.put(`/files/${path}`, image, BIN);
      expect(res.status, `PUT ${path}: ${res.text}`).to.equal(200);
    }
    api = new RolloutApi(t.client);
    fleet = new RolloutFleet(t.server.address.port, (await testCertificate()).cert, t.client, {
      pollsAfterUpdate: SUCCESS_POLLS + 1,
    });
    for (let n = 0; n < FLEET_SIZE; n += 1) {
      const id = `lamp-${String(n).padStart(2, '0')}`;
      devices.push({
        id,
        behaviour: 'updates',
        version: OLD,
        auth: TEST_DEVICE_CREDENTIAL,
        address: loopbackAddress(n),
      });
    }
    browser = await launchChromium();
    dashboard = await openDashboard(browser, t.server.address.port, { acceptDialogs: true });
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await screenshotFailure(dashboard?.page, 'pages', this.currentTest.title);
  });
  after(async () => {
    await browser?.close();
    api?.close();
    fleet?.close();
    await t?.stop();
  });

  const page = (): Page => dashboard.page;

  /** The page passes axe and is photographed at both widths, and does not scroll sideways on a phone. */
  async function review(name: string): Promise<void> {
    await expectAccessible(page(), `the ${name} page`);
    const shot = await screenshotPage(page(), name);
    expect(shot.phoneOverflow, `the ${name} page is wider than a 390 px phone by (CSS px)`).to.equal(0);
  }

  async function waitForPath(pattern: RegExp, what: string): Promise<string> {
    return waitUntil(
      async () => new URL(page().url()).pathname,
      (path) => pattern.test(path),
      what,
    );
  }

  /** The rollout's state as the page shows it (its state badge: the word itself). */
  const stateShown = (state: string) =>
    waitUntil(
      () => page().locator('main').getByText(state, { exact: true }).filter({ visible: true }).count(),
      (n) => n > 0,
      `the rollout page shows the state "${state}"`,
    );

  /**
   * Waits until the page's live stream is connected (it says "Live"): events before that reach
   * it only by its slow fallback refresh.
   */
  const liveShown = () =>
    waitUntil(
      () => page().locator('main').getByText('Live', { exact: true }).filter({ visible: true }).count(),
      (n) => n > 0,
      'the page says its live updates are connected ("Live")',
    );

  it('login page', async () => {
    await page().goto('/ui/');
    await loginForm(page()).submit.waitFor({ state: 'visible' });
    await review('login');
    await signIn(page(), TEST_CREDENTIAL);
  });

  it("fleet page: the devices' first checks fill in the counts without a reload", async () => {
    await page().goto('/ui/');
    const count = page().getByTestId('fleet-devices');
    await waitUntil(
      () => textOf(count),
      (text) => text === '0',
      'the fleet page shows 0 devices',
    );
    await liveShown();
    await markDocument(page());
    // Devices check in while the page is open.
    await fleet!.serveAll(devices, 4);
    await waitUntil(
      () => textOf(count),
      (text) => text === String(FLEET_SIZE),
      `the fleet page's device count reaches ${FLEET_SIZE} without a reload`,
      LIVE_MS,
    );
    expect(await sameDocument(page()), 'the page was not reloaded').to.equal(true);
    expect(await textOf(page().getByTestId('fleet-seen-15m')), 'seen in 15 min').to.equal(String(FLEET_SIZE));
    expect(await textOf(page().getByTestId('fleet-unassigned')), 'unassigned').to.equal(String(FLEET_SIZE));
    expect(await textOf(page().getByTestId('fleet-overdue')), 'overdue').to.equal('0');
    const chart = page().getByTestId('version-chart');
    await waitUntil(
      () => textOf(chart),
      (text) => text.includes(OLD) && text.includes('lamp'),
      'the version chart',
    );
    await review('fleet-first-checks');
  });

  it('devices page and a device page', async () => {
    await page().getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Devices' }).click();
    const rows = page().getByTestId('devices-table').locator('tbody tr');
    await waitUntil(
      () => rows.count(),
      (n) => n === FLEET_SIZE,
      `the devices table lists ${FLEET_SIZE} devices`,
    );
    expect(await textOf(page().getByTestId('devices-table'))).to.include('lamp-07');
    await review('devices');

    await page().getByRole('link', { name: 'lamp-07', exact: true }).click();
    await waitForPath(/^\/ui\/devices\/lamp-07$/, 'the device page of lamp-07');
    await waitUntil(
      () => textOf(page().getByTestId('device-version')),
      (text) => text === OLD,
      "the device page shows lamp-07's version",
    );
    await review('device');
  });

  let uploaded: Buffer;

  it('files page: uploads a real ESP32 image through the file input and shows its facts', async () => {
    if (existsSync(REAL_IMAGE)) {
      uploaded = readFileSync(REAL_IMAGE);
    } else {
      console.warn(`      (${REAL_IMAGE} is not there: uploading a built image instead of the real one)`);
      uploaded = buildEspImage({ projectName: 'hello_world', version: 'v5.0.4', segmentLengths: [512, 32 * 1024] });
    }
    await sections(page()).getByRole('link', { name: 'Files' }).click();
    await page().getByTestId('files-table').waitFor({ state: 'visible' });
    await page()
      .getByLabel('Firmware file')
      .setInputFiles({ name: 'hello_world.bin', mimeType: BIN, buffer: uploaded });
    await page().getByTestId('drop-zone').waitFor({ state: 'visible' });
    await page().getByLabel('Path on the server').fill(UPLOAD_PATH);
    await page().getByRole('button', { name: 'Upload', exact: true }).click();

    const verdict = page().getByTestId('upload-verdict');
    await verdict.waitFor({ state: 'visible' });
    const entry = JSON.parse((await t!.client.get(`/api/v1/files/${UPLOAD_PATH}`)).text) as {
      sha256: string;
      image: { projectName: string; version: string; chip: string };
    };
    const said = await textOf(verdict);
    expect(said, 'the verdict').to.include('Stored');
    for (const fact of [UPLOAD_PATH, entry.sha256, entry.image.projectName, entry.image.version, entry.image.chip]) {
      expect(said, 'the verdict').to.include(fact);
    }
    expect(await page().getByTestId('upload-progress').getAttribute('value'), 'the progress bar').to.equal('100');
    await waitUntil(
      () => textOf(page().getByTestId('files-table')),
      (text) => text.includes(UPLOAD_PATH) && text.includes(entry.image.version),
      'the files table lists the upload',
    );
    await review('files');
  });

  it('files page: refuses a corrupted image dropped on the drop zone (422), saying why in words', async () => {
    const corrupt = Buffer.from(uploaded);
    // The checksum byte: the last before the appended SHA-256.
    corrupt[corrupt.length - 33] = (corrupt[corrupt.length - 33] ?? 0) ^ 0x5a;
    // What the server says of it (nothing is stored on a 422).
    const probe = await t!.client.put(`/files/${CORRUPT_PATH}`, corrupt, BIN);
    expect(probe.status, probe.text).to.equal(422);
    const problem = JSON.parse(probe.text) as { detail: string; reason: string };
    expect(problem.reason).to.be.a('string');

    // This one is dropped on the drop zone, as from a file manager.
    const dropped = await page().evaluateHandle(
      ({ base64, name, type }) => {
        interface Files {
          items: { add(file: unknown): void };
        }
        const g = globalThis as unknown as {
          DataTransfer: new () => Files;
          File: new (parts: unknown[], name: string, options: { type: string }) => unknown;
          atob(text: string): string;
        };
        const bytes = Uint8Array.from(g.atob(base64), (c) => c.charCodeAt(0));
        const transfer = new g.DataTransfer();
        transfer.items.add(new g.File([bytes], name, { type }));
        return transfer;
      },
      { base64: corrupt.toString('base64'), name: 'corrupt.bin', type: BIN },
    );
    await page().getByTestId('drop-zone').dispatchEvent('drop', { dataTransfer: dropped });
    await waitUntil(
      () => textOf(page().getByTestId('drop-zone')),
      (text) => text.includes('corrupt.bin'),
      'the drop zone names the dropped file',
    );
    expect(await page().getByLabel('Path on the server').inputValue(), 'the path suggested by the name').to.equal(
      'corrupt.bin',
    );
    await page().getByLabel('Path on the server').fill(CORRUPT_PATH);
    await page().getByRole('button', { name: 'Upload', exact: true }).click();
    const verdict = page().getByTestId('upload-verdict');
    await waitUntil(
      () => textOf(verdict),
      (text) => text.includes('422'),
      'the verdict of the corrupted upload',
    );
    expect(await verdict.getAttribute('role'), 'the verdict is announced').to.equal('alert');
    const said = await textOf(verdict);
    expect(said, 'the verdict').to.include(problem.detail);
    expect(said, 'the verdict').to.include(problem.reason);
    // The reason in words, beyond its code: more than "Reason: <code>".
    expect(said.split(problem.reason)[1] ?? '', 'the reason explained after its code').to.match(/[a-z]{3,} [a-z]{3,}/);
    expect(await textOf(page().getByTestId('files-table')), 'the files table').to.not.include(CORRUPT_PATH);
    await screenshotPage(page(), 'files-refused');
  });

  it("file page: the stored image's facts", async () => {
    // Many rows naming it: the page names the first 20 (it listed every one, found by a new user).
    for (let n = 0; n < 25; n += 1) {
      const id = `row-${String(n).padStart(2, '0')}`;
      const res = await t!.client.put(`/devices/${id}`, `"${id}","0.0.1-old","${UPLOAD_PATH}"`, 'text/csv');
      expect(res.status, res.text).to.equal(200);
    }
    await page().getByTestId('files-table').getByRole('link', { name: UPLOAD_PATH, exact: true }).click();
    await waitForPath(/^\/ui\/files\/.+/, 'the file page');
    const sha = (JSON.parse((await t!.client.get(`/api/v1/files/${UPLOAD_PATH}`)).text) as { sha256: string }).sha256;
    await waitUntil(
      async () => textOf(page().locator('main')),
      (text) => text.includes(UPLOAD_PATH) && (text.includes(sha) || text.includes(sha.slice(0, 12))),
      'the file page shows the path and the SHA-256',
    );
    const rows = page().getByTestId('file-usage-devices');
    await waitUntil(
      () => textOf(rows),
      (text) => text.includes('row-19') && text.includes('and 5 more'),
      'the first 20 rows, then how many more',
    );
    expect(await rows.getByRole('link').count()).to.equal(20);
    await review('file');
  });

  it('file page: its address can be reloaded (bookmarked)', async () => {
    const address = page().url();
    const response = await page().reload();
    expect(response?.status(), `reloading ${address}`).to.equal(200);
    await sections(page()).waitFor({ state: 'visible' });
    await waitUntil(
      async () => textOf(page().locator('main')),
      (text) => text.includes(UPLOAD_PATH),
      'the reloaded file page shows the file',
    );
  });

  it('rollouts page and the new-rollout form: creates a draft', async () => {
    await page().goto('/ui/rollouts');
    await page().getByRole('link', { name: 'New rollout' }).waitFor({ state: 'visible' });
    await review('rollouts');

    await page().getByRole('link', { name: 'New rollout' }).click();
    await waitForPath(/^\/ui\/rollouts\/new$/, 'the new-rollout form');
    await page().getByLabel('Name', { exact: true }).fill('lamp 2.0 from the browser');
    const file = page().getByLabel('Image (stored file)');
    await waitUntil(
      () => file.locator('option').allTextContents(),
      (options) => options.some((text) => text.includes(TARGET_FILE)),
      'the image choice lists the stored images',
    );
    await file.selectOption(TARGET_FILE);
    // The preview follows the form as it is typed: a wave list that is not increasing is named as
    // the field's problem, then the right one previews every lamp in the last wave.
    const waves = page().getByLabel('Waves (cumulative %)');
    await waves.fill('50, 10');
    await waitUntil(
      () => textOf(page().getByTestId('rollout-preview')),
      (text) => /increasing/i.test(text),
      'the live preview names the waves problem',
    );
    await waves.fill(WAVES);
    await waitUntil(
      () => textOf(page().getByTestId('preview-wave-1')),
      (text) => text.trim() === String(FLEET_SIZE),
      `the live preview's last wave holds all ${FLEET_SIZE} lamps`,
    );
    // A listed id no device polled with (a typo) is named: it would select nobody.
    const listed = page().getByLabel('Devices', { exact: true });
    await listed.fill(`${devices[0]?.id ?? ''}\nlamp-typo`);
    await waitUntil(
      () => textOf(page().getByTestId('rollout-preview')),
      (text) => /One listed device has never polled: lamp-typo\./.test(text) && /Selected\s*1(?!\d)/.test(text),
      'the live preview names the listed id no device polled with',
    );
    await listed.fill('');
    await waitUntil(
      () => page().getByTestId('preview-unseen').count(),
      (count) => count === 0,
      'the notice goes with the list',
    );
    await review('rollout-new');
    await page().getByRole('button', { name: 'Create draft' }).click();
    const path = await waitForPath(/^\/ui\/rollouts\/(?!new$)[^/]+$/, 'the new rollout page');
    rolloutId = decodeURIComponent(path.slice('/ui/rollouts/'.length));
    const created = await api!.rollout(rolloutId);
    expect(created).to.deep.include({ state: 'draft', file: TARGET_FILE, name: 'lamp 2.0 from the browser' });
    expect(created.waves.map((wave) => wave.percent)).to.deep.equal([50, 100]);
    await stateShown('draft');
  });

  it('rollout page: starts it, and the first wave moves as its devices update, without a reload', async () => {
    // A few seconds on the page first: its times were worked out against the clock as of the last
    // tick of the page's timer, and a moment ago read "in 3 seconds" (found by a new user).
    await page().waitForTimeout(3000);
    await page().getByRole('button', { name: 'Start', exact: true }).click();
    await stateShown('running');
    expect((await api!.rollout(rolloutId)).state).to.equal('running');
    const times = await textOf(page().getByTestId('rollout-definition'));
    expect(times, 'no time of the start shown as in the future').to.not.match(/in \d+ seconds?/);

    const inWave = devices.filter((d) => bucketOf(rolloutId, d.id) < 5000);
    expect(inWave.length, 'devices in the first wave (50% of 16)').to.be.greaterThan(0);
    const wave = page().getByTestId('wave-0');
    const succeeded = async () => Number(/succeeded:?\s*(\d+)/.exec(await textOf(wave))?.[1] ?? NaN);
    await waitUntil(succeeded, (n) => n === 0, 'wave 1 shows 0 succeeded before any device polls');
    expect(await textOf(wave), 'wave 1').to.include(`${inWave.length} device`);
    await liveShown();
    await markDocument(page());
    for (const [n, device] of inWave.entries()) {
      await fleet!.serve(device);
      expect(fleet!.versionOf(device), `${device.id} updated`).to.equal('2.0.0');
      // Each device's success shows up live, one after another.
      if (n === 0) await waitUntil(succeeded, (count) => count >= 1, 'wave 1 shows the first success live', LIVE_MS);
    }
    await waitUntil(
      succeeded,
      (n) => n === inWave.length,
      `wave 1 shows ${inWave.length} succeeded without a reload`,
      LIVE_MS,
    );
    expect(await sameDocument(page()), 'the page was not reloaded').to.equal(true);
    const seen = await api!.rollout(rolloutId);
    expect(seen.waves[0]?.attempts.succeeded, 'the API agrees').to.equal(inWave.length);
    await page().getByTestId('wave-1').waitFor({ state: 'visible' });
    await review('rollout');
  });

  it('rollout page: pauses it, then aborts it', async () => {
    await page().getByRole('button', { name: 'Pause', exact: true }).click();
    await stateShown('paused');
    expect((await api!.rollout(rolloutId)).state).to.equal('paused');
    await page().getByRole('button', { name: 'Resume', exact: true }).waitFor({ state: 'visible' });

    // Abort asks first, in the page; "Keep it" keeps it.
    const abort = page().getByRole('button', { name: /^Abort\b/ });
    await abort.click();
    await page().getByRole('button', { name: 'Keep it', exact: true }).click();
    expect((await api!.rollout(rolloutId)).state, 'after "Keep it"').to.equal('paused');
    await abort.click();
    await page().getByRole('button', { name: 'Yes, abort', exact: true }).click();
    await stateShown('aborted');
    expect((await api!.rollout(rolloutId)).state).to.equal('aborted');
  });

  it("rollout page: a halted rollout's reason", async () => {
    // Two devices whose bootloader rolls the new image back; one failure in one resolved attempt halts.
    const bad: FleetDevice[] = [0, 1].map((n) => ({
      id: `bad-${n}`,
      behaviour: 'rolls-back',
      version: OLD,
      auth: TEST_DEVICE_CREDENTIAL,
      address: loopbackAddress(FLEET_SIZE + n),
    }));
    for (const device of bad) await fleet!.serve(device);
    const halting: RolloutJson = await api!.create({
      name: 'lamp 3.0, rolls back',
      file: BAD_FILE,
      selector: { devices: bad.map((d) => d.id) },
      waves: [100],
      halt: { failurePercent: 1, failureCount: 1, minResolved: 1 },
      priority: 10,
    });
    await api!.act(halting.id, 'start');
    for (const device of bad) await fleet!.serve(device);
    const halted = await api!.waitForState(halting.id, 'halted', 10_000);
    expect(halted.haltReason, 'the halt reason').to.not.equal(null);

    await page().goto(`/ui/rollouts/${encodeURIComponent(halting.id)}`);
    const reason = page().getByTestId('halt-reason');
    await waitUntil(
      () => textOf(reason),
      (text) => text.includes(halted.haltReason?.text ?? '(none)'),
      `the halt reason "${halted.haltReason?.text}"`,
    );
    await stateShown('halted');
    // Its counts are those the rule judged, said so beside the current wave's, which go on.
    expect(await textOf(page().getByTestId('halt-counts-when'))).to.include('When it halted');
    await page().getByRole('button', { name: 'Resume', exact: true }).waitFor({ state: 'visible' });
    await review('rollout-halted');
  });

  it("audit log: the operator's changes", async () => {
    await sections(page()).getByRole('link', { name: 'Audit log' }).click();
    const table = page().getByTestId('audit-table');
    await waitUntil(
      () => textOf(table),
      (text) =>
        ['file.put', 'rollout.create', 'rollout.start', 'rollout.pause', 'rollout.abort'].every((a) =>
          text.includes(a),
        ),
      'the audit table lists the uploads and the rollout actions',
    );
    expect(await textOf(table)).to.include(TEST_CREDENTIAL.username);
    expect(await textOf(table)).to.include(rolloutId);
    // Waves counted from 1, as on the rollout's page ("wave 1 of 2"); the start read "wave: 0".
    const start = table.getByRole('row').filter({ hasText: 'rollout.start' }).first();
    expect(await textOf(start))
      .to.include('wave: 1')
      .and.not.include('wave: 0');
    await review('audit');
  });

  it('fleet page after the rollouts: two versions running, and the outcomes', async () => {
    await sections(page()).getByRole('link', { name: 'Fleet' }).click();
    await waitUntil(
      () => textOf(page().getByTestId('version-chart')),
      (text) => text.includes(OLD) && text.includes('2.0.0'),
      'the version chart shows the devices that updated to 2.0.0 beside those on 1.0.0',
    );
    // The README's picture of the dashboard: a fleet with a rollout behind it.
    await review('fleet');
  });

  it('signs out', async () => {
    await page().getByRole('button', { name: 'Sign out' }).click();
    await loginForm(page()).submit.waitFor({ state: 'visible' });
    expect(await sections(page()).count()).to.equal(0);
  });

  it('works by keyboard alone: signs in, skips to the content, follows a link and acts', async () => {
    const keyboard = page().keyboard;
    await page().goto('/ui/');
    await loginForm(page()).submit.waitFor({ state: 'visible' });
    // Tab from the top of the page reaches the user name first, then the password.
    await page().locator('body').focus();
    await keyboard.press('Tab');
    expect(await page().evaluate('document.activeElement?.id')).to.equal('login-username');
    await keyboard.type(TEST_CREDENTIAL.username);
    await keyboard.press('Tab');
    await keyboard.type(TEST_CREDENTIAL.password);
    await keyboard.press('Enter');
    await sections(page()).waitFor({ state: 'visible' });
    // The first stop is the skip link; it moves focus past the navigation.
    await page().locator('body').focus();
    await keyboard.press('Tab');
    expect(await page().evaluate('document.activeElement?.textContent')).to.equal('Skip to content');
    await keyboard.press('Enter');
    expect(await page().evaluate('document.activeElement?.id')).to.equal('main');
    // A link of the navigation, reached by Tab and followed by Enter.
    const devicesLink = sections(page()).getByRole('link', { name: 'Devices' });
    await devicesLink.focus();
    await keyboard.press('Enter');
    await waitForPath(/^\/ui\/devices$/, 'the devices page, followed by keyboard');
    await page().getByTestId('devices-table').waitFor({ state: 'visible' });
    const deviceLamp07 = () => api!.getJson<{ hold: boolean; tags: string[] }>('/api/v1/devices/lamp-07');
    // A link the next page does not have: focus goes to the content, not back to the top.
    await page().getByRole('link', { name: 'lamp-07', exact: true }).focus();
    await keyboard.press('Enter');
    await waitForPath(/^\/ui\/devices\/lamp-07$/, 'the device page, followed by keyboard');
    const holdState = page().getByTestId('hold-state');
    await holdState.waitFor({ state: 'visible' });
    await waitUntil(
      () => page().evaluate('document.activeElement?.id'),
      (id) => id === 'main',
      'focus on the content after following a link that the new page does not have',
    );
    // A button disabled while its action runs keeps the focus: pressed twice with the keyboard.
    const focusedText = () => page().evaluate('document.activeElement?.textContent');
    await page().getByRole('button', { name: 'Put on hold' }).focus();
    await keyboard.press('Enter');
    await waitUntil(
      () => textOf(holdState),
      (text) => text.startsWith('On hold'),
      'the device on hold',
    );
    await waitUntil(focusedText, (text) => text === 'Release hold', 'focus on the hold button, now "Release hold"');
    await keyboard.press('Enter');
    await waitUntil(
      () => textOf(holdState),
      (text) => text.startsWith('Not on hold'),
      'the hold released',
    );
    await waitUntil(focusedText, (text) => text === 'Put on hold', 'focus on the hold button again');
    expect((await deviceLamp07()).hold, 'the hold as stored').to.equal(false);
    // A tag typed twice is added, and told, once.
    await page().locator('#tag-add').focus();
    await keyboard.type('kbd kbd');
    await keyboard.press('Enter');
    await waitUntil(
      () => textOf(page().getByTestId('device-tags')),
      (text) => text.includes('Tag added: kbd.'),
      'the tag added, told once',
    );
    expect((await deviceLamp07()).tags.filter((tag) => tag === 'kbd')).to.deep.equal(['kbd']);
    await page().getByRole('button', { name: 'Remove tag kbd' }).focus();
    await keyboard.press('Enter');
    await waitUntil(
      async () => (await deviceLamp07()).tags.includes('kbd'),
      (present) => !present,
      'the tag removed',
    );
    // A button pressed with the keyboard: sign out.
    await page().getByRole('button', { name: 'Sign out' }).focus();
    await keyboard.press('Enter');
    await loginForm(page()).submit.waitFor({ state: 'visible' });
  });

  it('asked no other host, and the pages threw nothing and broke no CSP rule', () => {
    const foreign = dashboard.record.requests.filter((url) => !url.startsWith(`${dashboard.origin}/`));
    expect(foreign, 'requests to another origin').to.deep.equal([]);
    expect(dashboard.record.pageErrors, 'uncaught errors in the pages').to.deep.equal([]);
    expect(dashboard.record.cspViolations, 'CSP violations').to.deep.equal([]);
  });
});
