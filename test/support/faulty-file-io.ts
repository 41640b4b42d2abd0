import type { FileIo, WritableFile } from '../../src/adapters/outbound/filesystem/file-io.js';
import { ioError, nodeFileIo } from '../../src/adapters/outbound/filesystem/file-io.js';

export type FileOperation = 'open' | 'write' | 'sync' | 'datasync' | 'truncate' | 'close';

/** One planned failure: which calls it hits and what they do instead of succeeding. */
export interface FaultRule {
  readonly on: FileOperation;
  /** Only files whose path matches; every file when absent. */
  readonly path?: RegExp;
  /**
   * `short`: a write writes the first half of its bytes (at least one) for real and reports that
   * count; `ENOSPC`, `EIO`: the call fails with that code and does nothing.
   */
  readonly fault: 'short' | 'ENOSPC' | 'EIO';
  /** Matching calls that succeed before the rule fires (default 0). */
  readonly after?: number;
  /** How many matching calls it fails once it fires (default 1; Infinity for every one). */
  readonly times?: number;
}

interface ArmedRule {
  readonly rule: FaultRule;
  skip: number;
  left: number;
}

/**
 * The real file system with failures at chosen points, for tests of what the storage adapters do
 * when a disk fills or fails: rules for single calls, and a disk of limited free space on which
 * a write that does not fit writes what fits (short, as Linux does) and the next one gets ENOSPC.
 */
export class FaultyFileIo implements FileIo {
  private rules: ArmedRule[] = [];
  /** Bytes that writes may still add, or undefined for an unlimited disk. */
  private free: number | undefined;
  /** Every call made, as `<operation> <path>`, to assert on where faults landed. */
  readonly calls: string[] = [];
  /** Faults that fired, as `<fault> <operation> <path>`. */
  readonly fired: string[] = [];

  constructor(private readonly inner: FileIo = nodeFileIo) {}

  inject(rule: FaultRule): this {
    this.rules.push({ rule, skip: rule.after ?? 0, left: rule.times ?? 1 });
    return this;
  }

  /** From now on only `bytes` more may be written, across every file. */
  fillDisk(bytes = 0): this {
    this.free = bytes;
    return this;
  }

  /** Space is freed again: writes succeed as on a healthy disk. */
  freeDisk(): this {
    this.free = undefined;
    return this;
  }

  /** Removes every rule and frees the disk. */
  heal(): this {
    this.rules = [];
    return this.freeDisk();
  }

  async open(path: string, flags: string, mode?: number): Promise<WritableFile> {
    this.fail('open', path);
    const file = await this.inner.open(path, flags, mode);
    return {
      write: async (bytes, position) => {
        const fault = this.fail('write', path);
        let length = fault === 'short' ? Math.max(1, Math.floor(bytes.length / 2)) : bytes.length;
        if (this.free !== undefined && bytes.length > 0) {
          if (this.free === 0) throw this.record('ENOSPC', 'write', path);
          if (length > this.free) {
            length = this.free;
            this.fired.push(`short write ${path}`);
          }
          this.free -= length;
        }
        return file.write(bytes.subarray(0, length), position);
      },
      sync: () => this.pass('sync', path, () => file.sync()),
      datasync: () => this.pass('datasync', path, () => file.datasync()),
      truncate: (length) => this.pass('truncate', path, () => file.truncate(length)),
      links: async () => (await file.links?.()) ?? 1,
      close: async () => {
        // The descriptor is closed even when the call reports a failure, as close(2) does.
        const fault = this.due('close', path);
        await file.close();
        if (fault !== undefined && fault !== 'short') throw this.record(fault, 'close', path);
      },
    };
  }

  private async pass(operation: FileOperation, path: string, call: () => Promise<void>): Promise<void> {
    this.fail(operation, path);
    await call();
  }

  /** Throws when a rule makes this call fail; returns 'short' when a write is to be cut short. */
  private fail(operation: FileOperation, path: string): 'short' | undefined {
    const fault = this.due(operation, path);
    if (fault === undefined || fault === 'short') {
      if (fault === 'short') this.fired.push(`short ${operation} ${path}`);
      return fault;
    }
    throw this.record(fault, operation, path);
  }

  private due(operation: FileOperation, path: string): FaultRule['fault'] | undefined {
    this.calls.push(`${operation} ${path}`);
    for (const armed of this.rules) {
      const { rule } = armed;
      if (rule.on !== operation || (rule.path !== undefined && !rule.path.test(path)) || armed.left <= 0) continue;
      if (armed.skip > 0) {
        armed.skip -= 1;
        continue;
      }
      armed.left -= 1;
      return rule.fault;
    }
    return undefined;
  }

  private record(code: 'ENOSPC' | 'EIO', operation: FileOperation, path: string): NodeJS.ErrnoException {
    this.fired.push(`${code} ${operation} ${path}`);
    return ioError(code, `${operation} ${path} (injected)`);
  }
}
