import { servedBytes } from '../../../domain/fleet/byte-coverage.js';
import type { InventoryView } from '../../../app/fleet/fleet-queries.js';
import type { FleetEvent } from '../../../domain/fleet/fleet-event.js';
import type { UpdateAttempt } from '../../../domain/fleet/update-attempt.js';

/** The JSON operators see of the fleet: times as ISO 8601 UTC, intervals in seconds. */

const iso = (ms: number) => new Date(ms).toISOString();

export function attemptView(attempt: UpdateAttempt) {
  return {
    id: attempt.id,
    state: attempt.state,
    file: attempt.file,
    version: attempt.version,
    fromVersion: attempt.fromVersion,
    offeredAt: iso(attempt.offeredAt),
    updatedAt: iso(attempt.updatedAt),
    attribution: attempt.attribution,
    downloads: attempt.downloads,
    servedBytes: servedBytes(attempt.served),
    fileSize: attempt.fileSize,
    offeredAs: attempt.offeredAs,
    downloadedAs: attempt.downloadedAs,
    patchSize: attempt.patchSize,
  };
}

export function inventoryDeviceView({ entry, overdue, unassigned, attempt }: InventoryView) {
  return {
    id: entry.id,
    firstSeen: iso(entry.firstSeen),
    lastSeen: iso(entry.lastSeen),
    runningVersion: entry.runningVersion,
    image: entry.image,
    address: entry.address,
    auth: entry.auth,
    polls: entry.polls,
    pollIntervalSeconds: entry.pollIntervalMs === null ? null : Math.round(entry.pollIntervalMs / 100) / 10,
    overdue,
    unassigned,
    lastStatus: entry.lastStatus,
    tags: entry.tags,
    hold: entry.hold,
    note: entry.note,
    attempt: attempt === undefined ? null : attemptView(attempt),
  };
}

/**
 * An event as JSON: its facts beside seq, time, device, rollout and type (which they never
 * overwrite). `device` is null for a rollout's own event, `rolloutId` null for a device's.
 */
export function fleetEventView(event: FleetEvent) {
  // The log keeps a penalty's end as epoch ms; the API's times are ISO 8601, this one too.
  const { until } = event.detail;
  return {
    ...event.detail,
    ...(event.type === 'device.penalized' && typeof until === 'number' ? { until: iso(until) } : {}),
    seq: event.seq,
    at: iso(event.at),
    device: event.deviceId,
    rolloutId: event.rolloutId ?? null,
    type: event.type,
  };
}

/** A device with a device row that has never checked: what only a check tells is null. */
export function unseenDeviceView(id: string) {
  return {
    id,
    firstSeen: null,
    lastSeen: null,
    runningVersion: null,
    image: null,
    address: null,
    auth: null,
    polls: 0,
    pollIntervalSeconds: null,
    overdue: false,
    unassigned: false,
    lastStatus: null,
    tags: [],
    hold: false,
    note: '',
    attempt: null,
  };
}
