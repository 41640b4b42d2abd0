import type { DeviceId } from '../device-id.js';

/** How a device's check authenticated: the shared credential, its own credential, a client certificate. */
export type DeviceAuthKind = 'shared' | 'device' | 'certificate';

/** The stored image a device runs, when the version it reports matches one. */
export interface RunningImage {
  readonly project: string;
  readonly chip: string;
  readonly secureVersion: number;
}

/**
 * What the server knows of one device from its checks, plus what operators added (tags, hold,
 * note). Times are epoch milliseconds.
 */
export interface InventoryEntry {
  readonly id: DeviceId;
  readonly firstSeen: number;
  readonly lastSeen: number;
  /** The version the last check reported, as sent. */
  readonly runningVersion: string;
  readonly image: RunningImage | null;
  /** The client address of the last check. */
  readonly address: string;
  readonly auth: DeviceAuthKind;
  readonly polls: number;
  /** The learned interval between checks (see poll-interval.ts); null until learned. */
  readonly pollIntervalMs: number | null;
  /** The status of the last check's answer (200, 204, 404). */
  readonly lastStatus: number;
  /** Sorted, unique. */
  readonly tags: readonly string[];
  /** No offers from fleet policy (rollouts) while set. */
  readonly hold: boolean;
  readonly note: string;
}

/**
 * What one server's checks made of an entry since that server last wrote it, when more than the
 * poll fields changed (a new device, another version, address, authentication or image): every
 * field the checks set, and how many checks there were. Operators' fields are not part of it.
 */
export type InventorySighting = Omit<InventoryEntry, 'polls' | 'tags' | 'hold' | 'note'> & {
  readonly newPolls: number;
  /**
   * The checks changed only the poll fields (last seen, polls, interval) since this server last
   * wrote the entry: version, image, address, authentication and answer are as it wrote them.
   * A store that is the entry's only writer may then write just the poll fields (a fraction of
   * the bytes, on every batch of a large fleet); one shared by several servers writes it whole,
   * since another may have written other fields meanwhile. Absent: false.
   */
  readonly pollOnly?: boolean;
};

/** What operators set of an entry (checks never change them). */
export type OperatorFields = Pick<InventoryEntry, 'tags' | 'hold' | 'note'>;
