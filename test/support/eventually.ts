/**
 * Waits until `condition` holds, asking again every 20 ms, and fails after `timeoutMs` (a bound
 * for a broken server, far above what a working one needs: no test depends on how fast it is).
 */
export async function eventually(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`still not true after ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
