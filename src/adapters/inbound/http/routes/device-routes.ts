import type Router from '@koa/router';
import { koaBody } from 'koa-body';
import type { Context, Middleware } from 'koa';
import { auditSource } from '../audit-source.js';
import { deviceIdParam } from '../edge-validation.js';
import { DomainError } from '../../../../domain/domain-error.js';
import { TransportError } from '../transport-error.js';
import { deviceRecordsCsv, parseDeviceRecordCsv } from '../device-record-csv.js';
import { operatorOnly } from '../middleware/basic-auth.js';
import { startedIteration } from '../started-iteration.js';
import type { HttpUseCases } from '../use-cases.js';

const RECORD_LIMIT = '16kb';
const RECORD_LIMIT_TEXT = '16 KiB';
// The seed's curl sends text/csv; `curl --data` without a header sends the form type.
const RECORD_TYPES = ['text/*', 'application/x-www-form-urlencoded', 'application/octet-stream'];

/** Bare `text/csv`: Koa's `ctx.type` would add `; charset=utf-8`, which the seed never sent. */
function setCsv(ctx: Context): void {
  ctx.set('Content-Type', 'text/csv');
}

/**
 * koa-body refuses a body with HTTP errors of its own (413 past the limit, 415 for a content
 * encoding it does not know) and lets zlib's errors through for a compressed body that is not:
 * they become the stable codes, so that one kind of problem has one code on every route
 * (`payload-too-large` like an upload's) and bad input never looks like a server fault (500).
 */
function withDomainErrors(parse: Middleware): Middleware {
  return async (ctx, next) => {
    let parsed = false;
    try {
      await parse(ctx, async () => {
        parsed = true;
      });
    } catch (error) {
      const status = (error as { status?: unknown }).status;
      if (status === 413) throw new DomainError('payload-too-large', `a device record is at most ${RECORD_LIMIT_TEXT}`);
      if (status === 415) throw new TransportError('unsupported-media-type', (error as Error).message);
      // A body that its Content-Encoding (gzip, deflate, br) cannot undo fails in zlib.
      const code = (error as { code?: unknown }).code;
      if (typeof code === 'string' && code.startsWith('Z_')) {
        throw new DomainError('invalid-record', `the body is not valid ${ctx.get('Content-Encoding')} data`);
      }
      throw error;
    }
    if (parsed) await next();
  };
}

/** The operator's device routes; a device's own check is the device adapter's (device-check-handler.ts). */
export function deviceRoutes(router: Router, useCases: HttpUseCases): void {
  router.get('/devices', operatorOnly(), async (ctx) => {
    const records = await startedIteration(useCases.listDeviceApps.execute());
    setCsv(ctx);
    ctx.body = deviceRecordsCsv(records);
  });

  router.put(
    '/devices/:id',
    operatorOnly(),
    withDomainErrors(
      koaBody({
        text: true,
        json: false,
        urlencoded: false,
        multipart: false,
        textTypes: RECORD_TYPES,
        textLimit: RECORD_LIMIT,
      }),
    ),
    async (ctx) => {
      const deviceId = deviceIdParam(ctx);
      const body: unknown = ctx.request.body;
      if (typeof body !== 'string') {
        throw new TransportError('unsupported-media-type', 'send the record with Content-Type: text/csv');
      }
      const fields = parseDeviceRecordCsv(body);
      ctx.body = await useCases.audit.recorded(
        auditSource(ctx),
        async () => {
          const record = await useCases.assignUpdate.execute(deviceId, fields);
          useCases.fleetChanges.assignmentChanged(deviceId, true);
          return record;
        },
        (record) => ({
          action: 'device-row.put',
          target: record.deviceId,
          detail: { appVersion: record.appVersion, file: record.updateFilePath },
        }),
      );
    },
  );

  router.delete('/devices/:id', operatorOnly(), async (ctx) => {
    const deviceId = deviceIdParam(ctx);
    await useCases.audit.recorded(
      auditSource(ctx),
      async () => {
        await useCases.removeDeviceApp.execute(deviceId);
        useCases.fleetChanges.assignmentChanged(deviceId, false);
      },
      () => ({ action: 'device-row.delete', target: deviceId }),
    );
    ctx.body = { deleted: deviceId };
  });
}
