/**
 * An append-only CSV file that loses nothing it acknowledged and never writes half a line:
 * one open file handle, one write in flight at a time, rows that arrive meanwhile go out together
 * in the next write. The header is written once, when the file is new or empty. A torn last line
 * (the process died mid-write) is cut off when the file is opened. Framework-free.
 */
import { promises as fsp, constants as fsc } from 'fs';
import * as path from 'path';
import { Cell, headerLine, parseCsvLine, rowsToCsv, toRows, undefuse } from './csv';

export interface CsvFileOptions {
  /** absolute or relative path of the .csv file */
  file: string;
  /** fixed columns; omitted = the existing header's, or the first record's keys */
  columns?: readonly string[] | null;
  /** warnings (torn line cut, header mismatch); default: ignore */
  warn?: (text: string) => void;
}

interface Pending {
  records: readonly Record<string, unknown>[];
  resolve: () => void;
  reject: (err: Error) => void;
}

/** How much of the file's end is read to find its last line break. */
const TAIL_CHUNK = 64 * 1024;
/** Rows formatted and written at once at most: a long queue goes out in several writes, so the
 *  event loop is never held for long. */
const MAX_BATCH_ROWS = 2000;

export class CsvFile {
  readonly file: string;
  private columns: readonly string[] | null;
  private readonly fixedColumns: boolean;
  private readonly warn: (text: string) => void;
  private handle: fsp.FileHandle | null = null;
  private ino = 0;
  private size = 0;
  private needsHeader = false;
  private queue: Pending[] = [];
  private waitingRows = 0;
  private writing: Promise<void> | null = null;
  private opening: Promise<void> | null = null;
  private closed = false;
  /** rows written since open */
  rowsWritten = 0;

  constructor(options: CsvFileOptions) {
    this.file = path.resolve(options.file);
    this.columns = options.columns && options.columns.length ? [...options.columns] : null;
    this.fixedColumns = this.columns !== null;
    this.warn = options.warn ?? (() => undefined);
  }

  /** Bytes of the file that hold complete, acknowledged lines (what a reader may serve). */
  get committedSize(): number {
    return this.size;
  }

  get header(): readonly string[] | null {
    return this.columns;
  }

  /** Number of records waiting for the disk. */
  get backlog(): number {
    return this.waitingRows;
  }

  /** Creates the folder, repairs a torn last line, reads or checks the header, opens the file. */
  open(): Promise<void> {
    if (!this.opening) {
      this.opening = this.doOpen().catch((err) => {
        this.opening = null; // try again with the next write
        throw err;
      });
    }
    return this.opening;
  }

