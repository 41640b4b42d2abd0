import { Readable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify';
import type { DeviceAppRecord } from '../../../domain/device-app-record.js';
import { DomainError } from '../../../domain/domain-error.js';

/** The fields of the single `"<device_id>","<app_ver>","<update_file_path>"` record in `text`. */
export function parseDeviceRecordCsv(text: string): { deviceId: string; appVersion: string; updateFilePath: string } {
  let records: string[][];
  try {
    records = parse(text, { relax_column_count: true, skip_empty_lines: true }) as string[][];
  } catch (error) {
    throw new DomainError('invalid-record', `the body is not valid CSV: ${(error as Error).message}`);
  }
  const [record, ...rest] = records;
  if (record === undefined || rest.length > 0 || record.length !== 3) {
    throw new DomainError(
      'invalid-record',
      'the body must be exactly one CSV record of 3 fields: "<device_id>","<app_ver>","<update_file_path>"',
    );
  }
  const [deviceId = '', appVersion = '', updateFilePath = ''] = record;
  return { deviceId, appVersion, updateFilePath };
}

/**
 * The seed's listing: `"<device_id>","<app_ver>","<update_file_path>"` and LF per row, every field
 * quoted, quotes doubled. Streamed row by row, so a large fleet is never built up in memory.
 */
export function deviceRecordsCsv(records: AsyncIterable<DeviceAppRecord>): Readable {
  const rows = Readable.from(
    (async function* () {
      for await (const record of records) yield [record.deviceId, record.appVersion, record.updateFilePath];
    })(),
  );
  const csv = stringify({ quoted: true, quoted_empty: true, record_delimiter: 'unix' });
  rows.on('error', (error) => csv.destroy(error));
  return rows.pipe(csv);
}
