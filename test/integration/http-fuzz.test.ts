import { expect } from 'chai';
import fc from 'fast-check';
import type { DeviceId } from '../../src/domain/device-id.js';
import { buildEspImage } from '../support/esp-image-builder.js';
import { openRawTls, readResponse } from '../support/raw-tls.js';
import type { RunningTestServer } from '../support/test-server.js';
import { startTestServer, testCertificate, TEST_CREDENTIAL, TEST_DEVICE_CREDENTIAL } from '../support/test-server.js';

const DEVICE_POOL = ['d1', 'd2', 'AA:BB:CC:DD:EE:FF'];
const image = buildEspImage({ version: '7.0' });

const basic = (username: string, password: string) =>
  `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;

/** Any character a request line or header value might carry, except the CR and LF that end it. */
const lineText = (maxLength: number) =>
  fc.string({ unit: 'binary', maxLength }).map((text) => text.replace(/[\r\n]/g, ''));

const method = fc.oneof(
  {
    weight: 20,
    arbitrary: fc.constantFrom('GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'PROPFIND'),
  },
  { weight: 2, arbitrary: fc.stringMatching(/^[A-Za-z!#$%&'*+.^_`|~-]{1,12}$/) },
  { weight: 1, arbitrary: lineText(12) },
);

const segment = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.constantFrom(
      ...DEVICE_POOL,
      'fw.bin',
      'fw',
      'app.bin',
      'credentials',
      '..',
      '.',
      '%2e%2e',
      '%252e%252e',
      '%00',
      '%c0%ae%c0%ae',
      'a\\b',
      '%2f',
      '.hidden',
      'devices.db',
      '',
    ),
  },
  { weight: 5, arbitrary: fc.stringMatching(/^[A-Za-z0-9:._+%-]{1,20}$/) },
  { weight: 1, arbitrary: lineText(20).map((text) => text.replace(/[ ?#]/g, '')) },
);

const pool = fc.constantFrom(...DEVICE_POOL);
// Paths the API serves, so that many requests get past routing to the handlers.
const routedId = fc.oneof(
  { weight: 3, arbitrary: pool },
  { weight: 1, arbitrary: fc.constantFrom('bad%20id', '%00', 'x'.repeat(65), '..', '%2e%2e', 'a%2Fb', 'caf%C3%A9') },
);
const routedPath = fc.oneof(
  routedId.map((id) => `/devices/${id}`),
  routedId.map((id) => `/api/v1/devices/${id}/credentials`),
  fc.constantFrom('/devices', '/files/fw.bin', '/files/new/app.bin', '/api/v1/files', '/api/v1/files/fw.bin'),
);

const anyPath = fc
  .tuple(
    fc.constantFrom(
      '/',
      '/devices',
      '/devices/',
      '/files/',
      '/api/v1/files',
      '/api/v1/files/',
      '/api/v1/devices/',
      '/api/v1/',
      '//',
      '/%2e%2e/',
      'https://localhost/devices/',
      '*',
    ),
    fc.array(segment, { maxLength: 4 }),
  )
  .map(([prefix, segments]) => prefix + segments.join('/'));

const path = fc.oneof({ weight: 3, arbitrary: routedPath }, { weight: 2, arbitrary: anyPath });

const query = fc.option(
  fc.oneof(
    {
      weight: 10,
      arbitrary: fc.constantFrom(
        'app_ver=1.0',
        'app_ver=',
        'app_ver=1.0&app_ver=2.0',
        'app_ver=%ZZ',
        'validate=false',
        'validate=maybe',
        'app_ver=1.0+build',
      ),
    },
    { weight: 3, arbitrary: fc.stringMatching(/^[A-Za-z0-9_=&%.+-]{0,40}$/) },
    { weight: 1, arbitrary: lineText(40).map((text) => text.replace(/[ #]/g, '')) },
  ),
);

const header = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.constantFrom(
      'Content-Type: text/csv',
      'Content-Type: application/octet-stream',
      'Content-Type: application/json',
      'Content-Type: multipart/form-data; boundary=x',
      'Range: bytes=0-9',
      'Range: bytes=-5',
      'Range: bytes=9-0',
      'Range: bytes=0-1,4-5',
      'Range: chars=0-1',
      'If-None-Match: *',
      'If-Range: "abc"',
      'If-Range: Thu, 01 Jan 1970 00:00:00 GMT',
      'Expect: 100-continue',
      'Expect: something-else',
      'Transfer-Encoding: gzip',
      'Accept: application/json',
    ),
  },
  {
    weight: 3,
    arbitrary: fc
      .tuple(fc.stringMatching(/^[A-Za-z-]{1,16}$/), fc.stringMatching(/^[ -~]{0,40}$/))
      .map(([name, value]) => `${name}: ${value}`),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.stringMatching(/^[A-Za-z-]{1,16}$/), lineText(40))
      .map(([name, value]) => `${name}: ${value}`),
  },
);

const authorization = fc.oneof(
  { weight: 6, arbitrary: fc.constant(`Authorization: ${basic(TEST_CREDENTIAL.username, TEST_CREDENTIAL.password)}`) },
  {
    weight: 2,
    arbitrary: fc.constant(`Authorization: ${basic(TEST_DEVICE_CREDENTIAL.username, TEST_DEVICE_CREDENTIAL.password)}`),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      `Authorization: ${basic('intruder', 'guess')}`,
      'Authorization: Basic !!!',
      'Authorization: Bearer token',
      '',
    ),
  },
);

const body = fc.option(
  fc.oneof(
    fc.uint8Array({ maxLength: 1024 }).map((bytes) => Buffer.from(bytes)),
    fc.constantFrom(...DEVICE_POOL).map((id) => Buffer.from(`"${id}","1.0","fw.bin"`)),
    fc.constantFrom(Buffer.from('"d1","1.0"'), Buffer.from('"d1","1.0","fw.bin"\n"d2","1.0","fw.bin"'), image),
    lineText(200).map((text) => Buffer.from(text, 'latin1')),
  ),
);

const randomRequest = fc.record({
  method,
  path,
  query,
  headers: fc.array(header, { maxLength: 4 }),
  authorization,
  body,
});
type FuzzRequest = typeof randomRequest extends fc.Arbitrary<infer T> ? T : never;

// Writes that can succeed (a device row, an upload), with a random extra header or two.
const plausibleWrite: fc.Arbitrary<FuzzRequest> = fc
  .tuple(
    fc.oneof(
      fc.tuple(pool, fc.constantFrom('1.0', '2.0', 'x y')).map(([id, version]) => ({
        path: `/devices/${id}`,
        headers: ['Content-Type: text/csv'],
        body: Buffer.from(`"${id}","${version}","fw.bin"`),
      })),
      fc.constantFrom(image, image.subarray(0, 100), Buffer.from('not an image')).map((bytes) => ({
        path: '/files/new/app.bin',
        headers: ['Content-Type: application/octet-stream'],
        body: bytes,
      })),
    ),
    fc.array(header, { maxLength: 2 }),
    authorization,
  )
  .map(([write, extra, auth]) => ({
    method: 'PUT',
    path: write.path,
    query: null,
    headers: [...write.headers, ...extra],
    authorization: auth,
    body: write.body,
  }));

const request = fc.oneof({ weight: 4, arbitrary: randomRequest }, { weight: 1, arbitrary: plausibleWrite });

/** The request as raw bytes: whatever the generator made, with a truthful Content-Length. */
function rawRequest(r: FuzzRequest): Buffer {
  const lines = [
    `${r.method} ${r.path}${r.query === null ? '' : `?${r.query}`} HTTP/1.1`,
    'Host: localhost',
    'Connection: close',
  ];
  if (r.authorization !== '') lines.push(r.authorization);
  lines.push(...r.headers.filter((line) => !/^(content-length|transfer-encoding)\s*:/i.test(line)));
  if (r.body !== null) lines.push(`Content-Length: ${r.body.length}`);
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), r.body ?? Buffer.alloc(0)]);
}

