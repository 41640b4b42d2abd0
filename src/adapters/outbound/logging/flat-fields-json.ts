/**
 * The fields of a log record as one JSON object, when they are a plain object whose every own
 * field is a string, a number, a boolean or undefined (a request's line, and most others);
 * undefined otherwise (an Error or a nested object in a field; a Date, an array or a class with
 * toJSON as the fields): pino writes those its own way.
 *
 * For such fields, JSON.stringify writes what pino writes field by field, in the same order:
 * undefined left out, a number that is not finite as null, strings escaped alike. The one
 * difference: a lone UTF-16 surrogate (a string from JSON an operator sent may hold one) is
 * escaped as `\udxxx`, where pino passes it on to be written as U+FFFD. Both are valid JSON.
 */
export function flatFieldsJson(fields: Record<string, unknown>): string | undefined {
  const prototype: unknown = Object.getPrototypeOf(fields);
  if (prototype !== Object.prototype && prototype !== null) return undefined;
  for (const key in fields) {
    if (!Object.prototype.hasOwnProperty.call(fields, key)) continue;
    const type = typeof fields[key];
    if (type !== 'string' && type !== 'number' && type !== 'boolean' && type !== 'undefined') return undefined;
  }
  return JSON.stringify(fields);
}
