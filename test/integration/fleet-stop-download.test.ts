import { request } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { expect } from 'chai';
import { dataLayout } from '../../src/main/config/data-layout.js';
import { openDiskStorage } from '../../src/main/bootstrap/storage.js';
import type { DeviceId } from '../../src/domain/device-id.js';
import { buildEspImage } from '../support/esp-image-builder.js';
import { eventually } from '../support/eventually.js';
import { startTestServer, TEST_CREDENTIAL, testCertificate } from '../support/test-server.js';

const DEVICE = 'stop-dl-1' as DeviceId;

describe('HTTP: a download cut by the server stopping (disk storage)', () => {
  it('keeps the bytes it served in its attempt: the stop writes them before the storage closes', async () => {
    const first = await startTestServer({ storage: 'disk' });
    const dataDir = first.dataDir as string;
    try {
      // Large enough that a reader who stops reading leaves most of it unsent.
      const image = buildEspImage({ version: '2.0.0', segmentLengths: [4 * 1024 * 1024, 4 * 1024 * 1024] });
      expect((await first.client.send('/files/fw/big.bin', { method: 'PUT', body: image })).status).to.equal(200);
      const row = `"${DEVICE}","1.0","fw/big.bin"`;
      const assigned = await first.client.send(`/devices/${DEVICE}`, {
        method: 'PUT',
        headers: { 'Content-Type': 'text/csv' },
        body: row,
      });
      expect(assigned.status).to.equal(200);
      expect((await first.client.get(`/devices/${DEVICE}?app_ver=1.0`)).text).to.equal('fw/big.bin');

      // A device that reads a little of the file and then stops reading, its connection open.
      const { cert } = await testCertificate();
      let received = 0;
      const response = await new Promise<IncomingMessage>((resolve, reject) => {
        request(
          {
            host: '127.0.0.1',
            port: first.server.address.port,
            path: '/files/fw/big.bin',
            ca: cert,
            servername: 'localhost',
            auth: `${TEST_CREDENTIAL.username}:${TEST_CREDENTIAL.password}`,
          },
          resolve,
        )
          .on('error', reject)
          .end();
      });
      response.on('error', () => undefined);
      response.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > 256 * 1024) response.pause();
      });
      await eventually(() => received > 256 * 1024, 'the download began');
      const attemptOf = async () => (await first.storage.attempts.forDevice(DEVICE, 1))[0];
      await eventually(async () => (await attemptOf())?.state === 'downloading', 'the attempt was downloading');

      // SIGTERM's stop: requests get a grace period, then their connections are cut.
      await first.server.stop();
      const storage = await openDiskStorage(dataLayout(dataDir));
      try {
        const [attempt] = await storage.attempts.forDevice(DEVICE, 1);
        expect(attempt?.state).to.equal('downloading');
        const served = (attempt?.served ?? []).reduce((sum, [start, end]) => sum + end - start, 0);
        // Before: the cut download's bytes came after the storage had closed ("the database is
        // closed"), and the attempt kept none: its rollback later read as a failed download.
        expect(served, JSON.stringify(attempt)).to.be.at.least(received - 1);
        expect(served).to.be.below(image.length);
      } finally {
        await storage.close();
      }
    } finally {
      await first.stop();
    }
  });
});
