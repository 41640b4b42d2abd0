/**
 * The suffix array bsdiff searches: the start positions of all `data.length + 1` suffixes of
 * `data`, the empty one included, in ascending lexicographic order (a suffix that is a prefix of
 * another sorts first, so the empty suffix, position `data.length`, is always first). Every
 * suffix is distinct, so the order is unique: any correct construction gives bsdiff the same
 * table as Colin Percival's qsufsort.
 *
 * Built by induced sorting (SA-IS: Nong, Zhang and Chan, "Two Efficient Algorithms for Linear
 * Time Suffix Array Construction", 2009), linear in time, on Int32Arrays: a 4 MiB file needs
 * about 40 MiB, where a comparison sort of the suffixes is quadratic on the long runs of 0xFF
 * that pad flash images.
 */
export function suffixArray(data: Uint8Array): Int32Array {
  const n = data.length + 1;
  // Bytes shifted up by one, and a 0 at the end: the unique, smallest sentinel SA-IS needs,
  // which also stands for the empty suffix.
  const text = new Int32Array(n);
  for (let i = 0; i < data.length; i++) text[i] = data[i]! + 1;
  const sa = new Int32Array(n);
  induceSort(text, sa, n, 256);
  return sa;
}

/** Buckets' starts (or ends, `ends`) for the characters 0..maxChar of text[0, n). */
function buckets(text: Int32Array, n: number, maxChar: number, ends: boolean): Int32Array {
  const bucket = new Int32Array(maxChar + 1);
  for (let i = 0; i < n; i++) bucket[text[i]!]!++;
  let sum = 0;
  for (let c = 0; c <= maxChar; c++) {
    const count = bucket[c]!;
    sum += count;
    bucket[c] = ends ? sum : sum - count;
  }
  return bucket;
}

/**
 * Sorts the suffixes of text[0, n) (characters 0..maxChar, text[n - 1] the unique smallest) into
 * sa[0, n). `text` may live inside `sa`'s buffer past n / 2 (the recursion puts it there).
 */
function induceSort(text: Int32Array, sa: Int32Array, n: number, maxChar: number): void {
  if (n === 1) {
    sa[0] = 0;
    return;
  }
  // Suffix types: 1 = S (smaller than the next suffix), 0 = L.
  const sType = new Uint8Array(n);
  sType[n - 1] = 1;
  for (let i = n - 2; i >= 0; i--) {
    const c = text[i]!;
    const next = text[i + 1]!;
    sType[i] = c < next || (c === next && sType[i + 1] === 1) ? 1 : 0;
  }
  const isLms = (i: number): boolean => i > 0 && sType[i] === 1 && sType[i - 1] === 0;

  // Stage 1: sort the LMS substrings by induction from their unsorted positions.
  sa.fill(-1, 0, n);
  let bucket = buckets(text, n, maxChar, true);
  for (let i = 1; i < n; i++) if (isLms(i)) sa[--bucket[text[i]!]!] = i;
  induceL(text, sa, sType, n, maxChar);
  induceS(text, sa, sType, n, maxChar);

  // Compact the sorted LMS substrings to the front, then name them (equal substrings, equal name).
  let lmsCount = 0;
  for (let i = 0; i < n; i++) if (isLms(sa[i]!)) sa[lmsCount++] = sa[i]!;
  sa.fill(-1, lmsCount, n);
  let name = 0;
  let previous = -1;
  for (let i = 0; i < lmsCount; i++) {
    const position = sa[i]!;
    let differs = previous < 0;
    for (let d = 0; !differs; d++) {
      if (text[position + d] !== text[previous + d] || sType[position + d] !== sType[previous + d]) differs = true;
      else if (d > 0 && (isLms(position + d) || isLms(previous + d))) break;
    }
    if (differs) {
      name++;
      previous = position;
    }
    // LMS positions are at least two apart, so position / 2 gives each its own slot.
    sa[lmsCount + (position >> 1)] = name - 1;
  }
  for (let i = n - 1, j = n - 1; i >= lmsCount; i--) if (sa[i]! >= 0) sa[j--] = sa[i]!;

  // Stage 2: sort the LMS suffixes, recursing when two LMS substrings share a name.
  const reduced = sa.subarray(n - lmsCount, n);
  const reducedSa = sa.subarray(0, lmsCount);
  if (name < lmsCount) induceSort(reduced, reducedSa, lmsCount, name - 1);
  else for (let i = 0; i < lmsCount; i++) reducedSa[reduced[i]!] = i;

  // Stage 3: put the sorted LMS suffixes at their buckets' ends, then induce all the others.
  for (let i = 1, j = 0; i < n; i++) if (isLms(i)) reduced[j++] = i;
  for (let i = 0; i < lmsCount; i++) reducedSa[i] = reduced[reducedSa[i]!]!;
  sa.fill(-1, lmsCount, n);
  bucket = buckets(text, n, maxChar, true);
  for (let i = lmsCount - 1; i >= 0; i--) {
    const j = sa[i]!;
    sa[i] = -1;
    sa[--bucket[text[j]!]!] = j;
  }
  induceL(text, sa, sType, n, maxChar);
  induceS(text, sa, sType, n, maxChar);
}

/** Places the L-type suffixes, left to right, at their buckets' starts. */
function induceL(text: Int32Array, sa: Int32Array, sType: Uint8Array, n: number, maxChar: number): void {
  const bucket = buckets(text, n, maxChar, false);
  for (let i = 0; i < n; i++) {
    const j = sa[i]! - 1;
    if (j >= 0 && sType[j] === 0) sa[bucket[text[j]!]!++] = j;
  }
}

/** Places the S-type suffixes, right to left, at their buckets' ends. */
function induceS(text: Int32Array, sa: Int32Array, sType: Uint8Array, n: number, maxChar: number): void {
  const bucket = buckets(text, n, maxChar, true);
  for (let i = n - 1; i >= 0; i--) {
    const j = sa[i]! - 1;
    if (j >= 0 && sType[j] === 1) sa[--bucket[text[j]!]!] = j;
  }
}
