import type Router from '@koa/router';
import type { Context } from 'koa';
import type { z } from 'zod';
import type { InventoryFilter } from '../../../../app/fleet/fleet-queries.js';
import { fleetSummary, listInventory, matchingIds, MAX_PAGE, viewOf } from '../../../../app/fleet/fleet-queries.js';
import type { DeviceId } from '../../../../domain/device-id.js';
import { isDeviceId } from '../../../../domain/device-id.js';
import { DomainError } from '../../../../domain/domain-error.js';
import type { InventoryEntry } from '../../../../domain/fleet/inventory-entry.js';
import { deviceIdSchema } from '../api-schemas.js';
import { auditSource } from '../audit-source.js';
import { deviceIdParam, queryValue, refuseUnknownQuery, validated } from '../edge-validation.js';
import { jsonBodyOf } from '../json-body.js';
import {
  bulkTagSchema,
  cursorSchema,
  deviceChangeSchema,
  eventCursorSchema,
  eventTypeSchema,
  inventoryFilterFields,
  limitSchema,
  MAX_TAGS,
  tailWindow,
} from '../fleet-schemas.js';
import { attemptView, fleetEventView, inventoryDeviceView, unseenDeviceView } from '../fleet-views.js';
import { rolloutIdSchema } from '../rollout-schemas.js';
import { operatorOnly, sessionOf } from '../middleware/basic-auth.js';
import type { HttpUseCases } from '../use-cases.js';
import { eventStream } from './fleet-event-stream.js';

const EVENT_PAGE = 1000;
const DETAIL_ATTEMPTS = 10;
const DETAIL_EVENTS = 100;

/** The listing's filter from the query (unknown fields are left to the route to refuse). */
function filterOf(ctx: Context): InventoryFilter {
  const filter: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(inventoryFilterFields)) {
    const value = queryValue(ctx, name, schema as z.ZodType);
    if (value !== undefined) filter[name] = value;
  }
  return filter as InventoryFilter;
}

/** The seq a reconnecting stream's `Last-Event-ID` gives (400 invalid-query naming the header, not `after`). */
function lastEventIdOf(header: string): number {
  const parsed = eventCursorSchema.safeParse(header);
  if (!parsed.success) {
    throw new DomainError(
      'invalid-query',
      'Last-Event-ID must be an event seq (a whole number): the id of an event this stream sent',
    );
  }
  return parsed.data;
}

// A page cursor is the last id of the page, base64url-encoded, so that it is opaque and URL-safe.
const encodeCursor = (id: DeviceId) => Buffer.from(id, 'utf8').toString('base64url');
function decodeCursor(raw: string): DeviceId {
  const id = Buffer.from(raw, 'base64url').toString('utf8');
  if (!isDeviceId(id)) throw new DomainError('invalid-query', 'cursor must be a value of an earlier answer\'s "next"');
  return id;
}

/**
 * The fleet inventory for operators: devices as their checks show them (listing, one device with
 * its attempts and events), operators' tags, hold and note, forgetting a device, the fleet
 * summary, and the event log (paged, and live as Server-Sent Events).
 */
