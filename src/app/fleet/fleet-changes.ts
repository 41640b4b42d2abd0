import type { DeviceId } from '../../domain/device-id.js';
import type { ChangeFeed, HeardChange } from '../../ports/change-feed.port.js';
import type { FleetTracker } from './fleet-tracker.js';

/**
 * Keeps the fleet's in-memory views of shared tables current when several servers share the
 * storage: this server's changes go out on the feed, the others' come in and are applied as if
 * made here (without going out again). The views: the stored images (the inventory's image
 * facts, the rollouts' image facts) and which devices have a seed row (`unassigned`).
 */
export class FleetChanges {
  private readonly unsubscribe: () => void;
  /** The catalog read under way, and whether another was asked for while it ran. */
  private refreshing: Promise<void> | undefined;
  private refreshAgain = false;

  constructor(
    private readonly fleet: FleetTracker,
    private readonly feed: ChangeFeed,
  ) {
    this.unsubscribe = feed.subscribe((change) => this.apply(change));
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

  close(): void {
    this.unsubscribe();
  }

  private apply(change: HeardChange): void {
    switch (change.kind) {
      case 'catalog':
        void this.refreshImages();
        return;
      case 'device-row':
        this.fleet.noteAssignment(change.deviceId, change.assigned);
        return;
      case 'resync':
        void this.refreshImages();
        this.fleet.reloadAssignments();
        return;
    }
  }
}
