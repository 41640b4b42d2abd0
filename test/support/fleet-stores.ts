import { InMemoryDeviceAppRepository } from '../../src/adapters/outbound/memory/in-memory-device-app-repository.js';
import { InMemoryDeviceInventoryStore } from '../../src/adapters/outbound/memory/in-memory-device-inventory-store.js';
import { InMemoryFleetEventLog } from '../../src/adapters/outbound/memory/in-memory-fleet-event-log.js';
import { InMemoryUpdateAttemptStore } from '../../src/adapters/outbound/memory/in-memory-update-attempt-store.js';
import { InMemoryUpdateFileCatalog } from '../../src/adapters/outbound/memory/in-memory-update-file-catalog.js';
import type { FleetStores } from '../../src/app/fleet/fleet-tracker.js';
import type { UpdateFile } from '../../src/domain/update-file.js';
import type { UpdateFilePath } from '../../src/domain/update-file-path.js';

/** A stored file that is not an image (no version): what the fleet tracker's unit tests offer. */
export const OFFERED_FILE: UpdateFile = {
  path: 'fw/2.0.bin' as UpdateFilePath,
  size: 1000,
  sha256: '0'.repeat(64),
  modifiedAtMs: 0,
  storedAt: '2026-01-01T00:00:00.000Z',
  image: undefined,
};

/** Every store a FleetTracker needs, in memory; `overrides` replaces some. */
export function memoryFleetStores(overrides: Partial<FleetStores> = {}): FleetStores {
  return {
    inventory: new InMemoryDeviceInventoryStore(),
    attempts: new InMemoryUpdateAttemptStore(),
    events: new InMemoryFleetEventLog(),
    catalog: new InMemoryUpdateFileCatalog(),
    devices: new InMemoryDeviceAppRepository(),
    ...overrides,
  };
}
