import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, failureText } from '../api/api-error.js';
import { queryOf } from '../api/client.js';
import type { FileDeletion, FileEntry, FileUsage } from '../api/file-api.js';
import { deleteFile, getFile, sizeText } from '../api/file-api.js';
import { rolloutHref } from '../api/rollout-api.js';
import { useResource } from '../api/use-resource.js';
import { DeviceIdList, idsText } from '../components/device-id-list.js';
import { ImageFacts, SignedBadge } from '../components/file-facts.js';
import { ErrorNotice, StatusNotice } from '../components/notice.js';
import { usePageTitle } from '../components/page-title.js';
import { RelativeTime } from '../components/relative-time.js';
import { RolloutStateBadge } from '../components/rollout-state-badge.js';
import '../rollout.css';

/** One stored file: its facts, who uses it, and its deletion. */
export function FilePage({ params }: { readonly params?: Record<string, string> }) {
  const path = params?.path ?? '';
  usePageTitle(`File ${path}`);
  const file = useResource((signal) => getFile(path, signal), path);
  const [deleted, setDeleted] = useState<FileDeletion | undefined>(undefined);

  if (deleted !== undefined) {
    return (
      <section>
        <h1>
          File <span class="mono">{path}</span>
        </h1>
        <StatusNotice>
          Deleted {deleted.deleted.path}: {sizeText(deleted.deleted.size)}.
          {deleted.namedBy.length > 0 &&
            ` Device rows still naming it (their devices are now told 404): ${idsText(deleted.namedBy)}.`}
        </StatusNotice>
        <p>
          <a href="/ui/files">Back to the files</a>
        </p>
      </section>
    );
  }

  return (
    <section>
      <h1>
        File <span class="mono">{path}</span>
      </h1>
      <p>
        <a href="/ui/files">All files</a>
      </p>
      <ErrorNotice message={file.error} />
      {file.data === undefined ? (
        file.loading && <p class="notice">Loading…</p>
      ) : (
        <FileDetails file={file.data} onDeleted={setDeleted} />
      )}
    </section>
  );
}

function FileDetails({
  file,
  onDeleted,
}: {
  readonly file: FileEntry;
  readonly onDeleted: (deletion: FileDeletion) => void;
}) {
  const { image } = file;
  return (
    <>
      <div class="panel">
        <h2>The file</h2>
        <dl class="facts">
          <dt>Path</dt>
          <dd class="mono">{file.path}</dd>
          <dt>Size</dt>
          <dd>{sizeText(file.size)}</dd>
          <dt>SHA-256</dt>
          <dd>
            <code data-testid="file-sha256">{file.sha256}</code>
          </dd>
          <dt>Stored</dt>
          <dd>
            <RelativeTime iso={file.storedAt} /> ({file.storedAt})
          </dd>
          <dt>Signed</dt>
          <dd>
            <SignedBadge image={image} />
          </dd>
        </dl>
      </div>
      <div class="panel">
        <h2>Application image</h2>
        {image === null ? (
          <p>Not an application image: it was stored without validation, and the server read nothing out of it.</p>
        ) : (
          <>
            <ImageFacts image={image} />
            <p>
              <a href={`/ui/devices${queryOf({ project: image.projectName, version: image.version })}`}>
                Devices running {image.projectName} {image.version}
              </a>
            </p>
            <p>
              <a href={`/ui/rollouts/new${queryOf({ file: file.path })}`}>Roll out this image</a>
            </p>
          </>
        )}
      </div>
      <div class="panel">
        <h2>Used by</h2>
        <FileUsageView usage={file.usage} />
      </div>
      <div class="panel">
        <h2>Delete</h2>
        <DeleteFile path={file.path} usage={file.usage} onDeleted={onDeleted} />
      </div>
    </>
  );
}

