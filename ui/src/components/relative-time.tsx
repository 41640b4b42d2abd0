import { useEffect, useState } from 'preact/hooks';

const UNITS: ReadonlyArray<[Intl.RelativeTimeFormatUnit, number]> = [
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
  ['second', 1000],
];
const format = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

/** "3 minutes ago", "in 2 hours": the largest unit that fits. */
export function relativeText(iso: string, now: number): string {
  const delta = Date.parse(iso) - now;
  for (const [unit, ms] of UNITS) {
    if (Math.abs(delta) >= ms || unit === 'second') return format.format(Math.round(delta / ms), unit);
  }
  return iso;
}

/** The current time, moving on every `everyMs`, so relative times stay true without a reload. */
export function useNow(everyMs = 10_000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), everyMs);
    return () => window.clearInterval(timer);
  }, [everyMs]);
  return now;
}

/**
 * A time shown relative to now, with the exact UTC time as the element's machine-readable value.
 * `useNow` renders it again as time passes; the text is worked out from the clock at each render,
 * since a render for a newer time (a rollout just started) can come up to `useNow`'s period after
 * its tick: against the tick's time, a moment ago read "in 7 seconds".
 */
export function RelativeTime({ iso }: { readonly iso: string | null }) {
  useNow();
  if (iso === null) return <span>never</span>;
  return (
    <time dateTime={iso} title={iso}>
      {relativeText(iso, Date.now())}
    </time>
  );
}
