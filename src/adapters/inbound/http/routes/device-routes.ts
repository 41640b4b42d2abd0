import type Router from '@koa/router';
import { koaBody } from 'koa-body';
import type { Context } from 'koa';
import { deviceIdParam } from '../edge-validation.js';
import { DomainError } from '../../../../domain/domain-error.js';
import { appVersionFromQuery } from '../app-version-query.js';
import { deviceCheckAnswer } from '../device-check-answer.js';
import { deviceRecordsCsv, parseDeviceRecordCsv } from '../device-record-csv.js';
import { confinedDevice, operatorOnly } from '../middleware/basic-auth.js';
import type { HttpMetrics } from '../http-metrics.js';
import type { HttpUseCases } from '../use-cases.js';

const RECORD_LIMIT = '16kb';
// The seed's curl sends text/csv; `curl --data` without a header sends the form type.
const RECORD_TYPES = ['text/*', 'application/x-www-form-urlencoded', 'application/octet-stream'];

/** Bare `text/csv`: Koa's `ctx.type` would add `; charset=utf-8`, which the seed never sent. */
function setCsv(ctx: Context): void {
  ctx.set('Content-Type', 'text/csv');
}

export function deviceRoutes(router: Router, useCases: HttpUseCases, metrics: HttpMetrics): void {
  router.get('/devices', operatorOnly(), (ctx) => {
    setCsv(ctx);
    ctx.body = deviceRecordsCsv(useCases.listDeviceApps.execute());
  });

  router.get('/devices/:id', async (ctx) => {
    const deviceId = deviceIdParam(ctx);
    const check = await useCases.checkForUpdate.execute(deviceId, appVersionFromQuery(ctx.querystring), confinedDevice(ctx));
    metrics.check(check.decision.kind);
    const answer = deviceCheckAnswer(check, deviceId);
    ctx.status = answer.status;
    for (const [name, value] of answer.headers) ctx.set(name, value);
    if (answer.body !== undefined) ctx.body = Buffer.from(answer.body, 'utf8');
  });

  router.put(
    '/devices/:id',
    operatorOnly(),
    koaBody({
      text: true,
      json: false,
      urlencoded: false,
      multipart: false,
      textTypes: RECORD_TYPES,
      textLimit: RECORD_LIMIT,
    }),
    async (ctx) => {
      const deviceId = deviceIdParam(ctx);
      const body: unknown = ctx.request.body;
      if (typeof body !== 'string') {
        throw new DomainError('unsupported-media-type', 'send the record with Content-Type: text/csv');
      }
      const record = await useCases.assignUpdate.execute(deviceId, parseDeviceRecordCsv(body));
      ctx.body = record;
    },
  );

  router.delete('/devices/:id', operatorOnly(), async (ctx) => {
    const deviceId = deviceIdParam(ctx);
    await useCases.removeDeviceApp.execute(deviceId);
    ctx.body = { deleted: deviceId };
  });
}
