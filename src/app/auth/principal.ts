import type { DeviceId } from '../../domain/device-id.js';
import type { Role } from './role.js';

/**
 * Who made a request. A device with its own credential (or client certificate) carries its id
 * and may see only its own check and its own assigned file; a shared device credential does not.
 */
export interface Principal {
  readonly role: Role;
  readonly deviceId?: DeviceId;
}
