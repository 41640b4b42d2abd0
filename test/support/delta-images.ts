import { createHash } from 'node:crypto';
import { buildEspImage } from './esp-image-builder.js';
import type { ImageOptions } from './esp-image-builder.js';

/**
 * Releases of one project as the image builder makes them: the same filler bytes (seed), so two
 * versions differ only in their app descriptor, checksum and appended SHA-256, and any sane delta
 * patch between them is a small fraction of the image.
 */
export function release(version: string, options: ImageOptions = {}): Buffer {
  return buildEspImage({ segmentLengths: [32_768, 8192], seed: 7, ...options, version });
}

/** The image's appended SHA-256: what a device running it reports as its base. */
export function imageDigest(image: Buffer): string {
  return image.subarray(image.length - 32).toString('hex');
}

export const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
