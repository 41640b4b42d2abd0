import { execFile, execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { buildEspImage } from '../support/esp-image-builder.js';
import type { Sandbox } from '../support/ephemeral-program.js';
import { makeSandbox } from '../support/ephemeral-program.js';
import { MAIN } from '../support/started-program.js';

const run = promisify(execFile);
const DOC = join(resolve(dirname(fileURLToPath(import.meta.url)), '../../..'), 'docs', 'testing-harness.md');

/** The fenced block of `language` in `markdown` whose first line starts with `first`. */
function block(markdown: string, language: string, first: string): string {
  for (const match of markdown.matchAll(new RegExp(`^\`\`\`${language}\\n([^]*?)^\`\`\`$`, 'gm'))) {
    if (match[1]?.startsWith(first)) return match[1];
  }
  throw new Error(`docs/testing-harness.md has no ${language} block starting with ${first}`);
}

/** Skips without pytest on a developer machine, saying how to get it; in CI a missing pytest fails. */
function requirePytest(context: Mocha.Context): void {
  try {
    execFileSync('python3', ['-m', 'pytest', '--version'], { stdio: 'ignore' });
  } catch {
    if (process.env.CI === 'true') throw new Error('pytest is not installed; .ci/run must install python3-pytest');
    console.warn('      (skipped: pytest is not installed; apt-get install python3-pytest)');
    context.skip();
  }
}

describe("e2e: docs/testing-harness.md's pytest example, run by pytest against serve --ephemeral", function () {
  let sandbox: Sandbox;
  after(async () => sandbox?.remove());

  it('passes, and the server it started leaves nothing on disk', async function () {
    requirePytest(this);
    sandbox = await makeSandbox();
    const doc = await readFile(DOC, 'utf8');
    const example = block(doc, 'python', '# test_ota.py');
    const row = block(doc, 'text', '"24:0A:C4:00:01:02"').split('\n')[0];
    await writeFile(join(sandbox.client, 'test_ota.py'), example);
    await mkdir(join(sandbox.client, 'firmware'));
    await writeFile(join(sandbox.client, 'firmware', 'lamp-1.1.bin'), buildEspImage({ version: '1.1' }));
    await writeFile(join(sandbox.client, 'firmware', 'devices.csv'), `${row}\n`);
    const { stdout } = await run('python3', ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', 'test_ota.py'], {
      cwd: sandbox.client,
      encoding: 'utf8',
      env: {
        ...sandbox.env,
        PYTHONDONTWRITEBYTECODE: '1',
        FUOTA_SERVER: `'${process.execPath}' '${MAIN}'`,
      },
    }).catch((error: { stdout?: string; stderr?: string }) => {
      throw new Error(`pytest failed:\n${error.stdout ?? ''}\n${error.stderr ?? ''}`);
    });
    expect(stdout).to.match(/\b2 passed\b/);
    expect(await sandbox.leftovers()).to.deep.equal([]);
  });
});
