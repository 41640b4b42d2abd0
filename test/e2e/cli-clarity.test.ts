import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { expect } from 'chai';
import type { CliBench } from '../support/cli-bench.js';
import { startCliBench } from '../support/cli-bench.js';
import { buildEspImage } from '../support/esp-image-builder.js';
import type { RunningTestServer } from '../support/test-server.js';
import { startTestServer, TEST_DEVICE_CREDENTIAL } from '../support/test-server.js';

const FILE_KEY = 'ab'.repeat(32);

/** What a new user could not make sense of, said so that they can. */
describe('e2e: fuota says what to do', () => {
  let bench: CliBench;
  let signed: RunningTestServer;

  before(async () => {
    bench = await startCliBench({ 'my lamp.bin': buildEspImage({ version: 'v1.0.0', projectName: 'lamp' }) });
    const keys = join(bench.dir, 'trusted.keys');
    await writeFile(keys, `${FILE_KEY}\n`);
    signed = await startTestServer({ trustedKeysFile: keys });
  });
  after(async () => {
    await signed.stop();
    await bench.stop();
  });

  it('--url at a plain-HTTP port: one line saying the server did not answer in TLS (it was OpenSSL\'s "wrong version number" over two lines)', async () => {
    const plain = createServer((_req, res) => res.end('hello'));
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    try {
      const url = `https://127.0.0.1:${(plain.address() as AddressInfo).port}`;
      const result = await bench.fuota(['devices', '--url', url]);
      expect([result.code, result.stderr]).to.deep.equal([
        1,
        `fuota: ${url} did not answer in TLS: is it an HTTPS server, and the right port? (a plain-HTTP port answers so)\n`,
      ]);
    } finally {
      plain.close();
    }
  });

  it('a refused connection: asks whether the server is running and the port right', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const result = await bench.fuota(['devices', '--url', `https://127.0.0.1:${port}`]);
    expect(result.code).to.equal(1);
    expect(result.stderr).to.equal(
      `fuota: cannot reach https://127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}: is the server running, is the port right?\n`,
    );
  });

  it('uploading "my lamp.bin" without --as: the path rule, and --as <valid path> with one to use', async () => {
    const result = await bench.fuota(['upload', 'my lamp.bin']);
    expect(result.code).to.equal(5);
    expect(result.stderr)
      .to.include('fuota: my lamp.bin is not a valid update path: update file path must be')
      .and.include('store it under another with --as <valid path>, e.g. --as my-lamp.bin');
    expect((await bench.fuota(['upload', 'my lamp.bin', '--as', 'my-lamp.bin'])).code).to.equal(0);
  });

  it("keys add of a key in the server's FUOTA_TRUSTED_KEYS file: already trusted, exit 0, as docs/cli.md says (it was exit 5, 409)", async () => {
    const url = `https://localhost:${signed.server.address.port}`;
    const text = await bench.fuota(['keys', 'add', FILE_KEY, '--url', url]);
    expect([text.code, text.stderr]).to.deep.equal([0, '']);
    expect(text.stdout).to.equal(
      `already trusted: ${FILE_KEY} (given as its digest, in the server's FUOTA_TRUSTED_KEYS file)\n`,
    );
    const json = await bench.fuota(['--json', 'keys', 'add', FILE_KEY, '--name', 'x', '--url', url]);
    expect(json.code).to.equal(0);
    expect(JSON.parse(json.stdout)).to.include({ keyDigest: FILE_KEY, source: 'file' });
    expect(json.stderr).to.include('--name is not given to a key of the file');
  });

  it('devices --limit N --json, then --cursor <its next>: the listing goes on where it stopped', async () => {
    const devices = ['24:0A:C4:00:0C:01', '24:0A:C4:00:0C:02', '24:0A:C4:00:0C:03'];
    for (const device of devices) {
      await bench.t.client.send(`/devices/${device}?app_ver=v1.0.0`, { auth: TEST_DEVICE_CREDENTIAL });
    }
    const first = await bench.fuota(['--json', 'devices', '--limit', '2']);
    expect(first.code, first.stderr).to.equal(0);
    const page = JSON.parse(first.stdout) as { items: Array<{ id: string }>; next: string | null };
    expect(page.items.map((device) => device.id)).to.deep.equal(devices.slice(0, 2));
    expect(page.next).to.be.a('string');
    const rest = await bench.fuota(['--json', 'devices', '--cursor', page.next ?? '']);
    expect(rest.code, rest.stderr).to.equal(0);
    expect(JSON.parse(rest.stdout)).to.deep.include({ next: null });
    expect((JSON.parse(rest.stdout) as typeof page).items.map((device) => device.id)).to.deep.equal(devices.slice(2));
    const text = await bench.fuota(['devices', '--limit', '2']);
    expect(text.stdout).to.include(`--cursor ${page.next} lists on`);
  });
});
