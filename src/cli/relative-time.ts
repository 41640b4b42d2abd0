import { isIsoTime } from '../adapters/inbound/http/iso-time.js';

/** Times as people read them in a terminal: "3m ago", "every 5m", and "15m" as "since 15 minutes ago". */

const UNITS = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
] as const;

/**
 * A span in its largest units, `parts` of them at most, rounded down: 42_000 -> "42s",
 * 90_000 -> "1m" (or "1m30s" with 2 parts), 26 h -> "1d" (or "1d2h"). Under a second is "0s".
 */
export function durationText(ms: number, parts = 1): string {
  let rest = Math.floor(Math.abs(ms) / 1000) * 1000;
  const out: string[] = [];
  for (const [unit, size] of UNITS) {
    if (out.length === parts) break;
    const count = Math.floor(rest / size);
    // Once a larger unit is shown, a zero smaller one is left out ("2h", not "2h0m").
    if (count === 0) {
      if (out.length > 0) break;
      continue;
    }
    out.push(`${count}${unit}`);
    rest -= count * size;
  }
  return out.length === 0 ? '0s' : out.join('');
}

/** `then` seen from `now` (both epoch ms): "just now", "3m ago", or "in 2m" for a clock ahead of ours. */
export function relativeTime(then: number, now: number): string {
  const age = now - then;
  if (Math.abs(age) < 1000) return 'just now';
  return age > 0 ? `${durationText(age)} ago` : `in ${durationText(age)}`;
}

/**
 * A time given on the command line: an ISO 8601 time (as the API takes it) is kept as it is, and
 * a span such as `15m`, `24h`, `7d` or `90s` is the ISO time that long before `now`; undefined for
 * what is neither, "7" or "March 7" included (a usage error, not a request the server refuses),
 * and for a span reaching back before 1970.
 */
export function sinceTime(raw: string, now: number): string | undefined {
  const span = /^(\d+)([smhd])$/.exec(raw.trim());
  if (span === null) return isIsoTime(raw.trim()) ? raw.trim() : undefined;
  const size = UNITS.find(([unit]) => unit === span[2])?.[1] ?? 1000;
  const since = now - Number(span[1]) * size;
  // Before 1970 no device was seen (and far enough back is no date at all: "Invalid time value").
  return since < 0 ? undefined : new Date(since).toISOString();
}
