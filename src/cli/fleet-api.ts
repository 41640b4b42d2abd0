import type { z } from 'zod';
import type {
  bulkTagResultSchema,
  fleetSummarySchema,
  inventoryDeviceDetailSchema,
  inventoryDeviceSchema,
  inventoryPageSchema,
} from '../adapters/inbound/http/fleet-schemas.js';
import type { ApiClient } from './api-client.js';
import { apiPath, failureOf } from './api-client.js';
import { CliFailure, EXIT } from './exit-codes.js';

/** The fleet inventory's answers, as the server's schemas describe them. */
export type InventoryDevice = z.output<typeof inventoryDeviceSchema>;
export type InventoryDeviceDetail = z.output<typeof inventoryDeviceDetailSchema>;
export type InventoryPage = z.output<typeof inventoryPageSchema>;
export type FleetSummary = z.output<typeof fleetSummarySchema>;
export type BulkTagResult = z.output<typeof bulkTagResultSchema>;

/** The largest page the server sends. */
const MAX_PAGE = 1000;

/** What a change to one device sends (`PATCH /api/v1/devices/<id>`). */
export interface DeviceChange {
  tags?: string[];
  hold?: boolean;
  note?: string;
}

async function jsonOf<T>(client: ApiClient, method: string, path: string, body?: unknown): Promise<T> {
  const res = await client.send(
    method,
    path,
    body === undefined
      ? {}
      : { headers: { 'Content-Type': 'application/json' }, body: Buffer.from(JSON.stringify(body)) },
  );
  if (res.status !== 200) throw inventoryFailure(failureOf(res));
  return JSON.parse(res.body.toString('utf8')) as T;
}

/** A device the inventory does not know: said plainly ("not found: device x has never checked"). */
function inventoryFailure(failure: CliFailure): CliFailure {
  const problem = failure.problem as { code?: unknown; detail?: unknown } | undefined;
  if (problem?.code !== 'device-not-found') return failure;
  return new CliFailure(`not found: ${String(problem.detail ?? 'no such device')}`, EXIT.notFound, problem);
}

const devicePath = (id: string) => apiPath('api', 'v1', 'devices', id);

/**
 * The devices that match `query` (the listing's query fields), following `next` from page to
 * page: every one, or the first `limit`, from the start or from `cursor`. The answer is one page as the server shapes it, `next`
 * saying where the listing stopped (null when nothing is left).
 */
export async function listInventory(
  client: ApiClient,
  query: Record<string, string>,
  limit?: number,
  /** Where an earlier listing stopped (its `next`): this one goes on from there. */
  cursor?: string,
): Promise<InventoryPage> {
  const items: InventoryDevice[] = [];
  let next: string | null = cursor ?? null;
  do {
    const wanted = limit === undefined ? MAX_PAGE : Math.min(MAX_PAGE, limit - items.length);
    const params = new URLSearchParams({ ...query, limit: String(wanted), ...(next === null ? {} : { cursor: next }) });
    const page = await jsonOf<InventoryPage>(client, 'GET', `/api/v1/devices?${params.toString()}`);
    items.push(...page.items);
    next = page.next;
  } while (next !== null && (limit === undefined || items.length < limit));
  return { items, next };
}

export const deviceDetail = (client: ApiClient, id: string) =>
  jsonOf<InventoryDeviceDetail>(client, 'GET', devicePath(id));

export const changeDevice = (client: ApiClient, id: string, change: DeviceChange) =>
  jsonOf<InventoryDevice>(client, 'PATCH', devicePath(id), change);

export const tagDevices = (client: ApiClient, request: Record<string, unknown>) =>
  jsonOf<BulkTagResult>(client, 'POST', apiPath('api', 'v1', 'devices', 'tags'), request);

export const fleetSummary = (client: ApiClient) => jsonOf<FleetSummary>(client, 'GET', '/api/v1/fleet');
