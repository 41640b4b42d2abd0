import { injectable } from 'inversify';
import { KeyedMutex } from './keyed-mutex.js';

/**
 * One operation at a time per update file path, across use cases: storing a file, deleting it and
 * assigning rows that name it. Each of them checks the others' data before it writes its own (an
 * upload checks the rows that name its path, an assignment the file its row names), and a check
 * holds only while nothing of the other kind runs for the same path in between.
 */
@injectable()
export class UpdateFileLocks {
  private readonly mutex = new KeyedMutex();

  run<T>(path: string, task: () => Promise<T>): Promise<T> {
    return this.mutex.run(path, task);
  }
}
