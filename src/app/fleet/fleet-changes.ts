import type { DeviceId } from '../../domain/device-id.js';
import type { ChangeFeed, HeardChange } from '../../ports/change-feed.port.js';
import type { Logger } from '../../ports/logger.port.js';
import type { RolloutService } from '../rollout/rollout-service.js';
import type { FleetTracker } from './fleet-tracker.js';
import { RepeatedWarnings } from '../logging/repeated-warnings.js';

const READ_BACK_FAILED = "other servers' checks could not be read back; retrying";

/** How often a server reads back the entries other servers' checks touched (when it has peers). */
export const PEER_SYNC_INTERVAL_MS = 2_000;
/**
 * How far back each read reaches before the previous one began: a check reaches storage up to a
 * batch interval (1 s) after it happened, by another server's clock (kept within a second or two
 * of this one's by NTP, as every server's should be).
 */
export const PEER_SYNC_OVERLAP_MS = 5_000;
/**
 * A notification can be lost without the listening connection being (a failed send, a server
 * that died between its write and its announcement): with peers, the rollouts are read again
 * this often, and the whole fleet (entries and attempts) this often, whatever was heard.
 */
export const ROLLOUT_RESYNC_INTERVAL_MS = 10_000;
export const FLEET_RESYNC_INTERVAL_MS = 10 * 60_000;

/**
 * Keeps the fleet's in-memory views of shared tables current when several servers share the
 * storage: this server's changes go out on the feed, the others' come in and are applied as if
 * made here (without going out again). The views: the stored images (the inventory's image
 * facts, the rollouts' image facts), which devices have a seed row (`unassigned`), devices'
 * entries and current attempts changed other than by checks (transitions, operators' changes,
 * forgotten devices), the rollouts and penalty clearances. Checks' batches are not announced
 * (hundreds a second): every PEER_SYNC_INTERVAL_MS the entries seen since the last read are
 * read back, so another server's checks show here within about three seconds.
 */
export class FleetChanges {
  private readonly stopListening: () => void;
  private readonly stopAnnouncing: ReadonlyArray<() => void>;
  /** The read-backs fail every two seconds while storage is out: their warnings once every ten. */
  private readonly warnings: RepeatedWarnings;
  private readonly syncTimer: NodeJS.Timeout;
  private readonly resyncTimers: NodeJS.Timeout[];
  private syncedFrom: number;
  private syncing = false;
  /** The read-back under way, if any. */
  private syncRun: Promise<void> | undefined;
  /** Stopped hearing (the server is stopping): no read-back starts. */
  private deaf = false;
  /** Reloads of devices and rollouts, one after another (an older read never lands after a newer one). */
  private reloads: Promise<void> = Promise.resolve();
  /** The catalog read under way, and whether another was asked for while it ran. */
  private refreshing: Promise<void> | undefined;
  private refreshAgain = false;

  constructor(
    private readonly fleet: FleetTracker,
    private readonly rollouts: RolloutService,
    private readonly feed: ChangeFeed,
    private readonly logger: Logger,
  ) {
    this.stopListening = feed.subscribe((change) => this.apply(change));
    this.stopAnnouncing = [
      fleet.watchWrites((deviceIds) => feed.announce({ kind: 'devices', deviceIds })),
      rollouts.watchWrites(() => feed.announce({ kind: 'rollouts' })),
    ];
    this.warnings = new RepeatedWarnings(logger);
    fleet.sharesStorage(() => feed.hasPeers);
    this.syncedFrom = fleet.now();
    this.syncTimer = setInterval(() => void this.syncPeers(), PEER_SYNC_INTERVAL_MS);
    this.syncTimer.unref();
    this.resyncTimers = [
      setInterval(() => {
        if (feed.hasPeers) this.reload('rollouts', () => this.rollouts.reload());
      }, ROLLOUT_RESYNC_INTERVAL_MS),
      setInterval(() => {
        if (feed.hasPeers) this.reload('the fleet', () => this.fleet.resync());
      }, FLEET_RESYNC_INTERVAL_MS),
    ];
    for (const timer of this.resyncTimers) timer.unref();
  }