function FileUsageView({ usage }: { readonly usage: FileUsage | undefined }) {
  if (usage === undefined) return <p>This server does not say which device rows and rollouts name the file.</p>;
  return (
    <>
      <h3>Device rows naming it</h3>
      {usage.devices.length === 0 ? (
        <p>No device row names this file.</p>
      ) : (
        <DeviceIdList ids={usage.devices} testId="file-usage-devices" />
      )}
      <h3>Rollouts targeting it</h3>
      {usage.rollouts.length === 0 ? (
        <p>No rollout targets this file.</p>
      ) : (
        <ul class="inline-list" data-testid="file-usage-rollouts">
          {usage.rollouts.map((rollout) => (
            <li key={rollout.id}>
              <a href={rolloutHref(rollout.id)}>{rollout.name}</a> (<span class="mono">{rollout.id}</span>){' '}
              <RolloutStateBadge state={rollout.state} />
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

type DeleteStep =
  | { readonly kind: 'idle' }
  | { readonly kind: 'confirm'; readonly force: boolean }
  | { readonly kind: 'busy'; readonly force: boolean };

/**
 * Deletion in two steps: the button asks, the confirmation deletes. A file that device rows still
 * name is refused (409 file-in-use, with the rows' ids in `namedBy`); the operator may then
 * delete it anyway, which leaves those devices told 404.
 */
function DeleteFile({
  path,
  usage,
  onDeleted,
}: {
  readonly path: string;
  readonly usage: FileUsage | undefined;
  readonly onDeleted: (deletion: FileDeletion) => void;
}) {
  // The rows the page knows name the file: said before the operator confirms.
  const rows = usage?.devices ?? [];
  const [step, setStep] = useState<DeleteStep>({ kind: 'idle' });
  const [error, setError] = useState<string | undefined>(undefined);
  const [namedBy, setNamedBy] = useState<readonly string[]>([]);
  const confirmButton = useRef<HTMLButtonElement>(null);
  // The confirmation is where the keyboard goes once it appears.
  useEffect(() => {
    if (step.kind === 'confirm') confirmButton.current?.focus();
  }, [step.kind]);

  const run = (force: boolean) => {
    setStep({ kind: 'busy', force });
    setError(undefined);
    deleteFile(path, force)
      .then(onDeleted)
      .catch((failure: unknown) => {
        setError(failureText(failure));
        const rows =
          failure instanceof ApiError && Array.isArray(failure.extra.namedBy)
            ? failure.extra.namedBy.filter((id): id is string => typeof id === 'string')
            : [];
        setNamedBy(rows);
        setStep({ kind: 'idle' });
      });
  };

  return (
    <>
      <ErrorNotice message={error} />
      {namedBy.length > 0 && (
        <div class="notice" data-testid="file-named-by">
          <p>
            Device rows naming this file ({namedBy.length}); their devices would be told 404 after a forced deletion:
          </p>
          <DeviceIdList ids={namedBy} />
        </div>
      )}
      {step.kind === 'idle' ? (
        <div class="actions">
          <button type="button" class="danger" onClick={() => setStep({ kind: 'confirm', force: false })}>
            Delete file…
          </button>
          {namedBy.length > 0 && (
            <button type="button" class="danger" onClick={() => setStep({ kind: 'confirm', force: true })}>
              Delete anyway…
            </button>
          )}
        </div>
      ) : (
        <div class="confirm" role="group" aria-labelledby="delete-confirm-text">
          <p id="delete-confirm-text">
            {step.force
              ? `Delete ${path} although device rows name it (${idsText(namedBy.length > 0 ? namedBy : rows)})? Their devices will be told 404 at their next check.`
              : rows.length > 0
                ? `Delete ${path} for good? ${rows.length === 1 ? 'The device row of' : `The device rows of ${rows.length} devices,`} ${idsText(rows)}, name${rows.length === 1 ? 's' : ''} it: the server refuses while they do (reassign them first, or then delete anyway, which leaves those devices told 404).`
                : `Delete ${path} for good? Devices can no longer download it.`}
          </p>
          <div class="actions">
            <button
              type="button"
              class="danger"
              disabled={step.kind === 'busy'}
              onClick={() => run(step.force)}
              ref={confirmButton}
            >
              {step.kind === 'busy' ? 'Deleting…' : step.force ? 'Yes, delete anyway' : 'Yes, delete'}
            </button>
            <button
              type="button"
              class="secondary"
              disabled={step.kind === 'busy'}
              onClick={() => setStep({ kind: 'idle' })}
            >
              Cancel
            </button>
          </div>
        </div>
      )}
    </>
  );
}
