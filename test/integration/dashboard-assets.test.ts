import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import Koa from 'koa';
import { UI_DIR, uiAssets } from '../../src/adapters/inbound/http/ui-assets.js';
import { errorResponder } from '../../src/adapters/inbound/http/middleware/error-responder.js';
import type { RunningTestServer } from '../support/test-server.js';
import { RecordingLogger, startTestServer } from '../support/test-server.js';
import { gunzipSync } from 'node:zlib';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StorageOutageLog } from '../../src/adapters/inbound/http/storage-outage-log.js';

const HTML = { Accept: 'text/html,application/xhtml+xml' };

/** The dashboard's files under /ui/: no credential, the CSP, caching, addresses the page routes. */
describe('HTTP: the dashboard’s files', function () {
  let t: RunningTestServer;
  before(async function () {
    if (!existsSync(join(UI_DIR, 'index.html'))) {
      throw new Error(`the dashboard is not built at ${UI_DIR}: npm run build builds it before the tests`);
    }
    t = await startTestServer();
  });
  after(() => t?.stop());

  it('serves the page without a credential, with a CSP that allows no inline script and nothing from another host', async () => {
    const res = await t.client.get('/ui/', { auth: null, headers: HTML });
    expect(res.status).to.equal(200);
    expect(res.headers['content-type']).to.equal('text/html; charset=utf-8');
    expect(res.text).to.include('<div id="app">');
    const csp = res.headers['content-security-policy'] ?? '';
    expect(csp).to.include("script-src 'self'");
    expect(csp).to.include("default-src 'none'");
    expect(csp).to.include("frame-ancestors 'none'");
    expect(csp).not.to.include('unsafe-inline');
    expect(csp).not.to.include('unsafe-eval');
    expect(res.headers['x-content-type-options']).to.equal('nosniff');
    expect(res.headers['x-frame-options']).to.equal('DENY');
    expect(res.headers['cache-control']).to.equal('no-cache');
    // Every script and stylesheet is a file of the server's own, none inline.
    expect(res.text).not.to.match(/<script(?![^>]*\bsrc=")/);
    expect(res.text).not.to.match(/\b(?:src|href)="(?:https?:)?\/\//);
  });

  it('answers a dashboard address with the page, so it can be reloaded and bookmarked', async () => {
    for (const path of ['/ui/devices', '/ui/devices/24:0A:C4:00:01:02', '/ui/rollouts/r1/', '/ui/files/fw/lamp.bin']) {
      const res = await t.client.get(path, { auth: null, headers: HTML });
      expect([path, res.status]).to.deep.equal([path, 200]);
      expect(res.text).to.include('<div id="app">');
    }
  });

  it('serves the bundle with long-lived caching, gzipped when asked, and revalidates by ETag', async () => {
    const page = await t.client.get('/ui/', { auth: null });
    const script = /src="(\/ui\/assets\/[^"]+\.js)"/.exec(page.text)?.[1] ?? '';
    expect(script).to.match(/^\/ui\/assets\/index-[\w-]+\.js$/);
    const plain = await t.client.get(script, { auth: null });
    expect(plain.status).to.equal(200);
    expect(plain.headers['content-type']).to.equal('text/javascript; charset=utf-8');
    expect(plain.headers['cache-control']).to.equal('public, max-age=31536000, immutable');
    const zipped = await t.client.get(script, { auth: null, headers: { 'Accept-Encoding': 'gzip' } });
    expect(zipped.headers['content-encoding']).to.equal('gzip');
    expect(gunzipSync(zipped.body).equals(plain.body)).to.equal(true);
    const again = await t.client.get(script, { auth: null, headers: { 'If-None-Match': String(plain.headers.etag) } });
    expect(again.status).to.equal(304);
    // Each encoding is its own representation, with its own validator.
    expect(zipped.headers.etag).not.to.equal(plain.headers.etag);
    const zippedAgain = await t.client.get(script, {
      auth: null,
      headers: { 'Accept-Encoding': 'gzip', 'If-None-Match': String(zipped.headers.etag) },
    });
    expect(zippedAgain.status).to.equal(304);
  });

  it('answers 404 for a file that is not there and 405 for a method other than GET and HEAD', async () => {
    const missing = await t.client.get('/ui/assets/nothing.js', { auth: null });
    expect([missing.status, JSON.parse(missing.text).code]).to.deep.equal([404, 'route-not-found']);
    for (const path of ['/ui/', '/ui']) {
      const post = await t.client.send(path, { method: 'POST', auth: null });
      expect([path, post.status, post.headers.allow]).to.deep.equal([path, 405, 'GET, HEAD']);
    }
  });

  it('sends a browser that opens the root (or /ui) to /ui/, and leaves the root as it was for other clients', async () => {
    const browser = await t.client.get('/', { auth: null, headers: HTML });
    expect([browser.status, browser.headers.location]).to.deep.equal([302, '/ui/']);
    const bare = await t.client.get('/ui', { auth: null });
    expect([bare.status, bare.headers.location]).to.deep.equal([302, '/ui/']);
    const curl = await t.client.get('/', { headers: { Accept: '*/*' } });
    expect(curl.status).to.equal(404);
    const anonymous = await t.client.get('/', { auth: null, headers: { Accept: '*/*' } });
    expect(anonymous.status).to.equal(403);
  });

  it('says the dashboard is not built when its folder is empty, rather than serving nothing silently', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'fuota-ui-'));
    const app = new Koa();
    const logger = new RecordingLogger();
    app.use(errorResponder(logger, new StorageOutageLog(logger)));
    app.use(uiAssets(empty));
    const server = createServer(app.callback()).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const res = await fetch(`http://127.0.0.1:${port}/ui/`);
      expect(res.status).to.equal(404);
      expect(((await res.json()) as { detail: string }).detail).to.include('npm run build');
    } finally {
      server.close();
      await rm(empty, { recursive: true, force: true });
    }
  });
});
