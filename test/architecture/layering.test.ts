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
  const patterns = [/\bfrom\s+['"]([^'"]+)['"]/g, /\bimport\s+['"]([^'"]+)['"]/g, /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g, /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g];
  for (const pattern of patterns) for (const match of text.matchAll(pattern)) if (match[1] !== undefined) specifiers.push(match[1]);
  return specifiers;
}

/** The src/ layer an import lands in, or 'package' for anything that is not a relative path. */
function layerOf(file: string, specifier: string): string {
  if (!specifier.startsWith('.')) return 'package';
  const target = relative(SRC, resolve(dirname(file), specifier));
  return target.startsWith('..') ? 'outside-src' : (target.split(sep)[0] ?? '');
}

/** Which layers each layer may import (design.md: domain <- ports <- app <- adapters). */
const ALLOWED: Record<string, Set<string>> = {
  domain: new Set(['domain']),
  ports: new Set(['domain', 'ports']),
};

describe('architecture: the dependency rule', () => {
  for (const layer of Object.keys(ALLOWED)) {
    it(`src/${layer} imports only from ${[...(ALLOWED[layer] ?? [])].join(' and ')}, and no package at all`, () => {
      const files = sourceFiles(join(SRC, layer));
      expect(files).to.not.be.empty;
      const violations = files.flatMap((file) =>
        importsOf(readFileSync(file, 'utf8'))
          .filter((specifier) => !ALLOWED[layer]?.has(layerOf(file, specifier)))
          .map((specifier) => `${relative(ROOT, file)} imports ${specifier}`),
      );
      expect(violations).to.deep.equal([]);
    });
  }

  it('only src/app and src/main import inversify, and adapters never import the composition root', () => {
    const violations = sourceFiles(SRC).flatMap((file) => {
      const layer = relative(SRC, file).split(sep)[0];
      return importsOf(readFileSync(file, 'utf8'))
        .filter((specifier) => (specifier === 'inversify' && layer !== 'app' && layer !== 'main') || (layer === 'adapters' && /\/main\//.test(specifier)))
        .map((specifier) => `${relative(ROOT, file)} imports ${specifier}`);
    });
    expect(violations).to.deep.equal([]);
  });

  it('detects a violation (the check itself works)', () => {
    const file = join(SRC, 'domain', 'example.ts');
    expect(importsOf("import { x } from '../adapters/y.js';\nimport 'node:fs';").map((s) => layerOf(file, s))).to.deep.equal(['adapters', 'package']);
    expect(importsOf("export { a } from './a.js';\nconst m = await import('koa');")).to.deep.equal(['./a.js', 'koa']);
  });
});
