import type { AttemptState } from '../../../src/domain/fleet/attempt-state.js';
import { ApiError } from './api-error.js';
import { api, pathOf, queryOf } from './client.js';
import type { FleetEvent } from '../live/fleet-events.js';

/*
 * The fleet inventory as the dashboard reads and changes it: the summary, the device listing,
 * one device, its tags/hold/note, its device row, its penalty box and its own credential. The
 * shapes are the server's (src/adapters/inbound/http/fleet-schemas.ts, rollout-views.ts,
 * device-credential-routes.ts); every string in them came from a device, an image or an
 * operator and is shown as text only.
 */

// The states of an update attempt, in the server's order: the domain's own list (pure code).
export { ATTEMPT_STATES, isAttemptState } from '../../../src/domain/fleet/attempt-state.js';
export type { AttemptState };

/** What the device runs, as its image header tells. */
export interface RunningImage {
  readonly project: string;
  readonly chip: string;
  readonly secureVersion: number;
}

export interface AttemptView {
  readonly id: string;
  readonly state: AttemptState;
  readonly file: string;
  readonly version: string | null;
  readonly fromVersion: string;
  readonly offeredAt: string;
  readonly updatedAt: string;
  readonly attribution: 'direct' | 'inferred' | null;
  readonly downloads: number;
  readonly servedBytes: number;
  readonly fileSize: number;
  /** Whether the offer named a patch to the file (delta updates) or the full file. */
  readonly offeredAs: 'patch' | 'full';
  /** What the downloads fetched (servedBytes counts bytes of it); null before the first. */
  readonly downloadedAs: 'patch' | 'full' | null;
  /** The offered patch's size; null when offered full. */
  readonly patchSize: number | null;
}

export type AuthKind = 'shared' | 'device' | 'certificate';

/** A device of the listing (`GET /api/v1/devices`). */
export interface InventoryDevice {
  readonly id: string;
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly runningVersion: string;
  readonly image: RunningImage | null;
  readonly address: string;
  readonly auth: AuthKind;
  readonly polls: number;
  readonly pollIntervalSeconds: number | null;
  readonly overdue: boolean;
  readonly unassigned: boolean;
  readonly lastStatus: number;
  readonly tags: readonly string[];
  readonly hold: boolean;
  readonly note: string;
  readonly attempt: AttemptView | null;
}

export interface InventoryPage {
  readonly items: readonly InventoryDevice[];
  /** The cursor of the next page; null on the last. */
  readonly next: string | null;
}

/** The device row: the version it updates from and the file it is offered. */
export interface Assignment {
  readonly appVersion: string;
  readonly file: string;
}

/**
 * One device (`GET /api/v1/devices/<id>`). A device with a device row that has never checked
 * has null where only a check tells.
 */
export interface DeviceDetail extends Omit<
  InventoryDevice,
  'firstSeen' | 'lastSeen' | 'runningVersion' | 'address' | 'auth' | 'lastStatus'
> {
  readonly firstSeen: string | null;
  readonly lastSeen: string | null;
  readonly runningVersion: string | null;
  readonly address: string | null;
  readonly auth: AuthKind | null;
  readonly lastStatus: number | null;
  readonly assignment: Assignment | null;
  /** The last 10, newest first. */
  readonly attempts: readonly AttemptView[];
  /** The newest 100, newest first by time. */
  readonly events: readonly FleetEvent[];
}

export interface VersionGroup {
  readonly project: string | null;
  readonly version: string;
  readonly chip: string | null;
  readonly count: number;
}

/** `GET /api/v1/fleet`. */
export interface FleetSummary {
  readonly devices: number;
  readonly seen: { readonly '15m': number; readonly '24h': number; readonly '7d': number };
  readonly overdue: number;
  readonly unassigned: number;
  readonly versions: readonly VersionGroup[];
  readonly attempts: Readonly<Record<AttemptState, number>>;
  /** Current attempts whose patch was downloaded whole, and the bytes that saved against the full files. */
  readonly delta: { readonly patchDownloads: number; readonly bytesSaved: number };
}

export interface EventPage {
  readonly items: readonly FleetEvent[];
  readonly next: number | null;
}

export interface Penalty {
  readonly file: string;
  readonly version: string | null;
  readonly failures: number;
  readonly lastFailureAt: string;
  readonly until: string;
}

export interface DevicePenalties {
  readonly device: string;
  readonly penalties: readonly Penalty[];
}

export interface CredentialStatus {
  readonly deviceId: string;
  readonly createdAt: string;
}

