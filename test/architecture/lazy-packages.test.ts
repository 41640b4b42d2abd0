import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

// The compiled tree (this file runs from dist/test/architecture): type-only imports are gone
// there, so what is left is exactly what Node loads.
const DIST = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SRC = join(DIST, 'src');

/** Every module a compiled module loads as soon as it is loaded: its static imports and re-exports. */
export function staticImportsOf(text: string): string[] {
  const specifiers: string[] = [];
  // `import x from '...'`, `import '...'`, `export { x } from '...'`; not `import('...')`.
  const pattern = /^\s*(?:import|export)\s+(?:[^'";()]*?\s+from\s+)?['"]([^'"]+)['"]/gm;
  for (const match of text.matchAll(pattern)) if (match[1] !== undefined) specifiers.push(match[1]);
  return specifiers;
}

/** The package a bare specifier names (`@aws-sdk/client-s3` whole, `pino/file` as `pino`). */
function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? '');
}

/**
 * The packages loaded with `entry` before any of its code runs, each with the chain of modules
 * that leads to it (for the failure message).
 */
export function packagesLoadedWith(entry: string, read: (file: string) => string): Map<string, string> {
  const parentOf = new Map<string, string | undefined>([[entry, undefined]]);
  const packages = new Map<string, string>();
  const chain = (file: string | undefined) => {
    const links: string[] = [];
    for (let at = file; at !== undefined; at = parentOf.get(at)) links.push(relative(SRC, at));
    return links.join(' <- ');
  };
  const queue = [entry];
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    for (const specifier of staticImportsOf(read(file))) {
      if (specifier.startsWith('.')) {
        const target = resolve(dirname(file), specifier);
        if (!parentOf.has(target)) {
          parentOf.set(target, file);
          queue.push(target);
        }
      } else if (!specifier.startsWith('node:') && !packages.has(packageOf(specifier))) {
        packages.set(packageOf(specifier), chain(file));
      }
    }
  }
  return packages;
}

/** What each way of running fuota on its embedded defaults loads first (main.ts imports each command when run). */
const EMBEDDED_ENTRIES = [
  'main/main.js',
  'main/commands/serve-command.js',
  'main/commands/serve-ephemeral-command.js',
  'main/commands/import-seed-command.js',
  'main/commands/healthcheck-command.js',
  'main/cluster/cluster-primary.js',
  'main/cluster/cluster-worker.js',
];

/** Loaded only where PostgreSQL or a bucket is configured (storage.ts imports their adapters then). */
const LOADED_ON_DEMAND = ['pg', '@aws-sdk/client-s3'];

describe('architecture: packages loaded only when configured', () => {
  before(function () {
    if (!existsSync(join(SRC, 'main', 'main.js'))) this.skip();
  });

  for (const entry of EMBEDDED_ENTRIES) {
    it(`${entry} loads neither node-postgres nor the AWS SDK until they are configured`, () => {
      const loaded = packagesLoadedWith(join(SRC, entry), (file) => readFileSync(file, 'utf8'));
      const unwanted = LOADED_ON_DEMAND.filter((name) => loaded.has(name)).map(
        (name) => `${name}: ${loaded.get(name)}`,
      );
      expect(unwanted).to.deep.equal([]);
    });
  }

  it('sees through the storage modules to node-postgres and the AWS SDK (the check itself works)', () => {
    const read = (file: string) => readFileSync(file, 'utf8');
    expect([...packagesLoadedWith(join(SRC, 'main/bootstrap/postgres-state-stores.js'), read).keys()]).to.include('pg');
    expect([...packagesLoadedWith(join(SRC, 'main/bootstrap/s3-blob-storage.js'), read).keys()]).to.include(
      '@aws-sdk/client-s3',
    );
    expect(
      staticImportsOf(
        "import a from './a.js';\nexport { b } from \"./b.js\";\nimport 'c';\nconst d = await import('./d.js');",
      ),
    ).to.deep.equal(['./a.js', './b.js', 'c']);
  });
});
