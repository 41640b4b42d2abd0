import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import type { StartedProgram } from '../support/started-program.js';
import { startProgram } from '../support/started-program.js';
import { fillIn, README_DOWNLOAD_CURL, SEED_CURL } from '../support/seed-curl-commands.js';
import type { SeedCurlCommand } from '../support/seed-curl-commands.js';
import { requireTool } from '../support/tools.js';
import { buildEspImage } from '../support/esp-image-builder.js';
import { createTestDatabase, requirePostgres } from '../support/postgres.js';
import { requireS3Server } from '../support/s3-server.js';

const run = promisify(execFile);

/** Where the started program keeps its state: its environment, and what to release after. */
interface StorageSetup {
  readonly env: Record<string, string>;
  /** What the program's `storage` log line says of its database and files. */
  readonly logged: RegExp;
  release(): Promise<void>;
}

/** The embedded defaults: everything in the data dir. */
async function embeddedStorage(): Promise<StorageSetup> {
  return { env: {}, logged: /"database":"embedded[^\n]*"files":"files\/ in the data dir"/, release: async () => {} };
}

/** PostgreSQL and an S3-compatible server (s3rver), configured as an operator would. */
async function sharedStorage(context: Mocha.Context): Promise<StorageSetup> {
  await requirePostgres(context);
  const s3 = await requireS3Server(context);
  if (s3 === undefined) throw new Error('unreachable: requireS3Server skips');
  const database = await createTestDatabase().catch(async (error: unknown) => {
    await s3.stop();
    throw error;
  });
  return {
    env: {
      FUOTA_DATABASE_URL: database.url,
      FUOTA_BLOB_URL: `s3://${s3.bucket}/seed-curl`,
      FUOTA_S3_ENDPOINT: s3.endpoint,
      FUOTA_S3_PATH_STYLE: 'true',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
    },
    logged: new RegExp(`"database":"postgres [^"]*${database.name}","files":"s3://${s3.bucket}/seed-curl at `),
    release: async () => {
      await database.drop();
      await s3.stop();
    },
  };
}

for (const [storageName, openStorage] of [
  ['embedded storage', embeddedStorage],
  ['PostgreSQL and an S3-compatible store', sharedStorage],
] as const) {
  /** The seed README's curl sequence, verbatim, with real curl against the program as `npm start` runs it. */
  describe(`e2e: the seed README's curl commands against the started program (${storageName})`, function () {
    let dir: string;
    let program: StartedProgram;
    let storage: StorageSetup | undefined;
    const firmware = buildEspImage({ version: '1.1', segmentLengths: [150_000, 150_000] });

    before(async function () {
      requireTool(this, 'curl', 'curl');
      storage = await openStorage(this);
      dir = await mkdtemp(join(tmpdir(), 'fuota-e2e-'));
      program = await startProgram({
        FUOTA_HOST: '127.0.0.1',
        FUOTA_PORT: '0',
        FUOTA_DATA_DIR: join(dir, 'data'),
        FUOTA_USERNAME: 'seeduser',
        FUOTA_PASSWORD: 'seedpass',
        ...storage.env,
      });
      await writeFile(join(dir, 'app-1.1.bin'), firmware);
    });

    after(async () => {
      await program?.stop();
      await storage?.release();
      if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    });

    /** Runs one seed command in a shell, as a user pastes it, and returns the HTTP status and body. */
    async function curl(
      command: SeedCurlCommand,
      values: Record<string, string> = {},
    ): Promise<{ status: number; stdout: string }> {
      const line = fillIn(SEED_CURL[command], {
        username: 'seeduser',
        password: 'seedpass',
        ca_cert_pem_file_path: join(dir, 'data', 'tls', 'cert.pem'),
        server_fqdn: 'localhost',
        server_port: String(program.port),
        ...values,
      });
      const { stdout, stderr } = await run('bash', ['-c', line], { cwd: dir, encoding: 'utf8' });
      const statuses = [...stderr.matchAll(/^< HTTP\/1\.1 (\d{3})/gm)].map((match) => Number(match[1]));
      expect(statuses, stderr).to.have.length.above(0);
      return { status: statuses.at(-1) ?? 0, stdout };
    }

    it('upload file: 200', async () => {
      expect(
        (await curl('upload', { local_update_file_path: 'app-1.1.bin', update_file_path: 'app-1.1.bin' })).status,
      ).to.equal(200);
    });

    it('set device row: 200', async () => {
      const values = { device_id: '24:0A:C4:00:01:02', app_version: '1.0', update_file_path: 'app-1.1.bin' };
      expect((await curl('assign', values)).status).to.equal(200);
    });

    it("list: 200 with the seed's CSV line", async () => {
      const { status, stdout } = await curl('list');
      expect(status).to.equal(200);
      expect(stdout).to.equal('"24:0A:C4:00:01:02","1.0","app-1.1.bin"\n');
    });

    it("check: 200 with the path for the row's version, 204 for another, 404 for an unknown device", async () => {
      const check = (device_id: string, app_version: string) => curl('check', { device_id, app_version });
      const offered = await check('24:0A:C4:00:01:02', '1.0');
      expect([offered.status, offered.stdout]).to.deep.equal([200, 'app-1.1.bin']);
      expect((await check('24:0A:C4:00:01:02', '1.1')).status).to.equal(204);
      expect((await check('24:0A:C4:00:09:09', '1.0')).status).to.equal(404);
    });

    it('download: 200 and the same bytes', async () => {
      const { status } = await curl('download', {
        local_update_file_path: 'downloaded.bin',
        update_file_path: 'app-1.1.bin',
      });
      expect(status).to.equal(200);
      expect((await readFile(join(dir, 'downloaded.bin'))).equals(firmware)).to.equal(true);
    });

    it('upload of a file over 1 MiB (curl sends Expect: 100-continue): 200, and downloads back identical', async () => {
      const big = buildEspImage({ version: '2.0', segmentLengths: [3 * 1024 * 1024, 1024] });
      await writeFile(join(dir, 'big.bin'), big);
      expect(
        (await curl('upload', { local_update_file_path: 'big.bin', update_file_path: 'fw/big.bin' })).status,
      ).to.equal(200);
      await curl('download', { local_update_file_path: 'big-back.bin', update_file_path: 'fw/big.bin' });
      expect((await readFile(join(dir, 'big-back.bin'))).equals(big)).to.equal(true);
    });

    it("the README's HEAD, range and resume examples: headers only, 206 of 64 KiB, then the rest", async () => {
      const values = {
        username: 'seeduser',
        password: 'seedpass',
        ca_cert_pem_file_path: join(dir, 'data', 'tls', 'cert.pem'),
        server_fqdn: 'localhost',
        server_port: String(program.port),
        update_file_path: 'app-1.1.bin',
      };
      const head = await run('bash', ['-c', fillIn(README_DOWNLOAD_CURL.head, values)], { cwd: dir, encoding: 'utf8' });
      expect(head.stdout)
        .to.match(/^HTTP\/1\.1 200 OK\r$/m)
        .and.match(new RegExp(`^content-length: ${firmware.length}\r$`, 'im'));
      expect(head.stdout)
        .to.match(/^etag: "[0-9a-f]{64}"\r$/im)
        .and.match(/^accept-ranges: bytes\r$/im);
      await run('bash', ['-c', fillIn(README_DOWNLOAD_CURL.range, values)], { cwd: dir });
      expect((await readFile(join(dir, 'part.bin'))).equals(firmware.subarray(0, 65536))).to.equal(true);
      await run('bash', ['-c', fillIn(README_DOWNLOAD_CURL.resume, values)], { cwd: dir });
      expect((await readFile(join(dir, 'part.bin'))).equals(firmware)).to.equal(true);
    });

    it('delete: 200, then 404, and the check answers 404', async () => {
      expect((await curl('delete', { device_id: '24:0A:C4:00:01:02' })).status).to.equal(200);
      expect((await curl('delete', { device_id: '24:0A:C4:00:01:02' })).status).to.equal(404);
      expect((await curl('check', { device_id: '24:0A:C4:00:01:02', app_version: '1.0' })).status).to.equal(404);
      expect((await curl('list')).stdout).to.equal('');
    });

    it('wrong credentials: 403', async () => {
      const line = fillIn(SEED_CURL.list, {
        username: 'seeduser',
        password: 'wrong',
        ca_cert_pem_file_path: join(dir, 'data', 'tls', 'cert.pem'),
        server_fqdn: 'localhost',
        server_port: String(program.port),
      });
      const { stderr } = await run('bash', ['-c', line], { cwd: dir, encoding: 'utf8' });
      expect(stderr).to.match(/^< HTTP\/1\.1 403/m);
    });
  });
}