/**
 * Random methods, paths, query strings, headers, credentials and bodies against the HTTP adapter
 * (fast-check): never a 5xx, never a hang, the server keeps answering, and stored data changes
 * only when a write was answered 2xx.
 */
describe('HTTP: property-based robustness (fast-check)', function () {
  this.timeout(120_000);
  let t: RunningTestServer;
  let ca = '';

  before(async () => {
    t = await startTestServer({ storage: 'disk', authFailuresPerMinute: 1_000_000 });
    ca = (await testCertificate()).cert;
    expect((await t.client.put('/files/fw.bin', image, 'application/octet-stream')).status).to.equal(200);
    expect((await t.client.put('/devices/d1', '"d1","1.0","fw.bin"', 'text/csv')).status).to.equal(200);
  });
  after(() => t.stop());

  /** Everything a request could change: rows, files (size and time), per-device credentials. */
  async function snapshot(): Promise<string> {
    const rows = [];
    for await (const row of t.storage.devices.list()) rows.push(row);
    const files = [];
    for await (const file of t.storage.files.list()) {
      const info = await t.storage.files.stat(file);
      files.push([file, info?.size, info?.modifiedAt.getTime()]);
    }
    const credentials = await Promise.all(DEVICE_POOL.map((id) => t.storage.deviceCredentials.get(id as DeviceId)));
    return JSON.stringify({ rows, files: files.sort(), credentials });
  }

  async function send(bytes: Buffer): Promise<number> {
    const socket = await openRawTls(t.server.address.port, ca);
    socket.on('error', () => {}); // a refused body may reset the connection after the answer
    socket.write(bytes);
    const answer = await readResponse(socket, undefined, 15_000);
    socket.destroy();
    // Interim answers (100 Continue) come first; the final one is what counts.
    const status = [...answer.matchAll(/^HTTP\/1\.[01] (\d{3}) /gm)]
      .map((match) => match[1])
      .find((code) => !code?.startsWith('1'));
    expect(status, `no HTTP answer: ${JSON.stringify(answer.slice(0, 200))}`).to.not.equal(undefined);
    return Number(status);
  }

  it('answers every random request below 500, keeps serving, and changes data only on a 2xx write', async () => {
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const before = await snapshot();
        const status = await send(rawRequest(r));
        expect(status, `${r.method} ${r.path}`).to.be.below(500);
        const isWrite = ['PUT', 'POST', 'DELETE'].includes(r.method);
        if (!(isWrite && status >= 200 && status < 300)) {
          expect(await snapshot(), `${r.method} ${r.path} -> ${status} changed stored data`).to.equal(before);
        }
        // The server still answers an ordinary device check.
        const check = await t.client.get('/devices/d1?app_ver=0.0');
        expect(check.status).to.be.oneOf([204, 404]);
      }),
      { numRuns: 300, interruptAfterTimeLimit: 90_000 },
    );
  });
});
