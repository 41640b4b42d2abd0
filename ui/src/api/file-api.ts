import type { EspImageInfo } from '../../../src/domain/firmware/esp-image-info.js';
import { ApiError, apiErrorOf } from './api-error.js';
import { api, isSessionGone, pathOf, queryOf, renewedAsSameOperator, requestHeaders } from './client.js';
import { setSession } from './session-state.js';

/** What the server read out of a valid ESP-IDF application image: the domain's own type. */
export type ImageInfo = EspImageInfo;

/** Who names a stored file: device rows (their device ids) and rollouts targeting it. */
export interface FileUsage {
  readonly devices: readonly string[];
  readonly rollouts: ReadonlyArray<{ readonly id: string; readonly name: string; readonly state: string }>;
}

/** A stored file as the API gives it (update-file-view.ts). */
export interface FileEntry {
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
  readonly storedAt: string;
  /** null: stored without validation, not an application image. */
  readonly image: ImageInfo | null;
  /** Only on `GET /api/v1/files/<path>`, by servers that have it; absent: not known. */
  readonly usage?: FileUsage;
}

/** The answer to a deletion. */
export interface FileDeletion {
  readonly deleted: FileEntry;
  readonly namedBy: readonly string[];
}

/** A file path's segments escaped one by one, the slashes kept. */
export function escapedFilePath(path: string): string {
  return pathOf(...path.split('/'));
}

/** The dashboard page of a stored file. */
export function fileHref(path: string): string {
  return `/ui/files/${escapedFilePath(path)}`;
}

/** The dashboard page of a device. */
export function deviceHref(id: string): string {
  return `/ui/devices/${encodeURIComponent(id)}`;
}

export function listFiles(signal?: AbortSignal): Promise<FileEntry[]> {
  return api<FileEntry[]>('/api/v1/files', { signal });
}

export function getFile(path: string, signal?: AbortSignal): Promise<FileEntry> {
  return api<FileEntry>(`/api/v1/files/${escapedFilePath(path)}`, { signal });
}

export function deleteFile(path: string, force: boolean): Promise<FileDeletion> {
  return api<FileDeletion>(`/files/${escapedFilePath(path)}${queryOf({ force: force ? 'true' : undefined })}`, {
    method: 'DELETE',
  });
}

export interface UploadProgress {
  readonly loaded: number;
  readonly total: number;
}

export interface Upload {
  /** The stored file's entry, or an ApiError with the server's refusal (or a network failure). */
  readonly done: Promise<FileEntry>;
  readonly abort: () => void;
}

/**
 * Uploads `file` to `PUT /files/<path>` with XMLHttpRequest (fetch cannot report an upload's
 * progress), with the session's CSRF header. `validate: false` stores a file that is not an
 * application image.
 */
export function uploadFile(
  path: string,
  file: Blob,
  options: { readonly validate: boolean; readonly onProgress: (progress: UploadProgress) => void },
): Upload {
  let current: XMLHttpRequest | undefined;
  let aborted = false;
  // Sent again once, whole, after a csrf-token-mismatch that a new session of the same operator
  // explains (signed in again in another tab), as every other change of the page is.
  const send = (retried: boolean) =>
    new Promise<FileEntry>((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      current = xhr;
      xhr.open(
        'PUT',
        `/files/${escapedFilePath(path)}${queryOf({ validate: options.validate ? undefined : 'false' })}`,
      );
      xhr.withCredentials = true;
      for (const [name, value] of Object.entries(requestHeaders('PUT', 'application/octet-stream'))) {
        xhr.setRequestHeader(name, value);
      }
      xhr.upload.onprogress = (event) => {
        options.onProgress({ loaded: event.loaded, total: event.lengthComputable ? event.total : file.size });
      };
      xhr.onload = () => {
        const response = new Response(xhr.status === 204 ? null : xhr.responseText, {
          status: xhr.status,
          statusText: xhr.statusText,
        });
        if (xhr.status >= 200 && xhr.status < 300) {
          try {
            resolve(JSON.parse(xhr.responseText) as FileEntry);
          } catch {
            reject(
              new ApiError(xhr.status, 'bad-answer', 'The server stored the file but its answer could not be read.'),
            );
          }
          return;
        }
        void apiErrorOf(response)
          .then(async (error) => {
            if (isSessionGone(error)) setSession(null, 'ended');
            // Cancelled while the session was asked, it stays cancelled: the file is not sent again.
            if (error.code === 'csrf-token-mismatch' && !retried && !aborted && (await renewedAsSameOperator())) {
              if (!aborted) return send(true);
            }
            throw error;
          })
          .then(resolve, reject);
      };
      xhr.onerror = () =>
        reject(
          new Error(
            'the connection closed during the upload; the file may be larger than the server accepts, or the network failed',
          ),
        );
      xhr.onabort = () => reject(new ApiError(0, 'aborted', 'The upload was cancelled; nothing was stored.'));
      xhr.send(file);
    });
  return {
    done: send(false),
    abort: () => {
      aborted = true;
      current?.abort();
    },
  };
}

/** "188,416 bytes (184 KiB)". */
export function sizeText(bytes: number): string {
  const exact = `${bytes.toLocaleString('en')} bytes`;
  if (bytes < 1024) return exact;
  const units = ['KiB', 'MiB', 'GiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${exact} (${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]})`;
}

/** The short form of a size for tables: "184 KiB". */
export function shortSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** A chip revision as major.minor (the image keeps major*100+minor; 0 and 0xFFFF mean none). */
export function chipRevText(full: number): string {
  if (full === 0xffff) return 'none';
  return `v${Math.floor(full / 100)}.${full % 100}`;
}
