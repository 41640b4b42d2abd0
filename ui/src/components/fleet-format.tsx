import type { AttemptState } from '../api/fleet-api.js';
import type { FleetEvent } from '../live/fleet-events.js';
import type { LiveState } from '../live/fleet-events.js';

/** "45 s", "5 min", "1.5 h", "2 d": a poll interval or a span in seconds. */
export function formatSeconds(seconds: number | null): string {
  if (seconds === null) return '—';
  if (seconds < 90) return `${trim(seconds)} s`;
  if (seconds < 90 * 60) return `${trim(seconds / 60)} min`;
  if (seconds < 36 * 3600) return `${trim(seconds / 3600)} h`;
  return `${trim(seconds / 86_400)} d`;
}

const trim = (value: number) => String(Math.round(value * 10) / 10);

/** "183.9 KiB" */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let value = bytes;
  let unit = 'B';
  for (const next of units) {
    if (value < 1024) break;
    value /= 1024;
    unit = next;
  }
  return `${value.toFixed(1)} ${unit}`;
}

const FAILED: ReadonlySet<AttemptState> = new Set(['rolled-back', 'download-failed', 'refused', 'silent']);

/** An attempt's state as a badge: green when it worked, red when it failed, plain on the way. */
export function AttemptBadge({ state }: { readonly state: AttemptState }) {
  const kind =
    state === 'succeeded'
      ? ' badge-ok'
      : FAILED.has(state)
        ? ' badge-bad'
        : state === 'provisional'
          ? ' badge-warn'
          : '';
  return <span class={`badge${kind}`}>{state}</span>;
}

/** The device's marks: overdue, unassigned, on hold (nothing when it has none). */
export function DeviceMarks(props: {
  readonly overdue: boolean;
  readonly unassigned: boolean;
  readonly hold: boolean;
}) {
  const marks: Array<[string, string]> = [];
  if (props.overdue) marks.push(['overdue', 'badge-bad']);
  if (props.unassigned) marks.push(['unassigned', 'badge-warn']);
  if (props.hold) marks.push(['hold', 'badge-warn']);
  if (marks.length === 0) return null;
  return (
    <ul class="fleet-inline-list">
      {marks.map(([label, kind]) => (
        <li key={label}>
          <span class={`badge ${kind}`}>{label}</span>
        </li>
      ))}
    </ul>
  );
}

/** Tags as a list of chips (text only). */
export function TagList({ tags }: { readonly tags: readonly string[] }) {
  if (tags.length === 0) return null;
  return (
    <ul class="fleet-inline-list">
      {tags.map((tag) => (
        <li key={tag}>
          <span class="badge mono">{tag}</span>
        </li>
      ))}
    </ul>
  );
}

const EVENT_FIELDS = new Set(['seq', 'at', 'device', 'rolloutId', 'type']);

/**
 * A rollout's wave as the pages count them ("wave 2 of 3"): the API's `wave` is the index, from 0.
 * Shown as it is, the first wave read "wave: 0" beside "wave 1 of 3" on the rollout's page.
 */
export function waveText(value: unknown): string {
  return typeof value === 'number' && Number.isInteger(value) ? String(value + 1) : String(value);
}

/** An event's facts (versions, file, status, who...) as `key: value` pairs, in the order given. */
export function eventFacts(event: FleetEvent): Array<[string, string]> {
  const facts: Array<[string, string]> = [];
  for (const [key, value] of Object.entries(event)) {
    if (EVENT_FIELDS.has(key)) continue;
    const isWave = key === 'wave' || (event.type === 'rollout.wave-advanced' && (key === 'from' || key === 'to'));
    facts.push([key, isWave ? waveText(value) : value === null ? 'none' : String(value)]);
  }
  if (event.rolloutId !== null) facts.push(['rollout', event.rolloutId]);
  return facts;
}

export function EventFacts({ event }: { readonly event: FleetEvent }) {
  const facts = eventFacts(event);
  if (facts.length === 0) return null;
  return (
    <ul class="fleet-facts">
      {facts.map(([key, value]) => (
        <li key={key} class="mono">
          {key}: {value}
        </li>
      ))}
    </ul>
  );
}

const LIVE_TEXT: Record<LiveState, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
};

/** Whether the page is following the fleet live (what it shows may be stale otherwise). */
export function LiveIndicator({ state }: { readonly state: LiveState }) {
  return (
    <p class={`live fleet-live fleet-live-${state}`} role="status" data-testid="live-state">
      <span class="fleet-live-dot" aria-hidden="true" />
      {LIVE_TEXT[state]}
    </p>
  );
}

/**
 * A banner while the live stream is down (the server stopped, or the network failed): the page
 * stays as it was last loaded, which may no longer be true. Nothing while connected.
 */
export function LostContactBanner({ state }: { readonly state: LiveState }) {
  if (state !== 'reconnecting') return null;
  return (
    <p class="notice notice-warn" role="status" data-testid="lost-contact">
      Lost contact with the server: what is shown may be out of date. Reconnecting…
    </p>
  );
}
