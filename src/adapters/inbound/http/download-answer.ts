import type { ByteRange, OpenedBlob } from '../../../ports/blob-store.port.js';
import { evaluateRange } from './byte-range-request.js';
import { noneMatchSatisfied, rangeStillValid, strongEtag } from './conditional-request.js';
import type { HeaderList } from './header-list.js';

/** The request headers a download's answer depends on, each as Node parsed it. */
export interface DownloadConditions {
  readonly ifNoneMatch?: string | undefined;
  readonly ifRange?: string | undefined;
  readonly range?: string | undefined;
}

/** What `GET` or `HEAD /files/<path>` answers for an opened file. */
export type DownloadAnswer =
  | { readonly kind: 'not-modified'; readonly headers: HeaderList }
  | { readonly kind: 'range-not-satisfiable'; readonly headers: HeaderList; readonly size: number }
  | {
      readonly kind: 'content';
      readonly status: 200 | 206;
      /** With Content-Type and Content-Length. */
      readonly headers: HeaderList;
      /** The bytes to send; undefined for the whole file. */
      readonly range: ByteRange | undefined;
    };

/**
 * Whole files, single ranges and conditional requests, as the device adapter answers them
 * (file-download-handler.ts), kept apart from Node's response so that unit tests can reach every
 * case. Every answer carries the
 * validators (a strong ETag of `etagSha256`, the file's SHA-256 or a patch's, and Last-Modified),
 * Accept-Ranges and `no-cache`.
 */
export function downloadAnswer(blob: OpenedBlob, etagSha256: string, conditions: DownloadConditions): DownloadAnswer {
  const etag = strongEtag(etagSha256);
  const size = blob.info.size;
  const validators: Array<readonly [string, string]> = [
    ['Accept-Ranges', 'bytes'],
    ['ETag', etag],
    ['Last-Modified', blob.info.modifiedAt.toUTCString()],
    ['Cache-Control', 'no-cache'],
  ];
  if (noneMatchSatisfied(conditions.ifNoneMatch, etag)) return { kind: 'not-modified', headers: validators };
  const honourRange = rangeStillValid(conditions.ifRange, etag, blob.info.modifiedAt);
  const outcome = honourRange ? evaluateRange(conditions.range, size) : { kind: 'full' as const };
  if (outcome.kind === 'unsatisfiable') {
    return { kind: 'range-not-satisfiable', headers: [...validators, ['Content-Range', `bytes */${size}`]], size };
  }
  const range = outcome.kind === 'partial' ? outcome.range : undefined;
  const length = range === undefined ? size : range.end - range.start + 1;
  const headers = [...validators, ['Content-Type', 'application/octet-stream'] as const];
  if (range !== undefined) headers.push(['Content-Range', `bytes ${range.start}-${range.end}/${size}`]);
  headers.push(['Content-Length', String(length)]);
  return { kind: 'content', status: range === undefined ? 200 : 206, headers, range };
}
