import type { DeviceId } from '../../../domain/device-id.js';
import type { FleetEvent, NewLoggedEvent } from '../../../domain/fleet/fleet-event.js';
import type { FleetEventLog, FleetEventQuery } from '../../../ports/fleet-event-log.port.js';

/** The fleet's events in an array, for tests and throw-away servers: nothing survives the process. */
export class InMemoryFleetEventLog implements FleetEventLog {
  /** Ascending by seq. */
  private events: FleetEvent[] = [];
  private given = 0;

  async append(events: readonly NewLoggedEvent[]): Promise<FleetEvent[]> {
    const numbered = events.map((event) => numberedEvent(event, (this.given += 1)));
    this.events.push(...numbered);
    return numbered.map(copyEvent);
  }

  async list(query: FleetEventQuery): Promise<FleetEvent[]> {
    const found: FleetEvent[] = [];
    for (const event of this.events) {
      if (found.length >= query.limit) break;
      if (event.seq <= (query.after ?? 0)) continue;
      if (query.deviceId !== undefined && event.deviceId !== query.deviceId) continue;
      if (query.rolloutId !== undefined && event.rolloutId !== query.rolloutId) continue;
      if (query.type !== undefined && event.type !== query.type) continue;
      found.push(copyEvent(event));
    }
    return found;
  }

  async latest(deviceId: DeviceId, limit: number): Promise<FleetEvent[]> {
    const found: FleetEvent[] = [];
    for (let index = this.events.length - 1; index >= 0 && found.length < limit; index -= 1) {
      const event = this.events[index];
      if (event?.deviceId === deviceId) found.push(copyEvent(event));
    }
    return found;
  }

  async lastSeq(): Promise<number> {
    return this.given;
  }

  async prune(options: { readonly before: number; readonly keepPerDevice: number }): Promise<number> {
    const newerOf = new Map<DeviceId, number>();
    const survivors: FleetEvent[] = [];
    // Newest first: how many newer events name its device (old ones count too). An event that
    // names no device goes by age only.
    for (let index = this.events.length - 1; index >= 0; index -= 1) {
      const event = this.events[index];
      if (event === undefined) continue;
      let kept = event.at >= options.before;
      if (event.deviceId !== null) {
        const newer = newerOf.get(event.deviceId) ?? 0;
        newerOf.set(event.deviceId, newer + 1);
        kept &&= newer < options.keepPerDevice;
      }
      if (kept) survivors.push(event);
    }
    const removed = this.events.length - survivors.length;
    this.events = survivors.reverse();
    return removed;
  }

  async deleteDevice(deviceId: DeviceId): Promise<number> {
    const before = this.events.length;
    this.events = this.events.filter((event) => event.deviceId !== deviceId);
    return before - this.events.length;
  }

  async close(): Promise<void> {}
}

/** The event as the log keeps it: only the fields of its kind (a device's has no rolloutId key). */
function numberedEvent(event: NewLoggedEvent, seq: number): FleetEvent {
  const detail = { ...event.detail };
  return event.rolloutId === undefined
    ? { seq, at: event.at, deviceId: event.deviceId, type: event.type, detail }
    : { seq, at: event.at, rolloutId: event.rolloutId, deviceId: event.deviceId, type: event.type, detail };
}

function copyEvent(event: FleetEvent): FleetEvent {
  return { ...event, detail: { ...event.detail } };
}
