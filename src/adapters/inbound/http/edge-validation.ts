import type { z } from 'zod';
import { DomainError } from '../../../domain/domain-error.js';
import type { DomainErrorCode } from '../../../domain/domain-error.js';

/**
 * `raw` checked against one of the API's schemas; a value that does not fit is the domain error
 * `code` (a 400 through the error table) with the schema's message.
 */
export function validated<S extends z.ZodType>(schema: S, raw: unknown, code: DomainErrorCode): z.output<S> {
  const result = schema.safeParse(raw);
  if (!result.success) throw new DomainError(code, result.error.issues[0]?.message ?? 'invalid value');
  return result.data;
}
