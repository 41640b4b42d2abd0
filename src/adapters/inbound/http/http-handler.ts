import type { RequestListener } from 'node:http';
import { withDeviceCheckFastPath } from './device-check-fast-path.js';
import type { KoaAppDependencies } from './koa-app.js';
import { createKoaApp } from './koa-app.js';

/** The whole HTTP API as one Node request listener: the device-check fast path before Koa. */
export function createHttpHandler(dependencies: KoaAppDependencies): RequestListener {
  const koa = createKoaApp(dependencies);
  return withDeviceCheckFastPath(dependencies, koa.callback());
}
