/** The JSON log records in a program's output (other lines, such as the printed credential, skipped). */
export function logRecords(output: string): Array<Record<string, unknown>> {
  return output.split('\n').flatMap((line) => {
    if (!line.startsWith('{')) return [];
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

/** The first record with message `msg` whose fields include `fields` (strings may be RegExps). */
export function findLog(
  output: string,
  msg: string,
  fields: Record<string, unknown | RegExp> = {},
): Record<string, unknown> | undefined {
  return logRecords(output).find(
    (record) =>
      record.msg === msg &&
      Object.entries(fields).every(([key, expected]) =>
        expected instanceof RegExp ? expected.test(String(record[key])) : record[key] === expected,
      ),
  );
}