export function fleetRoutes(router: Router, useCases: HttpUseCases): void {
  const fleet = useCases.fleet;

  router.get('/api/v1/devices', operatorOnly(), (ctx) => {
    refuseUnknownQuery(ctx, [...Object.keys(inventoryFilterFields), 'cursor', 'limit']);
    const cursor = queryValue(ctx, 'cursor', cursorSchema);
    const limit = queryValue(ctx, 'limit', limitSchema(MAX_PAGE)) ?? MAX_PAGE;
    const page = listInventory(
      fleet,
      filterOf(ctx),
      cursor === undefined ? undefined : decodeCursor(cursor),
      limit,
      fleet.now(),
    );
    ctx.body = {
      items: page.items.map(inventoryDeviceView),
      next: page.next === undefined ? null : encodeCursor(page.next),
    };
  });

  router.post('/api/v1/devices/tags', operatorOnly(), async (ctx) => {
    const request = validated(bulkTagSchema, await jsonBodyOf(ctx), 'invalid-request');
    const ids = request.devices ?? matchingIds(fleet, (request.filter ?? {}) as InventoryFilter, fleet.now());
    const edited = (entry: InventoryEntry): string[] | undefined => {
      const tags = new Set(entry.tags);
      for (const tag of request.add) tags.add(tag);
      for (const tag of request.remove) tags.delete(tag);
      if (tags.size === entry.tags.length && entry.tags.every((tag) => tags.has(tag))) return undefined;
      if (tags.size > MAX_TAGS) {
        throw new DomainError(
          'invalid-request',
          `device ${entry.id} would carry ${tags.size} tags; at most ${MAX_TAGS}`,
        );
      }
      return [...tags];
    };
    // Judged for every device first: a device that would carry too many tags refuses the whole
    // request before any device changes. Each device's tags are then worked out again when its
    // change is made, from its tags as they are then: another operator's change made meanwhile
    // is kept.
    const devices = [...new Set(ids)].filter((id) => {
      const entry = fleet.entry(id);
      return entry !== undefined && edited(entry) !== undefined;
    });
    // One audit record per device changed, written before the next device's change: a server
    // killed midway keeps the record of every change it kept but the last. Kept in memory for one
    // write at the end, a kill lost the records of every change made (found by a new user); not
    // awaited, on PostgreSQL a change could commit before the record of the one before it (a
    // review). When a change fails midway, those made before it are recorded all the same.
    const source = auditSource(ctx);
    let changed = 0;
    for (const id of devices) {
      const made = await fleet.changeFrom(
        id,
        (entry) => {
          const tags = edited(entry);
          return tags === undefined ? undefined : { tags };
        },
        source.actor,
      );
      if (made?.changed !== true) continue;
      changed += 1;
      await useCases.audit.record(source, {
        action: 'device.tags',
        target: id,
        detail: { add: request.add, remove: request.remove, tags: made.entry.tags },
      });
    }
    const named = [...new Set(ids)];
    const unknown = request.devices === undefined ? [] : named.filter((id) => fleet.entry(id) === undefined);
    ctx.body = { matched: named.length - unknown.length, changed, unknown };
  });

  router.get('/api/v1/devices/:id', operatorOnly(), async (ctx) => {
    const deviceId = deviceIdParam(ctx);
    const entry = fleet.entry(deviceId);
    const row = await useCases.listDeviceApps.one(deviceId);
    if (entry === undefined && row === undefined) {
      throw new DomainError('device-not-found', `device ${deviceId} has never checked and has no device row`);
    }
    const assignment = row === undefined ? null : { appVersion: row.appVersion, file: row.updateFilePath };
    if (entry === undefined) {
      ctx.body = { ...unseenDeviceView(deviceId), assignment, attempts: [], events: [] };
      return;
    }
    const [attempts, events] = await Promise.all([
      fleet.attemptHistory(deviceId, DETAIL_ATTEMPTS),
      fleet.latestEvents(deviceId, DETAIL_EVENTS),
    ]);
    ctx.body = {
      ...inventoryDeviceView(viewOf(fleet, entry, fleet.now())),
      assignment,
      attempts: attempts.map(attemptView),
      // A timeline: newest first by time. The log's order (seq) can differ, as a check's
      // first-seen and version-changed reach it with the next batch, after events written at once.
      events: [...events].sort((a, b) => b.at - a.at || b.seq - a.seq).map(fleetEventView),
    };
  });

  router.patch('/api/v1/devices/:id', operatorOnly(), async (ctx) => {
    const deviceId = deviceIdParam(ctx);
    const change = validated(deviceChangeSchema, await jsonBodyOf(ctx), 'invalid-request');
    // Who, for the device's event and the audit log alike.
    const source = auditSource(ctx);
    // A change that changes nothing ({}, or every field as it is) is no event and no record.
    const made =
      Object.keys(change).length === 0
        ? entryUnchanged(fleet.entry(deviceId))
        : await useCases.audit.recorded(
            source,
            () => fleet.changeFrom(deviceId, () => change, source.actor),
            (done) =>
              done?.changed !== true
                ? []
                : {
                    action: 'device.patch',
                    target: deviceId,
                    // The fields given, as kept (tags normalized).
                    detail: {
                      ...(change.tags === undefined ? {} : { tags: done.entry.tags }),
                      ...(change.hold === undefined ? {} : { hold: done.entry.hold }),
                      ...(change.note === undefined ? {} : { note: done.entry.note }),
                    },
                  },
          );
    const entry = made?.entry;
    if (entry === undefined) throw new DomainError('device-not-found', `device ${deviceId} has never checked`);
    ctx.body = inventoryDeviceView(viewOf(fleet, entry, fleet.now()));
  });

  router.delete('/api/v1/devices/:id', operatorOnly(), async (ctx) => {
    const deviceId = deviceIdParam(ctx);
    const forgotten = await useCases.audit.recorded(
      auditSource(ctx),
      () => fleet.forget(deviceId),
      (done) => (done ? { action: 'device.forget', target: deviceId } : []),
    );
    if (!forgotten) {
      throw new DomainError('device-not-found', `device ${deviceId} is not in the inventory`);
    }
    ctx.body = { forgotten: deviceId };
  });

  router.get('/api/v1/fleet', operatorOnly(), (ctx) => {
    ctx.body = fleetSummary(fleet, fleet.now());
  });

  router.get('/api/v1/events', operatorOnly(), async (ctx) => {
    refuseUnknownQuery(ctx, ['after', 'latest', 'device', 'rollout', 'type', 'limit']);
    const latest = queryValue(ctx, 'latest', limitSchema(EVENT_PAGE, 'latest'));
    const given = queryValue(ctx, 'after', eventCursorSchema);
    if (latest !== undefined && given !== undefined) {
      throw new DomainError('invalid-query', 'give either after (a cursor) or latest (the log\u2019s end), not both');
    }
    const deviceId = queryValue(ctx, 'device', deviceIdSchema);
    const rolloutId = queryValue(ctx, 'rollout', rolloutIdSchema);
    const type = queryValue(ctx, 'type', eventTypeSchema);
    const asked = queryValue(ctx, 'limit', limitSchema(EVENT_PAGE));
    // `latest`: the tail of the log, for a page that opens on what happened last.
    const { after, limit } =
      latest === undefined
        ? { after: given ?? 0, limit: asked ?? EVENT_PAGE }
        : tailWindow(await fleet.eventLog.lastSeq(), latest, asked);
    const events = await fleet.eventLog.list({
      after,
      limit,
      ...(deviceId === undefined ? {} : { deviceId }),
      ...(rolloutId === undefined ? {} : { rolloutId }),
      ...(type === undefined ? {} : { type }),
    });
    // The last seq read, or the cursor given: polling again with it never misses an event.
    // A cursor past the log's end (see eventStream) gives the end: asked only of an empty page.
    const next = events.at(-1)?.seq ?? (after > 0 ? Math.min(after, await fleet.eventLog.lastSeq()) : null);
    ctx.body = { items: events.map(fleetEventView), next };
  });

  router.get('/api/v1/events/stream', operatorOnly(), async (ctx) => {
    refuseUnknownQuery(ctx, ['after', 'device', 'rollout', 'type']);
    const lastEventId = ctx.get('Last-Event-ID');
    const after = lastEventId !== '' ? lastEventIdOf(lastEventId) : queryValue(ctx, 'after', eventCursorSchema);
    const deviceId = queryValue(ctx, 'device', deviceIdSchema);
    const rolloutId = queryValue(ctx, 'rollout', rolloutIdSchema);
    const type = queryValue(ctx, 'type', eventTypeSchema);
    // A stream opened with the dashboard's session ends with it (sign-out, expiry).
    const session = sessionOf(ctx);
    await eventStream(
      ctx,
      fleet,
      { after, deviceId, rolloutId, type },
      session === undefined ? undefined : () => session.alive(),
    );
  });
}

function entryUnchanged(entry: InventoryEntry | undefined): { entry: InventoryEntry; changed: false } | undefined {
  return entry === undefined ? undefined : { entry, changed: false };
}
