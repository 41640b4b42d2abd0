import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BsdiffControl } from '../../src/domain/delta/bsdiff-control.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** ../shared/fixtures/delta: detools' and Espressif's golden patches (see its README). */
export const DELTA_FIXTURES = join(ROOT, '..', 'shared', 'fixtures', 'delta');

export const deltaFixture = (name: string): Buffer => readFileSync(join(DELTA_FIXTURES, name));

/** For a suite's `before`: skips it, saying why, where the team's ../shared workspace is absent. */
export function skipWithoutDeltaFixtures(context: Mocha.Context): void {
  if (existsSync(join(DELTA_FIXTURES, 'README.md'))) return;
  console.warn(
    `      (skipped: ${DELTA_FIXTURES} is not there; it sits beside the repository in the team's workspace)`,
  );
  context.skip();
}

/** The golden pairs with their detools patches, by folder. */
export const GOLDEN_PAIRS = [
  {
    name: 'detools foo',
    old: 'detools-foo/old',
    new: 'detools-foo/new',
    none: 'detools-foo/none.patch',
    heatshrink: 'detools-foo/heatshrink.patch',
  },
  {
    name: 'detools micropython',
    old: 'detools-micropython/esp8266-20180511-v1.9.4.bin',
    new: 'detools-micropython/esp8266-20190125-v1.10.bin',
    none: 'detools-micropython/esp8266-20180511-v1.9.4--20190125-v1.10-none.patch',
    heatshrink: 'detools-micropython/esp8266-20180511-v1.9.4--20190125-v1.10-heatshrink.patch',
  },
] as const;

/** What an uncompressed ("none") sequential detools patch holds, read independently of src/. */
export interface NonePatchContents {
  readonly targetSize: number;
  readonly controls: BsdiffControl[];
}

/**
 * Reads a detools sequential patch without compression: type byte 0x00, the target's size, then
 * `varint(0)` and repeated (diff length, diff bytes, extra length, extra bytes, seek). A test's own
 * reader, kept apart from the codec under test so that the two cannot share a mistake.
 */
export function readNonePatch(patch: Uint8Array): NonePatchContents {
  if (patch[0] !== 0x00) throw new Error(`not a sequential uncompressed patch: first byte ${patch[0]}`);
  let at = 1;
  const varint = (): number => {
    let byte = patch[at++]!;
    const negative = (byte & 0x40) !== 0;
    let value = byte & 0x3f;
    let shift = 6;
    while ((byte & 0x80) !== 0) {
      byte = patch[at++]!;
      value += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    }
    return negative ? -value : value;
  };
  const targetSize = varint();
  if (varint() !== 0) throw new Error('a data-format section is not expected');
  const controls: BsdiffControl[] = [];
  let written = 0;
  while (written < targetSize) {
    const diffLength = varint();
    at += diffLength;
    const extraLength = varint();
    at += extraLength;
    const seek = varint();
    controls.push({ diffLength, extraLength, seek });
    written += diffLength + extraLength;
  }
  if (at !== patch.length) throw new Error(`${patch.length - at} bytes after the last control`);
  return { targetSize, controls };
}
