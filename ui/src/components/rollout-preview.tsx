import type { RolloutPreview } from '../api/rollout-api.js';
import { EXCLUSION_REASONS } from '../api/rollout-api.js';

/**
 * What a rollout would do with the devices known now: how many its selector picks, how many no
 * rule excludes, the devices per wave, and per rule how many it excludes (a device excluded by
 * several rules counts under each). `testId` names its root (`rollout-preview` unless given, for
 * a page whose own region carries that name); each wave's count is `preview-wave-<index>`, from 0.
 */
export function RolloutPreviewView({
  preview,
  testId = 'rollout-preview',
  fromWave = 0,
}: {
  readonly preview: RolloutPreview;
  readonly testId?: string;
  /** The first wave (index) still to come: an empty wave before it is no news. */
  readonly fromWave?: number;
}) {
  const known = new Set(EXCLUSION_REASONS.map(([code]) => code));
  const others = Object.keys(preview.excluded).filter((code) => !known.has(code));
  // A wave with no device while some are eligible (1% of a small fleet): starting, or advancing
  // to it, offers nothing until the next advance.
  const empty =
    preview.eligible > 0
      ? preview.waves.flatMap((wave, index) => (index >= fromWave && wave.devices === 0 ? [index] : []))
      : [];
  return (
    <div data-testid={testId}>
      <dl class="cards">
        <div class="card">
          <dt>Selected</dt>
          <dd>{preview.selected}</dd>
        </div>
        <div class="card">
          <dt>Eligible</dt>
          <dd>{preview.eligible}</dd>
        </div>
        <div class="card">
          <dt>Excluded</dt>
          <dd>{Math.max(0, preview.selected - preview.eligible)}</dd>
        </div>
      </dl>
      {preview.unseen.length > 0 && <UnseenDevices unseen={preview.unseen} />}
      <p class="hint">
        The preview counts the devices that would be offered now: a device that already runs the target counts as
        excluded (<code>already-running</code>), so on a running or halted rollout these counts differ from the waves’
        progress.
      </p>
      <h3>Devices per wave</h3>
      {empty.length > 0 && (
        <div class="notice notice-warn" data-testid="preview-empty-waves">
          {empty.map((index) => (
            <p key={index}>
              Wave {index + 1} holds no device: a started rollout offers nothing in it until it is advanced.
            </p>
          ))}
        </div>
      )}
      <div class="table-wrap" tabIndex={0} role="region" aria-label="Devices per wave">
        <table>
          <caption class="visually-hidden">Devices each wave would hold now (cumulative)</caption>
          <thead>
            <tr>
              <th scope="col">Wave</th>
              <th scope="col" class="number">
                Percent
              </th>
              <th scope="col" class="number">
                Devices
              </th>
            </tr>
          </thead>
          <tbody>
            {preview.waves.map((wave, index) => (
              <tr key={index}>
                <td>{index + 1}</td>
                <td class="number">{wave.percent}%</td>
                <td class="number" data-testid={`preview-wave-${index}`}>
                  {wave.devices}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h3>Excluded by rule</h3>
      <p class="hint">
        A device may be excluded by several rules: each rule counts it, while “Excluded” above counts each device once.
      </p>
      <div class="table-wrap" tabIndex={0} role="region" aria-label="Excluded by rule">
        <table data-testid="preview-exclusions">
          <caption class="visually-hidden">Selected devices each rule excludes</caption>
          <thead>
            <tr>
              <th scope="col">Rule</th>
              <th scope="col">Meaning</th>
              <th scope="col" class="number">
                Devices
              </th>
            </tr>
          </thead>
          <tbody>
            {EXCLUSION_REASONS.map(([code, sentence]) => (
              <tr key={code}>
                <td>
                  <code>{code}</code>
                </td>
                <td>{sentence}</td>
                <td class="number">{preview.excluded[code] ?? 0}</td>
              </tr>
            ))}
            {others.map((code) => (
              <tr key={code}>
                <td>
                  <code>{code}</code>
                </td>
                <td>A rule this page does not know yet.</td>
                <td class="number">{preview.excluded[code] ?? 0}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

const UNSEEN_NAMED = 20;

/**
 * The listed device ids no poll has shown: none is counted until it polls, the last wave waits for
 * them, and a mistyped id never polls.
 */
function UnseenDevices({ unseen }: { readonly unseen: readonly string[] }) {
  const more = unseen.length - UNSEEN_NAMED;
  return (
    <div class="notice notice-warn" data-testid="preview-unseen">
      <p>
        {unseen.length === 1 ? 'One listed device has' : `${unseen.length} listed devices have`} never polled:{' '}
        {unseen.slice(0, UNSEEN_NAMED).map((id, index) => (
          <span key={id}>
            {index > 0 && ', '}
            <code>{id}</code>
          </span>
        ))}
        {more > 0 && ` and ${more} more`}. Such a device is counted once it polls, and the rollout’s last wave waits for
        it: a mistyped id never polls (advance past the last wave to complete without it).
      </p>
    </div>
  );
}
