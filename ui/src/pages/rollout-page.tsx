import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { fileHref } from '../api/file-api.js';
import type { Rollout, RolloutPreview, RolloutSelector } from '../api/rollout-api.js';
import { ATTEMPT_STATES, getRollout, previewRollout, rolloutDevices } from '../api/rollout-api.js';
import { useResource } from '../api/use-resource.js';
import type { FleetEvent } from '../live/fleet-events.js';
import { useCoalescedRefresh, useFleetEvents } from '../live/fleet-events.js';
import { LostContactBanner } from '../components/fleet-format.js';
import { ErrorNotice } from '../components/notice.js';
import { usePageTitle } from '../components/page-title.js';
import { RelativeTime } from '../components/relative-time.js';
import { RolloutActions } from '../components/rollout-actions.js';
import { RolloutDevices } from '../components/rollout-devices.js';
import { RolloutPreviewView } from '../components/rollout-preview.js';
import { RolloutStateBadge } from '../components/rollout-state-badge.js';
import { RolloutWaveBar } from '../components/rollout-wave-bar.js';
import '../rollout.css';

/** States in which the rollout's attempts move with what devices do. */
const ACTIVE = new Set(['running', 'paused', 'halted']);
const ATTEMPT_EVENTS: ReadonlySet<string> = new Set(ATTEMPT_STATES);

/**
 * One rollout: where it stands, each wave's attempts by state, the actions its state allows, the
 * preview of a draft, its definition and the devices it made offers to.
 *
 * Live: the rollout's own events come on the stream filtered by its id; its attempts move with
 * device events, which carry no rollout id. So while it is running, paused or halted the page
 * follows the unfiltered stream and refreshes on its own events and on attempt events of its
 * file (coalesced to one refresh in 2 s, as reading a rollout walks every device); otherwise only
 * its own events. The 15 s periodic refresh covers what makes no event.
 */
export function RolloutPage({ params }: { readonly params?: Record<string, string> }) {
  const id = params?.id ?? '';
  const rollout = useResource((signal) => getRollout(id, signal), id);
  const [deviceState, setDeviceState] = useState('');
  const devices = useResource(
    (signal) => rolloutDevices(id, deviceState === '' ? undefined : deviceState, signal),
    `${id}|${deviceState}`,
  );
  const data = rollout.data;
  usePageTitle(data === undefined ? `Rollout ${id}` : `Rollout ${data.name}`);

  const refresh = useCoalescedRefresh(() => {
    rollout.reload();
    devices.reload();
  }, 2000);
  const active = data !== undefined && ACTIVE.has(data.state);
  const live = useFleetEvents(active ? {} : { rollout: id }, (event: FleetEvent) => {
    if (event.rolloutId === id) refresh();
    else if (active && event.rolloutId === null && ATTEMPT_EVENTS.has(event.type) && event.file === data?.file)
      refresh();
  });

  return (
    <section>
      <div class="page-head">
        <h1>Rollout {data === undefined ? <span class="mono">{id}</span> : data.name}</h1>
        {data !== undefined && <RolloutStateBadge state={data.state} />}
      </div>
      <p>
        <a href="/ui/rollouts">All rollouts</a>
        {' · '}
        <span class="live" aria-live="polite">
          {live === 'live'
            ? 'Live'
            : live === 'connecting'
              ? 'Connecting to live updates…'
              : 'Live updates interrupted; reconnecting…'}
        </span>
      </p>
      <LostContactBanner state={live} />
      <ErrorNotice message={rollout.error} />
      {data === undefined ? (
        rollout.loading && <p class="notice">Loading…</p>
      ) : (
        <RolloutDetails
          rollout={data}
          onChanged={() => {
            rollout.reload();
            devices.reload();
          }}
          devices={<RolloutDevices devices={devices} state={deviceState} onState={setDeviceState} />}
        />
      )}
    </section>
  );
}

