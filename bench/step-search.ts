/**
 * The highest sustainable rate, found by steps: rates rising from `start` by `factor` (up to
 * `max`), each measured in turn, stopping at the first that fails the criteria. The answer is the
 * last step that passed: a rate the server held for a whole step, not an extrapolation.
 */
export function risingRates(start: number, factor: number, max: number): number[] {
  if (start <= 0 || factor <= 1) throw new Error('rates must start above 0 and rise by a factor above 1');
  const rates: number[] = [];
  for (let rate = start; rate <= max; rate *= factor) rates.push(Math.round(rate));
  return rates;
}

export interface Step<M> {
  readonly rate: number;
  readonly measurement: M;
  readonly passed: boolean;
  /** 1 for the first measurement of this rate, 2 for its second... */
  readonly attempt: number;
}

export interface SearchResult<M> {
  /** Every step measured, in order; the last one failed unless the rates ran out. */
  readonly steps: Array<Step<M>>;
  /** The highest rate that passed, or undefined when the first step already failed. */
  readonly best: Step<M> | undefined;
}

/**
 * `attempts`: how many times a failing rate is measured before the search stops. On a shared
 * machine a neighbour's burst can stall a step that the server would hold; a rate the server
 * cannot hold fails every time.
 */
export async function stepSearch<M>(
  rates: readonly number[],
  measure: (rate: number) => Promise<M>,
  passes: (measurement: M) => boolean,
  options: { attempts?: number; onStep?: (step: Step<M>) => void } = {},
): Promise<SearchResult<M>> {
  const steps: Array<Step<M>> = [];
  let best: Step<M> | undefined;
  for (const rate of rates) {
    let step: Step<M> | undefined;
    for (let attempt = 1; attempt <= (options.attempts ?? 1) && !step?.passed; attempt += 1) {
      const measurement = await measure(rate);
      step = { rate, measurement, passed: passes(measurement), attempt };
      steps.push(step);
      options.onStep?.(step);
    }
    if (!step?.passed) break;
    best = step;
  }
  return { steps, best };
}
