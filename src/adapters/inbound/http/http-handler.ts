import type { RequestListener } from 'node:http';
import { createDeviceAdapter } from './device-adapter.js';
import type { KoaAppDependencies } from './koa-app.js';
import { createKoaApp } from './koa-app.js';
import { dispatchRequests } from './request-dispatcher.js';
import { StorageOutageLog } from './storage-outage-log.js';

/**
 * The whole HTTP API as one Node request listener: the dispatcher hands each request to the
 * device adapter or to the operator adapter (the Koa application), and only to that one.
 */
export function createHttpHandler(dependencies: KoaAppDependencies): RequestListener {
  // One log of an outage's 503s for both adapters: each kept its own, and said it twice.
  const shared = { ...dependencies, outages: new StorageOutageLog(dependencies.logger) };
  return dispatchRequests(createDeviceAdapter(shared), createKoaApp(shared).callback());
}
