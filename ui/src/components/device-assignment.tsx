import { useState } from 'preact/hooks';
import type { DeviceDetail } from '../api/fleet-api.js';
import { deleteDeviceRow, putDeviceRow } from '../api/fleet-api.js';
import { ActionOutcome, ConfirmButton, useAction } from './device-action.js';

/**
 * The device row (what the seed called a device's app: the version it updates from and the file
 * it is then offered), with a form to add or replace it and a button to remove it.
 */
export function DeviceAssignment(props: { readonly device: DeviceDetail; readonly onChanged: () => void }) {
  const { device } = props;
  const action = useAction(props.onChanged);
  // What the operator is typing; undefined: the row as stored (a live reload does not undo typing).
  const [version, setVersion] = useState<string | undefined>(undefined);
  const [file, setFile] = useState<string | undefined>(undefined);
  const row = device.assignment;
  const shownVersion = version ?? row?.appVersion ?? device.runningVersion ?? '';
  const shownFile = file ?? row?.file ?? '';

  const save = async (event: Event) => {
    event.preventDefault();
    const ok = await action.run(
      () => putDeviceRow(device.id, shownVersion.trim(), shownFile.trim()),
      `Device row saved: from version ${shownVersion.trim()}, file ${shownFile.trim()}.`,
    );
    if (ok) {
      setVersion(undefined);
      setFile(undefined);
    }
  };

  return (
    <>
      <h2 id="assignment-title">Device row</h2>
      <div class="panel" data-testid="device-assignment">
        {row === null ? (
          <p>
            None: the device is told there is nothing for it
            {device.unassigned ? ' (it is marked unassigned)' : ''}.
          </p>
        ) : (
          <dl class="fleet-pairs">
            <div>
              <dt>Updates from version</dt>
              <dd class="mono">{row.appVersion}</dd>
            </div>
            <div>
              <dt>Is offered the file</dt>
              <dd class="mono">{row.file}</dd>
            </div>
          </dl>
        )}
        <form onSubmit={save} aria-labelledby="assignment-form-title">
          <h3 id="assignment-form-title">{row === null ? 'Assign a file' : 'Replace the device row'}</h3>
          <div class="form-grid">
            <div class="field">
              <label for="row-version">Version it updates from</label>
              <input
                id="row-version"
                name="appVersion"
                required
                maxLength={31}
                autoComplete="off"
                spellcheck={false}
                value={shownVersion}
                onInput={(event) => setVersion(event.currentTarget.value)}
              />
            </div>
            <div class="field fleet-field-wide">
              <label for="row-file">Update file path</label>
              <input
                id="row-file"
                name="file"
                required
                autoComplete="off"
                spellcheck={false}
                value={shownFile}
                onInput={(event) => setFile(event.currentTarget.value)}
              />
            </div>
          </div>
          <div class="actions">
            <button type="submit" disabled={action.busy}>
              {row === null ? 'Save device row' : 'Replace device row'}
            </button>
            {row !== null && (
              <ConfirmButton
                label="Remove device row"
                confirmLabel="Confirm removing the device row"
                disabled={action.busy}
                onConfirm={() => void action.run(() => deleteDeviceRow(device.id), 'Device row removed.')}
              />
            )}
          </div>
        </form>
        <ActionOutcome action={action} />
      </div>
    </>
  );
}
