/**
 * CSV files shared by everyone who names them: one CsvFile (one writer, one queue) per absolute
 * path, so that lines written for two users never interleave. The last user to release a file
 * closes it; the others only wait for what is queued. Framework-free.
 */
import * as path from 'path';
import { CsvFile } from './csv-file';

interface Shared {
  file: CsvFile;
  users: number;
  /** the fixed columns joined, or null when the file takes its header's or the first record's */
  fixed: string | null;
}

export class SharedCsvFiles {
  private readonly files = new Map<string, Shared>();

  /** The writer of `file` for one more user; throws when its fixed columns differ from a user's. */
  acquire(file: string, columns: readonly string[] | null, warn: (text: string) => void): CsvFile {
    const key = path.resolve(file);
    const fixed = columns ? columns.join(',') : null;
    const shared = this.files.get(key);
    if (shared) {
      if (fixed !== null && shared.fixed !== null && shared.fixed !== fixed) {
        throw new Error(`${key} is already written by another csv-store node with other columns`);
      }
      shared.users += 1;
      return shared.file;
    }
    const created = new CsvFile({ file: key, columns, warn });
    this.files.set(key, { file: created, users: 1, fixed });
    return created;
  }

  /** The writer of `file`, if anyone holds it. */
  get(file: string): CsvFile | undefined {
    return this.files.get(path.resolve(file))?.file;
  }

  /** One user less: the last one writes out the queue and closes the file; others wait for the queue. */
  async release(file: string): Promise<void> {
    const key = path.resolve(file);
    const shared = this.files.get(key);
    if (!shared) return;
    shared.users -= 1;
    if (shared.users > 0) {
      await shared.file.flush();
      return;
    }
    this.files.delete(key);
    await shared.file.close();
  }
}
