/** A horizontal bar chart in the terminal, one row per labelled count. */

export interface Bar {
  readonly label: string;
  readonly count: number;
}

/** The bar length when the output is not a terminal (a file, a pipe, a test). */
export const PLAIN_BAR_WIDTH = 40;
const MIN_BAR_WIDTH = 10;

/**
 * How long the largest bar may be: what a terminal of `columns` leaves beside the labels and the
 * counts (at least 10), or 40 when there is no terminal (`columns` undefined).
 */
export function barWidth(bars: readonly Bar[], columns: number | undefined): number {
  if (columns === undefined) return PLAIN_BAR_WIDTH;
  const label = Math.max(0, ...bars.map((bar) => bar.label.length));
  const count = Math.max(1, ...bars.map((bar) => String(bar.count).length));
  return Math.max(MIN_BAR_WIDTH, columns - label - count - 4);
}

/**
 * One line per bar: the label padded to the widest, a bar of `█` scaled so that the largest count
 * fills `width` (any count above zero shows at least one), and the count right-aligned.
 */
export function barChart(bars: readonly Bar[], width: number): string[] {
  const labelWidth = Math.max(0, ...bars.map((bar) => bar.label.length));
  const countWidth = Math.max(0, ...bars.map((bar) => String(bar.count).length));
  const largest = Math.max(0, ...bars.map((bar) => bar.count));
  return bars.map((bar) => {
    const length = bar.count <= 0 || largest === 0 ? 0 : Math.max(1, Math.round((bar.count / largest) * width));
    return `${bar.label.padEnd(labelWidth)}  ${'█'.repeat(length).padEnd(width)}  ${String(bar.count).padStart(countWidth)}`;
  });
}
