import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { Middleware } from 'koa';
import { problem, sendProblem } from './problem.js';

/** Where `npm run build` puts the dashboard (Vite's output), beside the compiled server. */
export const UI_DIR = fileURLToPath(new URL('../../../../ui/', import.meta.url));

/**
 * The dashboard's pages run no script but its own bundle and load nothing from another host: a
 * string from a device or an image that were ever interpreted as HTML could still not run code.
 * Preact sets styles through the CSSOM, which style-src does not restrict.
 */
export const UI_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

interface Asset {
  readonly type: string;
  readonly body: Buffer;
  /** The gzipped body, when it is smaller (text assets). */
  readonly gzipped: Buffer | undefined;
  readonly etag: string;
  /** Vite names bundles by their content's hash: such a file never changes under its name. */
  readonly immutable: boolean;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(path) : entry.isFile() ? [path] : [];
  });
}

/** Every file of the built dashboard, read once: it is small (tens of KiB gzipped). */
function loadAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return assets;
  for (const file of filesUnder(dir)) {
    const name = relative(dir, file).split(sep).join('/');
    const body = readFileSync(file);
    const type = TYPES[extname(file)] ?? 'application/octet-stream';
    const zipped = type.startsWith('text/') || type === 'image/svg+xml' ? gzipSync(body) : undefined;
    assets.set(name, {
      type,
      body,
      gzipped: zipped !== undefined && zipped.length < body.length ? zipped : undefined,
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
      immutable: name.startsWith('assets/'),
    });
  }
  return assets;
}

const PREFIX = '/ui/';

/**
 * The asset a path under /ui/ names: a file of the build; under assets/ (the bundles) nothing
 * else; anywhere else the page itself (index.html), so that a dashboard address
 * (`/ui/devices/lamp-7`, `/ui/files/fw/lamp.bin`) can be reloaded or bookmarked.
 */
function assetFor(assets: ReadonlyMap<string, Asset>, path: string): Asset | undefined {
  const name = path.slice(PREFIX.length);
  const file = assets.get(name);
  if (file !== undefined || name.startsWith('assets/')) return file;
  return assets.get('index.html');
}

/**
 * Serves the dashboard under /ui/ without a credential (its sign-in page must load; the data
 * comes from the API, which needs one), and sends a browser that opens the server's root there.
 * Every answer carries the Content-Security-Policy and headers that keep the pages from being
 * framed or sniffed.
 */
export function uiAssets(dir: string = UI_DIR): Middleware {
  const assets = loadAssets(dir);
  return async (ctx, next) => {
    // Only a client that names HTML (a browser) is sent on: curl's `*/*` gets the root as before.
    if (
      ctx.path === '/' &&
      (ctx.method === 'GET' || ctx.method === 'HEAD') &&
      ctx.get('Accept').includes('text/html')
    ) {
      ctx.redirect(PREFIX);
      return;
    }
    if (ctx.path === '/ui' && (ctx.method === 'GET' || ctx.method === 'HEAD')) {
      ctx.redirect(PREFIX);
      return;
    }
    if (!ctx.path.startsWith(PREFIX) && ctx.path !== '/ui') return next();
    ctx.set('Content-Security-Policy', UI_CONTENT_SECURITY_POLICY);
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('X-Frame-Options', 'DENY');
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.set('Cross-Origin-Opener-Policy', 'same-origin');
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      ctx.set('Allow', 'GET, HEAD');
      sendProblem(ctx, problem('method-not-allowed', `${ctx.method} is not allowed here; allowed: GET, HEAD`));
      return;
    }
    if (assets.size === 0) {
      sendProblem(ctx, problem('route-not-found', 'the dashboard is not built: run `npm run build`'));
      return;
    }
    const asset = assetFor(assets, ctx.path);
    if (asset === undefined) {
      sendProblem(ctx, problem('route-not-found', `no such resource: ${ctx.path}`));
      return;
    }
    const gzip = asset.gzipped !== undefined && ctx.acceptsEncodings('gzip', 'identity') === 'gzip';
    ctx.set('Cache-Control', asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    // The two encodings are two representations: each has its own validator.
    ctx.set('ETag', gzip ? `${asset.etag.slice(0, -1)}-gz"` : asset.etag);
    ctx.set('Vary', 'Accept-Encoding');
    ctx.type = asset.type;
    ctx.status = 200;
    if (ctx.fresh) {
      ctx.status = 304;
      return;
    }
    if (gzip) ctx.set('Content-Encoding', 'gzip');
    ctx.body = gzip ? asset.gzipped : asset.body;
  };
}
