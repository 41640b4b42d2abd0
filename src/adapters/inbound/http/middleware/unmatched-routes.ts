import type { Context, Middleware } from 'koa';
import { problem, sendProblem } from '../problem.js';
import { deviceMethodsAt } from '../request-dispatcher.js';

/**
 * `Allow` lists every method of the path, the device adapter's too: the router knows only the
 * operator's routes (a POST to `/devices/<id>` is allowed GET and HEAD by the device adapter,
 * PUT and DELETE by the operator's routes).
 */
function allowAcrossAdapters(ctx: Context): string {
  const methods = new Set([...deviceMethodsAt(ctx.originalUrl), ...ctx.response.get('Allow').split(/, */)]);
  methods.delete('');
  const allow = [...methods].join(', ');
  ctx.set('Allow', allow);
  return allow;
}

// `curl -F file=@fw.bin https://.../files/fw.bin` POSTs a form: uploads are PUTs of the raw file.
const FILE_UPLOAD_HINT = '; to upload a file, PUT its raw bytes: curl -T <file> or curl -X PUT --data-binary @<file>';

/**
 * Gives the router's bare answers a problem body: 404 for a path no route knows, 405 (the router
 * has set `Allow`) for a known path asked with another method, saying how to upload to a POST
 * on a file.
 */
export function unmatchedRoutes(): Middleware {
  return async (ctx, next) => {
    await next();
    if (ctx.status === 405) {
      const hint = ctx.method === 'POST' && ctx.path.startsWith('/files/') ? FILE_UPLOAD_HINT : '';
      sendProblem(
        ctx,
        problem('method-not-allowed', `${ctx.method} is not allowed here; allowed: ${allowAcrossAdapters(ctx)}${hint}`),
      );
    } else if (ctx.status === 404 && ctx.body == null) {
      sendProblem(ctx, problem('route-not-found', `no such resource: ${ctx.path}`));
    } else if (ctx.method === 'OPTIONS' && ctx.response.get('Allow') !== '') {
      allowAcrossAdapters(ctx);
    }
  };
}
