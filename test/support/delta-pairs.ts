import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { DELTA_FIXTURES } from './delta-fixtures.js';
import { buildEspImage, prng } from './esp-image-builder.js';

/** A base file and the target a patch must rebuild from it. */
export interface DeltaPair {
  readonly name: string;
  readonly base: Uint8Array;
  readonly target: Uint8Array;
}

/**
 * One change between releases. `at` is a fraction of the file as it stands when the edit is
 * applied (edits apply in order), so that one list of edits fits files of every size.
 */
export type DeltaEdit =
  | { readonly kind: 'insert'; readonly at: number; readonly bytes: Uint8Array }
  /** Code moved: a copy of `length` bytes from fraction `from` inserted at `at`. */
  | { readonly kind: 'copy'; readonly at: number; readonly from: number; readonly length: number }
  | { readonly kind: 'delete'; readonly at: number; readonly length: number }
  | { readonly kind: 'overwrite'; readonly at: number; readonly bytes: Uint8Array }
  /**
   * What a relinked build does to code after an insertion: every `stride`-th 32-bit word of
   * `length` bytes moves by `delta` (addresses shifted), the bytes between stay.
   */
  | {
      readonly kind: 'relocate';
      readonly at: number;
      readonly length: number;
      readonly stride: number;
      readonly delta: number;
    };

/** The target: `base` with `edits` applied in order. */
export function applyEdits(base: Uint8Array, edits: readonly DeltaEdit[]): Uint8Array {
  let file: Uint8Array = Uint8Array.from(base);
  for (const edit of edits) {
    const at = Math.min(file.length, Math.floor(edit.at * file.length));
    switch (edit.kind) {
      case 'insert':
        file = concat([file.subarray(0, at), edit.bytes, file.subarray(at)]);
        break;
      case 'copy': {
        const from = Math.floor(edit.from * file.length);
        const moved = file.slice(from, from + edit.length);
        file = concat([file.subarray(0, at), moved, file.subarray(at)]);
        break;
      }
      case 'delete':
        file = concat([file.subarray(0, at), file.subarray(Math.min(file.length, at + edit.length))]);
        break;
      case 'overwrite':
        file.set(edit.bytes.subarray(0, file.length - at), at);
        break;
      case 'relocate': {
        const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
        const end = Math.min(file.length - 4, at + edit.length);
        for (let word = at - (at % 4); word <= end; word += 4 * edit.stride) {
          view.setUint32(word, (view.getUint32(word, true) + edit.delta) >>> 0, true);
        }
        break;
      }
    }
  }
  return file;
}

const concat = (parts: readonly Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
};

const fill = (length: number, byte: number): Uint8Array => new Uint8Array(length).fill(byte);

function randomBytes(length: number, seed: number): Uint8Array {
  const random = prng(seed);
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = Math.floor(random() * 256);
  return bytes;
}

/**
 * `size` bytes shaped like an ESP32 flash image: code built from a small vocabulary of
 * instruction words with varying operands (so that short matches abound, as in real code), a
 * string table, zero-filled data, and 0xFF erased-flash padding as its last eighth.
 */
export function firmwareLikeBytes(size: number, seed: number): Uint8Array {
  const random = prng(seed);
  const vocabulary = Array.from({ length: 600 }, () => Math.floor(random() * 0x1000000));
  const words = ['wifi', 'mqtt', 'error', 'connect', 'esp_', 'task', 'timeout', ' %d\n', 'http', 'ota_'];
  const out = new Uint8Array(size);
  const padding = size - Math.floor(size / 8);
  let at = 0;
  while (at < padding) {
    const region = random();
    const length = Math.min(padding - at, 256 + Math.floor(random() * 8192));
    if (region < 0.75) {
      for (const end = at + length; at < end;) {
        // A skewed pick: a few instructions are very common, as in compiled code.
        const instruction = vocabulary[Math.floor(random() * random() * vocabulary.length)]!;
        const width = instruction & 1 ? 2 : 3;
        for (let i = 0; i < width && at < end; i++) out[at++] = (instruction >> (8 * i)) & 0xff;
        if (random() < 0.3 && at < end) out[at++] = Math.floor(random() * 256);
      }
    } else if (region < 0.9) {
      for (const end = at + length; at < end;) {
        const word = words[Math.floor(random() * words.length)]!;
        for (let i = 0; i < word.length && at < end; i++) out[at++] = word.charCodeAt(i);
        if (random() < 0.2 && at < end) out[at++] = 0;
      }
    } else {
      at += length; // zero-initialised data
    }
  }
  out.fill(0xff, padding);
  return out;
}

/**
 * A release-to-release change of an image: a function grows (insertion), one goes (deletion),
 * the code after them is relinked (addresses shifted), a block of constants and the version
 * string change, and a routine moves; the target keeps the base's size, 0xFF-padded like flash.
 */
export function releaseEdits(seed: number): DeltaEdit[] {
  return [
    { kind: 'insert', at: 0.21, bytes: randomBytes(3000, seed) },
    { kind: 'delete', at: 0.47, length: 1200 },
    { kind: 'relocate', at: 0.22, length: 200_000, stride: 7, delta: 3000 - 1200 },
    { kind: 'overwrite', at: 0.63, bytes: randomBytes(700, seed + 1) },
    { kind: 'overwrite', at: 0.0001, bytes: new TextEncoder().encode(`v${seed}.1.0`) },
    { kind: 'copy', at: 0.35, from: 0.05, length: 2048 },
    { kind: 'insert', at: 0.8, bytes: fill(4096, 0xff) },
  ];
}

