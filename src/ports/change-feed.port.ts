import type { DeviceId } from '../domain/device-id.js';

/**
 * A change one server made that other servers sharing its storage keep a view of in memory:
 * the stored images (catalog), which devices have a seed row, devices' inventory entries and
 * update attempts (other than by checks' batches, which servers read back by time), the
 * rollouts, and the delta patches.
 */
export type SharedChange =
  | { readonly kind: 'catalog' }
  | { readonly kind: 'device-row'; readonly deviceId: DeviceId; readonly assigned: boolean }
  | { readonly kind: 'devices'; readonly deviceIds: readonly DeviceId[] }
  | { readonly kind: 'rollouts' }
  /** A delta patch was stored or removed: the patch index is read again. */
  | { readonly kind: 'deltas' };

/**
 * What a listener hears: another server's change, or `resync` when the feed may have missed
 * some (its connection was lost and is back): everything kept from storage should be re-read.
 */
export type HeardChange = SharedChange | { readonly kind: 'resync' };

/**
 * Tells the other servers on the same storage of this server's changes, and this server of
 * theirs. A server never hears its own announcements. Delivery is prompt but not guaranteed
 * (a lost connection loses what was sent meanwhile, which the `resync` that follows covers).
 */
export interface ChangeFeed {
  /**
   * Whether other servers may share this storage now: only then are their checks' batches worth
   * reading back (an embedded database has no other server).
   */
  readonly hasPeers: boolean;
  /** Sends to the other servers; never throws (a failure is logged by the adapter). */
  announce(change: SharedChange): void;
  /** `listener` hears every change announced by another server, and every resync. */
  subscribe(listener: (change: HeardChange) => void): () => void;
  close(): Promise<void>;
}
