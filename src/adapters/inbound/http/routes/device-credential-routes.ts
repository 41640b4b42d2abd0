import type Router from '@koa/router';
import { auditSource } from '../audit-source.js';
import { deviceIdParam } from '../edge-validation.js';
import { operatorOnly } from '../middleware/basic-auth.js';
import { mayHaveUnreadBody } from '../unread-body.js';
import type { HttpUseCases } from '../use-cases.js';

const PATH = '/api/v1/devices/:id/credentials';

/**
 * Per-device credentials, for operators: provision (or rotate) with POST, which shows the secret
 * this once; see whether one exists with GET; revoke with DELETE.
 */
export function deviceCredentialRoutes(router: Router, useCases: HttpUseCases): void {
  router.post(PATH, operatorOnly(), async (ctx) => {
    // Nothing is read from a body: close rather than leave one unread on a kept-alive connection.
    if (mayHaveUnreadBody(ctx.req)) ctx.set('Connection', 'close');
    const deviceId = deviceIdParam(ctx);
    // The record says that it was done, never the secret.
    const provisioned = await useCases.audit.recorded(
      auditSource(ctx),
      () => useCases.provisionDeviceCredential.execute(deviceId),
      (done) => ({ action: 'device-credential.provision', target: done.deviceId }),
    );
    ctx.status = 201;
    // The secret is in this answer only: no cache may keep it.
    ctx.set('Cache-Control', 'no-store');
    ctx.body = provisioned;
  });

  router.get(PATH, operatorOnly(), async (ctx) => {
    ctx.body = await useCases.deviceCredentialStatus.execute(deviceIdParam(ctx));
  });

  router.delete(PATH, operatorOnly(), async (ctx) => {
    const deviceId = deviceIdParam(ctx);
    await useCases.audit.recorded(
      auditSource(ctx),
      () => useCases.revokeDeviceCredential.execute(deviceId),
      () => ({ action: 'device-credential.revoke', target: deviceId }),
    );
    ctx.body = { revoked: deviceId };
  });
}
