import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { EDO1_HS8_7 } from '../../src/domain/delta/delta-format.js';
import { DEFAULT_ATTEMPT_RULES } from '../../src/domain/fleet/attempt-rules.js';
import { expectAccessible } from '../support/accessibility.js';
import type { Dashboard } from '../support/browser.js';
import { launchChromium, openDashboard, requireChromium, signIn, textOf, waitUntil } from '../support/browser.js';
import { DeltaDeviceEmulator, streamedDeltaApplier } from '../support/delta-device-emulator.js';
import { buildEspImage } from '../support/esp-image-builder.js';
import { InMemoryDeltaOffers } from '../support/in-memory-delta-offers.js';
import type { RunningTestServer } from '../support/test-server.js';
import { startTestServer, TEST_CREDENTIAL, testCertificate } from '../support/test-server.js';
import { makeDeltaPatch } from '../../src/domain/delta/delta-patch.js';

const digestOf = (image: Buffer) => image.subarray(image.length - 32);

/**
 * The fleet page shows what delta updates saved: a device updates with a patch, and the page's
 * patch downloads and bytes saved say so (kibibytes, as the device page shows sizes), and the
 * page still passes axe.
 */
describe('Dashboard in a browser: bytes saved by patches', function () {
  this.timeout(60_000);
  let t: RunningTestServer | undefined;
  let browser: Browser | undefined;
  let dashboard: Dashboard;
  const base = buildEspImage({ version: '1.0.0', projectName: 'lamp', seed: 5, segmentLengths: [200_000, 4_096] });
  const target = buildEspImage({ version: '1.1.0', projectName: 'lamp', seed: 5, segmentLengths: [200_000, 4_096] });
  const patch = Buffer.from(makeDeltaPatch(base, target, digestOf(base)));

  before(async function () {
    requireChromium(this);
    const offers = new InMemoryDeltaOffers();
    t = await startTestServer({
      deltaOffers: offers,
      fleet: { flushIntervalMs: 100, rules: { ...DEFAULT_ATTEMPT_RULES, successPolls: 1 } },
    });
    for (const [path, image] of [
      ['lamp-1.0.0.bin', base],
      ['lamp-1.1.0.bin', target],
    ] as const) {
      expect((await t.client.put(`/files/${path}`, image, 'application/octet-stream')).status).to.equal(200);
    }
    offers.add({ base, baseImageSha256: digestOf(base).toString('hex'), target, patch, format: EDO1_HS8_7 });
    expect((await t.client.put('/devices/lamp-1', '"lamp-1","1.0.0","lamp-1.1.0.bin"', 'text/csv')).status).to.equal(
      200,
    );
    const lamp = new DeltaDeviceEmulator(
      { port: t.server.address.port, ca: (await testCertificate()).cert, auth: TEST_CREDENTIAL },
      'lamp-1',
      base,
      streamedDeltaApplier,
    );
    expect(await lamp.poll()).to.deep.include({ form: 'patch', booted: '1.1.0' });
    browser = await launchChromium();
    dashboard = await openDashboard(browser, t.server.address.port);
  });
  after(async () => {
    await browser?.close();
    await t?.stop();
  });

  it('shows the patch download and the bytes it saved on the fleet page, accessibly', async () => {
    const page = dashboard.page;
    await signIn(page, TEST_CREDENTIAL);
    const saved = page.getByTestId('fleet-bytes-saved');
    const expected = `${((target.length - patch.length) / 1024).toFixed(1)} KiB`;
    await waitUntil(
      () => textOf(saved),
      (text) => text === expected,
      `the fleet page shows ${expected} saved`,
    );
    expect(await textOf(page.getByTestId('fleet-patch-downloads'))).to.equal('1');
    await expectAccessible(page, 'the fleet page with bytes saved');
  });
});
