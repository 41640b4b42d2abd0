/** Bytes as lower-case hex, two digits each: how digests and key hashes are written everywhere. */
export function hexOf(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}
