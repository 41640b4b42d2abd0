import type { AttemptView } from '../api/fleet-api.js';
import { AttemptBadge, formatBytes } from './fleet-format.js';
import { RelativeTime } from './relative-time.js';

/** The bytes a whole download has: the patch's when the device fetched the patch, else the file's. */
const deliveredSize = (attempt: AttemptView) =>
  attempt.downloadedAs === 'patch' && attempt.patchSize !== null ? attempt.patchSize : attempt.fileSize;

const servedText = (attempt: AttemptView) =>
  `${formatBytes(attempt.servedBytes)} of ${formatBytes(deliveredSize(attempt))}` +
  (attempt.downloadedAs === 'patch' ? ` (a patch to a ${formatBytes(attempt.fileSize)} image)` : '');

const fraction = (attempt: AttemptView) =>
  deliveredSize(attempt) <= 0 ? 0 : Math.min(1, Math.max(0, attempt.servedBytes / deliveredSize(attempt)));

/** The attempt under way (or the last one): its state, what it offers, how much was served. */
export function DeviceCurrentAttempt({ attempt }: { readonly attempt: AttemptView | null }) {
  return (
    <>
      <h2>Current attempt</h2>
      {attempt === null ? (
        <p>No update has been offered to this device.</p>
      ) : (
        <div class="panel" data-testid="device-attempt">
          <dl class="fleet-pairs">
            <div>
              <dt>State</dt>
              <dd>
                <AttemptBadge state={attempt.state} />
              </dd>
            </div>
            <div>
              <dt>Version</dt>
              <dd class="mono">
                {attempt.fromVersion} → {attempt.version ?? 'unknown'}
              </dd>
            </div>
            <div>
              <dt>File</dt>
              <dd class="mono">{attempt.file}</dd>
            </div>
            <div>
              <dt>Served</dt>
              <dd>
                {servedText(attempt)} ({Math.round(fraction(attempt) * 100)}%)
                <span class="fleet-progress" aria-hidden="true">
                  <span class="fleet-progress-fill" style={{ width: `${fraction(attempt) * 100}%` }} />
                </span>
              </dd>
            </div>
            <div>
              <dt>Downloads</dt>
              <dd>{attempt.downloads}</dd>
            </div>
            <div>
              <dt>Offered</dt>
              <dd>
                <RelativeTime iso={attempt.offeredAt} />
              </dd>
            </div>
            <div>
              <dt>Last change</dt>
              <dd>
                <RelativeTime iso={attempt.updatedAt} />
              </dd>
            </div>
          </dl>
        </div>
      )}
    </>
  );
}

/** The device's last attempts, newest first. */
export function DeviceAttempts({ attempts }: { readonly attempts: readonly AttemptView[] }) {
  return (
    <>
      <h2>Last attempts</h2>
      {attempts.length === 0 ? (
        <p>None yet.</p>
      ) : (
        <div class="table-wrap" tabIndex={0} role="region" aria-label="Last attempts table">
          <table data-testid="device-attempts">
            <caption class="fleet-caption">
              {attempts.length === 1
                ? "The device's last update attempt"
                : `The device's last ${attempts.length} update attempts, newest first`}
            </caption>
            <thead>
              <tr>
                <th scope="col">Offered</th>
                <th scope="col">State</th>
                <th scope="col">From → to</th>
                <th scope="col">File</th>
                <th scope="col" class="number">
                  Served
                </th>
                <th scope="col" class="number">
                  Downloads
                </th>
                <th scope="col">Attribution</th>
                <th scope="col">Last change</th>
              </tr>
            </thead>
            <tbody>
              {attempts.map((attempt) => (
                <tr key={attempt.id}>
                  <td class="fleet-nowrap">
                    <RelativeTime iso={attempt.offeredAt} />
                  </td>
                  <td>
                    <AttemptBadge state={attempt.state} />
                  </td>
                  <td class="mono">
                    {attempt.fromVersion} → {attempt.version ?? 'unknown'}
                  </td>
                  <td class="mono">{attempt.file}</td>
                  <td class="number fleet-nowrap">{servedText(attempt)}</td>
                  <td class="number">{attempt.downloads}</td>
                  <td>{attempt.attribution ?? '—'}</td>
                  <td class="fleet-nowrap">
                    <RelativeTime iso={attempt.updatedAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
