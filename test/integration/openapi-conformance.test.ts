import { request } from 'node:https';
import { expect } from 'chai';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import { buildEspImage } from '../support/esp-image-builder.js';
import { release } from '../support/delta-images.js';
import type { HttpResponse, RequestOptions } from '../support/https-client.js';
import type { RunningTestServer } from '../support/test-server.js';
import { startTestServer, testCertificate, TEST_CREDENTIAL, TEST_DEVICE_CREDENTIAL } from '../support/test-server.js';

type Json = Record<string, unknown>;
interface ResponseObject {
  readonly description: string;
  readonly content?: Readonly<Record<string, { readonly schema: unknown }>>;
  readonly $ref?: string;
}
interface Operation {
  readonly operationId: string;
  readonly responses: Readonly<Record<string, ResponseObject>>;
}
interface Document {
  readonly paths: Readonly<Record<string, Readonly<Record<string, Operation>>>>;
  readonly components: {
    readonly schemas: Readonly<Record<string, Json>>;
    readonly responses: Readonly<Record<string, ResponseObject>>;
  };
}

/**
 * Statuses the document declares that these requests do not provoke, each with where it is
 * provoked instead (or why it cannot be here). Anything else declared must be answered below.
 */
const NOT_DRIVEN: Readonly<Record<string, string>> = {
  'uploadFile 507': 'a full disk: full-disk.test.ts',
  'health 503': 'a failing store: health.test.ts',
  'addSigningKey 409': 'a key of FUOTA_TRUSTED_KEYS: signing-keys-api.test.ts',
  'removeSigningKey 409': 'a key of FUOTA_TRUSTED_KEYS: signing-keys-api.test.ts',
  // Sessions are kept in PostgreSQL with shared storage; its errors are storage-unavailable.
  'signIn 503': 'PostgreSQL out of reach (no test signs in during an outage)',
  'changeRollout 503': 'rollout-busy, a lock another server holds: rollout-service.test.ts (unit)',
  'startRollout 503': 'rollout-busy, a lock another server holds: rollout-service.test.ts (unit)',
  'pauseRollout 503': 'rollout-busy, a lock another server holds: rollout-service.test.ts (unit)',
  'resumeRollout 503': 'rollout-busy, a lock another server holds: rollout-service.test.ts (unit)',
  'advanceRollout 503': 'rollout-busy, a lock another server holds: rollout-service.test.ts (unit)',
  'abortRollout 503': 'rollout-busy, a lock another server holds: rollout-service.test.ts (unit)',
};

const JSON_TYPE = { 'Content-Type': 'application/json' };
/** A JSON body over the 2 MB every JSON route takes. */
const HUGE_JSON = JSON.stringify({ padding: 'x'.repeat(2 * 1024 * 1024 + 1) });
const DIGEST = 'c0ffee'.padEnd(64, '0');
/** A device that never checked (`nobody` has: its checks are answered 404, and recorded). */
const NEVER_SEEN = 'never-seen';

/**
 * The server against its own OpenAPI document (GET /api/v1/openapi.json), over real HTTPS: for
 * every operation, requests that provoke each status it declares, each answer checked against
 * the document (its status declared for that operation, not left to `default`; its content
 * type declared; a JSON body valid against the declared schema). A status the server answers
 * that the document lacks, or a body that has drifted from its schema, fails here.
 */
