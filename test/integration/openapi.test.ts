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

type Described = { description: string; content?: Record<string, unknown>; $ref?: string };
type Document = {
  openapi: string;
  info: { description: string };
  paths: Record<string, Record<string, { parameters?: Array<{ name: string; schema: { pattern?: string } }> }>>;
  components: { schemas: Record<string, unknown>; responses: Record<string, Described> };
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

  /** A response of the document, its `$ref` into components/responses followed. */
  function resolved(response: Described | undefined): Described | undefined {
    const ref = response?.$ref;
    return ref === undefined ? response : document.components.responses[ref.replace('#/components/responses/', '')];
  }

  it("describes the 503 (storage-unavailable) of issue 19 on every authenticated operation, devices' included", () => {
    const check = document.paths['/devices/{id}']?.get as unknown as { responses: Record<string, Described> };
    expect(resolved(check.responses['503'])?.description).to.include('storage-unavailable');
    for (const [path, methods] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        const described = operation as unknown as { security: unknown[]; responses: Record<string, unknown> };
        if (described.security.length > 0) expect(described.responses, `${method} ${path}`).to.have.property('503');
      }
    }
  });

  it('gives every error a problem document (the shared Problem, with its codes), but on HEAD, which has no body', () => {
    const problem = document.components.schemas.Problem as { properties: Record<string, unknown>; allOf: unknown[] };
    expect(problem.properties).to.include.keys('type', 'title', 'status', 'code', 'detail', 'problems', 'namedBy');
    expect(problem.properties).to.include.keys('reason', 'signatures');
    let errors = 0;
    for (const [path, methods] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        const { responses } = operation as unknown as { responses: Record<string, Described> };
        for (const [status, response] of Object.entries(responses)) {
          if (status !== 'default' && Number(status) < 400) continue;
          if (path === '/healthz') continue; // its 503 is its own report
          const content = resolved(response)?.content;
          const what = `${method} ${path} ${status}`;
          if (method === 'head') {
            expect(content, what).to.equal(undefined);
            continue;
          }
          errors += 1;
          expect(Object.keys(content ?? {}), what).to.deep.equal(['application/problem+json']);
          expect(JSON.stringify(content), what).to.include('#/components/schemas/Problem');
          if (status !== 'default') expect(JSON.stringify(content), what).to.include(`"const":${status}`);
        }
      }
    }
    expect(errors).to.be.above(100);
    // The members some codes add are declared where they are answered.
    const bodyOf = (path: string, method: string, status: string) =>
      JSON.stringify(
        resolved(
          (document.paths[path]?.[method] as unknown as { responses: Record<string, Described> }).responses[status],
        ),
      );
    expect(bodyOf('/api/v1/rollouts', 'post', '400')).to.include('invalid-rollout');
    expect(bodyOf('/files/{path}', 'delete', '409'))
      .to.include('namedBy')
      .and.include('file-in-use');
    expect(bodyOf('/files/{path}', 'put', '422'))
      .to.include('untrusted-signature')
      .and.include('invalid-image');
  });

  it('says which Fuota-Probe value counts, that an upload takes any content type, and what a wave counts', () => {
    const probe = document.paths['/devices/{id}']?.get?.parameters?.find((p) => p.name === 'Fuota-Probe');
    expect(probe?.schema).to.deep.include({ enum: ['1'] });
    const upload = document.paths['/files/{path}']?.put as unknown as {
      requestBody: { description: string; content: Record<string, unknown> };
    };
    expect(upload.requestBody.content).to.include.keys('application/octet-stream', '*/*');
    expect(upload.requestBody.description).to.include('multipart');
    const rollout = document.components.schemas.Rollout as {
      properties: { waves: { items: { properties: { attempts: { description: string } } } } };
    };
    expect(rollout.properties.waves.items.properties.attempts.description).to.include('latest attempt');
    const definition = document.components.schemas.RolloutDefinition as { properties: Record<string, object> };
    expect(definition.properties.name).to.include({ minLength: 1, maxLength: 100 });
    expect(definition.properties.waves).to.include({ minItems: 1, maxItems: 20 });
    expect(definition.properties.maxInFlight).to.include({ type: 'integer', minimum: 1 });
    expect(definition.properties.priority).to.include({ type: 'integer' });
  });

  it('describes the names issue 14 gave DELETE /files: the force flag and the namedBy field', () => {
    const remove = document.paths['/files/{path}']?.delete;
    expect(remove?.parameters?.map((p) => p.name)).to.deep.equal(['path', 'force']);
    expect(JSON.stringify(remove)).to.include('namedBy');
  });
});
