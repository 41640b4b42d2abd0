import type { DeviceId } from '../../../domain/device-id.js';
import { isFinalAttemptState } from '../../../domain/fleet/attempt-state.js';
import type { UpdateAttempt } from '../../../domain/fleet/update-attempt.js';
import type { CapState } from '../../../domain/rollout/offer-caps.js';
import { storedRolloutLoad } from '../../../domain/rollout/stored-rollout-load.js';
import type { UpdateAttemptStore } from '../../../ports/update-attempt-store.port.js';
import { byCodeUnit } from './in-memory-device-inventory-store.js';

/** Update attempts in Maps, for tests and throw-away servers: nothing survives the process. */
export class InMemoryUpdateAttemptStore implements UpdateAttemptStore {
  /** Each device's attempts by id. */
  private readonly devices = new Map<DeviceId, Map<string, UpdateAttempt>>();
  /** Which device each attempt id belongs to (a put may move an id to another device). */
  private readonly deviceOf = new Map<string, DeviceId>();

  async *recent(perDevice: number): AsyncIterable<UpdateAttempt> {
    if (perDevice <= 0) return;
    for (const deviceId of [...this.devices.keys()].sort(byCodeUnit)) {
      yield* this.newest(deviceId, perDevice);
    }
  }

  async forDevice(deviceId: DeviceId, limit: number): Promise<UpdateAttempt[]> {
    return limit <= 0 ? [] : this.newest(deviceId, limit);
  }

  async forRollout(rolloutId: string): Promise<UpdateAttempt[]> {
    const found: UpdateAttempt[] = [];
    for (const attempts of this.devices.values()) {
      for (const attempt of attempts.values()) if (attempt.rollout?.id === rolloutId) found.push(copyAttempt(attempt));
    }
    return found.sort((a, b) => byCodeUnit(a.id, b.id));
  }

  async rolloutLoad(rolloutId: string, at: number, staleMs: number): Promise<CapState> {
    const newestId = (deviceId: DeviceId) => [...(this.devices.get(deviceId)?.keys() ?? [])].sort(byCodeUnit).at(-1);
    return storedRolloutLoad(
      await this.forRollout(rolloutId),
      (attempt) => newestId(attempt.deviceId) === attempt.id,
      at,
      staleMs,
    );
  }

  async openOffers(
    offer: { readonly file: string } | { readonly patchId: string },
    address: string,
    since: number,
  ): Promise<UpdateAttempt[]> {
    const found: UpdateAttempt[] = [];
    for (const deviceId of this.devices.keys()) {
      const [newest] = this.newest(deviceId, 1);
      if (newest === undefined || isFinalAttemptState(newest.state) || newest.updatedAt < since) continue;
      if (newest.offerAddress !== address) continue;
      if ('file' in offer ? newest.file === offer.file : newest.patchId === offer.patchId) found.push(newest);
    }
    return found;
  }

  async putMany(attempts: readonly UpdateAttempt[]): Promise<void> {
    for (const attempt of attempts) {
      this.remove(attempt.id);
      let attemptsOfDevice = this.devices.get(attempt.deviceId);
      if (attemptsOfDevice === undefined) this.devices.set(attempt.deviceId, (attemptsOfDevice = new Map()));
      attemptsOfDevice.set(attempt.id, copyAttempt(attempt));
      this.deviceOf.set(attempt.id, attempt.deviceId);
    }
  }

  async replaceIf(next: UpdateAttempt, previous: UpdateAttempt): Promise<boolean> {
    if (next.id !== previous.id) return false;
    const stored = this.devices.get(next.deviceId)?.get(next.id);
    if (stored === undefined || !sameProgress(stored, previous)) return false;
    await this.putMany([next]);
    return true;
  }

  async deleteDevice(deviceId: DeviceId): Promise<number> {
    const attempts = this.devices.get(deviceId);
    if (attempts === undefined) return 0;
    for (const id of attempts.keys()) this.deviceOf.delete(id);
    this.devices.delete(deviceId);
    return attempts.size;
  }

  async pruneBefore(before: number, keepPerDevice = Number.POSITIVE_INFINITY): Promise<number> {
    let removed = 0;
    for (const attempts of [...this.devices.values()]) {
      const newestFirst = [...attempts.keys()].sort(byCodeUnit).reverse();
      const kept = new Set(newestFirst.slice(0, Math.max(1, keepPerDevice)));
      for (const attempt of [...attempts.values()]) {
        if (attempt.id === newestFirst[0] || (attempt.updatedAt >= before && kept.has(attempt.id))) continue;
        this.remove(attempt.id);
        removed += 1;
      }
    }
    return removed;
  }

  async close(): Promise<void> {}

  private newest(deviceId: DeviceId, limit: number): UpdateAttempt[] {
    const attempts = [...(this.devices.get(deviceId)?.values() ?? [])];
    attempts.sort((a, b) => byCodeUnit(b.id, a.id));
    return attempts.slice(0, limit).map(copyAttempt);
  }

  private remove(id: string): void {
    const deviceId = this.deviceOf.get(id);
    if (deviceId === undefined) return;
    const attempts = this.devices.get(deviceId);
    attempts?.delete(id);
    if (attempts?.size === 0) this.devices.delete(deviceId);
    this.deviceOf.delete(id);
  }
}

function copyAttempt(attempt: UpdateAttempt): UpdateAttempt {
  return {
    ...attempt,
    served: attempt.served.map(([start, end]) => [start, end] as const),
    rollout: attempt.rollout === null ? null : { id: attempt.rollout.id, wave: attempt.rollout.wave },
  };
}

/** Whether `a` and `b` agree on what replaceIf compares. */
function sameProgress(a: UpdateAttempt, b: UpdateAttempt): boolean {
  return (
    a.state === b.state &&
    a.downloads === b.downloads &&
    a.updatedAt === b.updatedAt &&
    JSON.stringify(a.served) === JSON.stringify(b.served)
  );
}
