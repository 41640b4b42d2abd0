import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const SRC = join(ROOT, 'src');

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const full = join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** Every module specifier a TypeScript file imports or re-exports, static or dynamic. */
export function importsOf(text: string): string[] {
  const specifiers: string[] = [];
  const patterns = [
    /\bfrom\s+['"]([^'"]+)['"]/g,
    /\bimport\s+['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const pattern of patterns)
    for (const match of text.matchAll(pattern)) if (match[1] !== undefined) specifiers.push(match[1]);
  return specifiers;
}

/** The src/ layer an import lands in, or 'package' for anything that is not a relative path. */
function layerOf(file: string, specifier: string): string {
  if (!specifier.startsWith('.')) return 'package';
  const target = relative(SRC, resolve(dirname(file), specifier));
  return target.startsWith('..') ? 'outside-src' : (target.split(sep)[0] ?? '');
}

/** What one place in src/ may import: other places, and packages (npm or node builtins). */
interface Rule {
  readonly places: ReadonlySet<string>;
  /** `any`, or the only packages allowed (an empty set: none, node builtins included). */
  readonly packages: 'any' | ReadonlySet<string>;
}

const EVERY_PLACE = new Set(['domain', 'ports', 'app', 'adapters', 'main', 'cli', 'testing']);

/**
 * The dependency rule (design.md: domain <- ports <- app <- adapters <- main). src/app uses
 * Inversify's decorators and nothing else from outside: crypto, files and configuration parsing
 * sit behind ports or in the composition root. Only src/main (and src/cli, bench, test) may
 * name an adapter.
 */
const RULES: Readonly<Record<string, Rule>> = {
  domain: { places: new Set(['domain']), packages: new Set() },
  ports: { places: new Set(['domain', 'ports']), packages: new Set() },
  app: { places: new Set(['domain', 'ports', 'app']), packages: new Set(['inversify']) },
  adapters: { places: new Set(['domain', 'ports', 'app', 'adapters']), packages: 'any' },
  main: { places: new Set(['domain', 'ports', 'app', 'adapters', 'main']), packages: 'any' },
  cli: { places: new Set(['domain', 'ports', 'app', 'adapters', 'cli']), packages: 'any' },
  // The package's `fuota/testing` export: a thin public face over the composition root.
  testing: { places: new Set(['main', 'testing']), packages: new Set(['reflect-metadata']) },
};

/** The package a bare specifier names: `node:fs` and `fs` alike, `@koa/router` whole, `pino/file` as `pino`. */
function packageOf(specifier: string): string {
  const parts = specifier.replace(/^node:/, '').split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? '');
}

/** The imports of `file` (in src/`place`) that its place's rule forbids. */
export function violationsOf(place: string, file: string, text: string): string[] {
  const rule = RULES[place];
  if (rule === undefined) return [`${relative(ROOT, file)} is in src/${place}, which has no rule`];
  return importsOf(text)
    .filter((specifier) => {
      const target = layerOf(file, specifier);
      if (target !== 'package') return !rule.places.has(target);
      return rule.packages !== 'any' && !rule.packages.has(packageOf(specifier));
    })
    .map((specifier) => `${relative(ROOT, file)} imports ${specifier}`);
}

function describeRule(place: string, rule: Rule): string {
  const packages =
    rule.packages === 'any'
      ? 'any package'
      : rule.packages.size === 0
        ? 'no package (no node builtin either)'
        : `no package but ${[...rule.packages].join(', ')}`;
  return `src/${place} imports only from ${[...rule.places].join(', ')}, and ${packages}`;
}

describe('architecture: the dependency rule', () => {
  for (const [place, rule] of Object.entries(RULES)) {
    it(describeRule(place, rule), () => {
      const files = sourceFiles(join(SRC, place));
      expect(files).to.have.length.above(0);
      const violations = files.flatMap((file) => violationsOf(place, file, readFileSync(file, 'utf8')));
      expect(violations).to.deep.equal([]);
    });
  }

  it('every place in src/ has a rule (a new folder cannot escape them)', () => {
    const places = readdirSync(SRC, { withFileTypes: true }).map((entry) => entry.name);
    expect(places.filter((name) => !EVERY_PLACE.has(name))).to.deep.equal([]);
  });

  it('only src/main and src/cli (besides bench and test) import src/adapters', () => {
    const violations = sourceFiles(SRC).flatMap((file) => {
      const place = relative(SRC, file).split(sep)[0] ?? '';
      if (place === 'main' || place === 'cli' || place === 'adapters') return [];
      return importsOf(readFileSync(file, 'utf8'))
        .filter((specifier) => layerOf(file, specifier) === 'adapters')
        .map((specifier) => `${relative(ROOT, file)} imports ${specifier}`);
    });
    expect(violations).to.deep.equal([]);
  });

  it("src/app takes only Inversify's decorators (the container is the composition root's)", () => {
    const DECORATORS = new Set(['inject', 'injectable', 'multiInject', 'optional', 'named', 'tagged', 'unmanaged']);
    const violations = sourceFiles(join(SRC, 'app')).flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/\bimport\s+(type\s+)?([^;]*?)\s+from\s+['"]inversify['"]/g)].flatMap(
        (match) => {
          const names = /^\{([^}]*)\}$/
            .exec((match[2] ?? '').trim())?.[1]
            ?.split(',')
            .map(
              (name) =>
                name
                  .trim()
                  .replace(/^type\s+/, '')
                  .split(/\s+as\s+/)[0] ?? '',
            )
            .filter((name) => name !== '');
          if (names === undefined) return [`${relative(ROOT, file)} imports inversify as ${match[2]}`];
          return names
            .filter((name) => !DECORATORS.has(name))
            .map((name) => `${relative(ROOT, file)} imports ${name} from inversify`);
        },
      ),
    );
    expect(violations).to.deep.equal([]);
  });

  it('only src/app and src/main import inversify', () => {
    const violations = sourceFiles(SRC).flatMap((file) => {
      const place = relative(SRC, file).split(sep)[0];
      return importsOf(readFileSync(file, 'utf8'))
        .filter((specifier) => specifier === 'inversify' && place !== 'app' && place !== 'main')
        .map((specifier) => `${relative(ROOT, file)} imports ${specifier}`);
    });
    expect(violations).to.deep.equal([]);
  });

  it('detects a violation (the check itself works)', () => {
    const file = join(SRC, 'domain', 'example.ts');
    expect(
      importsOf("import { x } from '../adapters/y.js';\nimport 'node:fs';").map((s) => layerOf(file, s)),
    ).to.deep.equal(['adapters', 'package']);
    expect(importsOf("export { a } from './a.js';\nconst m = await import('koa');")).to.deep.equal(['./a.js', 'koa']);
  });

  it('each rule catches what it forbids (the checks themselves work)', () => {
    const text = (...specifiers: string[]) => specifiers.map((s) => `import x from '${s}';`).join('\n');
    const appFile = join(SRC, 'app', 'use-cases', 'example.ts');
    expect(
      violationsOf(
        'app',
        appFile,
        text('inversify', '../../ports/p.js', 'node:crypto', 'crypto', 'zod', '../../adapters/a.js', '../../main/m.js'),
      ),
    ).to.deep.equal([
      'src/app/use-cases/example.ts imports node:crypto',
      'src/app/use-cases/example.ts imports crypto',
      'src/app/use-cases/example.ts imports zod',
      'src/app/use-cases/example.ts imports ../../adapters/a.js',
      'src/app/use-cases/example.ts imports ../../main/m.js',
    ]);
    const portFile = join(SRC, 'ports', 'example.port.ts');
    expect(violationsOf('ports', portFile, text('../domain/d.js', '../app/a.js', 'node:fs'))).to.deep.equal([
      'src/ports/example.port.ts imports ../app/a.js',
      'src/ports/example.port.ts imports node:fs',
    ]);
    const adapterFile = join(SRC, 'adapters', 'outbound', 'example.ts');
    expect(
      violationsOf('adapters', adapterFile, text('koa', '../../app/a.js', '../../main/container.js', '../../cli/c.js')),
    ).to.deep.equal([
      'src/adapters/outbound/example.ts imports ../../main/container.js',
      'src/adapters/outbound/example.ts imports ../../cli/c.js',
    ]);
    expect(packageOf('@koa/router/x')).to.equal('@koa/router');
    expect(packageOf('node:fs/promises')).to.equal('fs');
  });
});
