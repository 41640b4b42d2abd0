import type { Context } from 'koa';
import type { z } from 'zod';
import type { DeviceId } from '../../../domain/device-id.js';
import { DomainError } from '../../../domain/domain-error.js';
import type { DomainErrorCode } from '../../../domain/domain-error.js';
import { deviceIdSchema } from './api-schemas.js';

/**
 * `raw` checked against one of the API's schemas; a value that does not fit is the domain error
 * `code` (a 400 through the error table) with the schema's message, after the field it is about
 * when it is one of a body's (`target: Invalid input: expected string, received undefined`), or
 * `field` (a query field's or a path parameter's name) when given.
 */
export function validated<S extends z.ZodType>(
  schema: S,
  raw: unknown,
  code: DomainErrorCode,
  field?: string,
): z.output<S> {
  const result = schema.safeParse(raw);
  if (!result.success) {
    const first = result.error.issues[0];
    const issue = first === undefined ? undefined : specificIssue(first);
    const path = [...(field === undefined ? [] : [field]), ...(issue?.path ?? []).map(String)];
    throw new DomainError(
      code,
      `${path.length === 0 ? '' : `${path.join('.')}: `}${issue?.message ?? 'invalid value'}`,
    );
  }
  return result.data;
}

/**
 * For a value that fits none of a union's shapes, zod says only "Invalid input": the issue of the
 * shape it came closest to says what to fix, with its path under the union's. Closest: the fewest
 * issues; on a tie, a shape of the value's type (`"maybe"` for a flag is a bad word, not a string
 * where a boolean would do); then the first.
 */
function specificIssue(issue: z.core.$ZodIssue): { readonly path: readonly PropertyKey[]; readonly message: string } {
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return issue;
  const typeMismatch = (branch: readonly z.core.$ZodIssue[]) =>
    branch[0]?.code === 'invalid_type' && branch[0].path.length === 0;
  let closest = issue.errors[0]!;
  for (const branch of issue.errors) {
    if (
      branch.length < closest.length ||
      (branch.length === closest.length && typeMismatch(closest) && !typeMismatch(branch))
    )
      closest = branch;
  }
  const inner = closest[0];
  if (inner === undefined) return issue;
  const found = specificIssue(inner);
  return { path: [...issue.path, ...found.path], message: found.message };
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
  return raw === undefined ? undefined : validated(schema, raw, 'invalid-query', name);
}

/** Refuses a query field the route does not know (400 invalid-query naming the known ones). */
export function refuseUnknownQuery(ctx: Context, known: readonly string[]): void {
  const unknown = Object.keys(ctx.query).filter((name) => !known.includes(name));
  if (unknown.length > 0)
    throw new DomainError('invalid-query', `unknown query field ${unknown[0]}; known: ${known.join(', ')}`);
}
