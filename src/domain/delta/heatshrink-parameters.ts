/*
 * heatshrink's parameters for esp_delta_ota: a 2^8-byte window and a 2^7-byte lookahead, the only
 * setting its decoder is built with (devices in the field pin it). Everything else in the codec
 * derives from these two numbers.
 *
 * The stream: one parameter byte `((window bits - 4) << 4) | (lookahead bits - 3)`, then items,
 * most significant bit first: `1` + 8 bits for a literal byte, or `0` + (window bits: distance
 * back - 1) + (lookahead bits: count - 1) for a copy of earlier output; the last byte is padded
 * with zero bits.
 */
export const HEATSHRINK_WINDOW_BITS = 8;
export const HEATSHRINK_LOOKAHEAD_BITS = 7;

export const HEATSHRINK_PARAMETER_BYTE = ((HEATSHRINK_WINDOW_BITS - 4) << 4) | (HEATSHRINK_LOOKAHEAD_BITS - 3);

/** How far back a copy may reach, and how long it may be. */
export const HEATSHRINK_WINDOW_SIZE = 1 << HEATSHRINK_WINDOW_BITS;
export const HEATSHRINK_MAX_COPY = 1 << HEATSHRINK_LOOKAHEAD_BITS;

/** Bits per item: what the encoder's parse minimises. */
export const HEATSHRINK_LITERAL_BITS = 1 + 8;
export const HEATSHRINK_COPY_BITS = 1 + HEATSHRINK_WINDOW_BITS + HEATSHRINK_LOOKAHEAD_BITS;

export function describeHeatshrinkParameters(byte: number): string {
  return `window ${(byte >> 4) + 4} bits, lookahead ${(byte & 0x0f) + 3} bits`;
}
