import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, failureText } from '../api/api-error.js';
import type { FileEntry, Upload } from '../api/file-api.js';
import { fileHref, sizeText, uploadFile } from '../api/file-api.js';
import { idsText } from './device-id-list.js';
import { signatureText } from './file-facts.js';

type Verdict =
  | { readonly kind: 'stored'; readonly file: FileEntry }
  | {
      readonly kind: 'refused';
      readonly status: number;
      readonly code: string;
      readonly detail: string;
      readonly reason: string | undefined;
      readonly namedBy: readonly string[];
    };

/** What the bootloader would say of an image refused with `reason` (docs/api.md, Firmware validation). */
const REASONS: Readonly<Record<string, string>> = {
  'pre-encrypted-image': 'the file is a pre-encrypted image, which the server cannot read',
  'bad-magic': 'the file does not start like an ESP-IDF application image (magic byte 0xE9)',
  'bad-segment-count': 'the header names no segments or more than 16',
  'bad-hash-flag': 'the header’s hash_appended flag is neither 0 nor 1',
  'unknown-chip': 'the header names a chip the server does not know',
  'segment-misaligned': 'a segment’s length is not a multiple of 4 bytes',
  'segment-too-large': 'a segment is 16 MiB or larger',
  truncated: 'the file ends before the image does',
  'app-descriptor-missing': 'there is no application descriptor (esp_app_desc_t) at offset 32',
  'string-not-terminated': 'a string of the application descriptor has no terminating NUL',
  'checksum-mismatch': 'the image’s checksum does not match its bytes',
  'sha256-mismatch': 'the SHA-256 appended to the image does not match its bytes',
  'signature-invalid': 'what follows the image is not a valid Secure Boot v2 signature sector',
  'trailing-data': 'there are bytes after the image that are not a signature sector',
};

/** A path the server takes, made of a local file's name: A-Z a-z 0-9 . _ + - only, no leading dot. */
export function suggestedPath(fileName: string): string {
  return fileName.replace(/[^A-Za-z0-9._+-]+/g, '-').replace(/^[.]+/, '');
}

function percentOf(loaded: number, total: number): number {
  return total <= 0 ? 0 : Math.min(100, Math.round((loaded / total) * 100));
}

/**
 * Upload of an update file: drop a .bin on the zone or choose it with the file input, say where
 * to store it, and send it (`PUT /files/<path>`) with a progress bar; then the server's verdict,
 * the stored file's facts or its refusal in words.
 */