function RolloutDetails({
  rollout,
  onChanged,
  devices,
}: {
  readonly rollout: Rollout;
  readonly onChanged: () => void;
  readonly devices: ComponentChildren;
}) {
  const wave = rollout.waves[rollout.wave];
  const started = rollout.state !== 'draft';
  return (
    <>
      {rollout.state === 'halted' && rollout.haltReason !== null && <HaltAlert rollout={rollout} />}
      <div class="panel">
        <h2>Actions</h2>
        <RolloutActions rollout={rollout} onChanged={onChanged} />
      </div>

      <h2>Where it stands</h2>
      <dl class="cards" data-testid="rollout-summary">
        <div class="card">
          <dt>State</dt>
          <dd>{rollout.state}</dd>
        </div>
        <div class="card">
          <dt>Wave</dt>
          <dd>
            {started ? `${rollout.wave + 1} of ${rollout.waves.length}` : 'not started'}
            {started && wave !== undefined && <span class="hint"> ({wave.percent}%)</span>}
          </dd>
        </div>
        <div class="card">
          <dt>In flight</dt>
          <dd>
            {rollout.inFlight} <span class="hint">of {rollout.maxInFlight}</span>
          </dd>
        </div>
        <div class="card">
          <dt>Offers, last minute</dt>
          <dd>
            {rollout.offersLastMinute} <span class="hint">of {rollout.maxOffersPerMinute}</span>
          </dd>
        </div>
        <div class="card">
          <dt>Resolved (this wave)</dt>
          <dd>{rollout.current.resolved}</dd>
        </div>
        <div class="card">
          <dt>Succeeded</dt>
          <dd>{rollout.current.succeeded}</dd>
        </div>
        <div class="card">
          <dt>Failed</dt>
          <dd>{rollout.current.failed}</dd>
        </div>
        <div class="card">
          <dt>Booted, not confirmed</dt>
          <dd>{rollout.current.provisional}</dd>
        </div>
        <div class="card">
          <dt>Quiet since booting</dt>
          <dd>{rollout.current.quiet}</dd>
        </div>
        <div class="card">
          <dt>Failure rate</dt>
          <dd>{rollout.current.failurePercent === null ? '—' : `${round(rollout.current.failurePercent)}%`}</dd>
        </div>
      </dl>
      <p class="hint">
        Resolved, succeeded and failed count devices, each by its latest attempt, since the current wave began or the
        rollout was last resumed from a halt; the failure rate weighs failures against those and the devices that booted
        the image and are not confirmed yet: what the halt rule judges.
      </p>

      <h2>Waves</h2>
      <ol class="waves" aria-label="Waves, cumulative">
        {rollout.waves.map((one, index) => (
          <RolloutWaveBar
            earlier={rollout.waves
              .slice(0, index)
              .reduce(
                (sum, before) => sum + ATTEMPT_STATES.reduce((n, state) => n + (before.attempts[state] ?? 0), 0),
                0,
              )}
            key={index}
            wave={one}
            index={index}
            count={rollout.waves.length}
            current={index === rollout.wave && rollout.state !== 'completed' && rollout.state !== 'aborted'}
            started={started}
          />
        ))}
      </ol>

      {rollout.state !== 'completed' && rollout.state !== 'aborted' && (
        <div class="panel">
          <h2>Preview</h2>
          <PreviewPanel rollout={rollout} />
        </div>
      )}

      <div class="panel">
        <h2>Definition</h2>
        <Definition rollout={rollout} />
      </div>

      <h2>Devices</h2>
      {devices}
    </>
  );
}

function round(value: number): string {
  return String(Math.round(value * 100) / 100);
}

/** A halted rollout's reason and the counts it judged, announced as it appears. */
function HaltAlert({ rollout }: { readonly rollout: Rollout }) {
  const reason = rollout.haltReason;
  if (reason === null) return null;
  const judged = reason.waveDevices ?? reason.resolved + reason.provisional;
  const share = judged === 0 ? 0 : (reason.failed / judged) * 100;
  return (
    <div class="halt-alert" role="alert" data-testid="halt-reason">
      <h2>Halted</h2>
      <p>{reason.text}</p>
      <p class="hint" data-testid="halt-counts-when">
        When it halted (what the rule judged); the counts below it go on as devices report.
      </p>
      <dl class="cards">
        <div class="card">
          <dt>Resolved</dt>
          <dd>{reason.resolved}</dd>
        </div>
        <div class="card">
          <dt>Succeeded</dt>
          <dd>{reason.succeeded}</dd>
        </div>
        <div class="card">
          <dt>Failed</dt>
          <dd>{reason.failed}</dd>
        </div>
        <div class="card">
          <dt>Booted, not confirmed</dt>
          <dd>{reason.provisional}</dd>
        </div>
        <div class="card">
          <dt>Failure rate</dt>
          <dd>{round(share)}%</dd>
        </div>
      </dl>
      <p class="hint">
        Thresholds in force: {reason.failurePercent}% of the devices resolved or booted, or {reason.failureCount} failed
        device{reason.failureCount === 1 ? '' : 's'}. Nothing is offered while halted; resume counts failures afresh,
        abort ends it.
      </p>
    </div>
  );
}

