/**
 * Whether `text` holds half of a UTF-16 surrogate pair alone (JSON's `"\ud800"` parses to one).
 * Such a string is not Unicode text: stored as UTF-8 it would come back as U+FFFD, not as sent,
 * so free text an operator gives (a note, a rollout's name) with one is refused.
 */
export function hasLoneSurrogate(text: string): boolean {
  return /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);
}
