/**
 * The fields of a log record as one JSON object, when every own field is a string, a number, a
 * boolean or undefined (a request's line, and most others); undefined otherwise (an Error, a
 * nested object: pino serializes those its own way).
 *
 * For such fields, JSON.stringify writes what pino writes field by field, in the same order:
 * undefined left out, a number that is not finite as null, strings escaped alike. (The one
 * difference: a lone UTF-16 surrogate, which JSON.stringify escapes and pino passes through to be
 * written as U+FFFD. Header-derived values cannot hold one: Node decodes them as Latin-1.)
 */
export function flatFieldsJson(fields: Record<string, unknown>): string | undefined {
  for (const key in fields) {
    if (!Object.prototype.hasOwnProperty.call(fields, key)) continue;
    const type = typeof fields[key];
    if (type !== 'string' && type !== 'number' && type !== 'boolean' && type !== 'undefined') return undefined;
  }
  return JSON.stringify(fields);
}
