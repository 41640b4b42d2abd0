import type { DevicePenalties } from '../api/fleet-api.js';
import { clearPenalties } from '../api/fleet-api.js';
import type { Resource } from '../api/use-resource.js';
import { ActionOutcome, useAction } from './device-action.js';
import { ErrorNotice } from './notice.js';
import { RelativeTime } from './relative-time.js';

/** The penalty box: images a rollout may not offer the device for a while, after it failed them. */
export function DevicePenalty(props: {
  readonly id: string;
  readonly penalty: Resource<DevicePenalties>;
  readonly onChanged: () => void;
}) {
  const action = useAction(props.onChanged);
  const penalties = props.penalty.data?.penalties;
  return (
    <>
      <h2>Penalty box</h2>
      <div class="panel" data-testid="device-penalty">
        <ErrorNotice message={props.penalty.error} />
        {penalties === undefined ? (
          props.penalty.error === undefined && <p>Loading…</p>
        ) : penalties.length === 0 ? (
          <p>Empty: rollouts may offer this device any image.</p>
        ) : (
          <>
            <div class="table-wrap" tabIndex={0} role="region" aria-label="Penalty box table">
              <table>
                <caption class="fleet-caption">Images rollouts may not offer this device until the time given</caption>
                <thead>
                  <tr>
                    <th scope="col">File</th>
                    <th scope="col">Version</th>
                    <th scope="col" class="number">
                      Failures
                    </th>
                    <th scope="col">Last failure</th>
                    <th scope="col">Until</th>
                  </tr>
                </thead>
                <tbody>
                  {penalties.map((penalty) => (
                    <tr key={penalty.file}>
                      <td class="mono">{penalty.file}</td>
                      <td class="mono">{penalty.version ?? '—'}</td>
                      <td class="number">{penalty.failures}</td>
                      <td class="fleet-nowrap">
                        <RelativeTime iso={penalty.lastFailureAt} />
                      </td>
                      <td class="fleet-nowrap">
                        <RelativeTime iso={penalty.until} /> <span class="fleet-muted mono">{penalty.until}</span>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <div class="actions">
              <button
                type="button"
                class="secondary"
                disabled={action.busy}
                onClick={() => void action.run(() => clearPenalties(props.id), 'Penalty cleared.')}
              >
                Clear penalty
              </button>
            </div>
          </>
        )}
        <ActionOutcome action={action} />
      </div>
    </>
  );
}
