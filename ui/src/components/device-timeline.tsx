import type { FleetEvent } from '../live/fleet-events.js';
import { EventFacts } from './fleet-format.js';
import { RelativeTime } from './relative-time.js';

/** The device's events, newest first: when (relative and exact), what, and its facts as text. */
export function DeviceTimeline({ events }: { readonly events: readonly FleetEvent[] }) {
  return (
    <>
      <h2 id="timeline-title">Timeline</h2>
      {events.length === 0 ? (
        <p>No events yet.</p>
      ) : (
        <ol class="fleet-timeline" aria-labelledby="timeline-title" data-testid="device-timeline">
          {events.map((event) => (
            <li key={event.seq}>
              <div class="fleet-timeline-head">
                <RelativeTime iso={event.at} />
                <span class="fleet-muted mono">{event.at}</span>
                <span class="badge">{event.type}</span>
              </div>
              <EventFacts event={event} />
            </li>
          ))}
        </ol>
      )}
    </>
  );
}
