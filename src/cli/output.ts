/** How a command reports: JSON for scripts (--json), aligned text for people. */
export class Output {
  constructor(readonly json: boolean) {}

  /** Prints `value` as JSON, or `text()` for people. */
  result(value: unknown, text: () => string): void {
    process.stdout.write(this.json ? `${JSON.stringify(value, null, 2)}\n` : `${printable(text())}\n`);
  }

  /** Something the operator should know although the command did what it was asked: stderr, so --json output stays clean. */
  warn(text: string): void {
    process.stderr.write(`fuota: warning: ${printable(text)}\n`);
  }
}

/**
 * `text` with its control characters but newline and tab shown escaped (`\u001b`): a note, a
 * version a device reported or a server's message could otherwise move the cursor, clear the
 * screen or retitle the terminal's window when printed. (JSON output escapes them itself.)
 */
export function printable(text: string): string {
  return text.replace(
    // eslint-disable-next-line no-control-regex -- control characters are what this finds
    /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Rows as columns padded to their widest cell, with a header line. */
export function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** Rows as columns padded to their widest cell, without a header line. */
export function aligned(rows: ReadonlyArray<readonly string[]>): string[] {
  if (rows.length === 0) return [];
  return table(
    (rows[0] ?? []).map(() => ''),
    rows,
  )
    .split('\n')
    .slice(1);
}

/** 1536000 -> "1.5 MiB". */
export function humanBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
