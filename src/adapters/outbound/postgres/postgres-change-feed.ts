import type { DeviceId } from '../../../domain/device-id.js';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { ChangeFeed, HeardChange, SharedChange } from '../../../ports/change-feed.port.js';
import type { Logger } from '../../../ports/logger.port.js';
import type { PostgresDatabase } from './postgres-database.js';
import { ClosingClient } from './closing-client.js';

/** The channel every fuota server on a database listens on. */
export const CHANGE_CHANNEL = 'fuota_changes';
/** How long after losing its listening connection the feed tries again (and again). */
export const RECONNECT_DELAY_MS = 1_000;
/**
 * How often the listening connection is asked a trivial question, and how long it may take to
 * answer: a connection whose peer vanished without closing it (a partition, a failover) never
 * says it ended, and would listen to nothing for good.
 */
export const PING_INTERVAL_MS = 10_000;
const PING_TIMEOUT_MS = 5_000;
const CONNECT_TIMEOUT_MS = 5_000;
/** PostgreSQL takes payloads under 8,000 bytes; this leaves room for the sender's id. */
const MAX_PAYLOAD_BYTES = 7_000;

/**
 * Changes between servers over PostgreSQL's LISTEN/NOTIFY: announcements go out with
 * `pg_notify` on the shared pool, and one connection of its own per server listens. A
 * notification reaches every listening server within milliseconds of being sent. While the
 * listening connection is lost (a restart, a network cut), notifications are missed: the feed
 * reconnects every second and, once back, tells its listeners to `resync`.
 */
export class PostgresChangeFeed implements ChangeFeed {
  /** This server's id in payloads, so that it ignores its own announcements. */
  private readonly self = randomUUID();
  private readonly listeners = new Set<(change: HeardChange) => void>();
  private client: pg.Client | undefined;
  private retry: NodeJS.Timeout | undefined;
  private readonly ping: NodeJS.Timeout;
  private closed = false;
  private sending: Promise<void> = Promise.resolve();

  private constructor(
    private readonly url: string,
    private readonly database: PostgresDatabase,
    private readonly logger: Logger | undefined,
  ) {
    this.ping = setInterval(() => this.checkAlive(), PING_INTERVAL_MS);
    this.ping.unref();
  }

  /** Starts listening (the database must be reachable now, as at any start). */
  static async open(url: string, database: PostgresDatabase, logger?: Logger): Promise<PostgresChangeFeed> {
    const feed = new PostgresChangeFeed(url, database, logger);
    try {
      await feed.listen();
    } catch (error) {
      await feed.close();
      throw error;
    }
    return feed;
  }

  /** Any number of servers may share the database. */
  readonly hasPeers = true;

  announce(change: SharedChange): void {
    // A notification's payload is at most 8,000 bytes: many devices go out in several.
    if (change.kind === 'devices' && change.deviceIds.length > 1) {
      if (Buffer.byteLength(JSON.stringify(change)) > MAX_PAYLOAD_BYTES) {
        const half = Math.ceil(change.deviceIds.length / 2);
        this.announce({ kind: 'devices', deviceIds: change.deviceIds.slice(0, half) });
        this.announce({ kind: 'devices', deviceIds: change.deviceIds.slice(half) });
        return;
      }
    }
    const payload = JSON.stringify({ ...change, from: this.self });
    // One after another: on a pool, two statements may run on two connections and commit (and
    // so notify) in either order; a row written then deleted must be heard in that order.
    this.sending = this.sending
      .then(() => this.database.query('SELECT pg_notify($1, $2)', [CHANGE_CHANNEL, payload]))
      .then(
        () => undefined,
        (error: unknown) => {
          // The other servers resync when they hear the database again; nothing to retry here.
          this.logger?.warn('a change could not be announced to the other servers', { change: change.kind, error });
        },
      );
  }

  subscribe(listener: (change: HeardChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.ping);
    await this.sending;
    clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async listen(): Promise<void> {
    const client = new ClosingClient({
      connectionString: this.url,
      application_name: 'fuota-changes',
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      query_timeout: PING_TIMEOUT_MS,
      keepAlive: true,
    });
    // Reported by 'end' too; without a listener an error would crash the process.
    client.on('error', () => undefined);
    await client.connect();
    try {
      client.on('notification', (message) => this.heard(message.payload));
      await client.query(`LISTEN ${CHANGE_CHANNEL}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    client.once('end', () => this.lost(client));
    if (this.closed) await client.end().catch(() => undefined);
    else this.client = client;
  }

  /** Asks the listening connection a trivial question; no answer in time means it is gone. */
  private checkAlive(): void {
    const client = this.client;
    if (client === undefined || this.closed) return;
    client.query('SELECT 1').catch(() => {
      this.lost(client);
      // It may never finish closing (a vanished peer); it is no longer this feed's either way.
      void client.end().catch(() => undefined);
    });
  }

  private lost(client: pg.Client): void {
    if (this.closed || this.client !== client) return;
    this.client = undefined;
    this.logger?.warn("lost the connection that hears other servers' changes; reconnecting");
    this.reconnectLater();
  }

  private reconnectLater(): void {
    this.retry = setTimeout(() => {
      this.listen().then(
        () => {
          if (this.closed) return;
          this.logger?.info("hearing other servers' changes again; re-reading what they may have changed");
          this.tell({ kind: 'resync' });
        },
        () => {
          if (!this.closed) this.reconnectLater();
        },
      );
    }, RECONNECT_DELAY_MS);
    this.retry.unref();
  }

  private heard(payload: string | undefined): void {
    let change: (SharedChange & { from?: unknown }) | undefined;
    try {
      change = JSON.parse(payload ?? '') as SharedChange & { from?: unknown };
    } catch {
      return; // not one of ours
    }
    if (change.from === this.self) return;
    if (change.kind === 'catalog') this.tell({ kind: 'catalog' });
    else if (change.kind === 'rollouts') this.tell({ kind: 'rollouts' });
    else if (change.kind === 'deltas') this.tell({ kind: 'deltas' });
    else if (
      change.kind === 'devices' &&
      Array.isArray(change.deviceIds) &&
      change.deviceIds.every((id: unknown) => typeof id === 'string')
    )
      this.tell({ kind: 'devices', deviceIds: change.deviceIds as unknown as readonly DeviceId[] });
    else if (
      change.kind === 'device-row' &&
      typeof change.deviceId === 'string' &&
      typeof change.assigned === 'boolean'
    )
      this.tell({ kind: 'device-row', deviceId: change.deviceId, assigned: change.assigned });
  }

  private tell(change: HeardChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (error) {
        this.logger?.warn('a change from another server could not be applied', { change: change.kind, error });
      }
    }
  }
}
