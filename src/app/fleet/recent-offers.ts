import type { DeviceId } from '../../domain/device-id.js';

interface Offer {
  readonly deviceId: DeviceId;
  readonly path: string;
  readonly at: number;
}

/**
 * The offers made to each client address within the attribution window, so that a download
 * made with the shared credential (which names no device) can be tied to the device that was
 * offered that file from the same address: an ESP32 downloads right after its check.
 */
export class RecentOffers {
  private readonly byAddress = new Map<string, Offer[]>();

  constructor(private readonly windowMs: number) {}

  add(address: string, deviceId: DeviceId, path: string, at: number): void {
    const offers = (this.byAddress.get(address) ?? []).filter(
      (offer) => offer.deviceId !== deviceId && at - offer.at <= this.windowMs,
    );
    offers.push({ deviceId, path, at });
    this.byAddress.set(address, offers);
  }

  /** The device offered `path` from `address` most recently within the window that `accepts` takes. */
  latest(address: string, path: string, at: number, accepts: (deviceId: DeviceId) => boolean): DeviceId | undefined {
    const offers = this.byAddress.get(address);
    if (offers === undefined) return undefined;
    for (let i = offers.length - 1; i >= 0; i -= 1) {
      const offer = offers[i] as Offer;
      if (offer.path === path && at - offer.at <= this.windowMs && accepts(offer.deviceId)) return offer.deviceId;
    }
    return undefined;
  }

  /** Drops what has left the window. */
  forgetBefore(at: number): void {
    for (const [address, offers] of this.byAddress) {
      const kept = offers.filter((offer) => at - offer.at <= this.windowMs);
      if (kept.length === 0) this.byAddress.delete(address);
      else if (kept.length !== offers.length) this.byAddress.set(address, kept);
    }
  }
}