  /** Reads back what other servers' checks wrote since the last read (see PEER_SYNC_INTERVAL_MS). */
  async syncPeers(): Promise<void> {
    if (!this.feed.hasPeers || this.syncing || this.deaf) return;
    this.syncing = true;
    const run = this.syncOnce();
    this.syncRun = run;
    await run;
  }

  private async syncOnce(): Promise<void> {
    const startedAt = this.fleet.now();
    try {
      await this.fleet.absorbSeenSince(this.syncedFrom - PEER_SYNC_OVERLAP_MS);
      this.syncedFrom = startedAt;
      this.warnings.recovered(READ_BACK_FAILED);
    } catch (error) {
      // The next round reads from the same time again.
      this.warnings.warn(READ_BACK_FAILED, { error });
    } finally {
      this.syncing = false;
    }
  }

  /** An upload or deletion through this server succeeded. */
  async imagesChanged(): Promise<void> {
    await this.refreshImages();
    this.feed.announce({ kind: 'catalog' });
  }

  /** A seed row was written (`assigned`) or deleted through this server. */
  assignmentChanged(deviceId: DeviceId, assigned: boolean): void {
    this.fleet.noteAssignment(deviceId, assigned);
    this.feed.announce({ kind: 'device-row', deviceId, assigned });
  }

  /**
   * Reads the catalog again, one read at a time: two reads running together could finish in
   * either order, and the older listing would then win. A change heard while a read runs makes
   * one more read after it; the promise resolves once a read that began after the call is done.
   */
  private refreshImages(): Promise<void> {
    if (this.refreshing !== undefined) {
      this.refreshAgain = true;
      return this.refreshing;
    }
    const run = async () => {
      do {
        this.refreshAgain = false;
        await this.fleet.refreshImages();
      } while (this.refreshAgain);
    };
    this.refreshing = run().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  /**
   * Stops hearing the other servers' changes (this one is stopping), and goes on announcing its
   * own: what the fleet and the rollouts write as they close (the bytes of downloads cut by the
   * stop, moves not written yet) is announced too. Unannounced, another server showed a download
   * cut by a rolling restart as it stood before, until its next full re-read (found by a new user).
   */
  async stopHearing(): Promise<void> {
    this.deaf = true;
    clearInterval(this.syncTimer);
    for (const timer of this.resyncTimers) clearInterval(timer);
    this.stopListening();
    // What was heard before is applied before the fleet and the rollouts close.
    await Promise.allSettled([this.reloads, this.syncRun]);
  }

  /** Stops announcing too: once the fleet and the rollouts are closed. */
  async close(): Promise<void> {
    await this.stopHearing();
    for (const stop of this.stopAnnouncing) stop();
  }

  /** Runs a reload after those before it; a failure is logged (a resync or the next change mends it). */
  private reload(what: string, work: () => Promise<void>): void {
    this.reloads = this.reloads.then(work).catch((error: unknown) => {
      this.warnings.warn(`${what} changed by another server could not be read`, { error });
    });
  }

  /** Waits for the reloads asked for so far (tests). */
  settled(): Promise<void> {
    return this.reloads;
  }

  private apply(change: HeardChange): void {
    switch (change.kind) {
      case 'catalog':
        void this.refreshImages();
        return;
      case 'device-row':
        this.fleet.noteAssignment(change.deviceId, change.assigned);
        return;
      case 'devices':
        this.reload('devices', () => this.fleet.reloadDevices(change.deviceIds));
        return;
      case 'rollouts':
        this.reload('rollouts', () => this.rollouts.reload());
        return;
      case 'deltas':
        return; // the DeltaService's own (it listens on the feed itself)
      case 'resync':
        void this.refreshImages();
        this.fleet.reloadAssignments();
        this.reload('the fleet', () => this.fleet.resync());
        this.reload('rollouts', () => this.rollouts.reload());
        return;
    }
  }
}
