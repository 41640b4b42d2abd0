import type { DeviceId } from '../../../domain/device-id.js';
import type { PenaltyClearanceStore } from '../../../ports/penalty-clearance-store.port.js';

/** Penalty clearances in a Map, for tests and throw-away servers: nothing survives the process. */
export class InMemoryPenaltyClearanceStore implements PenaltyClearanceStore {
  private readonly clearedAt = new Map<DeviceId, number>();

  async list(): Promise<ReadonlyMap<DeviceId, number>> {
    return new Map(this.clearedAt);
  }

  async put(deviceId: DeviceId, at: number): Promise<void> {
    this.clearedAt.set(deviceId, at);
  }

  async delete(deviceId: DeviceId): Promise<boolean> {
    return this.clearedAt.delete(deviceId);
  }

  async close(): Promise<void> {}
}
