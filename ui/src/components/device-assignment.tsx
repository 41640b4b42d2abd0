import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../api/api-error.js';
import { getFile, listFiles } from '../api/file-api.js';
import type { DeviceDetail } from '../api/fleet-api.js';
import { deleteDeviceRow, putDeviceRow } from '../api/fleet-api.js';
import { useResource } from '../api/use-resource.js';
import { ActionOutcome, ConfirmButton, useAction } from './device-action.js';

/**
 * Whether `path` names a stored file: `GET /api/v1/files/<path>` answers 404 when it does not.
 * undefined: not known (another failure, the request was cancelled).
 */
async function isStored(path: string, signal?: AbortSignal): Promise<boolean | undefined> {
  try {
    await getFile(path, signal);
    return true;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return false;
    return undefined;
  }
}

/**
 * Whether the row's file is stored, asked again each time the device is reloaded (a file may
 * be uploaded after the row names it). undefined while not known.
 */
function useRowFileStored(device: DeviceDetail): boolean | undefined {
  const file = device.assignment?.file;
  const [known, setKnown] = useState<{ readonly file: string; readonly stored: boolean | undefined } | undefined>(
    undefined,
  );
  useEffect(() => {
    if (file === undefined) return undefined;
    const controller = new AbortController();
    void isStored(file, controller.signal).then((stored) => {
      if (!controller.signal.aborted) setKnown({ file, stored });
    });
    return () => controller.abort();
  }, [device, file]);
  return known !== undefined && known.file === file ? known.stored : undefined;
}

/**
 * The device row (what the seed called a device's app: the version it updates from and the file
 * it is then offered), with a form to add or replace it and a button to remove it. The server
 * accepts a row whose file is not stored yet (it may be uploaded later); until it is, the
 * device is told 404, and the section says so.
 */
export function DeviceAssignment(props: { readonly device: DeviceDetail; readonly onChanged: () => void }) {
  const { device } = props;
  const files = useResource((signal) => listFiles(signal), device.id);
  const action = useAction(() => {
    props.onChanged();
    files.reload();
  });
  const stored = useRowFileStored(device);
  // What the operator is typing; undefined: the row as stored (a live reload does not undo typing).
  const [version, setVersion] = useState<string | undefined>(undefined);
  const [file, setFile] = useState<string | undefined>(undefined);
  const row = device.assignment;
  const shownVersion = version ?? row?.appVersion ?? device.runningVersion ?? '';
  const shownFile = file ?? row?.file ?? '';

  const save = async (event: Event) => {
    event.preventDefault();
    const path = shownFile.trim();
    const ok = await action.run(
      async () => {
        await putDeviceRow(device.id, shownVersion.trim(), path);
        return isStored(path);
      },
      (fileStored) =>
        `Device row saved: from version ${shownVersion.trim()}, file ${path}.` +
        (fileStored === false ? ` That file is not stored: the device is told 404 until ${path} is uploaded.` : ''),
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
            {stored === false ? (
              <div>
                <dt>File</dt>
                <dd data-testid="assignment-file-missing">
                  <span class="badge badge-warn">not stored</span> The row names <span class="mono">{row.file}</span>,
                  which is not stored: the device is told 404 until it is uploaded.
                </dd>
              </div>
            ) : (
              <div>
                <dt>{stored === true ? 'Is offered the file' : 'File'}</dt>
                <dd class="mono">{row.file}</dd>
              </div>
            )}
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
                list="row-file-stored"
                value={shownFile}
                onInput={(event) => setFile(event.currentTarget.value)}
              />
              <datalist id="row-file-stored">
                {(files.data ?? []).map((entry) => (
                  <option key={entry.path} value={entry.path} />
                ))}
              </datalist>
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
