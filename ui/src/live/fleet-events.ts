import { useEffect, useRef, useState } from 'preact/hooks';
import { FLEET_EVENT_TYPES } from '../../../src/domain/fleet/fleet-event.js';
import { api } from '../api/client.js';

/** How long to wait before opening a stream the browser gave up on again. */
const RETRY_MS = 3000;

// The server's event types (SSE names each event by its type): the domain's own list.
export { FLEET_EVENT_TYPES } from '../../../src/domain/fleet/fleet-event.js';

/** An event as the API gives it: its facts beside seq, at, device, rolloutId and type. */
export interface FleetEvent {
  readonly seq: number;
  readonly at: string;
  readonly device: string | null;
  readonly rolloutId: string | null;
  readonly type: string;
  readonly [fact: string]: string | number | boolean | null;
}

export interface EventFilter {
  readonly device?: string;
  readonly rollout?: string;
}

/** Whether the live stream is connected: pages say so, since what they show may be stale. */
export type LiveState = 'connecting' | 'live' | 'reconnecting';

/**
 * Calls `onEvent` for each fleet event as it happens (Server-Sent Events from
 * /api/v1/events/stream, with the session cookie). The browser reconnects by itself and sends
 * Last-Event-ID, so nothing is missed across a dropped connection.
 */
export function useFleetEvents(filter: EventFilter, onEvent: (event: FleetEvent) => void): LiveState {
  const [state, setState] = useState<LiveState>('connecting');
  const handler = useRef(onEvent);
  handler.current = onEvent;
  const query = new URLSearchParams();
  if (filter.device !== undefined) query.set('device', filter.device);
  if (filter.rollout !== undefined) query.set('rollout', filter.rollout);
  const url = `/api/v1/events/stream${query.size > 0 ? `?${query.toString()}` : ''}`;

  // Bumped to open the stream again after the browser gave up on it.
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const source = new EventSource(url, { withCredentials: true });
    const receive = (message: MessageEvent<string>) => handler.current(JSON.parse(message.data) as FleetEvent);
    for (const type of FLEET_EVENT_TYPES) source.addEventListener(type, receive);
    let retry: number | undefined;
    let closed = false;
    source.onopen = () => setState('live');
    source.onerror = () => {
      setState('reconnecting');
      // A network failure: the browser retries by itself. An answer that is not a stream (the
      // server refused the session, after an expiry or a restart) closes it for good: ask the
      // session (a refusal there signs the page out, with the reason) and else try again later.
      if (source.readyState !== EventSource.CLOSED || retry !== undefined) return;
      retry = window.setTimeout(() => {
        api<unknown>('/api/v1/session')
          .catch(() => undefined)
          .finally(() => {
            if (!closed) setAttempt((n) => n + 1);
          });
      }, RETRY_MS);
    };
    return () => {
      closed = true;
      window.clearTimeout(retry);
      source.close();
    };
  }, [url, attempt]);
  return state;
}

/**
 * Runs `refresh` at most once per `delayMs` however many events ask for it (a busy fleet sends
 * many), and once every `everyMs` anyway: a poll that changes no state (a device seen again)
 * logs no event, yet moves "last seen" and the seen counts.
 */
export function useCoalescedRefresh(refresh: () => void, delayMs = 500, everyMs = 15_000): () => void {
  const pending = useRef<number | undefined>(undefined);
  const latest = useRef(refresh);
  latest.current = refresh;
  useEffect(() => {
    const timer = window.setInterval(() => latest.current(), everyMs);
    return () => {
      window.clearInterval(timer);
      window.clearTimeout(pending.current);
    };
  }, [everyMs]);
  return () => {
    if (pending.current !== undefined) return;
    pending.current = window.setTimeout(() => {
      pending.current = undefined;
      latest.current();
    }, delayMs);
  };
}
