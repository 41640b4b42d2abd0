import { useEffect, useState } from 'preact/hooks';
import { failureText } from '../api/api-error.js';
import type { FleetSummary } from '../api/fleet-api.js';
import { ATTEMPT_STATES, deviceHref, fetchFleet, latestEvents } from '../api/fleet-api.js';
import { useResource } from '../api/use-resource.js';
import { AttemptBadge, EventFacts, formatBytes, LiveIndicator, LostContactBanner } from '../components/fleet-format.js';
import { VersionChart } from '../components/fleet-version-chart.js';
import { ErrorNotice } from '../components/notice.js';
import { usePageTitle } from '../components/page-title.js';
import { RelativeTime } from '../components/relative-time.js';
import type { FleetEvent } from '../live/fleet-events.js';
import { useCoalescedRefresh, useFleetEvents } from '../live/fleet-events.js';
import '../fleet.css';

const LATEST_EVENTS = 20;

/** The fleet at a glance: counts, the versions it runs, its attempts, its latest events, live. */
export function FleetPage(_props: { readonly params?: Record<string, string> }) {
  usePageTitle('Fleet');
  const summary = useResource((signal) => fetchFleet(signal), 'fleet');
  const refresh = useCoalescedRefresh(summary.reload);
  const events = useLatestEvents();
  const live = useFleetEvents({}, (event) => {
    events.add(event);
    refresh();
  });

  return (
    <section aria-labelledby="fleet-title">
      <div class="fleet-heading">
        <h1 id="fleet-title">Fleet</h1>
        <LiveIndicator state={live} />
      </div>
      <LostContactBanner state={live} />
      <ErrorNotice message={summary.error} />
      {summary.data === undefined ? (
        summary.error === undefined && <p class="notice">Loading the fleet…</p>
      ) : (
        <SummaryView summary={summary.data} />
      )}
      <h2 id="latest-events">Latest events</h2>
      <ErrorNotice message={events.error} />
      <EventList events={events.items} loading={events.loading} />
    </section>
  );
}

function SummaryView({ summary }: { readonly summary: FleetSummary }) {
  const attempts = ATTEMPT_STATES.map((state) => [state, summary.attempts[state] ?? 0] as const);
  const busiest = attempts.reduce((most, [, count]) => Math.max(most, count), 0);
  return (
    <>
      <dl class="cards" aria-label="Fleet summary">
        <SummaryCard label="Devices" value={summary.devices} testId="fleet-devices" />
        <SummaryCard label="Seen in 15 min" value={summary.seen['15m']} testId="fleet-seen-15m" />
        <SummaryCard label="Seen in 24 h" value={summary.seen['24h']} testId="fleet-seen-24h" />
        <SummaryCard label="Seen in 7 d" value={summary.seen['7d']} testId="fleet-seen-7d" />
        <SummaryCard label="Overdue" value={summary.overdue} testId="fleet-overdue" />
        <SummaryCard label="Unassigned" value={summary.unassigned} testId="fleet-unassigned" />
        <SummaryCard label="Patch downloads" value={summary.delta.patchDownloads} testId="fleet-patch-downloads" />
        <SummaryCard
          label="Saved by patches"
          value={formatBytes(summary.delta.bytesSaved)}
          testId="fleet-bytes-saved"
        />
      </dl>
      <p class="fleet-links">
        <a href="/ui/devices?overdue=true">Overdue devices</a>
        <a href="/ui/devices?unassigned=true">Unassigned devices</a>
      </p>

      <h2>Running versions</h2>
      <VersionChart versions={summary.versions} />

      <h2 id="attempts-title">Current attempts by state</h2>
      <ul class="fleet-bars" aria-labelledby="attempts-title" data-testid="attempts-by-state">
        {attempts.map(([state, count]) => (
          <li key={state} data-testid={`fleet-attempts-${state}`}>
            <span class="fleet-bars-label">
              {count > 0 ? (
                <a href={`/ui/devices?state=${encodeURIComponent(state)}`} aria-label={`${state}: ${count} devices`}>
                  <AttemptBadge state={state} />
                </a>
              ) : (
                <AttemptBadge state={state} />
              )}
            </span>
            <span class="fleet-bars-track" aria-hidden="true">
              <span
                class="fleet-bars-fill"
                style={{ width: `${busiest === 0 ? 0 : Math.max(count > 0 ? 2 : 0, (count / busiest) * 100)}%` }}
              />
            </span>
            <span class="fleet-bars-count">{count}</span>
          </li>
        ))}
      </ul>
    </>
  );
}

function SummaryCard(props: { readonly label: string; readonly value: number | string; readonly testId: string }) {
  return (
    <div class="card">
      <dt>{props.label}</dt>
      <dd data-testid={props.testId}>{props.value}</dd>
    </div>
  );
}

/** The newest events: the log's tail when the page opens, then each live event on top. */
function useLatestEvents() {
  const [items, setItems] = useState<readonly FleetEvent[]>([]);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | undefined>(undefined);
  useEffect(() => {
    const controller = new AbortController();
    latestEvents(LATEST_EVENTS, controller.signal)
      .then((tail) => setItems((current) => merged(current, tail)))
      .catch((failure: unknown) => {
        if (!controller.signal.aborted) setError(failureText(failure));
      })
      .finally(() => {
        if (!controller.signal.aborted) setLoading(false);
      });
    return () => controller.abort();
  }, []);
  return { items, loading, error, add: (event: FleetEvent) => setItems((current) => merged(current, [event])) };
}

function merged(current: readonly FleetEvent[], more: readonly FleetEvent[]): FleetEvent[] {
  const bySeq = new Map<number, FleetEvent>();
  for (const event of [...current, ...more]) bySeq.set(event.seq, event);
  return [...bySeq.values()].sort((a, b) => b.seq - a.seq).slice(0, LATEST_EVENTS);
}

function EventList(props: { readonly events: readonly FleetEvent[]; readonly loading: boolean }) {
  if (props.events.length === 0) {
    return <p>{props.loading ? 'Loading the latest events…' : 'No events yet.'}</p>;
  }
  return (
    <ol class="fleet-timeline" aria-labelledby="latest-events" data-testid="latest-events">
      {props.events.map((event) => (
        <li key={event.seq}>
          <div class="fleet-timeline-head">
            <RelativeTime iso={event.at} />
            <span class="fleet-muted mono">{event.at}</span>
            <span class="badge">{event.type}</span>
            {event.device !== null && (
              <a class="mono" href={deviceHref(event.device)}>
                {event.device}
              </a>
            )}
          </div>
          <EventFacts event={event} />
        </li>
      ))}
    </ol>
  );
}