/** The answer to provisioning: the secret is in it this once, and is never kept by the page. */
export interface ProvisionedCredential {
  readonly deviceId: string;
  readonly username: string;
  readonly password: string;
  readonly createdAt: string;
}

/** The listing's filters, as the page URL and the API's query both spell them. */
export interface InventoryQuery {
  readonly search?: string;
  readonly tag?: string;
  readonly version?: string;
  readonly project?: string;
  readonly chip?: string;
  readonly state?: AttemptState;
  readonly overdue?: boolean;
  readonly unassigned?: boolean;
  readonly cursor?: string;
}

export interface DeviceChange {
  readonly tags?: readonly string[];
  readonly hold?: boolean;
  readonly note?: string;
}

const devicePath = (id: string, ...rest: string[]) =>
  `/api/v1/devices/${pathOf(id)}${rest.map((r) => `/${r}`).join('')}`;

/** The query parameters of a listing (flags only when set: `overdue=false` is a filter too). */
export function inventoryParams(query: InventoryQuery): Record<string, string | undefined> {
  return {
    search: query.search,
    tag: query.tag,
    version: query.version,
    project: query.project,
    chip: query.chip,
    state: query.state,
    overdue: query.overdue === true ? 'true' : undefined,
    unassigned: query.unassigned === true ? 'true' : undefined,
    cursor: query.cursor,
  };
}

export function fetchFleet(signal?: AbortSignal): Promise<FleetSummary> {
  return api<FleetSummary>('/api/v1/fleet', { signal });
}

export function listDevices(query: InventoryQuery, limit: number, signal?: AbortSignal): Promise<InventoryPage> {
  return api<InventoryPage>(`/api/v1/devices${queryOf({ ...inventoryParams(query), limit })}`, { signal });
}

export function fetchDevice(id: string, signal?: AbortSignal): Promise<DeviceDetail> {
  return api<DeviceDetail>(devicePath(id), { signal });
}

export function changeDevice(id: string, change: DeviceChange): Promise<InventoryDevice> {
  return api<InventoryDevice>(devicePath(id), { method: 'PATCH', json: change });
}

export function listEvents(
  params: { readonly after?: number; readonly limit?: number; readonly device?: string },
  signal?: AbortSignal,
): Promise<EventPage> {
  return api<EventPage>(`/api/v1/events${queryOf(params)}`, { signal });
}

/** The newest `count` events of the fleet, newest first (`latest=` reads the log's tail). */
export async function latestEvents(count: number, signal?: AbortSignal): Promise<FleetEvent[]> {
  const page = await api<EventPage>(`/api/v1/events${queryOf({ latest: count })}`, { signal });
  return newestFirst(page.items, count);
}

function newestFirst(events: readonly FleetEvent[], count: number): FleetEvent[] {
  return [...events].sort((a, b) => b.seq - a.seq).slice(0, count);
}

export function fetchPenalties(id: string, signal?: AbortSignal): Promise<DevicePenalties> {
  return api<DevicePenalties>(devicePath(id, 'penalty'), { signal });
}

export function clearPenalties(id: string): Promise<void> {
  return api<void>(devicePath(id, 'penalty'), { method: 'DELETE' });
}

/** The device's own credential, or null when it has none (404). */
export async function fetchCredential(id: string, signal?: AbortSignal): Promise<CredentialStatus | null> {
  try {
    return await api<CredentialStatus>(devicePath(id, 'credentials'), { signal });
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}

export function provisionCredential(id: string): Promise<ProvisionedCredential> {
  return api<ProvisionedCredential>(devicePath(id, 'credentials'), { method: 'POST' });
}

export function revokeCredential(id: string): Promise<void> {
  return api<void>(devicePath(id, 'credentials'), { method: 'DELETE' });
}

/** One CSV field, always quoted, inner quotes doubled (RFC 4180). */
export function csvField(value: string): string {
  return `"${value.replaceAll('"', '""')}"`;
}

/** Adds or replaces the device row (`PUT /devices/<id>`, one CSV record). */
export function putDeviceRow(id: string, appVersion: string, file: string): Promise<unknown> {
  return api<unknown>(`/devices/${pathOf(id)}`, {
    method: 'PUT',
    body: [id, appVersion, file].map(csvField).join(','),
    contentType: 'text/csv',
  });
}

export function deleteDeviceRow(id: string): Promise<unknown> {
  return api<unknown>(`/devices/${pathOf(id)}`, { method: 'DELETE' });
}

/** The page of a device in the dashboard. */
export function deviceHref(id: string): string {
  return `/ui/devices/${encodeURIComponent(id)}`;
}
