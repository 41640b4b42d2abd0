import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PostgresDeviceAppRepository } from '../src/adapters/outbound/postgres/postgres-device-app-repository.js';
import { SqlJsDatabase } from '../src/adapters/outbound/sqljs/sqljs-database.js';
import {
  DEVICE_APP_SCHEMA,
  SqlJsDeviceAppRepository,
} from '../src/adapters/outbound/sqljs/sqljs-device-app-repository.js';
import { UPDATE_FILE_SCHEMA } from '../src/adapters/outbound/sqljs/sqljs-update-file-catalog.js';
import type { DeviceAppRecord } from '../src/domain/device-app-record.js';
import type { DeviceAppRepository } from '../src/ports/device-app-repository.port.js';
import { seededDeviceId } from './fleet-load.js';

const BATCH = 10_000;

/**
 * Writes `count` device rows through a repository, in batches: device `i` (seededDeviceId) runs
 * 1.0.0 and is offered fw/app-2.0.0.bin, so a check reporting 0.9.0 is told 204 (seededCheck).
 * Written through the store before the server starts: 100,000 PUTs would take minutes.
 */
export async function writeRows(repository: DeviceAppRepository, count: number): Promise<void> {
  for (let start = 0; start < count; start += BATCH) {
    const batch: DeviceAppRecord[] = [];
    for (let i = start; i < Math.min(count, start + BATCH); i += 1) {
      batch.push({
        deviceId: seededDeviceId(i),
        appVersion: '1.0.0',
        updateFilePath: 'fw/app-2.0.0.bin',
      } as DeviceAppRecord);
    }
    await repository.upsertMany(batch);
  }
}

/** A data dir `<base>/rows-<count>` holding `count` device rows, written through the sql.js adapter. */
export async function seededDataDir(base: string, count: number): Promise<string> {
  const dataDir = join(base, `rows-${count}`);
  await mkdir(dataDir, { recursive: true });
  const database = await SqlJsDatabase.open(join(dataDir, 'devices.db'), [...DEVICE_APP_SCHEMA, ...UPDATE_FILE_SCHEMA]);
  await writeRows(new SqlJsDeviceAppRepository(database), count);
  await database.close();
  return dataDir;
}

/** `count` device rows in the PostgreSQL database at `url` (its schema migrated on the way). */
export async function seedPostgresRows(url: string, count: number): Promise<void> {
  const repository = await PostgresDeviceAppRepository.open(url);
  try {
    await writeRows(repository, count);
  } finally {
    await repository.close();
  }
}
