import { listFiles } from '../api/file-api.js';
import type { FileEntry } from '../api/file-api.js';
import { fileHref, shortSize, sizeText } from '../api/file-api.js';
import { useResource } from '../api/use-resource.js';
import { FileSha } from '../components/file-sha.js';
import { SignedBadge } from '../components/file-facts.js';
import { ErrorNotice } from '../components/notice.js';
import { usePageTitle } from '../components/page-title.js';
import { RelativeTime } from '../components/relative-time.js';
import { UploadPanel } from '../components/upload-panel.js';
import '../rollout.css';

/** The stored update files, and the upload of a new one. */
export function FilesPage(_props: { readonly params?: Record<string, string> }) {
  usePageTitle('Files');
  const files = useResource((signal) => listFiles(signal), 'files');
  return (
    <section>
      <h1>Files</h1>
      <UploadPanel onStored={() => files.reload()} storedPaths={files.data?.map((entry) => entry.path)} />
      <h2 id="files-heading">Stored files</h2>
      <ErrorNotice message={files.error} />
      {files.data === undefined ? (
        files.loading && <p class="notice">Loading…</p>
      ) : files.data.length === 0 ? (
        <p class="notice">No file is stored yet: upload one above.</p>
      ) : (
        <FilesTable files={files.data} />
      )}
    </section>
  );
}

function FilesTable({ files }: { readonly files: readonly FileEntry[] }) {
  return (
    <div class="table-wrap" tabIndex={0} role="region" aria-labelledby="files-heading">
      <table data-testid="files-table">
        <thead>
          <tr>
            <th scope="col">Path</th>
            <th scope="col">Project</th>
            <th scope="col">Version</th>
            <th scope="col">Chip</th>
            <th scope="col">ESP-IDF</th>
            <th scope="col" class="number">
              secure_version
            </th>
            <th scope="col" class="number">
              Size
            </th>
            <th scope="col">SHA-256</th>
            <th scope="col">Stored</th>
            <th scope="col">Signature</th>
          </tr>
        </thead>
        <tbody>
          {files.map((file) => {
            const { image } = file;
            return (
              <tr key={file.path}>
                <td>
                  <a href={fileHref(file.path)} class="mono">
                    {file.path}
                  </a>
                </td>
                <td>{image?.projectName ?? '—'}</td>
                <td>{image?.version ?? '—'}</td>
                <td>{image?.chip ?? '—'}</td>
                <td>{image?.idfVersion ?? '—'}</td>
                <td class="number">{image === null ? '—' : image.secureVersion}</td>
                <td class="number">
                  <span title={sizeText(file.size)}>{shortSize(file.size)}</span>
                </td>
                <td>
                  <FileSha sha256={file.sha256} label={file.path} />
                </td>
                <td>
                  <RelativeTime iso={file.storedAt} />
                </td>
                <td>
                  <SignedBadge image={image} />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
