import { expect } from 'chai';
import { SHA256_HEX } from '../../src/adapters/inbound/http/delta-query.js';
import { Validator } from '@seriousme/openapi-schema-validator';
import { HttpMetrics } from '../../src/adapters/inbound/http/http-metrics.js';
import { createApiRouter } from '../../src/adapters/inbound/http/koa-app.js';
import type { SignInDependencies } from '../../src/adapters/inbound/http/routes/session-routes.js';
import { DEVICE_ROUTES } from '../../src/adapters/inbound/http/request-dispatcher.js';
import { openApiPath } from '../../src/adapters/inbound/http/openapi/openapi-document.js';
import type { HttpUseCases } from '../../src/adapters/inbound/http/use-cases.js';
import { DEVICE_ID_PATTERN } from '../../src/domain/device-id.js';
import type { RunningTestServer } from '../support/test-server.js';
import { startTestServer, TEST_DEVICE_CREDENTIAL } from '../support/test-server.js';

type Document = {
  openapi: string;
  paths: Record<string, Record<string, { parameters?: Array<{ name: string; schema: { pattern?: string } }> }>>;
};

/** `GET /api/v1/openapi.json`: a valid OpenAPI 3.1 document describing every route served. */
describe('HTTP: the OpenAPI document', () => {
  let t: RunningTestServer;
  let document: Document;
  before(async () => {
    t = await startTestServer();
    const res = await t.client.get('/api/v1/openapi.json', { auth: TEST_DEVICE_CREDENTIAL });
    expect(res.status).to.equal(200);
    expect(res.headers['content-type']).to.match(/^application\/json/);
    document = JSON.parse(res.text) as Document;
  });
  after(() => t.stop());

  it('is a valid OpenAPI 3.1 document', async () => {
    const validator = new Validator();
    const result = await validator.validate(document as unknown as Parameters<Validator['validate']>[0]);
    expect(result.errors ?? [], JSON.stringify(result.errors, null, 2)).to.deep.equal([]);
    expect(result.valid).to.equal(true);
    expect(validator.version).to.equal('3.1');
  });

  it('describes every method of every route the two adapters serve, and nothing they do not', () => {
    // The routes only, so the use cases are never called.
    const router = createApiRouter({} as HttpUseCases, new HttpMetrics(), {} as SignInDependencies);
    const served = new Set<string>();
    for (const route of DEVICE_ROUTES) {
      for (const method of route.methods)
        if (method !== 'HEAD') served.add(`${method.toLowerCase()} ${openApiPath(route.route)}`);
    }
    for (const layer of router.stack) {
      for (const method of layer.methods) {
        // The router answers HEAD on every GET route by itself; the document lists HEAD where it matters.
        if (method !== 'HEAD') served.add(`${method.toLowerCase()} ${openApiPath(String(layer.path))}`);
      }
    }
    const described = new Set(
      Object.entries(document.paths).flatMap(([path, operations]) =>
        Object.keys(operations)
          .filter((method) => method !== 'head')
          .map((method) => `${method} ${path}`),
      ),
    );
    described.delete('get /healthz'); // answered by a middleware ahead of the router (no credentials)
    expect([...served].sort()).to.deep.equal([...described].sort());
    expect(served.size).to.be.above(10);
  });

  it('takes its parameter rules from the schemas that validate requests', async () => {
    const check = document.paths['/devices/{id}']?.get;
    expect(check?.parameters?.find((p) => p.name === 'id')?.schema.pattern).to.equal(DEVICE_ID_PATTERN.source);
    expect(check?.parameters?.map((p) => p.name)).to.deep.equal(['id', 'app_ver', 'delta', 'base', 'Fuota-Probe']);
    // Delta updates: base's rule is the one delta-query.ts applies.
    expect(check?.parameters?.find((p) => p.name === 'base')?.schema.pattern).to.equal(SHA256_HEX.source);
    // The same schema refuses what the document says is invalid.
    expect((await t.client.get('/devices/bad%20id?app_ver=1.0')).status).to.equal(400);
    expect((await t.client.get('/healthz', { auth: null })).status).to.equal(200);
  });

  it("describes the 503 (storage-unavailable) of issue 19 on every authenticated operation, devices' included", () => {
    const check = document.paths['/devices/{id}']?.get as unknown as {
      responses: Record<string, { description: string }>;
    };
    expect(check.responses['503']?.description).to.include('storage-unavailable');
    for (const [path, methods] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        const described = operation as unknown as { security: unknown[]; responses: Record<string, unknown> };
        if (described.security.length > 0) expect(described.responses, `${method} ${path}`).to.have.property('503');
      }
    }
  });

  it('describes the names issue 14 gave DELETE /files: the force flag and the namedBy field', () => {
    const remove = document.paths['/files/{path}']?.delete;
    expect(remove?.parameters?.map((p) => p.name)).to.deep.equal(['path', 'force']);
    expect(JSON.stringify(remove)).to.include('namedBy');
  });
});
