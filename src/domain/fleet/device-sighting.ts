import type { DeviceId } from '../device-id.js';
import type { NewFleetEvent } from './fleet-event.js';
import type { DeviceAuthKind, InventoryEntry, RunningImage } from './inventory-entry.js';
import { learnPollInterval } from './poll-interval.js';

const NO_EVENTS: readonly NewFleetEvent[] = [];
/** Shared by every untagged entry: a fleet of 100,000 devices held as many empty arrays. */
const NO_TAGS: readonly string[] = [];

/** What one authenticated check says about its device. `at` is epoch milliseconds. */
export interface DeviceSighting {
  readonly deviceId: DeviceId;
  readonly at: number;
  readonly version: string;
  readonly image: RunningImage | null;
  readonly address: string;
  readonly auth: DeviceAuthKind;
  /** The status the check was answered with. */
  readonly status: number;
}

/**
 * The entry after a check: first seen on the first one, a version change noted as an event,
 * the poll interval learned from the gap to the previous check. Operators' fields are kept.
 */
export function recordSighting(
  entry: InventoryEntry | undefined,
  sighting: DeviceSighting,
): { readonly entry: InventoryEntry; readonly events: readonly NewFleetEvent[] } {
  const { deviceId, at, version, image, address, auth, status } = sighting;
  if (entry === undefined) {
    return {
      entry: {
        id: deviceId,
        firstSeen: at,
        lastSeen: at,
        runningVersion: version,
        image,
        address,
        auth,
        polls: 1,
        pollIntervalMs: null,
        lastStatus: status,
        tags: NO_TAGS,
        hold: false,
        note: '',
      },
      events: [{ at, deviceId, type: 'first-seen', detail: { version, address, auth } }],
    };
  }
  // Checks that race each other may arrive out of order: a late one never moves time backwards.
  // Every field written out (no spread): this runs on every check, and a literal of one shape is
  // what V8 builds fastest.
  const later = at > entry.lastSeen;
  const next: InventoryEntry = {
    id: entry.id,
    firstSeen: entry.firstSeen,
    lastSeen: later ? at : entry.lastSeen,
    runningVersion: version,
    image,
    address,
    auth,
    polls: entry.polls + 1,
    pollIntervalMs: later ? learnPollInterval(entry.pollIntervalMs, at - entry.lastSeen) : entry.pollIntervalMs,
    lastStatus: status,
    tags: entry.tags,
    hold: entry.hold,
    note: entry.note,
  };
  if (version === entry.runningVersion) return { entry: next, events: NO_EVENTS };
  return {
    entry: next,
    events: [{ at, deviceId, type: 'version-changed', detail: { from: entry.runningVersion, to: version } }],
  };
}

/**
 * Whether `after` differs from `before` in the poll fields alone (last seen, polls, interval):
 * the same version, image, address, authentication and answer. Most checks of a fleet are such.
 */
export function samePollShape(before: InventoryEntry, after: InventoryEntry): boolean {
  return (
    before.runningVersion === after.runningVersion &&
    before.address === after.address &&
    before.auth === after.auth &&
    before.lastStatus === after.lastStatus &&
    sameImage(before.image, after.image)
  );
}

function sameImage(a: RunningImage | null, b: RunningImage | null): boolean {
  if (a === null || b === null) return a === b;
  return a === b || (a.project === b.project && a.chip === b.chip && a.secureVersion === b.secureVersion);
}
