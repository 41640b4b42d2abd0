import { execFileSync } from 'node:child_process';

/** Whether a command-line tool is installed (`.ci/run` installs the ones the tests use). */
export function hasTool(name: string, versionArg = '--version'): boolean {
  try {
    execFileSync(name, [versionArg], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Skips the calling suite when `tool` is missing on a developer machine, saying how to get it;
 * in CI (CI=true) a missing tool fails instead, so a broken install step cannot hide tests.
 */
export function requireTool(context: Mocha.Context, tool: string, aptPackage: string, versionArg?: string): void {
  if (hasTool(tool, versionArg)) return;
  if (process.env.CI === 'true') throw new Error(`${tool} is not installed; .ci/run must install ${aptPackage}`);
  console.warn(`      (skipped: ${tool} is not installed; apt-get install ${aptPackage})`);
  context.skip();
}
