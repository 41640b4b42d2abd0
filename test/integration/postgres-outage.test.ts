import { expect } from 'chai';
import { startPrivatePostgres, whyNoPrivatePostgres, type PrivatePostgres } from '../support/private-postgres.js';
import {
  startTestServer,
  type RunningTestServer,
  TEST_CREDENTIAL,
  TEST_DEVICE_CREDENTIAL,
} from '../support/test-server.js';
import { buildEspImage } from '../support/esp-image-builder.js';
import { eventually } from '../support/eventually.js';
import { POSTGRES_HOW_TO } from '../support/postgres.js';
import { requireS3Server, type TestS3Server } from '../support/s3-server.js';

/**
 * A PostgreSQL restart while fuota serves (issue 19): every request that needs the database is
 * answered 503 with Retry-After during the outage (never a wrong answer: no 404 for a device that
 * has a row, no 204), /healthz says the database is failing, and service comes back by itself
 * once the server is up again, without restarting fuota. The server is the test's own cluster, so
 * that stopping it disturbs no other suite.
 */
describe('a PostgreSQL outage while serving', function () {
  this.timeout(120_000);
  let postgres: PrivatePostgres | undefined;
  let running: RunningTestServer | undefined;
  let s3: TestS3Server | undefined;
  const image = buildEspImage({ version: '2.0.0', segmentLengths: [40_000, 1_000] });
  const device = { auth: TEST_DEVICE_CREDENTIAL };
  /** A dashboard session signed in before the outage (kept in PostgreSQL). */
  let sessionCookie = '';
  const withSession = () => ({ auth: null, headers: { Cookie: sessionCookie } });

  before(async function () {
    const why = whyNoPrivatePostgres();
    if (why !== undefined) {
      if (process.env.CI === 'true') throw new Error(`${why}: ${POSTGRES_HOW_TO}`);
      console.warn(`      (skipped: ${why}: ${POSTGRES_HOW_TO})`);
      this.skip();
    }
    s3 = await requireS3Server(this);
    postgres = await startPrivatePostgres();
    running = await startTestServer({
      shared: { databaseUrl: postgres.url, s3: { client: s3!.client, bucket: s3!.bucket } },
    });
    const { client } = running;
    expect((await client.put('/files/fw/v2.bin', image, 'application/octet-stream')).status).to.equal(200);
    expect((await client.put('/devices/esp-1', '"esp-1","1.0.0","fw/v2.bin"', 'text/csv')).status).to.equal(200);
    const signIn = await client.send('/api/v1/session', {
      method: 'POST',
      auth: null,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(TEST_CREDENTIAL),
    });
    expect(signIn.status).to.equal(201);
    sessionCookie = (signIn.headers['set-cookie']?.[0] ?? '').split(';')[0] ?? '';
  });

  after(async () => {
    await postgres?.start().catch(() => undefined);
    await running?.stop();
    await postgres?.remove();
    await s3?.stop();
  });

  /** The value of a sample of /metrics (the line starting with `sample`), or undefined. */
  async function metric(sample: string): Promise<number | undefined> {
    const text = (await running!.client.get('/metrics')).text;
    const line = text.split('\n').find((one) => one.startsWith(`${sample} `));
    return line === undefined ? undefined : Number(line.slice(sample.length + 1));
  }

  const check = () => running!.client.get('/devices/esp-1?app_ver=1.0.0', device);

  it('answers the check from PostgreSQL while it runs', async () => {
    const answer = await check();
    expect([answer.status, answer.text]).to.deep.equal([200, 'fw/v2.bin']);
    const health = await running!.client.get('/healthz', { auth: null });
    expect(health.status).to.equal(200);
    expect(JSON.parse(health.text)).to.deep.include({ checks: { database: 'ok', files: 'ok' } });
  });

  it('shows the pool and how long the storage took at /metrics', async () => {
    expect(await metric('fuota_database_pool_connections{state="max"}')).to.equal(10);
    expect(await metric('fuota_database_pool_waiting')).to.equal(0);
    expect(
      await metric('fuota_storage_request_duration_seconds_count{store="database",operation="query"}'),
    ).to.be.above(0);
    expect(
      await metric('fuota_storage_request_duration_seconds_count{store="files",operation="PutObject"}'),
    ).to.be.above(0);
    expect(await metric('fuota_storage_unavailable_total{store="database"}')).to.equal(undefined);
  });

  it('answers 503 with Retry-After while PostgreSQL is down, and /healthz names the database', async () => {
    const linesBefore = running!.logger.lines.length;
    await postgres!.stop();
    for (let i = 0; i < 5; i++) {
      const answer = await check();
      expect(answer.status, answer.text).to.equal(503);
      expect(answer.headers['retry-after']).to.equal('5');
      expect(JSON.parse(answer.text)).to.include({ code: 'storage-unavailable', status: 503 });
    }
    const listed = await running!.client.get('/devices');
    expect(listed.status).to.equal(503);
    // A session that cannot be looked up is not taken for an ended one (no 403, no cleared cookie).
    const bySession = await running!.client.get('/api/v1/fleet', withSession());
    expect([bySession.status, JSON.parse(bySession.text).code]).to.deep.equal([503, 'storage-unavailable']);
    expect(bySession.headers['set-cookie']).to.equal(undefined);
    const written = await running!.client.put('/devices/esp-2', '"esp-2","1.0.0","fw/v2.bin"', 'text/csv');
    expect(written.status).to.equal(503);
    const health = await running!.client.get('/healthz', { auth: null });
    expect(health.status).to.equal(503);
    expect(JSON.parse(health.text)).to.deep.include({ checks: { database: 'failing', files: 'ok' } });
    expect(running!.logger.lines.join('\n')).to.include('is unreachable');
    expect(await metric('fuota_storage_unavailable_total{store="database"}')).to.be.at.least(8);
    // Logged as an outage, not as each request's error with its stack: warnings naming the
    // cause (one at once for both adapters, the device routes' and the operators': each said it
    // on its own before, then at most one every ten seconds), never an error line per request.
    const lines = running!.logger.lines.slice(linesBefore);
    const outage = lines.filter((line) => line.includes('storage unavailable: requests answered 503'));
    expect(outage.length, lines.join('\n')).to.equal(1);
    for (const line of outage) expect(line).to.match(/^warn .*is unreachable/);
    expect(lines.filter((line) => line.startsWith('error unexpected error'))).to.deep.equal([]);
  });

  it('answers 503, not a request that hangs, while PostgreSQL is frozen (a hung host), and recovers', async function () {
    this.timeout(90_000);
    await postgres!.start();
    await eventually(async () => (await check()).status === 200, 'serving again before the freeze');
    await postgres!.freeze();
    try {
      const started = Date.now();
      const answer = await check();
      expect(answer.status, answer.text).to.equal(503);
      // Bounded by the statement timeout (15 s), far below a device's or curl's patience.
      expect(Date.now() - started).to.be.below(30_000);
    } finally {
      await postgres!.thaw();
    }
    // The connections that timed out were dropped: the pool serves with fresh ones.
    await eventually(async () => (await check()).status === 200, 'serving again after the thaw', 30_000);
  });

  it('serves again once PostgreSQL is back, without a restart, and lost nothing it acknowledged', async () => {
    await postgres!.start();
    let answer = await check();
    // The pool drops the connections the restart broke; a few requests may still meet one.
    for (let tries = 0; answer.status === 503 && tries < 50; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      answer = await check();
    }
    expect([answer.status, answer.text]).to.deep.equal([200, 'fw/v2.bin']);
    expect((await running!.client.get('/healthz', { auth: null })).status).to.equal(200);
    expect((await running!.client.get('/devices')).text).to.equal('"esp-1","1.0.0","fw/v2.bin"\n');
    expect((await running!.client.get('/api/v1/session', withSession())).status, 'the session outlived it').to.equal(
      200,
    );
    expect((await running!.client.put('/devices/esp-2', '"esp-2","1.0.0","fw/v2.bin"', 'text/csv')).status).to.equal(
      200,
    );
  });
});
