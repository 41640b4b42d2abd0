import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

/*
 * axe-core's checks, run in the page as it is shown. The script is evaluated over the DevTools
 * protocol (page.evaluate), which the page's Content-Security-Policy does not govern: the page
 * itself still runs under its policy, unchanged (the tests never bypass it).
 */

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** The impacts that fail a page; minor and moderate findings are left to review. */
const FAILING_IMPACTS = new Set(['serious', 'critical']);

export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly helpUrl: string;
  /** The CSS selectors of the elements at fault. */
  readonly targets: string[];
}

/** Every violation axe finds on the page as it stands (all impacts). */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  const loaded = await page.evaluate(() => typeof (globalThis as { axe?: unknown }).axe === 'object');
  if (!loaded) {
    await page.evaluate(AXE_SOURCE);
    const ready = await page.evaluate(() => typeof (globalThis as { axe?: unknown }).axe === 'object');
    if (!ready) throw new Error('axe-core did not load in the page');
  }
  return page.evaluate(async () => {
    interface AxeResult {
      violations: Array<{
        id: string;
        impact?: string | null;
        help: string;
        helpUrl: string;
        nodes: Array<{ target: unknown[] }>;
      }>;
    }
    const axe = (globalThis as unknown as { axe: { run(options: object): Promise<AxeResult> } }).axe;
    const result = await axe.run({ resultTypes: ['violations'] });
    return result.violations.map((violation) => ({
      id: violation.id,
      impact: violation.impact ?? null,
      help: violation.help,
      helpUrl: violation.helpUrl,
      targets: violation.nodes.map((node) => node.target.map(String).join(' ')),
    }));
  });
}

/** The violations as lines a person can act on: id, impact, help, and where. */
export function describeViolations(violations: readonly AxeViolation[]): string {
  return violations
    .map(
      (v) => `  ${v.id} (${v.impact ?? 'no impact'}): ${v.help} [${v.helpUrl}]\n    at ${v.targets.join('\n    at ')}`,
    )
    .join('\n');
}

/**
 * Fails when axe finds a serious or critical violation on the page (`what` names the page in the
 * failure), listing each with its help text and the elements at fault.
 */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  const failing = (await axeViolations(page)).filter((v) => FAILING_IMPACTS.has(v.impact ?? ''));
  if (failing.length > 0) {
    throw new Error(
      `${what} (${page.url()}): ${failing.length} serious or critical accessibility violation(s):\n${describeViolations(failing)}`,
    );
  }
}
