import { rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The ephemeral server's certificate in a file of its own temporary directory (for tools that
 * want a path: curl's --cacert, pytest's `verify=`), the one thing `serve --ephemeral` writes.
 * It is removed when the server stops, and, should the program end any other way that still
 * runs its exit handlers (an uncaught error), on exit.
 */
export class CaCertFile {
  private removed = false;
  private readonly onExit = () => this.removeNow();

  private constructor(
    private readonly dir: string,
    readonly path: string,
  ) {
    process.once('exit', this.onExit);
  }

  static async write(pem: string): Promise<CaCertFile> {
    const dir = await mkdtemp(join(tmpdir(), 'fuota-ephemeral-'));
    const path = join(dir, 'ca.pem');
    try {
      await writeFile(path, pem, { mode: 0o644 });
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
    return new CaCertFile(dir, path);
  }

  async remove(): Promise<void> {
    if (this.removed) return;
    this.removed = true;
    process.removeListener('exit', this.onExit);
    await rm(this.dir, { recursive: true, force: true });
  }

  private removeNow(): void {
    if (this.removed) return;
    this.removed = true;
    rmSync(this.dir, { recursive: true, force: true });
  }
}
