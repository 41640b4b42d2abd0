import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { README_CLIENT_CERTIFICATE, README_DEVICE_CREDENTIAL_CURL } from '../support/readme-security-commands.js';
import { README_DOWNLOAD_CURL, SEED_CURL } from '../support/seed-curl-commands.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** The README promises what the tests run: keep the two from drifting apart. */
describe('README', () => {
  for (const [name, command] of Object.entries(SEED_CURL)) {
    it(`shows the seed's ${name} curl command verbatim (the one the e2e test runs)`, () => {
      expect(README).to.include(command);
    });
  }

  for (const [name, command] of Object.entries(README_DOWNLOAD_CURL)) {
    it(`shows the ${name} download example the e2e test runs`, () => {
      expect(README).to.include(command);
    });
  }

  for (const [name, command] of Object.entries({ ...README_DEVICE_CREDENTIAL_CURL, ...README_CLIENT_CERTIFICATE })) {
    it(`shows the ${name} security command the e2e test runs`, () => {
      expect(README).to.include(command);
    });
  }

  it('runs the same commands as the seed users\' document in ../shared (skipped without ../shared)', function () {
    const shared = join(ROOT, '..', 'shared', 'docs', 'seed-curl.md');
    let document: string;
    try {
      document = readFileSync(shared, 'utf8');
    } catch {
      console.warn(`      (skipped: ${shared} is not there; it sits beside the repository in the team's workspace)`);
      this.skip();
    }
    for (const command of Object.values(SEED_CURL)) expect(document).to.include(command);
  });

  it('documents every configuration variable the program reads', () => {
    const source = readFileSync(join(ROOT, 'src', 'main', 'config', 'load-config.ts'), 'utf8');
    const names = new Set([...source.matchAll(/\b((?:FUOTA|US)_[A-Z_]+)\b/g)].map((match) => match[1] ?? ''));
    // A prefix the source builds names from (`FUOTA_DEVICE` + `_USERNAME`) is not a variable.
    const variables = [...names].filter((name) => ![...names].some((other) => other !== name && other.startsWith(`${name}_`)));
    expect(variables.length).to.be.above(8);
    for (const variable of variables) expect(README, variable).to.include(`\`${variable}\``);
  });

  it('gives the quick start\'s two commands, and .ci/run runs its test command', () => {
    expect(README).to.include('npm ci && npm start');
    expect(README).to.match(/^npm test\b/m);
    expect(readFileSync(join(ROOT, '.ci', 'run'), 'utf8')).to.match(/^npm test$/m);
  });
});
