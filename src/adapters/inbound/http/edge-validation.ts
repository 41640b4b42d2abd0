import type { Context } from 'koa';
import type { z } from 'zod';
import type { DeviceId } from '../../../domain/device-id.js';
import { DomainError } from '../../../domain/domain-error.js';
import type { DomainErrorCode } from '../../../domain/domain-error.js';
import { deviceIdSchema } from './api-schemas.js';

/**
 * `raw` checked against one of the API's schemas; a value that does not fit is the domain error
 * `code` (a 400 through the error table) with the schema's message, after the field it is about
 * when it is one of a body's (`target: Invalid input: expected string, received undefined`).
 */
export function validated<S extends z.ZodType>(schema: S, raw: unknown, code: DomainErrorCode): z.output<S> {
  const result = schema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue === undefined || issue.path.length === 0 ? '' : `${issue.path.map(String).join('.')}: `;
    throw new DomainError(code, `${field}${issue?.message ?? 'invalid value'}`);
  }
  return result.data;
}

/** The `:id` of a device route, checked against the device-id schema. */
export function deviceIdParam(ctx: Context): DeviceId {
  return validated(deviceIdSchema, ctx.params.id, 'invalid-device-id');
}

/** One query field as a single string (a repeated field is a 400, not a silent pick); empty is absent. */
export function queryField(ctx: Context, name: string): string | undefined {
  const value = ctx.query[name];
  if (Array.isArray(value)) throw new DomainError('invalid-query', `${name} may be given once`);
  return value === undefined || value === '' ? undefined : value;
}

/** One query field checked against its schema (400 invalid-query with the schema's message). */
export function queryValue<S extends z.ZodType>(ctx: Context, name: string, schema: S): z.output<S> | undefined {
  const raw = queryField(ctx, name);
  return raw === undefined ? undefined : validated(schema, raw, 'invalid-query');
}

/** Refuses a query field the route does not know (400 invalid-query naming the known ones). */
export function refuseUnknownQuery(ctx: Context, known: readonly string[]): void {
  const unknown = Object.keys(ctx.query).filter((name) => !known.includes(name));
  if (unknown.length > 0)
    throw new DomainError('invalid-query', `unknown query field ${unknown[0]}; known: ${known.join(', ')}`);
}
