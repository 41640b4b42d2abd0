import type { Middleware } from 'koa';

/**
 * The operator adapter's answers carry the fleet's data, read with a credential or the
 * dashboard's session: no cache keeps them (a browser's after sign-out included) unless a route
 * says otherwise, and no browser sniffs a type other than the one declared. The dashboard's own
 * files (/ui/) set their caching themselves.
 */
export function privateAnswers(): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } finally {
      if (!ctx.path.startsWith('/ui/')) {
        if (!ctx.response.get('Cache-Control')) ctx.set('Cache-Control', 'no-store');
        ctx.set('X-Content-Type-Options', 'nosniff');
      }
    }
  };
}
