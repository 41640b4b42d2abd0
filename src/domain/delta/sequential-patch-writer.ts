import type { BsdiffControl } from './bsdiff-control.js';
import { GrowableBytes } from './growable-bytes.js';
import { heatshrinkEncode } from './heatshrink-encoder.js';
import { COMPRESSION_HEATSHRINK, patchTypeByte } from './sequential-patch-format.js';
import { writeSizeVarint } from './size-varint.js';

/**
 * The detools sequential patch, heatshrink 8/7, that rebuilds `target` from `base` by the given
 * bsdiff steps. The steps must cover the target exactly and read only inside the base: anything
 * else is a bug in the caller, not a property of the input, so it throws a RangeError.
 */
export function writeSequentialPatch(
  base: Uint8Array,
  target: Uint8Array,
  controls: readonly BsdiffControl[],
): Uint8Array {
  const stream = new GrowableBytes(target.length + 16 * controls.length + 16);
  writeSizeVarint(stream, 0); // no data-format section: esp_delta_ota refuses one
  let basePosition = 0;
  let targetPosition = 0;
  for (const { diffLength, extraLength, seek } of controls) {
    if (diffLength < 0 || extraLength < 0) throw new RangeError('a bsdiff step with a negative length');
    // The applier stops reading at the target's last byte (and its step's seek): an empty step
    // after it would be bytes that do not belong.
    if (targetPosition === target.length && diffLength + extraLength === 0) continue;
    if (targetPosition + diffLength + extraLength > target.length)
      throw new RangeError('the bsdiff steps run past the end of the target');
    if (diffLength > 0 && (basePosition < 0 || basePosition + diffLength > base.length))
      throw new RangeError(`a bsdiff step reads the base outside its ${base.length} bytes`);
    writeSizeVarint(stream, diffLength);
    stream.reserve(diffLength);
    for (let k = 0; k < diffLength; k++)
      stream.pushUnchecked((target[targetPosition + k]! - base[basePosition + k]!) & 0xff);
    targetPosition += diffLength;
    basePosition += diffLength;
    writeSizeVarint(stream, extraLength);
    stream.pushBytes(target.subarray(targetPosition, targetPosition + extraLength));
    targetPosition += extraLength;
    writeSizeVarint(stream, seek);
    basePosition += seek;
  }
  if (targetPosition !== target.length)
    throw new RangeError(`the bsdiff steps cover ${targetPosition} of the target's ${target.length} bytes`);

  const patch = new GrowableBytes(16 + target.length / 4);
  patch.push(patchTypeByte(COMPRESSION_HEATSHRINK));
  writeSizeVarint(patch, target.length);
  patch.pushBytes(heatshrinkEncode(stream.view()));
  return patch.toBytes();
}
