import type { DeviceAuthKind } from '../../../domain/fleet/inventory-entry.js';

/** How the inventory names a check's authentication, from the log's name for it (AuthMethod). */
export function deviceAuthKind(method: string | undefined): DeviceAuthKind {
  if (method === 'device-credential') return 'device';
  if (method === 'certificate') return 'certificate';
  return 'shared';
}
