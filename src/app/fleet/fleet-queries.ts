import { coversWhole } from '../../domain/fleet/byte-coverage.js';
import type { DeviceId } from '../../domain/device-id.js';
import type { AttemptState } from '../../domain/fleet/attempt-state.js';
import { ATTEMPT_STATES } from '../../domain/fleet/attempt-state.js';
import type { InventoryEntry } from '../../domain/fleet/inventory-entry.js';
import { isOverdue } from '../../domain/fleet/poll-interval.js';
import type { UpdateAttempt } from '../../domain/fleet/update-attempt.js';
import type { FleetTracker } from './fleet-tracker.js';

/** Which devices a listing (or a bulk tagging) takes; every given field must match. */
export interface InventoryFilter {
  readonly tag?: string;
  readonly version?: string;
  readonly project?: string;
  readonly chip?: string;
  /** The state of the device's current attempt. */
  readonly state?: AttemptState;
  readonly overdue?: boolean;
  readonly unassigned?: boolean;
  /** Seen at or after this time (epoch ms). */
  readonly seenAfter?: number;
  /** Part of the device id, in any case (the dashboard's search box). */
  readonly search?: string;
}

/** An inventory entry with what is worked out when asked: overdue, unassigned, current attempt. */
export interface InventoryView {
  readonly entry: InventoryEntry;
  readonly overdue: boolean;
  readonly unassigned: boolean;
  readonly attempt: UpdateAttempt | undefined;
}

export interface InventoryPage {
  readonly items: readonly InventoryView[];
  /** The id to pass as `after` for the next page; undefined on the last page. */
  readonly next: DeviceId | undefined;
}

/** What `GET /api/v1/fleet` sums up. */
export interface FleetSummary {
  readonly devices: number;
  readonly seen: { readonly '15m': number; readonly '24h': number; readonly '7d': number };
  readonly overdue: number;
  readonly unassigned: number;
  readonly versions: ReadonlyArray<{
    readonly project: string | null;
    readonly version: string;
    readonly chip: string | null;
    readonly count: number;
  }>;
  readonly attempts: Readonly<Record<AttemptState, number>>;
  /**
   * Delta updates among the devices' current attempts: those whose patch was downloaded whole,
   * and the bytes that saved, each the offered file's size minus its patch's.
   */
  readonly delta: { readonly patchDownloads: number; readonly bytesSaved: number };
}

export const MAX_PAGE = 1000;

export function viewOf(tracker: FleetTracker, entry: InventoryEntry, now: number): InventoryView {
  return {
    entry,
    overdue: isOverdue(entry.lastSeen, entry.pollIntervalMs, now),
    unassigned: !tracker.isAssigned(entry),
    attempt: tracker.currentAttempt(entry.id),
  };
}

export function matches(view: InventoryView, filter: InventoryFilter): boolean {
  const { entry } = view;
  if (filter.tag !== undefined && !entry.tags.includes(filter.tag)) return false;
  if (filter.version !== undefined && entry.runningVersion !== filter.version) return false;
  if (filter.project !== undefined && entry.image?.project !== filter.project) return false;
  if (filter.chip !== undefined && entry.image?.chip !== filter.chip) return false;
  if (filter.state !== undefined && view.attempt?.state !== filter.state) return false;
  if (filter.overdue !== undefined && view.overdue !== filter.overdue) return false;
  if (filter.unassigned !== undefined && view.unassigned !== filter.unassigned) return false;
  if (filter.seenAfter !== undefined && entry.lastSeen < filter.seenAfter) return false;
  if (filter.search !== undefined && !entry.id.toLowerCase().includes(filter.search.toLowerCase())) return false;
  return true;
}

/** One page of the devices that match, in ascending id order, starting after the id `after`. */
export function listInventory(
  tracker: FleetTracker,
  filter: InventoryFilter,
  after: DeviceId | undefined,
  limit: number,
  now: number,
): InventoryPage {
  const ids = tracker.ids();
  let index = after === undefined ? 0 : firstAfter(ids, after);
  const items: InventoryView[] = [];
  const size = Math.min(Math.max(1, limit), MAX_PAGE);
  for (; index < ids.length; index += 1) {
    const entry = tracker.entry(ids[index] as DeviceId);
    if (entry === undefined) continue;
    const view = viewOf(tracker, entry, now);
    if (!matches(view, filter)) continue;
    if (items.length === size) return { items, next: items.at(-1)?.entry.id };
    items.push(view);
  }
  return { items, next: undefined };
}

/** Every device that matches (bulk tagging by filter). */
export function matchingIds(tracker: FleetTracker, filter: InventoryFilter, now: number): DeviceId[] {
  const out: DeviceId[] = [];
  for (const entry of tracker.values()) if (matches(viewOf(tracker, entry, now), filter)) out.push(entry.id);
  return out;
}

export function fleetSummary(tracker: FleetTracker, now: number): FleetSummary {
  const seen = { '15m': 0, '24h': 0, '7d': 0 };
  let overdue = 0;
  let unassigned = 0;
  const versions = new Map<string, { project: string | null; version: string; chip: string | null; count: number }>();
  for (const entry of tracker.values()) {
    const age = now - entry.lastSeen;
    if (age <= 15 * 60_000) seen['15m'] += 1;
    if (age <= 24 * 3600_000) seen['24h'] += 1;
    if (age <= 7 * 24 * 3600_000) seen['7d'] += 1;
    if (isOverdue(entry.lastSeen, entry.pollIntervalMs, now)) overdue += 1;
    if (!tracker.isAssigned(entry)) unassigned += 1;
    const project = entry.image?.project ?? null;
    const chip = entry.image?.chip ?? null;
    const key = JSON.stringify([project, entry.runningVersion, chip]);
    const group = versions.get(key);
    if (group === undefined) versions.set(key, { project, version: entry.runningVersion, chip, count: 1 });
    else group.count += 1;
  }
  const attempts = Object.fromEntries(ATTEMPT_STATES.map((state) => [state, 0])) as Record<AttemptState, number>;
  const delta = { patchDownloads: 0, bytesSaved: 0 };
  for (const attempt of tracker.currentAttempts()) {
    attempts[attempt.state] += 1;
    if (
      attempt.downloadedAs === 'patch' &&
      attempt.patchSize !== null &&
      coversWhole(attempt.served, attempt.patchSize)
    ) {
      delta.patchDownloads += 1;
      delta.bytesSaved += Math.max(0, attempt.fileSize - attempt.patchSize);
    }
  }
  return {
    devices: tracker.size(),
    seen,
    overdue,
    unassigned,
    versions: [...versions.values()].sort((a, b) => b.count - a.count || (a.version < b.version ? -1 : 1)),
    attempts,
    delta,
  };
}

function firstAfter(ids: readonly DeviceId[], after: DeviceId): number {
  let low = 0;
  let high = ids.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((ids[middle] as DeviceId) <= after) low = middle + 1;
    else high = middle;
  }
  return low;
}