export function UploadPanel({
  onStored,
  storedPaths,
}: {
  readonly onStored: (file: FileEntry) => void;
  /** The stored files' paths (undefined until known): uploading to one of them replaces it. */
  readonly storedPaths?: readonly string[] | undefined;
}) {
  const [file, setFile] = useState<File | null>(null);
  const [path, setPath] = useState('');
  const [skipValidation, setSkipValidation] = useState(false);
  const [dragging, setDragging] = useState(false);
  const [progress, setProgress] = useState<{ loaded: number; total: number } | null>(null);
  const [uploading, setUploading] = useState(false);
  const [verdict, setVerdict] = useState<Verdict | null>(null);
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const current = useRef<Upload | null>(null);

  useEffect(() => () => current.current?.abort(), []);

  const choose = (chosen: File | undefined) => {
    if (chosen === undefined) return;
    setFile(chosen);
    setPath(suggestedPath(chosen.name));
    setVerdict(null);
    setProblem(undefined);
    setProgress(null);
  };

  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    if (uploading) return;
    choose(event.dataTransfer?.files[0]);
  };

  const submit = (event: Event) => {
    event.preventDefault();
    if (file === null) {
      setProblem('Choose a file first (drop it on the zone, or use “Firmware file”).');
      return;
    }
    const target = path.trim();
    if (target === '') {
      setProblem('Say where to store it: the path on the server.');
      return;
    }
    setProblem(undefined);
    setVerdict(null);
    setUploading(true);
    setProgress({ loaded: 0, total: file.size });
    const upload = uploadFile(target, file, { validate: !skipValidation, onProgress: setProgress });
    current.current = upload;
    upload.done
      .then((stored) => {
        setProgress({ loaded: file.size, total: file.size });
        setVerdict({ kind: 'stored', file: stored });
        onStored(stored);
      })
      .catch((error: unknown) => {
        if (error instanceof ApiError) {
          const reason = typeof error.extra.reason === 'string' ? error.extra.reason : undefined;
          const namedBy = Array.isArray(error.extra.namedBy)
            ? error.extra.namedBy.filter((id): id is string => typeof id === 'string')
            : [];
          setVerdict({
            kind: 'refused',
            status: error.status,
            code: error.code,
            detail: error.message,
            reason,
            namedBy,
          });
        } else {
          setVerdict({
            kind: 'refused',
            status: 0,
            code: 'network',
            detail: failureText(error),
            reason: undefined,
            namedBy: [],
          });
        }
      })
      .finally(() => {
        current.current = null;
        setUploading(false);
      });
  };

  const percent = progress === null ? 0 : percentOf(progress.loaded, progress.total);
  // Said before the upload, not after the stored file has replaced the old one.
  const target = path.trim();
  const justStored = verdict?.kind === 'stored' && verdict.file.path === target;
  const replaces = !uploading && !justStored && storedPaths?.includes(target) === true;
  return (
    <form class="panel" onSubmit={submit} aria-labelledby="upload-heading">
      <h2 id="upload-heading">Upload a file</h2>
      <div
        class={`drop-zone${dragging ? ' dragging' : ''}`}
        data-testid="drop-zone"
        onDragEnter={(event) => {
          event.preventDefault();
          setDragging(true);
        }}
        onDragOver={(event) => {
          event.preventDefault();
          if (event.dataTransfer !== null) event.dataTransfer.dropEffect = 'copy';
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
      >
        <p>Drop an application image (.bin) here, or choose it:</p>
        <div class="field">
          <label for="upload-file">Firmware file</label>
          <input
            id="upload-file"
            type="file"
            accept=".bin,application/octet-stream"
            disabled={uploading}
            onChange={(event) => choose(event.currentTarget.files?.[0])}
          />
        </div>
        <p aria-live="polite">
          {file === null ? 'No file chosen yet.' : `Chosen: ${file.name}, ${sizeText(file.size)}.`}
        </p>
      </div>
      <div class="form-grid">
        <div class="field">
          <label for="upload-path">Path on the server</label>
          <input
            id="upload-path"
            type="text"
            value={path}
            autoComplete="off"
            spellcheck={false}
            aria-describedby={replaces ? 'upload-path-hint upload-path-replaces' : 'upload-path-hint'}
            disabled={uploading}
            onInput={(event) => setPath(event.currentTarget.value)}
          />
          <span class="hint" id="upload-path-hint">
            Segments of A-Z a-z 0-9 . _ + - separated by /, e.g. lamp/v2.0.0.bin.
          </span>
          {replaces && (
            <span class="hint path-replaces" id="upload-path-replaces" data-testid="upload-path-replaces">
              A file is stored at this path: uploading replaces it.
            </span>
          )}
        </div>
      </div>
      <label class="check">
        <input
          type="checkbox"
          checked={skipValidation}
          disabled={uploading}
          onChange={(event) => setSkipValidation(event.currentTarget.checked)}
        />
        <span>Store without validating (not an application image)</span>
      </label>
      <div class="actions">
        <button type="submit" disabled={uploading}>
          Upload
        </button>
        {uploading && (
          <button type="button" class="secondary" onClick={() => current.current?.abort()}>
            Cancel upload
          </button>
        )}
      </div>
      {problem !== undefined && (
        <p class="notice notice-error" role="alert">
          {problem}
        </p>
      )}
      {progress !== null && (
        <div class="upload-progress">
          <label for="upload-progress-bar">{uploading ? 'Uploading' : 'Uploaded'}</label>
          <progress id="upload-progress-bar" data-testid="upload-progress" max={100} value={percent}>
            {percent}%
          </progress>
          <span aria-hidden="true">{percent}%</span>
          <span class="hint">
            {sizeText(progress.loaded)} of {sizeText(progress.total)}
          </span>
        </div>
      )}
      {verdict !== null && <UploadVerdict verdict={verdict} />}
    </form>
  );
}

function UploadVerdict({ verdict }: { readonly verdict: Verdict }) {
  if (verdict.kind === 'refused') {
    const explained = verdict.reason === undefined ? undefined : REASONS[verdict.reason];
    return (
      <div class="verdict verdict-bad" role="alert" data-testid="upload-verdict">
        <p>
          <strong>Not stored{verdict.status > 0 ? ` (${verdict.status})` : ''}:</strong> {verdict.detail}
        </p>
        {verdict.reason !== undefined && (
          <p>
            Reason: <code>{verdict.reason}</code>
            {explained === undefined ? '' : ` — ${explained}.`}
          </p>
        )}
        {verdict.namedBy.length > 0 && <p>Named by the device rows: {idsText(verdict.namedBy)}</p>}
      </div>
    );
  }
  const { file } = verdict;
  const { image } = file;
  return (
    <div class="verdict verdict-ok" role="alert" data-testid="upload-verdict">
      <p>
        <strong>Stored</strong> <a href={fileHref(file.path)}>{file.path}</a>: {sizeText(file.size)}.
      </p>
      <p>
        SHA-256 <code>{file.sha256}</code>
      </p>
      <p>
        {image === null
          ? 'Not an application image (stored without validation).'
          : `Image: project ${image.projectName}, version ${image.version}, chip ${image.chip}, ESP-IDF ${image.idfVersion}, secure_version ${image.secureVersion}, ${image.signed ? `signed (Secure Boot v2): ${signatureText(image)}` : 'unsigned'}.`}
      </p>
    </div>
  );
}