/** The preview: loaded at once for a draft (what starting it would do), on demand otherwise. */
function PreviewPanel({ rollout }: { readonly rollout: Rollout }) {
  const draft = rollout.state === 'draft';
  const [asked, setAsked] = useState(draft);
  const [generation, setGeneration] = useState(0);
  if (!asked) {
    return (
      <>
        <p>How many devices each wave would hold now, and how many each rule excludes.</p>
        <button type="button" class="secondary" onClick={() => setAsked(true)}>
          Show the preview
        </button>
      </>
    );
  }
  return (
    <>
      <p>
        {draft
          ? 'What starting this draft would do with the devices known now (nothing is offered until it starts).'
          : 'How many devices each wave would hold now, and how many each rule excludes.'}
      </p>
      <LoadedPreview
        key={`${rollout.updatedAt}|${generation}`}
        id={rollout.id}
        fromWave={rollout.state === 'draft' ? 0 : rollout.wave}
      />
      <button type="button" class="secondary" onClick={() => setGeneration(generation + 1)}>
        Refresh the preview
      </button>
    </>
  );
}

function LoadedPreview({ id, fromWave }: { readonly id: string; readonly fromWave: number }) {
  const preview = useResource<RolloutPreview>((signal) => previewRollout(id, signal), id);
  if (preview.error !== undefined) return <ErrorNotice message={`No preview: ${preview.error}`} />;
  if (preview.data === undefined) return <p class="notice">Counting…</p>;
  return <RolloutPreviewView preview={preview.data} fromWave={fromWave} />;
}

function listText(items: readonly string[]): string {
  return items.length === 0 ? 'any' : items.join(', ');
}

function selectorFacts(selector: RolloutSelector): ReadonlyArray<readonly [string, string]> {
  const versions =
    selector.versions === null
      ? 'any'
      : typeof selector.versions === 'string'
        ? `in range ${selector.versions}`
        : `one of ${selector.versions.join(', ')}`;
  return [
    ['Tags, all of', listText(selector.tagsAll)],
    ['Tags, any of', listText(selector.tagsAny)],
    ['Devices', selector.devices.length === 0 ? 'any' : `${selector.devices.length}: ${selector.devices.join(', ')}`],
    ['Running version', versions],
    ['Project', selector.project ?? 'any'],
    ['Chip', selector.chip ?? 'any'],
  ];
}

function Definition({ rollout }: { readonly rollout: Rollout }) {
  const advance =
    rollout.advance === null
      ? 'manual: only by an operator'
      : `automatic: once ${rollout.advance.successPercent}% of at least ${rollout.advance.minResolved} resolved devices succeeded, ${rollout.advance.soakMinutes} minutes after the wave began`;
  const facts: ReadonlyArray<readonly [string, string]> = [
    ...selectorFacts(rollout.selector),
    ['Waves', rollout.waves.map((wave) => `${wave.percent}%`).join(', ')],
    ['Advance', advance],
    ['Max in flight', String(rollout.maxInFlight)],
    ['Max offers per minute', String(rollout.maxOffersPerMinute)],
    [
      'Halt',
      `at ${rollout.halt.failurePercent}% failures or ${rollout.halt.failureCount} failures, once ${rollout.halt.minResolved} resolved`,
    ],
    ['Penalty', `${rollout.penalty.failures} failures of the image: no offer of it for ${rollout.penalty.hours} hours`],
    ['Allow downgrade', rollout.allowDowngrade ? 'yes' : 'no'],
    ['Priority', String(rollout.priority)],
    ['Include unknown images', rollout.includeUnknownImages ? 'yes' : 'no'],
  ];
  const times: ReadonlyArray<readonly [string, string | null]> = [
    ['Created', rollout.createdAt],
    ['Started', rollout.startedAt],
    ['Current wave began', rollout.waveStartedAt],
    ['Resumed', rollout.resumedAt],
    ['Ended', rollout.endedAt],
    ['Last changed', rollout.updatedAt],
  ];
  return (
    <dl class="facts" data-testid="rollout-definition">
      <dt>Id</dt>
      <dd class="mono">{rollout.id}</dd>
      <dt>Image</dt>
      <dd>
        <a href={fileHref(rollout.file)} class="mono">
          {rollout.file}
        </a>
      </dd>
      {facts.map(([term, value]) => (
        <Fact key={term} term={term}>
          {value}
        </Fact>
      ))}
      {times.map(([term, iso]) => (
        <Fact key={term} term={term}>
          {iso === null ? 'not yet' : <RelativeTime iso={iso} />}
        </Fact>
      ))}
    </dl>
  );
}

function Fact({ term, children }: { readonly term: string; readonly children: ComponentChildren }) {
  return (
    <>
      <dt>{term}</dt>
      <dd>{children}</dd>
    </>
  );
}
