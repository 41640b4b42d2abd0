/**
 * An open-loop load: request `i` is due at `i / rate` seconds from the start and is issued then,
 * whether or not earlier ones have been answered (a fleet's devices do not wait for each other).
 * A closed loop of N clients slows down with the server and hides its queueing; here a slow
 * server shows as latency. Latency is taken from the moment a request was due, not from when the
 * load generator got round to it, so that a late load generator cannot hide a slow server
 * (coordinated omission); the lag is reported too, to tell one from the other.
 */
export interface OpenLoopOptions {
  /** Requests per second. */
  readonly rate: number;
  readonly seconds: number;
  /** More requests than this unanswered at once are not issued and count as errors. */
  readonly maxOutstanding: number;
  /** Issues request `i`; rejects when it failed. */
  readonly issue: (i: number) => Promise<void>;
}

export interface OpenLoopResult {
  /** Requests due in the run: rate x seconds. */
  readonly scheduled: number;
  readonly completed: number;
  readonly errors: number;
  /** The first error's message, to tell what went wrong. */
  readonly firstError: string | undefined;
  /** Each completed request's time from when it was due to its answer. */
  readonly latenciesMs: number[];
  /** Each request's time from when it was due to when it was issued. */
  readonly lagsMs: number[];
  /** From the start until the last answer. */
  readonly seconds: number;
}

const TICK_MS = 1;

export async function runOpenLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const scheduled = Math.round(options.rate * options.seconds);
  const latenciesMs: number[] = [];
  const lagsMs: number[] = [];
  let completed = 0;
  let errors = 0;
  let firstError: string | undefined;
  let outstanding = 0;
  const inFlight = new Set<Promise<void>>();
  const started = performance.now();
  const dueAt = (i: number) => started + (i * 1000) / options.rate;
  const fail = (error: unknown) => {
    errors += 1;
    firstError ??= error instanceof Error ? error.message : String(error);
  };
  let next = 0;
  while (next < scheduled) {
    const now = performance.now();
    for (; next < scheduled && dueAt(next) <= now; next += 1) {
      const due = dueAt(next);
      lagsMs.push(now - due);
      if (outstanding >= options.maxOutstanding) {
        fail(new Error(`more than ${options.maxOutstanding} requests unanswered`));
        continue;
      }
      outstanding += 1;
      const request = options.issue(next).then(() => {
        completed += 1;
        latenciesMs.push(performance.now() - due);
      }, fail);
      const tracked = request.finally(() => {
        outstanding -= 1;
        inFlight.delete(tracked);
      });
      inFlight.add(tracked);
    }
    if (next < scheduled) {
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, Math.min(TICK_MS, dueAt(next) - now))));
    }
  }
  await Promise.all(inFlight);
  return {
    scheduled,
    completed,
    errors,
    firstError,
    latenciesMs,
    lagsMs,
    seconds: (performance.now() - started) / 1000,
  };
}
