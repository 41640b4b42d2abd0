import type { RequestListener } from 'node:http';
import { deviceCheckFastPath } from './device-check-fast-path.js';
import { fileDownloadFastPath } from './file-download-fast-path.js';
import type { KoaAppDependencies } from './koa-app.js';
import { createKoaApp } from './koa-app.js';

/** The whole HTTP API as one Node request listener: the fast paths first, then Koa. */
export function createHttpHandler(dependencies: KoaAppDependencies): RequestListener {
  const koa = createKoaApp(dependencies).callback();
  const checks = deviceCheckFastPath(dependencies);
  const downloads = fileDownloadFastPath(dependencies);
  return (req, res) => {
    const attempt = checks(req, res) ?? downloads(req, res);
    if (attempt === undefined) {
      koa(req, res);
      return;
    }
    attempt.then(
      (answered) => {
        if (!answered) koa(req, res);
      },
      () => koa(req, res),
    );
  };
}
