import { useState } from 'preact/hooks';
import { fileHref } from '../api/file-api.js';
import type { Rollout } from '../api/rollout-api.js';
import { listRollouts, ROLLOUT_STATES, rolloutHref } from '../api/rollout-api.js';
import { useResource } from '../api/use-resource.js';
import { useCoalescedRefresh, useFleetEvents } from '../live/fleet-events.js';
import { LostContactBanner } from '../components/fleet-format.js';
import { ErrorNotice } from '../components/notice.js';
import { usePageTitle } from '../components/page-title.js';
import { RelativeTime } from '../components/relative-time.js';
import { RolloutStateBadge } from '../components/rollout-state-badge.js';
import '../rollout.css';

/** Where a rollout stands in its waves, in words: "wave 2 of 4 (10%)", "not started". */
export function waveText(rollout: Rollout): string {
  const count = rollout.waves.length;
  if (rollout.state === 'draft') return `not started (${count} wave${count === 1 ? '' : 's'})`;
  const wave = rollout.waves[rollout.wave];
  return `${rollout.wave + 1} of ${count}${wave === undefined ? '' : ` (${wave.percent}%)`}`;
}

/**
 * Every rollout, newest first, optionally of one state. Kept current by the rollouts' own
 * events on the live stream (started, advanced, halted, ...); the in-flight counts move with
 * device events, which the page does not follow one by one: the periodic refresh (15 s) moves
 * them, since a listing walks every device per rollout.
 */
export function RolloutsPage(_props: { readonly params?: Record<string, string> }) {
  usePageTitle('Rollouts');
  const [state, setState] = useState('');
  const rollouts = useResource((signal) => listRollouts(state === '' ? undefined : state, signal), state);
  const refresh = useCoalescedRefresh(rollouts.reload, 1000);
  const live = useFleetEvents({}, (event) => {
    if (event.type.startsWith('rollout.')) refresh();
  });

  return (
    <section>
      <div class="page-head">
        <h1>Rollouts</h1>
        <a class="button" href="/ui/rollouts/new">
          New rollout
        </a>
      </div>
      <div class="form-grid">
        <div class="field">
          <label for="rollout-state-filter">State</label>
          <select id="rollout-state-filter" value={state} onChange={(event) => setState(event.currentTarget.value)}>
            <option value="">Any state</option>
            {ROLLOUT_STATES.map((one) => (
              <option key={one} value={one}>
                {one}
              </option>
            ))}
          </select>
        </div>
      </div>
      <p class="live" aria-live="polite">
        {live === 'live'
          ? 'Live: updates as rollouts move.'
          : live === 'connecting'
            ? 'Connecting to live updates…'
            : 'Live updates interrupted; reconnecting…'}
      </p>
      <LostContactBanner state={live} />
      <h2 id="rollouts-heading">{state === '' ? 'All rollouts' : `Rollouts ${state}`}</h2>
      <ErrorNotice message={rollouts.error} />
      {rollouts.data === undefined ? (
        rollouts.loading && <p class="notice">Loading…</p>
      ) : rollouts.data.length === 0 ? (
        <p class="notice">
          {state === '' ? 'No rollout yet.' : `No rollout is ${state}.`} <a href="/ui/rollouts/new">Create one</a>.
        </p>
      ) : (
        <div class="table-wrap" tabIndex={0} role="region" aria-labelledby="rollouts-heading">
          <table data-testid="rollouts-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">File</th>
                <th scope="col">State</th>
                <th scope="col">Wave</th>
                <th scope="col" class="number">
                  In flight
                </th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {rollouts.data.map((rollout) => (
                <tr key={rollout.id}>
                  <td>
                    <a href={rolloutHref(rollout.id)}>{rollout.name}</a>
                    <br />
                    <span class="hint mono">{rollout.id}</span>
                  </td>
                  <td>
                    <a href={fileHref(rollout.file)} class="mono">
                      {rollout.file}
                    </a>
                  </td>
                  <td>
                    <RolloutStateBadge state={rollout.state} />
                  </td>
                  <td>{waveText(rollout)}</td>
                  <td class="number">
                    {rollout.inFlight} of {rollout.maxInFlight}
                  </td>
                  <td>
                    <RelativeTime iso={rollout.createdAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
