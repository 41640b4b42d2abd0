import type { IncomingMessage } from 'node:http';
import type { Principal } from '../../../app/auth/principal.js';

/**
 * The request header by which an operator's tool (the CLI's `check` and `download`) says it asks
 * as a device would without being one: `Fuota-Probe: 1`.
 */
export const PROBE_HEADER = 'fuota-probe';

/**
 * Whether a device-route request is an operator's probe rather than a device's activity: asked
 * with `Fuota-Probe` and a credential with the operator role. A probe is answered from the device
 * row alone and changes nothing of the fleet: no inventory entry, no poll counted, no attempt
 * moved or started, no rollout asked (rollouts count every offer against their caps), no download
 * tied to an attempt. Otherwise an operator checking what a device would get left a made-up device
 * in the inventory, and a rollout offer made to the probe counted as the device's failure once
 * the device polled. A device credential's request is a device's, header or not; so is any
 * request of the seed's shared credential without the header (devices and curl use it alike).
 */
export function isOperatorProbe(req: IncomingMessage, principal: Principal): boolean {
  return principal.role === 'operator' && req.headers[PROBE_HEADER] === '1';
}
