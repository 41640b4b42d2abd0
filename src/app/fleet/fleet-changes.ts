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

  constructor(
    private readonly fleet: FleetTracker,
    private readonly feed: ChangeFeed,
  ) {
    this.unsubscribe = feed.subscribe((change) => this.apply(change));
  }

  /** An upload or deletion through this server succeeded. */
  async imagesChanged(): Promise<void> {
    await this.fleet.refreshImages();
    this.feed.announce({ kind: 'catalog' });
  }

  /** A seed row was written (`assigned`) or deleted through this server. */
  assignmentChanged(deviceId: DeviceId, assigned: boolean): void {
    this.fleet.noteAssignment(deviceId, assigned);
    this.feed.announce({ kind: 'device-row', deviceId, assigned });
  }

  close(): void {
    this.unsubscribe();
  }

  private apply(change: HeardChange): void {
    switch (change.kind) {
      case 'catalog':
        void this.fleet.refreshImages();
        return;
      case 'device-row':
        this.fleet.noteAssignment(change.deviceId, change.assigned);
        return;
      case 'resync':
        void this.fleet.refreshImages();
        this.fleet.reloadAssignments();
        return;
    }
  }
}