  /**
   * Appends records (one line each). Resolves once their bytes were handed to the OS; rejects
   * if the write failed (then nothing of that write stays in the file).
   */
  append(records: readonly Record<string, unknown>[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error('CSV file is closed'));
    if (records.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ records, resolve, reject });
      this.waitingRows += records.length;
      this.kick();
    });
  }

  /** Writes everything queued, then closes the file. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
    if (this.handle) {
      const h = this.handle;
      this.handle = null;
      await h.close().catch(() => undefined);
    }
  }

  /** Resolves when everything queued so far is written (or has failed). */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private kick(): void {
    if (this.writing) return;
    this.writing = this.drain().finally(() => {
      this.writing = null;
      if (this.queue.length) this.kick();
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length) {
      let take = 0;
      let rows = 0;
      while (take < this.queue.length && (take === 0 || rows + this.queue[take].records.length <= MAX_BATCH_ROWS)) {
        rows += this.queue[take].records.length;
        take += 1;
      }
      const batch = this.queue.splice(0, take);
      this.waitingRows -= rows;
      let written: Pending[];
      try {
        await this.open();
        await this.ensureCurrent();
        written = await this.writeBatch(batch);
      } catch (err) {
        for (const p of batch) p.reject(err as Error);
        continue;
      }
      for (const p of written) p.resolve();
    }
  }

  /** Writes the batch's rows that convert; returns those (the others are rejected here). */
  private async writeBatch(batch: Pending[]): Promise<Pending[]> {
    // Columns are settled only now, after open() has read any existing header.
    if (this.columns === null) this.columns = Object.keys(batch[0].records[0]);
    const cells: Cell[][] = [];
    const ok: Pending[] = [];
    for (const p of batch) {
      try {
        const rows = toRows(p.records, this.columns);
        for (const r of rows) cells.push(r);
        ok.push(p);
      } catch (err) {
        p.reject(err as Error);
      }
    }
    const rows = cells.length;
    if (rows === 0) return ok;
    let text = rowsToCsv(cells);
    if (this.needsHeader) text = headerLine(this.columns) + text;
    const buf = Buffer.from(text, 'utf8');
    const h = this.handle!;
    try {
      let off = 0;
      while (off < buf.length) {
        const { bytesWritten } = await h.write(buf, off, buf.length - off);
        off += bytesWritten;
      }
    } catch (err) {
      // Leave no half-written line behind.
      await h.truncate(this.size).catch(() => undefined);
      throw err;
    }
    this.size += buf.length;
    this.needsHeader = false;
    this.rowsWritten += rows;
    return ok;
  }

  private async doOpen(): Promise<void> {
    await fsp.mkdir(path.dirname(this.file), { recursive: true });
    await this.repairTail();
    await this.checkHeader();
    await this.openHandle();
  }

  /** Reopens when the file was deleted or replaced (log rotation) since it was opened. */
  private async ensureCurrent(): Promise<void> {
    let ino = -1;
    try {
      ino = (await fsp.stat(this.file)).ino;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (this.handle && ino === this.ino) return;
    if (this.handle) await this.handle.close().catch(() => undefined);
    this.handle = null;
    await this.doOpen();
  }

  private async openHandle(): Promise<void> {
    this.handle = await fsp.open(this.file, fsc.O_WRONLY | fsc.O_APPEND | fsc.O_CREAT, 0o644);
    const st = await this.handle.stat();
    this.ino = st.ino;
    this.size = st.size;
    this.needsHeader = st.size === 0;
  }

  /** Cuts an unterminated last line (a write torn by a crash). */
  private async repairTail(): Promise<void> {
    let h: fsp.FileHandle;
    try {
      h = await fsp.open(this.file, 'r+');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    try {
      const { size } = await h.stat();
      if (size === 0) return;
      let end = size;
      let keep = -1;
      // Walk back chunk by chunk to the last line break.
      while (end > 0 && keep < 0) {
        const start = Math.max(0, end - TAIL_CHUNK);
        const buf = Buffer.alloc(end - start);
        await h.read(buf, 0, buf.length, start);
        if (end === size && buf[buf.length - 1] === 0x0a) return; // intact
        const nl = buf.lastIndexOf(0x0a);
        if (nl >= 0) keep = start + nl + 1;
        end = start;
      }
      if (keep < 0) keep = 0;
      const torn = Buffer.alloc(Math.min(size - keep, 200));
      await h.read(torn, 0, torn.length, keep);
      await h.truncate(keep);
      this.warn(`cut a torn last line (${size - keep} bytes) from ${this.file}: ${JSON.stringify(torn.toString('utf8'))}`);
    } finally {
      await h.close();
    }
  }

  /**
   * Reads the first line of an existing file. Without fixed columns it becomes the column list;
   * with fixed columns that differ, the old file is moved aside so that no file mixes layouts.
   */
  private async checkHeader(): Promise<void> {
    const first = await readFirstLine(this.file);
    if (first === null) return;
    const existing = parseCsvLine(first);
    if (!this.fixedColumns) {
      // headerLine() defused names that look like formulas; the records still use the raw keys.
      this.columns = existing.map(undefuse);
      return;
    }
    const wanted = parseCsvLine(headerLine(this.columns!));
    if (existing.join('\u0000') === wanted.join('\u0000')) return;
    const parsed = path.parse(this.file);
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    let aside = path.join(parsed.dir, `${parsed.name}.${stamp}${parsed.ext}`);
    // Never overwrite an earlier moved-aside file (rename replaces silently).
    for (let n = 1; await exists(aside); n++) aside = path.join(parsed.dir, `${parsed.name}.${stamp}-${n}${parsed.ext}`);
    await fsp.rename(this.file, aside);
    this.warn(`${this.file} had the header "${existing.join(',')}", not "${wanted.join(',')}": moved it to ${aside} and started a new file`);
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await fsp.lstat(file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/** The file's first line (without its line break); null when the file is missing or empty. */
async function readFirstLine(file: string): Promise<string | null> {
  let h: fsp.FileHandle;
  try {
    h = await fsp.open(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    const buf = Buffer.alloc(16 * 1024);
    const { bytesRead } = await h.read(buf, 0, buf.length, 0);
    if (bytesRead === 0) return null;
    const text = buf.subarray(0, bytesRead).toString('utf8');
    const nl = text.indexOf('\n');
    return nl >= 0 ? text.slice(0, nl) : text;
  } finally {
    await h.close();
  }
}
