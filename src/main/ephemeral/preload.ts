import { readdir, readFile, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { parse } from 'csv-parse/sync';
import { ConfigError } from '../config/config-error.js';
import type { OperatorClient } from './operator-client.js';

/** The seed's rows, one `"<device_id>","<app_ver>","<update_file_path>"` a line, in the preload folder. */
export const PRELOAD_ROWS_FILE = 'devices.csv';

/** What a preload put into the server. */
export interface Preloaded {
  readonly files: readonly string[];
  readonly rows: number;
}

/** A preload failure: the program stops with one line naming the folder's file (exit code 2). */
const failure = (what: string, problem: string) => new ConfigError('--preload', `${what}: ${problem}`);

/**
 * `serve --ephemeral --preload <dir>`: uploads every `*.bin` below `dir` (at its path relative to
 * `dir`, so `lamp/v2.bin` is served as `lamp/v2.bin`), then sets each row of `dir/devices.csv`.
 * Both go through `client`, the operator's HTTPS routes, so they are validated (images, paths,
 * rows) and recorded exactly as an operator's curl commands would be; the first refusal stops
 * the start.
 */
export async function preload(dir: string, client: OperatorClient): Promise<Preloaded> {
  const found = await stat(dir).catch(() => undefined);
  if (found?.isDirectory() !== true) throw failure(dir, 'not a directory');
  const files: string[] = [];
  for (const name of (await readdir(dir, { recursive: true })).sort()) {
    if (!name.endsWith('.bin') || !(await stat(join(dir, name))).isFile()) continue;
    const path = name.split(sep).join('/');
    await client.upload(path, await readFile(join(dir, name))).catch((error: unknown) => {
      throw failure(join(dir, name), reason(error));
    });
    files.push(path);
  }
  return { files, rows: await applyRows(join(dir, PRELOAD_ROWS_FILE), client) };
}

/** Sets each row of the seed-format CSV file, when there is one; returns how many. */
async function applyRows(file: string, client: OperatorClient): Promise<number> {
  let text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw failure(file, `cannot read it (${error.code ?? String(error)})`);
  });
  if (text === undefined) return 0;
  // A byte order mark (spreadsheets on Windows write one) is not part of the first device id.
  text = text.replace(/^\uFEFF/, '');
  let records: string[][];
  try {
    records = parse(text, { relax_column_count: true, skip_empty_lines: true }) as string[][];
  } catch (error) {
    throw failure(file, `not valid CSV: ${reason(error)}`);
  }
  for (const [index, record] of records.entries()) {
    const [deviceId, version, path] = record;
    if (record.length !== 3 || deviceId === undefined || version === undefined || path === undefined) {
      throw failure(file, `record ${index + 1} is not "<device_id>","<app_ver>","<update_file_path>"`);
    }
    await client.assign(deviceId, version, path).catch((error: unknown) => {
      throw failure(file, `record ${index + 1}: ${reason(error)}`);
    });
  }
  return records.length;
}

const reason = (error: unknown) => (error instanceof Error ? error.message : String(error));
