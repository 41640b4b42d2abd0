import type { Context } from 'koa';
import type { z } from 'zod';
import type { DeviceId } from '../../../domain/device-id.js';
import { DomainError } from '../../../domain/domain-error.js';
import type { DomainErrorCode } from '../../../domain/domain-error.js';
import { deviceIdSchema } from './api-schemas.js';

/**
 * `raw` checked against one of the API's schemas; a value that does not fit is the domain error
 * `code` (a 400 through the error table) with the schema's message.
 */
export function validated<S extends z.ZodType>(schema: S, raw: unknown, code: DomainErrorCode): z.output<S> {
  const result = schema.safeParse(raw);
  if (!result.success) throw new DomainError(code, result.error.issues[0]?.message ?? 'invalid value');
  return result.data;
}

/** The `:id` of a device route, checked against the device-id schema. */
export function deviceIdParam(ctx: Context): DeviceId {
  return validated(deviceIdSchema, ctx.params.id, 'invalid-device-id');
}
