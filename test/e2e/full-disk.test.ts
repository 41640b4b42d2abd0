import { spawnSync } from 'node:child_process';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { HttpsTestClient } from '../support/https-client.js';
import type { StartedProgram } from '../support/started-program.js';
import { startProgram } from '../support/started-program.js';

/** Fills the file system of `file`'s directory: writes to it until the kernel says ENOSPC. */
async function fillDisk(file: string): Promise<void> {
  const handle = await open(file, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) await handle.write(chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    await handle.close();
  }
}

/**
 * The promise for a full disk on a real one: the data dir on a small tmpfs (mounting needs root;
 * skipped with a message elsewhere), filled until the server's writes fail, then freed.
 */
describe('e2e: the data dir\'s disk fills up and is freed again (tmpfs)', function () {
  let mountPoint = '';
  let mounted = false;
  let program: StartedProgram | undefined;
  before(async function () {
    mountPoint = await mkdtemp(join(tmpdir(), 'fuota-tmpfs-'));
    const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mountPoint], { encoding: 'utf8' });
    if (mount.status !== 0) {
      console.log(`    (skipped: cannot mount a tmpfs here: ${(mount.stderr || mount.error?.message || '').trim()})`);
      this.skip();
    }
    mounted = true;
  });
  after(async () => {
    await program?.stop('SIGKILL');
    if (mounted) spawnSync('umount', [mountPoint]);
    await rm(mountPoint, { recursive: true, force: true });
  });

  it('answers 507 while the disk is full and stores nothing of those writes; keeps every write answered 200 across a crash and a restart', async () => {
    const dataDir = join(mountPoint, 'data');
    const env = { FUOTA_HOST: '127.0.0.1', FUOTA_PORT: '0', FUOTA_DATA_DIR: dataDir, FUOTA_USERNAME: 'u', FUOTA_PASSWORD: 'p' };
    const start = async () => {
      program = await startProgram(env);
      const cert = await readFile(join(dataDir, 'tls', 'cert.pem'), 'utf8');
      return new HttpsTestClient(`https://localhost:${program.port}`, cert, { username: 'u', password: 'p' });
    };
    const put = (client: HttpsTestClient, id: string) => client.put(`/devices/${id}`, `"${id}","1.0","fw.bin"`, 'text/csv');
    let client = await start();
    const acknowledged: string[] = [];
    const failed: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      expect((await put(client, `before-${i}`)).status).to.equal(200);
      acknowledged.push(`before-${i}`);
    }

    await fillDisk(join(mountPoint, 'filler'));
    // The journal's last page may still take a few records; then every write fails.
    for (let i = 0; i < 400 && failed.length < 5; i += 1) {
      const response = await put(client, `full-${i}`);
      if (response.status === 200) {
        acknowledged.push(`full-${i}`);
        continue;
      }
      expect(response.status, response.text).to.equal(507);
      expect(response.headers['content-type']).to.match(/^application\/problem\+json/);
      expect(JSON.parse(response.text)).to.have.property('code', 'storage-full');
      failed.push(`full-${i}`);
    }
    expect(failed, 'writes refused on the full disk').to.have.length(5);
    for (const id of failed) expect((await client.get(`/devices/${id}?app_ver=1.0`)).status, id).to.equal(404);

    await rm(join(mountPoint, 'filler'));
    for (let i = 0; i < 5; i += 1) {
      expect((await put(client, `after-${i}`)).status).to.equal(200);
      acknowledged.push(`after-${i}`);
    }
    const listed = async () => (await client.get('/devices')).text.split('\n').filter(Boolean).map((line) => line.split(',')[0]!.slice(1, -1));
    expect(await listed()).to.deep.equal([...acknowledged].sort());

    await program!.stop('SIGKILL');
    client = await start();
    expect(await listed(), 'after kill -9').to.deep.equal([...acknowledged].sort());
    expect(await program!.stop()).to.equal(0);
    client = await start();
    expect(await listed(), 'after a clean restart').to.deep.equal([...acknowledged].sort());
    await program!.stop();
    program = undefined;
  });
});
