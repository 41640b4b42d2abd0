import { useState } from 'preact/hooks';
import { deviceHref } from '../api/file-api.js';
import type { RolloutDevice } from '../api/rollout-api.js';
import { ATTEMPT_STATES } from '../api/rollout-api.js';
import type { Resource } from '../api/use-resource.js';
import { ErrorNotice } from './notice.js';
import { RelativeTime } from './relative-time.js';
import { AttemptStateBadge } from './rollout-state-badge.js';

const PAGE = 50;

/**
 * The devices a rollout made offers to, with their latest attempt of it, optionally of one
 * attempt state. The API answers them all at once; the page shows them 50 at a time.
 */
export function RolloutDevices({
  devices,
  state,
  onState,
}: {
  readonly devices: Resource<RolloutDevice[]>;
  readonly state: string;
  readonly onState: (state: string) => void;
}) {
  const [page, setPage] = useState(0);
  const items = devices.data ?? [];
  const pages = Math.max(1, Math.ceil(items.length / PAGE));
  const shown = Math.min(page, pages - 1);
  const slice = items.slice(shown * PAGE, shown * PAGE + PAGE);
  return (
    <>
      <div class="form-grid">
        <div class="field">
          <label for="rollout-devices-state">Attempt state</label>
          <select
            id="rollout-devices-state"
            value={state}
            onChange={(event) => {
              setPage(0);
              onState(event.currentTarget.value);
            }}
          >
            <option value="">Any state</option>
            {ATTEMPT_STATES.map((one) => (
              <option key={one} value={one}>
                {one}
              </option>
            ))}
          </select>
        </div>
      </div>
      <ErrorNotice message={devices.error} />
      {devices.data === undefined ? (
        devices.loading && <p class="notice">Loading…</p>
      ) : items.length === 0 ? (
        <p class="notice">
          {state === '' ? 'No device has been offered this rollout yet.' : `No device’s attempt is ${state}.`}
        </p>
      ) : (
        <>
          <div class="table-wrap" tabIndex={0} role="region" aria-label="Devices of the rollout">
            <table data-testid="rollout-devices-table">
              <thead>
                <tr>
                  <th scope="col">Device</th>
                  <th scope="col" class="number">
                    Wave
                  </th>
                  <th scope="col">Attempt</th>
                  <th scope="col">Offered</th>
                  <th scope="col">Updated</th>
                </tr>
              </thead>
              <tbody>
                {slice.map((device) => (
                  <tr key={device.device}>
                    <td>
                      <a href={deviceHref(device.device)} class="mono">
                        {device.device}
                      </a>
                    </td>
                    <td class="number">{device.wave + 1}</td>
                    <td>
                      <AttemptStateBadge state={device.state} />
                    </td>
                    <td>
                      <RelativeTime iso={device.offeredAt} />
                    </td>
                    <td>
                      <RelativeTime iso={device.updatedAt} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <nav class="pager" aria-label="Pages of devices">
            <button type="button" class="secondary" disabled={shown === 0} onClick={() => setPage(shown - 1)}>
              Previous
            </button>
            <span>
              Devices {shown * PAGE + 1}–{shown * PAGE + slice.length} of {items.length}
            </span>
            <button type="button" class="secondary" disabled={shown >= pages - 1} onClick={() => setPage(shown + 1)}>
              Next
            </button>
          </nav>
        </>
      )}
    </>
  );
}
