import { accessSync, constants, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const PACKAGE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  bin: Record<string, string>;
  exports: Record<string, string | Record<string, string>>;
};

/** The package's public entry points exist once built (npm test builds first). */
describe('package.json: bin and exports', () => {
  it('bin: fuota-server and fuota are the built programs, run by node', () => {
    expect(PACKAGE.bin).to.deep.equal({ 'fuota-server': 'dist/src/main/main.js', fuota: 'dist/src/cli/main.js' });
    for (const file of Object.values(PACKAGE.bin)) {
      expect(readFileSync(join(ROOT, file), 'utf8')).to.match(/^#!\/usr\/bin\/env node\n/);
    }
  });

  it('exports fuota/testing, its types beside it, and resolves it by the package name', () => {
    expect(PACKAGE.exports['./testing']).to.deep.equal({
      types: './dist/src/testing/index.d.ts',
      default: './dist/src/testing/index.js',
    });
    for (const file of ['dist/src/testing/index.d.ts', 'dist/src/testing/index.js'])
      accessSync(join(ROOT, file), constants.R_OK);
    expect(fileURLToPath(import.meta.resolve('fuota/testing'))).to.equal(join(ROOT, 'dist/src/testing/index.js'));
    expect(readFileSync(join(ROOT, 'dist/src/testing/index.d.ts'), 'utf8')).to.include(
      'export declare function startEphemeralServer(options?: EphemeralServerOptions): Promise<EphemeralServerHandle>;',
    );
  });
});
