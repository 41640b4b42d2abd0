import type { ByteSpan, DeliveryForm, DownloadAttribution } from './update-attempt.js';

/**
 * Everything the server observes that can move an update attempt (see attempt-transitions.ts).
 * `at` is epoch milliseconds; one device's signals are applied in time order.
 *
 * - `poll`: the device checked for updates, reporting the version it runs.
 * - `download-started`: a request (GET or HEAD) for the offered file was tied to the attempt.
 * - `bytes-served`: the server sent this span of the file (whole, a Range chunk, a resumed tail).
 *   Both download signals say which form was fetched: the patch's bytes or (absent) the full file's.
 * - `tick`: time passing, from a background sweep, so that silence can be noticed with no request at all.
 * - `withdrawn`: the offer's rollout halted or was aborted; an offer nothing was fetched of yet is taken back.
 */
export type AttemptSignal =
  | { readonly kind: 'poll'; readonly at: number; readonly version: string }
  | {
      readonly kind: 'download-started';
      readonly at: number;
      readonly attribution: DownloadAttribution;
      readonly form?: DeliveryForm;
    }
  | { readonly kind: 'bytes-served'; readonly at: number; readonly span: ByteSpan; readonly form?: DeliveryForm }
  | { readonly kind: 'tick'; readonly at: number }
  | { readonly kind: 'withdrawn'; readonly at: number };

export type AttemptSignalKind = AttemptSignal['kind'];
