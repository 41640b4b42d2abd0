import type { DeviceId } from '../../domain/device-id.js';

interface Offer {
  /** The path the answer named. */
  readonly path: string;
  /** The full image's path when the answer named a patch: a device may fetch it instead. */
  readonly fallback: string | undefined;
  readonly at: number;
}

/**
 * The offers made to each client address within the attribution window, so that a download
 * made with the shared credential (which names no device) can be tied to the device that was
 * offered that file from the same address: an ESP32 downloads right after its check.
 */
export class RecentOffers {
  // Per address, per device its latest offer; a Map keeps insertion order, so re-setting a device
  // moves it last and the newest offers are at the end.
  private readonly byAddress = new Map<string, Map<DeviceId, Offer>>();

  constructor(private readonly windowMs: number) {}

  /**
   * `path`: what the answer named; `fallback`: the full image's path when that was a patch (a
   * device that cannot use the patch fetches the image instead, and that download is its attempt's too).
   */
  add(address: string, deviceId: DeviceId, path: string, at: number, fallback?: string): void {
    let offers = this.byAddress.get(address);
    if (offers === undefined) {
      offers = new Map();
      this.byAddress.set(address, offers);
    }
    // An offer read from storage (another server's, or one from before a restart) may be older
    // than the one noted here already: the newer stands.
    const known = offers.get(deviceId);
    if (known !== undefined && known.at > at) return;
    offers.delete(deviceId);
    offers.set(deviceId, { path, fallback, at });
  }

  /** The device offered `path` from `address` most recently within the window that `accepts` takes. */
  latest(address: string, path: string, at: number, accepts: (deviceId: DeviceId) => boolean): DeviceId | undefined {
    const offers = this.byAddress.get(address);
    if (offers === undefined) return undefined;
    // Mostly oldest first, but offers read from storage come in their own order: the newest by
    // time wins (on a tie, the one noted last).
    let newest: DeviceId | undefined;
    let newestAt = Number.NEGATIVE_INFINITY;
    for (const [deviceId, offer] of offers) {
      if (offer.at < newestAt || at - offer.at > this.windowMs) continue;
      if ((offer.path === path || offer.fallback === path) && accepts(deviceId)) {
        newest = deviceId;
        newestAt = offer.at;
      }
    }
    return newest;
  }

  /**
   * Drops what has left the window: each address's oldest first, up to the first one inside it
   * (an offer read from storage out of order may stay until those before it go, one window more
   * at most).
   */
  forgetBefore(at: number): void {
    for (const [address, offers] of this.byAddress) {
      for (const [deviceId, offer] of offers) {
        // Oldest first: the first one still inside the window ends the look.
        if (at - offer.at <= this.windowMs) break;
        offers.delete(deviceId);
      }
      if (offers.size === 0) this.byAddress.delete(address);
    }
  }
}
