/**
 * One step of a bsdiff patch: `diffLength` bytes of the new file as differences (new minus old,
 * mod 256) from the current old position, then `extraLength` bytes copied as they are, then the
 * old position moves by `seek` (negative: back). Applying the steps in order from old position 0
 * rebuilds the new file; the new position only moves forward.
 */
export interface BsdiffControl {
  readonly diffLength: number;
  readonly extraLength: number;
  readonly seek: number;
}
