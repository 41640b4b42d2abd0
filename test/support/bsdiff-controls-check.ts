import type { BsdiffControl } from '../../src/domain/delta/bsdiff-control.js';

/**
 * Applies `controls` the way bspatch does, with the diff bytes (target minus base) and the extra
 * bytes taken from `target` itself, and says what is wrong, if anything: a length that is not a
 * whole number, a diff read outside the base, a step past the target's end, a shortfall. Returns
 * the rebuilt file, so a caller can also compare it with the target.
 */
export function rebuildFromControls(
  base: Uint8Array,
  target: Uint8Array,
  controls: readonly BsdiffControl[],
): Uint8Array {
  const rebuilt = new Uint8Array(target.length);
  let newPos = 0;
  let oldPos = 0;
  for (const [index, { diffLength, extraLength, seek }] of controls.entries()) {
    const where = `control ${index} (${diffLength}, ${extraLength}, ${seek})`;
    if (![diffLength, extraLength, seek].every(Number.isSafeInteger) || diffLength < 0 || extraLength < 0) {
      throw new Error(`${where}: lengths must be whole and not negative`);
    }
    if (newPos + diffLength + extraLength > target.length) throw new Error(`${where}: past the target's end`);
    if (diffLength > 0 && (oldPos < 0 || oldPos + diffLength > base.length)) {
      throw new Error(`${where}: diff reads base [${oldPos}, ${oldPos + diffLength}) outside [0, ${base.length}]`);
    }
    for (let i = 0; i < diffLength; i++) {
      const diff = (target[newPos + i]! - base[oldPos + i]!) & 0xff;
      rebuilt[newPos + i] = (base[oldPos + i]! + diff) & 0xff;
    }
    newPos += diffLength;
    oldPos += diffLength;
    rebuilt.set(target.subarray(newPos, newPos + extraLength), newPos);
    newPos += extraLength;
    oldPos += seek;
  }
  if (newPos !== target.length) throw new Error(`the controls cover ${newPos} of ${target.length} target bytes`);
  return rebuilt;
}
