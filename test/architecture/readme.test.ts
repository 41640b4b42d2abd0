import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { README_CLIENT_CERTIFICATE, README_DEVICE_CREDENTIAL_CURL } from '../support/readme-security-commands.js';
import { brokenLinks, headingAnchors } from '../support/markdown-links.js';
import { README_DOWNLOAD_CURL, SEED_CURL } from '../support/seed-curl-commands.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const README_FILE = join(ROOT, 'README.md');
const README = readFileSync(README_FILE, 'utf8');
const DOCS = join(ROOT, 'docs');
const DOC_FILES = readdirSync(DOCS)
  .filter((name) => name.endsWith('.md'))
  .map((name) => join(DOCS, name));
/** Everything the README and docs/ show: a command may live in any of them. */
const DOCUMENTATION = [README, ...DOC_FILES.map((file) => readFileSync(file, 'utf8'))].join('\n');

/** A newcomer reads the README in five minutes; the rest is in docs/. */
const README_MAX_BYTES = 12 * 1024;

/** The documentation promises what the tests run: keep the two from drifting apart. */
describe('README and docs/', () => {
  for (const [name, command] of Object.entries(SEED_CURL)) {
    it(`shows the seed's ${name} curl command verbatim (the one the e2e test runs)`, () => {
      expect(DOCUMENTATION).to.include(command);
    });
  }

  for (const [name, command] of Object.entries(README_DOWNLOAD_CURL)) {
    it(`shows the ${name} download example the e2e test runs`, () => {
      expect(DOCUMENTATION).to.include(command);
    });
  }

  for (const [name, command] of Object.entries({ ...README_DEVICE_CREDENTIAL_CURL, ...README_CLIENT_CERTIFICATE })) {
    it(`shows the ${name} security command the e2e test runs`, () => {
      expect(DOCUMENTATION).to.include(command);
    });
  }

  it("runs the same commands as the seed users' document in ../shared (skipped without ../shared)", function () {
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
    const variables = [...names].filter(
      (name) => ![...names].some((other) => other !== name && other.startsWith(`${name}_`)),
    );
    expect(variables.length).to.be.above(8);
    // The fleet's tuning variables have their table in docs/operations.md, which README links.
    const operations = readFileSync(join(ROOT, 'docs', 'operations.md'), 'utf8');
    for (const variable of variables) expect(`${README}\n${operations}`, variable).to.include(`\`${variable}\``);
  });

  it("gives the quick start's two commands, and .ci/run runs its test command on the machine's Node and Node 24", () => {
    expect(README).to.include('npm ci && npm start');
    expect(README).to.match(/^npm test\b/m);
    const ci = readFileSync(join(ROOT, '.ci', 'run'), 'utf8');
    expect(ci.match(/^ *npm test$/gm)).to.have.length(2);
    expect(ci).to.include('tools/fetch-node 24 ');
    // The second Node is the Docker image's.
    expect(readFileSync(join(ROOT, 'docker', 'Dockerfile'), 'utf8')).to.match(
      /^ARG NODE_IMAGE=node:24-bookworm-slim$/m,
    );
  });

  it('lints first in npm test, as the README says', () => {
    const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(scripts.test).to.match(/^npm run lint && /);
    expect(scripts.lint).to.include('eslint').and.include('prettier --check');
    expect(README).to.include('`npm run lint` (the first step of `npm test`)');
  });

  it(`keeps README.md within ${README_MAX_BYTES} bytes`, () => {
    expect(statSync(README_FILE).size).to.be.at.most(README_MAX_BYTES);
  });

  it('has the documents the README links to: api, security, operations, performance, architecture', () => {
    const names = DOC_FILES.map((file) => file.slice(DOCS.length + 1));
    expect(names).to.include.members(['api.md', 'security.md', 'operations.md', 'performance.md', 'architecture.md']);
    for (const name of names) expect(README, name).to.include(`](docs/${name})`);
  });

  for (const file of [README_FILE, ...DOC_FILES]) {
    it(`${file.slice(ROOT.length + 1)}: every relative link points at an existing file and heading`, () => {
      expect(brokenLinks(file)).to.deep.equal([]);
    });
  }

  it("finds broken links and GitHub's heading anchors (the link check itself works)", () => {
    const page = join(DOCS, 'api.md');
    expect(
      brokenLinks(page, '[a](missing.md) [b](api.md#no-such-heading) [c](#the-api) [d](https://example.com/x.md)'),
    ).to.have.length(2);
    expect([
      ...headingAnchors('# A `GET /x/<id>?v=`: b\n```bash\n# not a heading\n```\n## A b\n## A b\n'),
    ]).to.deep.equal(['a-get-xidv-b', 'a-b', 'a-b-1']);
  });
});