/** Cuts or 0xFF-pads `file` to `size` bytes (a flash partition's fixed size). */
export function padTo(file: Uint8Array, size: number): Uint8Array {
  return file.length >= size ? file.slice(0, size) : concat([file, fill(size - file.length, 0xff)]);
}

/** A flash-image-like pair of `size` bytes each, for timing (1.5 and 4 MiB in the bench). */
export function largeImagePair(size: number, seed = 1): DeltaPair {
  const base = firmwareLikeBytes(size, seed);
  return { name: `${size} B image-like pair`, base, target: padTo(applyEdits(base, releaseEdits(seed)), size) };
}

/** The real images under ../shared/fixtures (none when it is absent), a few hundred KB each. */
export function sharedImages(): { readonly name: string; readonly bytes: Uint8Array }[] {
  const images = join(DELTA_FIXTURES, '..', 'esp-images');
  const names = existsSync(images) ? readdirSync(images).filter((name) => name.endsWith('.bin')) : [];
  const hello = join(DELTA_FIXTURES, 'esp-delta-ota', 'hello_world_esp32.bin');
  return [
    ...names.map((name) => ({ name, bytes: readFileSync(join(images, name)) })),
    ...(existsSync(hello) ? [{ name: 'hello_world_esp32.bin', bytes: readFileSync(hello) }] : []),
  ];
}

/**
 * Deterministic pairs from real images (when ../shared is there) and from the image builder,
 * each changed as a release changes it, plus pairs that stress bsdiff's corner cases.
 */
export function syntheticPairs(): DeltaPair[] {
  const built = buildEspImage({ segmentLengths: [40_000, 20_000, 8_000], seed: 5 });
  const images = [...sharedImages(), { name: 'built image', bytes: built }];
  const pairs: DeltaPair[] = images.flatMap(({ name, bytes }, index) => [
    { name: `${name}: a release's changes`, base: bytes, target: applyEdits(bytes, releaseEdits(index + 1)) },
    {
      name: `${name}: padded to a partition, small insert`,
      base: padTo(bytes, bytes.length + 30_000),
      target: padTo(
        applyEdits(bytes, [{ kind: 'insert', at: 0.5, bytes: randomBytes(100, index) }]),
        bytes.length + 30_000,
      ),
    },
  ]);
  const like = firmwareLikeBytes(120_000, 9);
  pairs.push(
    { name: 'firmware-like, release changes', base: like, target: applyEdits(like, releaseEdits(9)) },
    { name: 'identical', base: built, target: built },
    { name: 'empty base', base: new Uint8Array(0), target: built.subarray(0, 5000) },
    { name: 'empty target', base: built.subarray(0, 5000), target: new Uint8Array(0) },
    { name: 'unrelated', base: randomBytes(20_000, 1), target: randomBytes(20_000, 2) },
    {
      name: '0xFF runs of different lengths',
      base: concat([randomBytes(3000, 3), fill(50_000, 0xff), randomBytes(3000, 4), fill(20_000, 0xff)]),
      target: concat([randomBytes(3000, 3), fill(50_003, 0xff), randomBytes(3000, 5), fill(19_990, 0xff)]),
    },
  );
  return pairs;
}

/** Base files for properties: chunks of random bytes, runs of one byte and periodic stretches. */
const arbitraryBase = (maxChunks: number): fc.Arbitrary<Uint8Array> =>
  fc
    .array(
      fc.oneof(
        fc.uint8Array({ maxLength: 300 }),
        fc
          .record({ byte: fc.constantFrom(0x00, 0xff, 0x55), length: fc.integer({ min: 1, max: 2000 }) })
          .map(({ byte, length }) => fill(length, byte)),
        fc
          .record({ period: fc.uint8Array({ minLength: 1, maxLength: 7 }), length: fc.integer({ min: 1, max: 1500 }) })
          .map(({ period, length }) => Uint8Array.from({ length }, (_, i) => period[i % period.length]!)),
      ),
      { maxLength: maxChunks },
    )
    .map(concat);

const arbitraryEdit: fc.Arbitrary<DeltaEdit> = fc.oneof(
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    bytes: fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      fc.integer({ min: 1, max: 800 }).map((length) => fill(length, 0xff)),
    ),
  }),
  fc.record({
    kind: fc.constant('copy' as const),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    from: fc.double({ min: 0, max: 1, noNaN: true }),
    length: fc.integer({ min: 0, max: 2000 }),
  }),
  fc.record({
    kind: fc.constant('delete' as const),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    length: fc.integer({ min: 0, max: 2000 }),
  }),
  fc.record({
    kind: fc.constant('overwrite' as const),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    bytes: fc.uint8Array({ maxLength: 100 }),
  }),
  fc.record({
    kind: fc.constant('relocate' as const),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    length: fc.integer({ min: 0, max: 5000 }),
    stride: fc.integer({ min: 1, max: 16 }),
    delta: fc.integer({ min: -4096, max: 4096 }),
  }),
);

/**
 * Random pairs: a base of random bytes, runs and periodic stretches, and a target that is the
 * base with a few edits, or (one time in ten) an unrelated file. Shrinks to small pairs.
 */
export const arbitraryDeltaPair = (maxChunks = 12): fc.Arbitrary<DeltaPair> =>
  fc.oneof(
    {
      weight: 9,
      arbitrary: fc
        .record({ base: arbitraryBase(maxChunks), edits: fc.array(arbitraryEdit, { maxLength: 6 }) })
        .map(({ base, edits }) => ({ name: 'edited', base, target: applyEdits(base, edits) })),
    },
    {
      weight: 1,
      arbitrary: fc
        .record({ base: arbitraryBase(maxChunks), target: arbitraryBase(maxChunks) })
        .map(({ base, target }) => ({ name: 'unrelated', base, target })),
    },
  );
