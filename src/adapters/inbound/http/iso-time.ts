/**
 * The ISO 8601 times the API takes in queries (`seenAfter=`): a day, or a day and a time with an
 * optional zone, each a real day of the calendar. `Date.parse` alone takes far more ("7",
 * "March 7", and 2026-02-30 rolled over to March), so the CLI checks a time by this same rule
 * before it sends one.
 */
export function isIsoTime(raw: string): boolean {
  return (
    /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(raw) &&
    !Number.isNaN(Date.parse(raw)) &&
    isCalendarDay(raw)
  );
}

/** Whether `YYYY-MM-DD` at the start of `raw` is a day of the calendar (Date.parse rolls 02-30 over to March). */
function isCalendarDay(raw: string): boolean {
  const [year, month, day] = raw.slice(0, 10).split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}
