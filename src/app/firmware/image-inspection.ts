import type { EspImageInfo } from '../../domain/firmware/esp-image-info.js';
import { EspImageParser } from '../../domain/firmware/esp-image-parser.js';
import { ImageRejected } from '../../domain/firmware/image-rejection.js';
import type { Sha256Factory } from '../../domain/firmware/sha256-hasher.js';
import type { SignatureVerifierFactory } from '../../domain/firmware/signature-verifier.js';

/** The outcome of reading a file as an ESP-IDF image: its info, or why it is not a valid one. */
export interface ImageInspection {
  image: EspImageInfo | undefined;
  rejection: ImageRejected | undefined;
}

/**
 * Passes `source` through unchanged while parsing it as an image, filling `inspection` in. When
 * `enforce` is set, a rejection is thrown into the stream, so that whoever stores the bytes
 * aborts and keeps nothing; the final checks (checksum, SHA-256, truncation) run before the
 * stream reports its end, so they too come before anything is published.
 */
export function inspectImage(
  source: AsyncIterable<Uint8Array>,
  enforce: boolean,
  sha256: Sha256Factory,
  signatures: SignatureVerifierFactory,
): { inspection: ImageInspection; content: AsyncGenerator<Uint8Array> } {
  const inspection: ImageInspection = { image: undefined, rejection: undefined };
  const parser = new EspImageParser(sha256, signatures);
  const attempt = (step: () => void) => {
    if (inspection.rejection !== undefined) return;
    try {
      step();
    } catch (error) {
      if (!(error instanceof ImageRejected)) throw error;
      inspection.rejection = error;
      if (enforce) throw error;
    }
  };
  async function* content(): AsyncGenerator<Uint8Array> {
    for await (const chunk of source) {
      attempt(() => parser.push(chunk));
      yield chunk;
    }
    attempt(() => {
      inspection.image = parser.finish();
    });
  }
  return { inspection, content: content() };
}
