import type { Server } from 'node:net';
import { PassThrough } from 'node:stream';
import type { Context } from 'koa';
import type { FleetTracker } from '../../../../app/fleet/fleet-tracker.js';
import type { DeviceId } from '../../../../domain/device-id.js';
import type { FleetEvent, FleetEventType } from '../../../../domain/fleet/fleet-event.js';
import { fleetEventView } from '../fleet-views.js';

const HEARTBEAT_MS = 15_000;
/** How often a stream looks whether the server is stopping (it then ends, rather than being cut). */
const STOPPING_CHECK_MS = 200;
/**
 * How often a stream asks whether its credential still holds: a dashboard session is looked up
 * in its store (the shared database, with several servers), so once a second rather than at
 * every stopping check.
 */
const SESSION_CHECK_MS = 1000;
const REPLAY_PAGE = 1000;
/**
 * How often a live stream reads the log for other servers' events (its own server's wake it at
 * once): sharing a database, each server tells its own events only.
 */
const TAIL_MS = 1000;
/** A client this far behind is dropped (it reconnects with Last-Event-ID and catches up from the log). */
const MAX_BUFFERED_BYTES = 1024 * 1024;

export interface StreamFilter {
  /** Replay the events after this seq first; undefined: only what happens from now on. */
  readonly after: number | undefined;
  readonly deviceId: DeviceId | undefined;
  readonly rolloutId: string | undefined;
  readonly type: FleetEventType | undefined;
}

/**
 * `GET /api/v1/events/stream`: the fleet's events as Server-Sent Events, each with its seq as
 * the event id, so that a client that reconnects with `Last-Event-ID` (browsers do by themselves)
 * gets what it missed from the log, then live events, none twice and none lost. Live events are
 * read from the log too, in seq order, so that a stream on one of several servers sharing a
 * database carries every server's events. A comment line every 15 s keeps proxies and the
 * server's idle timeout from closing a quiet stream.
 *
 * A stream never finishes by itself, so it ends when the server stops listening (it is being
 * stopped), or when `authorized` says its credential no longer holds (a dashboard session that
 * signed out or expired, on this server or another; a store that cannot be reached ends it too):
 * the client reads a clean end, not a cut connection, and the stop does not wait for its grace period. The answer says `Connection: close`, as its connection is not reused.
 */
export async function eventStream(
  ctx: Context,
  fleet: FleetTracker,
  filter: StreamFilter,
  authorized?: () => Promise<boolean>,
): Promise<void> {
  const stream = new PassThrough();
  let stopped = false;
  let replaying = true;
  // Listening before the cursor is read: an event logged meanwhile is read from the log by the
  // tail that follows the replay, not lost between the two.
  const unsubscribe = fleet.subscribe(() => wake());
  let last: number;
  let end: number;
  try {
    // A cursor past the log's end (the log restored from a backup, the database replaced) reads
    // on from the end: kept, it would hide every new event until the log caught up with it.
    end = await fleet.eventLog.lastSeq();
    last = filter.after === undefined ? end : Math.min(filter.after, end);
  } catch (error) {
    unsubscribe();
    throw error;
  }
  const wanted = (event: FleetEvent) =>
    (filter.deviceId === undefined || event.deviceId === filter.deviceId) &&
    (filter.rolloutId === undefined || event.rolloutId === filter.rolloutId) &&
    (filter.type === undefined || event.type === filter.type);
  const send = (event: FleetEvent) => {
    if (stopped || event.seq <= last) return;
    last = event.seq;
    if (!wanted(event)) return;
    stream.write(`id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify(fleetEventView(event))}\n\n`);
    if (!replaying && stream.writableLength > MAX_BUFFERED_BYTES) stop();
  };

  // Live: every event after the cursor, whichever server logged it, read from the log in seq
  // order (a server's live events alone skipped the others' for good: found by a new user).
  // Every log commits its events in seq order (PostgreSQL's appends one at a time under a lock),
  // so a seq missing after the cursor is one that will never come (a failed append, a forgotten
  // device's events): the read goes on past it.
  let tailing = false;
  let again = false;
  const tail = async () => {
    do {
      again = false;
      await sendLogged(
        fleet,
        undefined,
        () => last,
        send,
        () => stopped,
        stream,
      );
    } while (again && !stopped);
  };
  function wake(): void {
    if (replaying || stopped) return;
    if (tailing) {
      again = true;
      return;
    }
    tailing = true;
    tail()
      .catch(() => stop())
      .finally(() => {
        tailing = false;
        // Woken as the tail ended, after its last look at `again`.
        if (again) wake();
      });
  }
  const tailTimer = setInterval(wake, TAIL_MS);
  tailTimer.unref();

  const heartbeat = setInterval(() => stream.write(': keep-alive\n\n'), HEARTBEAT_MS);
  heartbeat.unref();
  // Node's HTTP server sets `socket.server` on every connection it accepts.
  const server = (ctx.req.socket as { server?: Server }).server;
  const stopping = setInterval(() => {
    if (server !== undefined && !server.listening) stop();
  }, STOPPING_CHECK_MS);
  stopping.unref();
  let asking = false;
  const sessionCheck =
    authorized === undefined
      ? undefined
      : setInterval(() => {
          if (asking) return;
          asking = true;
          authorized()
            .then(
              (alive) => {
                if (!alive) stop();
              },
              () => stop(),
            )
            .finally(() => {
              asking = false;
            });
        }, SESSION_CHECK_MS);
  sessionCheck?.unref();
  const stop = () => {
    if (stopped) return;
    stopped = true;
    unsubscribe();
    clearInterval(tailTimer);
    clearInterval(heartbeat);
    clearInterval(stopping);
    clearInterval(sessionCheck);
    stream.end();
  };
  ctx.req.once('close', stop);
  ctx.res.once('close', stop);

  ctx.status = 200;
  ctx.set('Content-Type', 'text/event-stream; charset=utf-8');
  ctx.set('Cache-Control', 'no-store');
  ctx.set('X-Accel-Buffering', 'no');
  ctx.set('Connection', 'close');
  ctx.body = stream;
  stream.write('retry: 5000\n: connected\n\n');

  // In the background: Koa sends the headers once this handler returns.
  void (
    filter.after === undefined
      ? Promise.resolve()
      : sendLogged(
          fleet,
          filter,
          () => last,
          send,
          () => stopped,
          stream,
        )
  )
    .then(() => {
      // The replay (filtered) sent every wanted event up to the log's end when the stream began:
      // the tail reads on from there.
      last = Math.max(last, end);
    })
    .catch(() => stop())
    .finally(() => {
      replaying = false;
      wake();
    });
}

/**
 * Sends the logged events after the cursor, page by page, waiting for a slow client to read:
 * those `filter` wants (the replay), or every one (the live tail, which filters as it sends).
 */
async function sendLogged(
  fleet: FleetTracker,
  filter: StreamFilter | undefined,
  last: () => number,
  send: (event: FleetEvent) => void,
  stopped: () => boolean,
  stream: PassThrough,
): Promise<void> {
  for (;;) {
    const page = await fleet.eventLog.list({
      after: last(),
      limit: REPLAY_PAGE,
      ...(filter?.deviceId === undefined ? {} : { deviceId: filter.deviceId }),
      ...(filter?.rolloutId === undefined ? {} : { rolloutId: filter.rolloutId }),
      ...(filter?.type === undefined ? {} : { type: filter.type }),
    });
    for (const event of page) send(event);
    if (page.length < REPLAY_PAGE || stopped()) return;
    if (stream.writableNeedDrain) await new Promise((resolve) => stream.once('drain', resolve));
  }
}
