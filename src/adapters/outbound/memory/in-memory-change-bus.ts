import type { ChangeFeed, HeardChange, SharedChange } from '../../../ports/change-feed.port.js';

/**
 * Servers in one process that share in-memory storage (tests), or one server alone (the embedded
 * storage: no other server to tell). Each `feed()` is one server's; delivery is asynchronous, as
 * it is over a network.
 */
export class InMemoryChangeBus {
  private readonly members = new Set<InMemoryChangeFeed>();

  feed(): ChangeFeed {
    const feed = new InMemoryChangeFeed(this.members);
    this.members.add(feed);
    return feed;
  }
}

class InMemoryChangeFeed implements ChangeFeed {
  private readonly listeners = new Set<(change: HeardChange) => void>();

  constructor(private readonly members: Set<InMemoryChangeFeed>) {}

  get hasPeers(): boolean {
    return this.members.size > 1;
  }

  announce(change: SharedChange): void {
    for (const member of this.members) if (member !== this) setImmediate(() => member.deliver(change));
  }

  subscribe(listener: (change: HeardChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Tells this member's listeners (a listener's failure is its own). */
  deliver(change: HeardChange): void {
    for (const listener of this.listeners) listener(change);
  }

  async close(): Promise<void> {
    this.members.delete(this);
    this.listeners.clear();
  }
}
