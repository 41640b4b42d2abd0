import { FileSystemBlobStore } from '../../adapters/outbound/filesystem/filesystem-blob-store.js';
import { InMemoryBlobStore } from '../../adapters/outbound/memory/in-memory-blob-store.js';
import { InMemoryDeviceAppRepository } from '../../adapters/outbound/memory/in-memory-device-app-repository.js';
import { SqlJsDeviceAppRepository } from '../../adapters/outbound/sqljs/sqljs-device-app-repository.js';
import type { BlobStore } from '../../ports/blob-store.port.js';
import type { DeviceAppRepository } from '../../ports/device-app-repository.port.js';
import type { DataLayout } from '../config/data-layout.js';

/** The two stores the use cases work on. */
export interface Storage {
  readonly devices: DeviceAppRepository;
  readonly files: BlobStore;
}

/** The embedded default: sql.js persisted to the data dir's devices.db, files below files/. */
export async function openDiskStorage(layout: DataLayout): Promise<Storage> {
  const files = await FileSystemBlobStore.open(layout.filesDir);
  const devices = await SqlJsDeviceAppRepository.open(layout.databaseFile);
  return { devices, files };
}

/** Nothing on disk: for tests and experiments. */
export function memoryStorage(): Storage {
  return { devices: new InMemoryDeviceAppRepository(), files: new InMemoryBlobStore() };
}

export async function closeStorage(storage: Storage): Promise<void> {
  await storage.devices.close();
  await storage.files.close();
}
