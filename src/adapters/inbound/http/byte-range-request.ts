import type { ByteRange } from '../../../ports/blob-store.port.js';

export type RangeOutcome =
  | { readonly kind: 'full' }
  | { readonly kind: 'partial'; readonly range: ByteRange }
  | { readonly kind: 'unsatisfiable' };

const SPEC = /^(\d*)-(\d*)$/;

/**
 * What a `Range` header asks of a file of `size` bytes (RFC 9110 section 14). A header that is
 * absent, malformed, in another unit, or asks for several ranges gets the whole file: always the
 * right bytes, which esp_https_ota's partial mode (it checks only for 2xx) depends on. An end past
 * the last byte is clamped: ESP-IDF's last chunk asks for one byte beyond the end.
 */
export function evaluateRange(header: string | undefined, size: number): RangeOutcome {
  if (header === undefined) return { kind: 'full' };
  const match = /^\s*bytes\s*=\s*(.*)$/i.exec(header);
  const specs = match?.[1]
    ?.split(',')
    .map((spec) => spec.trim())
    .filter((spec) => spec !== '');
  if (specs === undefined || specs.length !== 1 || specs[0] === undefined) return { kind: 'full' };
  const parts = SPEC.exec(specs[0]);
  if (parts === null) return { kind: 'full' };
  const [, first = '', last = ''] = parts;
  if (first === '' && last === '') return { kind: 'full' };
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', range: { start: Math.max(0, size - suffix), end: size - 1 } };
  }
  const start = Number(first);
  if (last !== '' && Number(last) < start) return { kind: 'full' }; // invalid: ignored, as RFC 9110 says
  if (start >= size) return { kind: 'unsatisfiable' };
  const end = last === '' ? size - 1 : Number(last);
  return { kind: 'partial', range: { start, end: Math.min(end, size - 1) } };
}
