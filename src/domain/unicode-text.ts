/**
 * Whether `text` holds half of a UTF-16 surrogate pair alone (JSON's `"\ud800"` parses to one).
 * Such a string is not Unicode text: stored as UTF-8 it would come back as U+FFFD, not as sent,
 * so free text an operator gives (a note, a rollout's name) with one is refused.
 */
export function hasLoneSurrogate(text: string): boolean {
  return /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);
}

/**
 * `text` cut to at most `max` UTF-16 units and ended by `tail` (given how many were cut; an
 * ellipsis by default), never between the two halves of a surrogate pair (which would leave one
 * alone: see hasLoneSurrogate). Text that fits is returned as it is.
 */
export function clippedText(text: string, max: number, tail: (cut: number) => string = () => '…'): string {
  if (text.length <= max) return text;
  let end = max - 1;
  if (end > 0 && /[\uD800-\uDBFF]/.test(text.charAt(end - 1))) end -= 1;
  return `${text.slice(0, end)}${tail(text.length - end)}`;
}
