import type { DeviceId } from '../domain/device-id.js';

/**
 * When an operator last cleared each device's penalty box and rolled-back versions (`DELETE
 * /api/v1/devices/<id>/penalty`): failures and roll-backs until then no longer count against the
 * device (see penalty-box.ts, rolled-back-versions.ts). Every write resolves once it is durable.
 */
export interface PenaltyClearanceStore {
  /** Every device ever cleared (and not forgotten since), with when: epoch ms. */
  list(): Promise<ReadonlyMap<DeviceId, number>>;
  /** Records a clearing at `at`, replacing the device's earlier one. */
  put(deviceId: DeviceId, at: number): Promise<void>;
  /** Forgets the device's clearing (the device is being forgotten); false when it had none. */
  delete(deviceId: DeviceId): Promise<boolean>;
  close(): Promise<void>;
}

export const PENALTY_CLEARANCE_STORE = Symbol.for('fuota.PenaltyClearanceStore');
