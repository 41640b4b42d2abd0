import type { ComponentChildren } from 'preact';
import { ApiError } from '../api/api-error.js';
import type { DeviceDetail } from '../api/fleet-api.js';
import { fetchCredential, fetchDevice, fetchPenalties } from '../api/fleet-api.js';
import { useResource } from '../api/use-resource.js';
import { DeviceAssignment } from '../components/device-assignment.js';
import { DeviceAttempts, DeviceCurrentAttempt } from '../components/device-attempts.js';
import { DeviceCredential } from '../components/device-credential.js';
import { DeviceHold, DeviceNote, DeviceTags } from '../components/device-marks.js';
import { DevicePenalty } from '../components/device-penalty.js';
import { DeviceTimeline } from '../components/device-timeline.js';
import { DeviceMarks, formatSeconds, LiveIndicator, LostContactBanner } from '../components/fleet-format.js';
import { ErrorNotice } from '../components/notice.js';
import { usePageTitle } from '../components/page-title.js';
import { RelativeTime } from '../components/relative-time.js';
import { useCoalescedRefresh, useFleetEvents } from '../live/fleet-events.js';
import '../fleet.css';

type Lookup =
  { readonly kind: 'found'; readonly device: DeviceDetail } | { readonly kind: 'missing'; readonly reason: string };

async function lookUp(id: string, signal: AbortSignal): Promise<Lookup> {
  try {
    return { kind: 'found', device: await fetchDevice(id, signal) };
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return { kind: 'missing', reason: error.message };
    throw error;
  }
}

/**
 * One device. Keyed by its id, so that going to another device starts afresh: nothing of this
 * one (a credential's secret shown once above all) is carried over.
 */
export function DevicePage(props: { readonly params?: Record<string, string> }) {
  const id = props.params?.id ?? '';
  return <DeviceView key={id} id={id} />;
}

function DeviceView({ id }: { readonly id: string }) {
  usePageTitle(`Device ${id}`);
  const device = useResource((signal) => lookUp(id, signal), id);
  const penalty = useResource((signal) => fetchPenalties(id, signal), id);
  const credential = useResource((signal) => fetchCredential(id, signal), id);
  const reload = () => {
    device.reload();
    penalty.reload();
  };
  const refresh = useCoalescedRefresh(reload);
  const live = useFleetEvents({ device: id }, () => refresh());

  const found = device.data?.kind === 'found' ? device.data.device : undefined;
  return (
    <section aria-labelledby="device-title">
      <p class="fleet-back">
        <a href="/ui/devices">All devices</a>
      </p>
      <div class="fleet-heading">
        <h1 id="device-title">
          Device <span class="mono">{id}</span>
        </h1>
        {found !== undefined && <LiveIndicator state={live} />}
      </div>
      {found !== undefined && <LostContactBanner state={live} />}
      <ErrorNotice message={device.error} />
      {device.data === undefined && device.error === undefined && <p class="notice">Loading the device…</p>}
      {device.data?.kind === 'missing' && (
        <div class="notice" data-testid="device-missing">
          <p>
            <strong>No such device.</strong> {sentence(device.data.reason)}
          </p>
          <p>
            <a href="/ui/devices">Back to the devices</a>
          </p>
        </div>
      )}
      {found !== undefined && (
        <>
          <Facts device={found} />
          <DeviceCurrentAttempt attempt={found.attempt} />
          <DeviceAssignment device={found} onChanged={device.reload} />
          <DeviceTags device={found} onChanged={device.reload} />
          <DeviceHold device={found} onChanged={device.reload} />
          <DeviceNote device={found} onChanged={device.reload} />
          <DevicePenalty id={id} penalty={penalty} onChanged={reload} />
          <DeviceCredential id={id} credential={credential} />
          <DeviceAttempts attempts={found.attempts} />
          <DeviceTimeline events={found.events} />
        </>
      )}
    </section>
  );
}

function Facts({ device }: { readonly device: DeviceDetail }) {
  const never = device.lastSeen === null;
  return (
    <>
      <h2>What it runs</h2>
      {never && <p class="notice">This device has a device row but has not checked yet.</p>}
      <dl class="cards fleet-facts-cards" aria-label="Device facts">
        <Fact label="Running version" testId="device-version" mono>
          {device.runningVersion ?? '—'}
        </Fact>
        <Fact label="Project" testId="device-project">
          {device.image?.project ?? '—'}
        </Fact>
        <Fact label="Chip" testId="device-chip">
          {device.image?.chip ?? '—'}
        </Fact>
        <Fact label="Secure version" testId="device-secure-version">
          {device.image === null ? '—' : String(device.image.secureVersion)}
        </Fact>
        <Fact label="First seen" testId="device-first-seen">
          <RelativeTime iso={device.firstSeen} />
        </Fact>
        <Fact label="Last seen" testId="device-last-seen">
          <RelativeTime iso={device.lastSeen} />
        </Fact>
        <Fact label="Address" testId="device-address" mono>
          {device.address ?? '—'}
        </Fact>
        <Fact label="Authenticates with" testId="device-auth">
          {device.auth === null ? '—' : AUTH_TEXT[device.auth]}
        </Fact>
        <Fact label="Polls" testId="device-polls">
          {String(device.polls)}
        </Fact>
        <Fact label="Poll interval" testId="device-interval">
          {formatSeconds(device.pollIntervalSeconds)}
        </Fact>
        <Fact label="Last answer" testId="device-last-status">
          {device.lastStatus === null ? '—' : `HTTP ${device.lastStatus}`}
        </Fact>
        <Fact label="Marks" testId="device-marks">
          {device.overdue || device.unassigned || device.hold ? (
            <DeviceMarks overdue={device.overdue} unassigned={device.unassigned} hold={device.hold} />
          ) : (
            'none'
          )}
        </Fact>
      </dl>
    </>
  );
}

/** The server's reason as a sentence (it may or may not end with a full stop). */
const sentence = (text: string) => (/[.!?]$/.test(text) ? text : `${text}.`);

const AUTH_TEXT = {
  shared: 'shared credential',
  device: 'own credential',
  certificate: 'client certificate',
} as const;

function Fact(props: {
  readonly label: string;
  readonly testId: string;
  readonly mono?: boolean;
  readonly children: ComponentChildren;
}) {
  return (
    <div class="card">
      <dt>{props.label}</dt>
      <dd data-testid={props.testId} class={props.mono === true ? 'mono' : undefined}>
        {props.children}
      </dd>
    </div>
  );
}
