/** A match of bsdiff's search: where in the old file, and how many bytes long. */
export interface Match {
  readonly position: number;
  readonly length: number;
}

/** How two positions compare: the sign of a memcmp, and the common prefix's length. */
export interface ByteComparison {
  /** memcmp of base[at..] and target[from..] over the shorter of the two: its sign. */
  compare(at: number, from: number): number;
  /** How many bytes base[at..] and target[from..] have in common from their start. */
  matchLength(at: number, from: number): number;
}

/**
 * bsdiff's binary search of the old file's suffix array (`sa`, empty suffix first) for
 * target[from..]: halve [0, base length] by comparing the middle suffix (equal counts as not
 * smaller), then take the longer match of the last two, the upper one on a tie. Not a search for
 * the longest match in general: the first comparison's "equal" on a prefix steers it, and bsdiff's
 * output depends on exactly these steps.
 */
export function longestMatch(sa: Int32Array, bytes: ByteComparison, from: number): Match {
  let start = 0;
  let end = sa.length - 1;
  while (end - start >= 2) {
    const middle = start + ((end - start) >> 1);
    if (bytes.compare(sa[middle]!, from) < 0) start = middle;
    else end = middle;
  }
  const lower = bytes.matchLength(sa[start]!, from);
  const upper = bytes.matchLength(sa[end]!, from);
  return lower > upper ? { position: sa[start]!, length: lower } : { position: sa[end]!, length: upper };
}

/** Comparisons byte by byte, as bsdiff makes them. */
export function byteByByte(base: Uint8Array, target: Uint8Array): ByteComparison {
  return {
    compare(at, from) {
      const length = Math.min(base.length - at, target.length - from);
      for (let i = 0; i < length; i++) {
        const a = base[at + i]!;
        const b = target[from + i]!;
        if (a !== b) return a - b;
      }
      return 0;
    },
    matchLength(at, from) {
      const length = Math.min(base.length - at, target.length - from);
      let i = 0;
      while (i < length && base[at + i] === target[from + i]) i++;
      return i;
    },
  };
}