describe('HTTP: the server answers as its OpenAPI document says', () => {
  let t: RunningTestServer;
  let document: Document;
  let ajv: Ajv2020;
  const validators = new Map<string, ValidateFunction>();
  /** `operationId status` of every answer checked. */
  const driven = new Set<string>();

  before(async () => {
    t = await startTestServer({ delta: { bases: 0 }, maxUploadBytes: 64 * 1024, authFailuresPerMinute: 3 });
    document = JSON.parse((await t.client.get('/api/v1/openapi.json')).text) as Document;
    ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
    ajv.addSchema({ $id: 'openapi.json', components: document.components });
  });
  after(() => t.stop());

  function operationNamed(operationId: string): { path: string; method: string; operation: Operation } {
    for (const [path, methods] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        if (operation.operationId === operationId) return { path, method, operation };
      }
    }
    return expect.fail(`the document has no operation ${operationId}`);
  }

  /** A schema of the document, compiled once, its `#/components/...` references resolved in the document. */
  function validator(key: string, schema: unknown): ValidateFunction {
    let compiled = validators.get(key);
    if (compiled === undefined) {
      compiled = ajv.compile(
        JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"openapi.json#/components/')),
      );
      validators.set(key, compiled);
    }
    return compiled;
  }

  /** Checks one answer against the operation's declared response for its status. */
  function conforms(operationId: string, method: string, url: string, res: HttpResponse): void {
    const found = operationNamed(operationId);
    const what = `${operationId} (${method} ${url}) answered ${res.status}: ${res.text.slice(0, 300)}`;
    expect(found.method, what).to.equal(method.toLowerCase());
    const template = found.path
      .split(/(\{[A-Za-z]+\})/)
      .map((part) =>
        part === '{path}' ? '.+' : part.startsWith('{') ? '[^/]+' : part.replace(/[.*+?^$()|[\]\\]/g, '\\$&'),
      )
      .join('');
    expect(url.split('?')[0], what).to.match(new RegExp(`^${template}$`));
    const declared = found.operation.responses[String(res.status)];
    if (declared === undefined) expect.fail(`the document does not declare status ${res.status} for ${what}`);
    const answer =
      declared.$ref === undefined ? declared : document.components.responses[declared.$ref.split('/').pop()!];
    if (answer === undefined) return expect.fail(`${declared.$ref} is not in components/responses`);
    driven.add(`${operationId} ${res.status}`);
    if (answer.content === undefined) {
      expect(res.body.length, `${what}: a body the document does not declare`).to.equal(0);
      return;
    }
    const type = String(res.headers['content-type'] ?? '')
      .split(';')[0]!
      .trim();
    const media = answer.content[type] ?? answer.content['*/*'];
    expect(media, `${what}: Content-Type ${type} is not one of ${Object.keys(answer.content).join(', ')}`).not.to.equal(
      undefined,
    );
    if (!/json$/.test(type)) return;
    const check = validator(`${operationId} ${res.status} ${type}`, media!.schema);
    const body: unknown = JSON.parse(res.text);
    expect(check(body), `${what}\n${JSON.stringify(check.errors, null, 2)}`).to.equal(true);
  }

  /** Sends a request, expects `status`, and checks the answer against the document. */
  async function answer(
    operationId: string,
    status: number,
    method: string,
    url: string,
    options: Omit<RequestOptions, 'method'> = {},
  ): Promise<HttpResponse> {
    const res = await t.client.send(url, { ...options, method });
    expect(res.status, `${operationId} ${method} ${url}: ${res.text.slice(0, 300)}`).to.equal(status);
    conforms(operationId, method, url, res);
    return res;
  }

  const post = (operationId: string, status: number, url: string, body: unknown, options: RequestOptions = {}) =>
    answer(operationId, status, 'POST', url, {
      ...options,
      headers: { ...JSON_TYPE, ...options.headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const patch = (operationId: string, status: number, url: string, body: unknown) =>
    answer(operationId, status, 'PATCH', url, { headers: JSON_TYPE, body: JSON.stringify(body) });
  const put = (operationId: string, status: number, url: string, body: Buffer | string, type?: string) =>
    answer(operationId, status, 'PUT', url, { body, headers: type === undefined ? {} : { 'Content-Type': type } });
  const idOf = (res: HttpResponse) => (JSON.parse(res.text) as { id: string }).id;

  /** The status and headers of an answer that never ends (an event stream), then the connection is cut. */
  async function streamHead(url: string): Promise<HttpResponse> {
    const base = new URL(t.client.baseUrl);
    const { cert } = await testCertificate();
    const basic = Buffer.from(`${TEST_CREDENTIAL.username}:${TEST_CREDENTIAL.password}`).toString('base64');
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: base.hostname,
          port: base.port,
          path: url,
          headers: { Authorization: `Basic ${basic}` },
          ca: cert,
          agent: false,
          servername: 'localhost',
        },
        (res) => {
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.alloc(0),
            text: '',
            reusedSocket: false,
          });
          req.destroy();
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  it('answers the device protocol, the rows and the files as declared', async () => {
    const image = buildEspImage({ version: '2.0.0', projectName: 'lamp' });
    await put('uploadFile', 200, '/files/lamp/v2.0.0.bin', image, 'application/octet-stream');
    await put('uploadFile', 200, '/files/lamp/v2.0.1.bin', buildEspImage({ version: '2.0.1', seed: 3 }), 'text/plain');
    await put('uploadFile', 400, '/files/lamp/x.bin?validate=maybe', 'hello', 'application/octet-stream');
    await put('uploadFile', 400, '/files/lamp//x.bin', 'hello', 'application/octet-stream');
    await put('uploadFile', 409, '/files/lamp', image, 'application/octet-stream');
    await put('uploadFile', 413, '/files/big.bin?validate=false', Buffer.alloc(65 * 1024), 'application/octet-stream');
    await put('uploadFile', 415, '/files/form.bin', 'hello', 'multipart/form-data; boundary=x');
    await put('uploadFile', 422, '/files/junk.bin', 'hello', 'application/octet-stream');
    await put('uploadFile', 200, '/files/notes.txt?validate=false', 'hello', 'application/octet-stream');

    await put('assignUpdate', 200, '/devices/x1', '"x1","1.0","lamp/v2.0.0.bin"', 'text/csv');
    await put('assignUpdate', 200, '/devices/gone1', '"gone1","1.0","lamp/v2.0.1.bin"', 'text/csv');
    await put('assignUpdate', 400, '/devices/x1', '"x1","1.0"', 'text/csv');
    await put('assignUpdate', 400, '/devices/x1', '"x2","1.0","lamp/v2.0.0.bin"', 'text/csv');
    await put('assignUpdate', 409, '/devices/x1', '"x1","2.0.0","lamp/v2.0.0.bin"', 'text/csv');
    await put('assignUpdate', 413, '/devices/x1', 'a'.repeat(17 * 1024), 'text/csv');
    await put('assignUpdate', 415, '/devices/x1', '{}', 'application/json');
    await put('assignUpdate', 415, '/devices/x1', '"x1","1.0","lamp/v2.0.0.bin"');
    await answer('listDevices', 200, 'GET', '/devices');
    await answer('listDevices', 403, 'GET', '/devices', { auth: TEST_DEVICE_CREDENTIAL });
    await answer('listDevices', 403, 'GET', '/devices', { auth: null, localAddress: '127.0.0.4' });

    await answer('checkForUpdate', 200, 'GET', '/devices/x1?app_ver=1.0');
    await answer('checkForUpdate', 204, 'GET', '/devices/x1?app_ver=0.9', { auth: TEST_DEVICE_CREDENTIAL });
    await answer('checkForUpdate', 400, 'GET', '/devices/x1');
    await answer('checkForUpdate', 400, 'GET', '/devices/x1?app_ver=1.0&delta=edo1-hs8-7');
    await answer('checkForUpdate', 404, 'GET', '/devices/nobody?app_ver=1.0');
    await answer('checkForUpdate', 403, 'GET', '/devices/x1?app_ver=1.0', { auth: null, localAddress: '127.0.0.4' });
    await answer('checkForUpdateHead', 200, 'HEAD', '/devices/x1?app_ver=1.0');
    await answer('checkForUpdateHead', 204, 'HEAD', '/devices/x1?app_ver=0.9');
    await answer('checkForUpdateHead', 400, 'HEAD', '/devices/x1?app_ver=');
    await answer('checkForUpdateHead', 404, 'HEAD', '/devices/nobody?app_ver=1.0');

    const etag = (await t.client.send('/files/lamp/v2.0.0.bin', { method: 'HEAD' })).headers.etag ?? '';
    for (const [operationId, method] of [
      ['downloadFile', 'GET'],
      ['describeFile', 'HEAD'],
    ] as const) {
      await answer(operationId, 200, method, '/files/lamp/v2.0.0.bin');
      await answer(operationId, 206, method, '/files/lamp/v2.0.0.bin', { headers: { Range: 'bytes=0-9' } });
      await answer(operationId, 304, method, '/files/lamp/v2.0.0.bin', { headers: { 'If-None-Match': etag } });
      await answer(operationId, 400, method, '/files/lamp//v2.0.0.bin');
      await answer(operationId, 400, method, '/files/%ZZ');
      await answer(operationId, 404, method, '/files/lamp/none.bin');
      await answer(operationId, 416, method, '/files/lamp/v2.0.0.bin', { headers: { Range: 'bytes=100000-' } });
    }

    await answer('listFiles', 200, 'GET', '/api/v1/files');
    await answer('getFile', 200, 'GET', '/api/v1/files/lamp/v2.0.0.bin');
    await answer('getFile', 400, 'GET', '/api/v1/files/%ZZ');
    await answer('getFile', 404, 'GET', '/api/v1/files/lamp/none.bin');

    await answer('deleteFile', 200, 'DELETE', '/files/notes.txt');
    await answer('deleteFile', 400, 'DELETE', '/files/lamp/v2.0.0.bin?force=maybe');
    await answer('deleteFile', 404, 'DELETE', '/files/notes.txt');
    const named = await answer('deleteFile', 409, 'DELETE', '/files/lamp/v2.0.1.bin');
    expect(JSON.parse(named.text)).to.deep.include({ namedBy: ['gone1'] });

    await answer('removeDevice', 200, 'DELETE', '/devices/gone1');
    await answer('removeDevice', 400, 'DELETE', '/devices/..');
    await answer('removeDevice', 404, 'DELETE', '/devices/gone1');
  });

  it('answers the per-device credentials, the signing keys and the delta patches as declared', async () => {
    await answer('provisionDeviceCredential', 201, 'POST', '/api/v1/devices/x2/credentials');
    await answer('provisionDeviceCredential', 400, 'POST', '/api/v1/devices/bad%20id/credentials');
    await answer('deviceCredentialStatus', 200, 'GET', '/api/v1/devices/x2/credentials');
    await answer('deviceCredentialStatus', 400, 'GET', '/api/v1/devices/bad%20id/credentials');
    await answer('deviceCredentialStatus', 404, 'GET', '/api/v1/devices/nobody/credentials');
    await answer('revokeDeviceCredential', 200, 'DELETE', '/api/v1/devices/x2/credentials');
    await answer('revokeDeviceCredential', 400, 'DELETE', '/api/v1/devices/bad%20id/credentials');
    await answer('revokeDeviceCredential', 404, 'DELETE', '/api/v1/devices/x2/credentials');

    await answer('listSigningKeys', 200, 'GET', '/api/v1/signing-keys');
    await post('addSigningKey', 400, '/api/v1/signing-keys', {});
    await post('addSigningKey', 413, '/api/v1/signing-keys', HUGE_JSON);
    await post('addSigningKey', 415, '/api/v1/signing-keys', {}, { headers: { 'Content-Type': 'text/plain' } });
    await post('addSigningKey', 422, '/api/v1/signing-keys', { keyDigest: 'abc' });
    await answer('removeSigningKey', 400, 'DELETE', '/api/v1/signing-keys/xyz');
    await answer('removeSigningKey', 404, 'DELETE', `/api/v1/signing-keys/${DIGEST}`);
    // A key is trusted briefly (each answer is checked in the rollouts' case too).
    await post('addSigningKey', 201, '/api/v1/signing-keys', { keyDigest: DIGEST });
    await post('addSigningKey', 200, '/api/v1/signing-keys', { keyDigest: DIGEST, name: 'again' });
    await answer('removeSigningKey', 200, 'DELETE', `/api/v1/signing-keys/${DIGEST}`);

    await put('uploadFile', 200, '/files/fw/v1.bin', release('1.0.0'), 'application/octet-stream');
    await put('uploadFile', 200, '/files/fw/v2.bin', release('1.1.0'), 'application/octet-stream');
    await put('uploadFile', 200, '/files/fw/rebuilt.bin', release('2.0.0', { seed: 99 }), 'application/octet-stream');
    await answer('listDeltas', 200, 'GET', '/api/v1/deltas');
    const made = await post('makeDelta', 201, '/api/v1/deltas', { base: 'fw/v1.bin', target: 'fw/v2.bin' });
    await post('makeDelta', 400, '/api/v1/deltas', { base: 'fw/v1.bin' });
    await post('makeDelta', 400, '/api/v1/deltas', { base: 'fw//v1.bin', target: 'fw/v2.bin' });
    await put('uploadFile', 200, '/files/fw/notes.txt?validate=false', 'hello', 'application/octet-stream');
    await post('makeDelta', 400, '/api/v1/deltas', { base: 'fw/notes.txt', target: 'fw/v2.bin' });
    await post('makeDelta', 404, '/api/v1/deltas', { base: 'fw/none.bin', target: 'fw/v2.bin' });
    await post('makeDelta', 413, '/api/v1/deltas', HUGE_JSON);
    await post('makeDelta', 415, '/api/v1/deltas', '{}', { headers: { 'Content-Type': 'text/plain' } });
    await post('makeDelta', 422, '/api/v1/deltas', { base: 'fw/v1.bin', target: 'fw/rebuilt.bin' });
    // The same image with a signature sector: another file with the base's image digest.
    await put('uploadFile', 200, '/files/fw/v1-signed.bin', release('1.0.0', { signatureBlocks: 1 }), 'text/plain');
    await post('makeDelta', 409, '/api/v1/deltas', { base: 'fw/v1.bin', target: 'fw/v2.bin' });
    await answer('removeDelta', 204, 'DELETE', `/api/v1/deltas/${idOf(made)}`);
    await answer('removeDelta', 400, 'DELETE', `/api/v1/deltas/${'a'.repeat(201)}`);
    await answer('removeDelta', 404, 'DELETE', `/api/v1/deltas/${idOf(made)}`);
  });

  it('answers the fleet inventory and its events as declared', async () => {
    await answer('listInventory', 200, 'GET', '/api/v1/devices?search=&tag=');
    await answer('listInventory', 400, 'GET', '/api/v1/devices?bogus=1');
    await post('tagDevices', 200, '/api/v1/devices/tags', { devices: ['x1', 'nobody'], add: ['lamp'] });
    await post('tagDevices', 400, '/api/v1/devices/tags', { add: ['lamp'] });
    await post('tagDevices', 413, '/api/v1/devices/tags', HUGE_JSON);
    await post('tagDevices', 415, '/api/v1/devices/tags', '{}', { headers: { 'Content-Type': 'text/plain' } });
    await answer('getInventoryDevice', 200, 'GET', '/api/v1/devices/x1');
    await answer('getInventoryDevice', 400, 'GET', '/api/v1/devices/bad%20id');
    await answer('getInventoryDevice', 404, 'GET', `/api/v1/devices/${NEVER_SEEN}`);
    await patch('changeInventoryDevice', 200, '/api/v1/devices/x1', { note: 'on the bench' });
    await patch('changeInventoryDevice', 400, '/api/v1/devices/x1', { color: 'red' });
    await patch('changeInventoryDevice', 400, '/api/v1/devices/bad%20id', { note: 'x' });
    await patch('changeInventoryDevice', 404, `/api/v1/devices/${NEVER_SEEN}`, { note: 'x' });
    await answer('changeInventoryDevice', 413, 'PATCH', '/api/v1/devices/x1', { headers: JSON_TYPE, body: HUGE_JSON });
    await answer('changeInventoryDevice', 415, 'PATCH', '/api/v1/devices/x1', { body: '{}' });
    await answer('fleetSummary', 200, 'GET', '/api/v1/fleet');
    await answer('listEvents', 200, 'GET', '/api/v1/events?latest=5');
    await answer('listEvents', 400, 'GET', '/api/v1/events?after=1&latest=5');
    await answer('streamEvents', 400, 'GET', '/api/v1/events/stream?bogus=1');
    await answer('streamEvents', 400, 'GET', '/api/v1/events/stream', { headers: { 'Last-Event-ID': 'x' } });
    conforms('streamEvents', 'GET', '/api/v1/events/stream', await streamHead('/api/v1/events/stream?type='));
    await answer('listAuditRecords', 200, 'GET', '/api/v1/audit?latest=3');
    await answer('listAuditRecords', 200, 'GET', '/api/v1/audit?after=');
    await answer('listAuditRecords', 400, 'GET', '/api/v1/audit?latest=0');
    await answer('getDevicePenalty', 200, 'GET', '/api/v1/devices/x1/penalty');
    await answer('getDevicePenalty', 400, 'GET', '/api/v1/devices/bad%20id/penalty');
    await answer('getDevicePenalty', 404, 'GET', `/api/v1/devices/${NEVER_SEEN}/penalty`);
    await answer('clearDevicePenalty', 204, 'DELETE', '/api/v1/devices/x1/penalty');
    await answer('clearDevicePenalty', 400, 'DELETE', '/api/v1/devices/bad%20id/penalty');
    await answer('clearDevicePenalty', 404, 'DELETE', `/api/v1/devices/${NEVER_SEEN}/penalty`);
  });

  it('answers the rollouts as declared', async () => {
    const definition = { name: 'lamp 2', file: 'lamp/v2.0.0.bin', selector: { devices: ['x9'] }, waves: [50, 100] };
    const r1 = idOf(await post('createRollout', 201, '/api/v1/rollouts', definition));
    const r2 = idOf(await post('createRollout', 201, '/api/v1/rollouts', { ...definition, name: 'lamp 2 again' }));
    await post('createRollout', 400, '/api/v1/rollouts', { ...definition, waves: [100, 50] });
    await post('createRollout', 400, '/api/v1/rollouts', '');
    await post('createRollout', 413, '/api/v1/rollouts', HUGE_JSON);
    await post('createRollout', 415, '/api/v1/rollouts', definition, { headers: { 'Content-Type': 'text/plain' } });
    await post('previewRolloutDefinition', 200, '/api/v1/rollouts/preview', definition);
    await post('previewRolloutDefinition', 400, '/api/v1/rollouts/preview', { ...definition, maxInFlight: 0 });
    await post('previewRolloutDefinition', 413, '/api/v1/rollouts/preview', HUGE_JSON);
    await post('previewRolloutDefinition', 415, '/api/v1/rollouts/preview', '{}', {
      headers: { 'Content-Type': 'text/plain' },
    });
    await answer('listRollouts', 200, 'GET', '/api/v1/rollouts?state=');
    await answer('listRollouts', 400, 'GET', '/api/v1/rollouts?state=sleeping');
    await answer('getRollout', 200, 'GET', `/api/v1/rollouts/${r1}`);
    await answer('getRollout', 404, 'GET', '/api/v1/rollouts/r-none');
    await patch('changeRollout', 200, `/api/v1/rollouts/${r1}`, { name: 'lamp 2.0' });
    await patch('changeRollout', 400, `/api/v1/rollouts/${r1}`, { waves: 'all' });
    await patch('changeRollout', 404, '/api/v1/rollouts/r-none', { name: 'x' });
    await answer('changeRollout', 413, 'PATCH', `/api/v1/rollouts/${r1}`, { headers: JSON_TYPE, body: HUGE_JSON });
    await answer('changeRollout', 415, 'PATCH', `/api/v1/rollouts/${r1}`, { body: '{}' });
    await answer('previewRollout', 200, 'POST', `/api/v1/rollouts/${r1}/preview`);
    await answer('previewRollout', 404, 'POST', '/api/v1/rollouts/r-none/preview');

    for (const action of ['start', 'pause', 'resume', 'advance', 'abort']) {
      await answer(`${action}Rollout`, 404, 'POST', `/api/v1/rollouts/r-none/${action}`);
    }
    await answer('startRollout', 200, 'POST', `/api/v1/rollouts/${r1}/start`);
    await answer('startRollout', 409, 'POST', `/api/v1/rollouts/${r1}/start`);
    await patch('changeRollout', 409, `/api/v1/rollouts/${r1}`, { name: 'lamp 2.0.0' });
    await answer('resumeRollout', 409, 'POST', `/api/v1/rollouts/${r1}/resume`);
    await answer('pauseRollout', 200, 'POST', `/api/v1/rollouts/${r1}/pause`);
    await answer('pauseRollout', 409, 'POST', `/api/v1/rollouts/${r1}/pause`);
    // While a key the target is not signed by is trusted, nothing may offer it any further.
    await post('addSigningKey', 201, '/api/v1/signing-keys', { keyDigest: DIGEST });
    await answer('startRollout', 400, 'POST', `/api/v1/rollouts/${r2}/start`);
    await answer('resumeRollout', 400, 'POST', `/api/v1/rollouts/${r1}/resume`);
    await answer('advanceRollout', 400, 'POST', `/api/v1/rollouts/${r1}/advance`);
    await answer('removeSigningKey', 200, 'DELETE', `/api/v1/signing-keys/${DIGEST}`);
    await answer('resumeRollout', 200, 'POST', `/api/v1/rollouts/${r1}/resume`);
    await answer('listRolloutDevices', 200, 'GET', `/api/v1/rollouts/${r1}/devices?state=`);
    await answer('listRolloutDevices', 400, 'GET', `/api/v1/rollouts/${r1}/devices?state=asleep`);
    await answer('listRolloutDevices', 404, 'GET', '/api/v1/rollouts/r-none/devices');
    await answer('advanceRollout', 200, 'POST', `/api/v1/rollouts/${r1}/advance`);
    await answer('abortRollout', 200, 'POST', `/api/v1/rollouts/${r1}/abort`);
    await answer('abortRollout', 409, 'POST', `/api/v1/rollouts/${r1}/abort`);
    await answer('advanceRollout', 409, 'POST', `/api/v1/rollouts/${r1}/advance`);

    // A rollout that ended no longer holds its file, which may then go: it cannot be previewed.
    await put('uploadFile', 200, '/files/lamp/v3.bin', buildEspImage({ version: '3.0.0', seed: 5 }), 'text/plain');
    const r3 = idOf(await post('createRollout', 201, '/api/v1/rollouts', { ...definition, file: 'lamp/v3.bin' }));
    await answer('abortRollout', 200, 'POST', `/api/v1/rollouts/${r3}/abort`);
    await answer('deleteFile', 200, 'DELETE', '/files/lamp/v3.bin');
    const gone = await answer('previewRollout', 400, 'POST', `/api/v1/rollouts/${r3}/preview`);
    expect(JSON.parse(gone.text)).to.deep.include({ code: 'invalid-rollout' });
  });

  it('answers the dashboard session, the description, metrics and health as declared', async () => {
    const signIn = (status: number, body: unknown, options: RequestOptions = {}) =>
      post('signIn', status, '/api/v1/session', body, { auth: null, ...options });
    const signedIn = await signIn(201, TEST_CREDENTIAL);
    const token = /__Host-fuota_session=([^;]+)/.exec(String(signedIn.headers['set-cookie']))?.[1] ?? '';
    const { csrfToken } = JSON.parse(signedIn.text) as { csrfToken: string };
    const cookie = { auth: null, headers: { Cookie: `__Host-fuota_session=${token}` } };
    await signIn(400, { username: 'operator' });
    await signIn(400, '');
    await signIn(403, { ...TEST_CREDENTIAL, password: 'wrong' }, { localAddress: '127.0.0.5' });
    await signIn(403, TEST_DEVICE_CREDENTIAL);
    await signIn(413, HUGE_JSON);
    await signIn(415, TEST_CREDENTIAL, { headers: { 'Content-Type': 'text/plain' } });
    for (let failures = 0; failures < 3; failures += 1) {
      await signIn(403, { username: 'nobody', password: 'guess' }, { localAddress: '127.0.0.9' });
    }
    await signIn(429, { username: 'nobody', password: 'guess' }, { localAddress: '127.0.0.9' });

    await answer('currentSession', 200, 'GET', '/api/v1/session', cookie);
    await answer('currentSession', 404, 'GET', '/api/v1/session');
    await answer('currentSession', 404, 'GET', '/api/v1/session', { auth: null });
    await answer('currentSession', 404, 'GET', '/api/v1/session', { auth: TEST_DEVICE_CREDENTIAL });
    await answer('signOut', 404, 'DELETE', '/api/v1/session');
    await answer('signOut', 403, 'DELETE', '/api/v1/session', { auth: null, localAddress: '127.0.0.6' });
    await answer('signOut', 403, 'DELETE', '/api/v1/session', cookie);
    await answer('signOut', 204, 'DELETE', '/api/v1/session', {
      ...cookie,
      headers: { ...cookie.headers, 'X-CSRF-Token': csrfToken },
    });
    await answer('currentSession', 403, 'GET', '/api/v1/session', { ...cookie, localAddress: '127.0.0.7' });

    await answer('openApiDocument', 200, 'GET', '/api/v1/openapi.json', { auth: TEST_DEVICE_CREDENTIAL });
    await answer('metrics', 200, 'GET', '/metrics');
    await answer('metrics', 403, 'GET', '/metrics', { auth: TEST_DEVICE_CREDENTIAL });
    await answer('health', 200, 'GET', '/healthz', { auth: null });

    await answer('forgetInventoryDevice', 200, 'DELETE', '/api/v1/devices/x1');
    await answer('forgetInventoryDevice', 400, 'DELETE', '/api/v1/devices/bad%20id');
    await answer('forgetInventoryDevice', 404, 'DELETE', '/api/v1/devices/x1');
  });

  it('answers OPTIONS on every path it describes but /healthz with 200 and Allow, as its info says', async () => {
    expect((document as unknown as { info: { description: string } }).info.description).to.include('OPTIONS');
    const sample: Readonly<Record<string, string>> = { '{id}': 'x1', '{path}': 'lamp/v2.0.0.bin', '{digest}': DIGEST };
    for (const [path, methods] of Object.entries(document.paths)) {
      const url = path.replace(/\{[A-Za-z]+\}/g, (name) => sample[name] ?? name);
      const res = await t.client.send(url, { method: 'OPTIONS' });
      if (path === '/healthz') {
        expect(res.status, url).to.equal(405);
        continue;
      }
      expect(res.status, url).to.equal(200);
      const allowed = String(res.headers.allow).split(/, */);
      const described = Object.keys(methods).map((method) => method.toUpperCase());
      expect(allowed, url).to.include.members(described.includes('GET') ? [...described, 'HEAD'] : described);
    }
  });

  it('has every status it declares answered above, but those provoked elsewhere', () => {
    const declared: string[] = [];
    for (const methods of Object.values(document.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        for (const [status, response] of Object.entries(operation.responses)) {
          // The shared errors (credentials, storage) are checked where they are answered.
          const sharedError = response.$ref !== undefined || (method === 'head' && /^(403|429|503|507)$/.test(status));
          if (status !== 'default' && !sharedError) declared.push(`${operation.operationId} ${status}`);
        }
      }
    }
    const missing = declared.filter((pair) => !driven.has(pair) && NOT_DRIVEN[pair] === undefined);
    expect(missing, 'declared statuses no request here provokes').to.deep.equal([]);
    const stale = Object.keys(NOT_DRIVEN).filter((pair) => !declared.includes(pair) || driven.has(pair));
    expect(stale, 'NOT_DRIVEN entries no longer needed').to.deep.equal([]);
  });
});

/**
 * The rules of a rollout definition as the document states them (the domain's, which the body
 * schemas leave to it) against the server's: each definition here is valid by the document's
 * RolloutDefinition schema exactly when the server takes it (previewed, so nothing is created).
 */
describe("HTTP: the OpenAPI document's rollout definition rules are the server's", () => {
  let t: RunningTestServer;
  let valid: ValidateFunction;
  before(async () => {
    t = await startTestServer();
    const image = buildEspImage({ version: '2.0.0', projectName: 'lamp' });
    expect((await t.client.put('/files/lamp/v2.bin', image, 'application/octet-stream')).status).to.equal(200);
    const document = JSON.parse((await t.client.get('/api/v1/openapi.json')).text) as Document;
    const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
    ajv.addSchema({ $id: 'openapi.json', components: document.components });
    valid = ajv.compile({ $ref: 'openapi.json#/components/schemas/RolloutDefinition' });
  });
  after(() => t.stop());

  const base = { name: 'lamp', file: 'lamp/v2.bin' };
  const waves = (count: number) => Array.from({ length: count }, (_, index) => ((index + 1) * 100) / count);
  const samples: ReadonlyArray<readonly [string, Json]> = [
    ['the defaults', {}],
    ['a name of 100 characters', { name: 'n'.repeat(100) }],
    ['a name of 101 characters', { name: 'n'.repeat(101) }],
    ['an empty name', { name: '' }],
    ['a name of spaces', { name: '   ' }],
    ['a name with a control character', { name: 'lamp\u0007' }],
    ['a file that is no update path', { file: 'lamp//v2.bin' }],
    ['20 waves', { waves: waves(20) }],
    ['21 waves', { waves: waves(21) }],
    ['no waves', { waves: [] }],
    ['a wave of 0%', { waves: [0, 100] }],
    ['a wave over 100%', { waves: [50, 100.5] }],
    ['maxInFlight 1', { maxInFlight: 1 }],
    ['maxInFlight 0', { maxInFlight: 0 }],
    ['maxInFlight 1.5', { maxInFlight: 1.5 }],
    ['maxOffersPerMinute 0', { maxOffersPerMinute: 0 }],
    ['a negative priority', { priority: -3 }],
    ['a fractional priority', { priority: 0.5 }],
    ['a soak of a year', { advance: { soakMinutes: 525_600 } }],
    ['a soak over a year', { advance: { soakMinutes: 525_601 } }],
    ['a success threshold of 0%', { advance: { successPercent: 0 } }],
    ['minResolved 0', { halt: { minResolved: 0 } }],
    ['failureCount 2.5', { halt: { failureCount: 2.5 } }],
    ['a failure threshold over 100%', { halt: { failurePercent: 101 } }],
    ['a penalty of ten years', { penalty: { hours: 87_600 } }],
    ['a penalty over ten years', { penalty: { hours: 87_601 } }],
    ['a penalty of 0 hours', { penalty: { hours: 0 } }],
    ['penalty failures 0', { penalty: { failures: 0 } }],
    ['a tag with a space', { selector: { tagsAll: ['a b'] } }],
    ['65 tags', { selector: { tagsAny: Array.from({ length: 65 }, (_, n) => `t${n}`) } }],
    ['a malformed device id', { selector: { devices: ['bad id'] } }],
    ['a version list', { selector: { versions: ['1.0', 'v1.1'] } }],
    ['a version with a double quote', { selector: { versions: ['1."0'] } }],
    ['an empty project', { selector: { project: '' } }],
    ['a project of 32 characters', { selector: { project: 'p'.repeat(32) } }],
    ['a known chip', { selector: { chip: 'esp32c3' } }],
    ['an unknown chip', { selector: { chip: 'esp8266' } }],
    ['an unknown field', { colour: 'red' }],
  ];

  for (const [what, fields] of samples) {
    it(`agrees on ${what}`, async () => {
      const body = { ...base, ...fields };
      const res = await t.client.send('/api/v1/rollouts/preview', {
        method: 'POST',
        headers: JSON_TYPE,
        body: JSON.stringify(body),
      });
      expect([200, 400], res.text).to.include(res.status);
      expect(
        valid(body),
        `the document ${valid(body) ? 'takes' : 'refuses'} it; the server answered ${res.text}`,
      ).to.equal(res.status === 200);
    });
  }
});
